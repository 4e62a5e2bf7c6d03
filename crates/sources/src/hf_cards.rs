//! `hf-cards`: Hugging Face model cards (`README.md` with YAML front matter).
//!
//! Declared facts come from the front matter (license, languages, tags, datasets, base_model,
//! pipeline_tag, library_name, model-index, co2_eq_emissions). The Trainer-generated body adds
//! lineage, hyperparameters, results and framework versions with method `text_pattern`
//! (see [`crate::hf_cards::prose`]). A YAML error is a warning: the markdown is still read.

mod card_data;
mod model_index;
pub(crate) mod prose;
mod tables;

use std::path::Path;

use macaroni_format::{id, Dataset, Method, Model, Record};
use serde_json::{Map, Value};

use crate::frontmatter::{self, looks_like_template};
use crate::markdown::{self, Section};
use crate::{Document, ReadContext, ReadOutput, WarningKind};

pub use card_data::parse_number;
pub(crate) use card_data::{number as number_of, publisher_records, read_card_data, string_list as string_list_of};

pub(crate) fn accepts(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("md"))
}

pub(crate) fn read(doc: &Document, text: &str, ctx: &ReadContext, out: &mut ReadOutput) {
    let split = frontmatter::split(text);
    let card_data = split
        .yaml
        .and_then(|yaml| parse_front_matter(doc, yaml, split.glued_close, out));
    let sections = markdown::sections(split.body);

    let data = card_data.unwrap_or_default();
    if is_dataset_card(&data, &sections) {
        out.records.push(Record::Dataset(dataset_from_card(
            doc, ctx, &data, &sections, split.body,
        )));
        return;
    }

    let repo = repo_id(doc, &data, &sections, split.body);
    let model_id = id::hf_model(&repo.id);
    let provenance = ctx.provenance("huggingface", doc);
    let mut model = Model {
        id: model_id.clone(),
        provenance: provenance.clone(),
        name: Some(repo.id.rsplit('/').next().unwrap_or(&repo.id).to_string()),
        zoo: Some("huggingface".into()),
        url: repo.known.then(|| format!("https://huggingface.co/{}", repo.id)),
        description: markdown::first_paragraph(&sections),
        card_text: Some(split.body.trim().to_string()).filter(|t| !t.is_empty()),
        ..Model::default()
    };
    if repo.known {
        card_data::publisher_records(&repo.id, &model_id, &provenance, out);
    }
    read_card_data(&mut model, &data, &provenance, doc, out);
    let declared_task = model.task.clone();
    let model_name = model.name.clone().unwrap_or_default();
    out.records.push(Record::Model(model));
    let table_provenance = |confidence: f64, evidence: &str| {
        provenance.with_method(Method::ParsedTable, confidence, Some(markdown::truncate(evidence, 300)))
    };
    tables::extract(&model_id, &model_name, &sections, &table_provenance, out);
    prose::extract(
        &model_id,
        declared_task.as_deref(),
        split.body,
        &sections,
        &provenance,
        out,
    );
}

/// Parses the front matter into a mapping, recording a warning for anything else.
fn parse_front_matter(
    doc: &Document,
    yaml: &str,
    glued_close: bool,
    out: &mut ReadOutput,
) -> Option<Map<String, Value>> {
    if looks_like_template(yaml) {
        out.warn(
            doc,
            WarningKind::Template,
            "front matter holds template placeholders; ignored",
        );
        return None;
    }
    if glued_close {
        out.warn(
            doc,
            WarningKind::YamlError,
            "closing `---` is glued to the end of a text line",
        );
    }
    match out.yaml(doc, yaml, "front matter (the markdown is still read)")? {
        Value::Object(map) => Some(map),
        Value::Null => None,
        other => {
            let kind = if other.is_array() { "a list" } else { "a scalar" };
            out.warn(
                doc,
                WarningKind::NotAMapping,
                format!("front matter is {kind}, not a mapping; ignored"),
            );
            None
        }
    }
}

struct RepoId {
    id: String,
    /// Whether the id is a real Hub repository id rather than a local stand-in.
    known: bool,
}

/// The repository id: from the folder layout `<org>/<name>/README.md`, the legacy
/// `<name>-README.md` file name, a full id in model-index / model_name, else a local stand-in.
fn repo_id(doc: &Document, data: &Map<String, Value>, sections: &[Section], body: &str) -> RepoId {
    // The full path, not the one relative to the folder named, so that a single README.md given
    // as a file still yields its `<org>/<name>`.
    let full_path = Path::new(&doc.uri);
    let components: Vec<&str> = full_path.iter().filter_map(|c| c.to_str()).collect();
    // A crawled card: `<endpoint>/<org>/<name>/resolve/<revision>/README.md`.
    if doc.uri.starts_with("http://") || doc.uri.starts_with("https://") {
        if let Some(id) = crate::hub_repo_of(doc) {
            return RepoId { id, known: true };
        }
    }
    if doc.file_name().eq_ignore_ascii_case("README.md") && components.len() >= 3 {
        let n = components.len();
        return RepoId {
            id: format!("{}/{}", components[n - 3], components[n - 2]),
            known: true,
        };
    }
    if let Some(stem) = doc.file_name().strip_suffix("-README.md") {
        return RepoId {
            id: stem.to_string(),
            known: true,
        };
    }
    // A card that names itself after its base ("X is a fine-tuned version of X", the Trainer's
    // default output name) says nothing about its own repository.
    let own_name = |n: &String| is_plausible_repo_name(n) && !names_base(n, data, body);
    let declared = model_index::entry_name(data)
        .or_else(|| data.get("model_name").and_then(Value::as_str).map(str::to_string))
        .filter(own_name);
    if let Some(name) = declared {
        let known = name.contains('/');
        return RepoId {
            id: if known { name } else { format!("local/{name}") },
            known,
        };
    }
    let title = markdown::title(sections).filter(|t| own_name(&t.to_string()));
    let stem = doc.relative_path.file_stem().and_then(|s| s.to_str()).unwrap_or("card");
    RepoId {
        id: format!("local/{}", title.unwrap_or(stem)),
        known: false,
    }
}

/// Whether `name` is the card's base model, declared or in the Trainer sentence.
fn names_base(name: &str, data: &Map<String, Value>, body: &str) -> bool {
    let declared = data.get("base_model").map(card_data::string_list).unwrap_or_default();
    declared.iter().any(|b| b.eq_ignore_ascii_case(name))
        || body.contains(&format!("fine-tuned version of [{name}]"))
        || body.contains(&format!("fine-tuned version of {name} "))
}

fn is_plausible_repo_name(name: &str) -> bool {
    let name = name.trim();
    !name.is_empty()
        && name.len() <= 96
        && name.matches('/').count() <= 1
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
}

fn is_dataset_card(data: &Map<String, Value>, sections: &[Section]) -> bool {
    let dataset_keys = [
        "task_categories",
        "annotations_creators",
        "size_categories",
        "pretty_name",
    ];
    dataset_keys.iter().any(|k| data.contains_key(*k))
        || markdown::title(sections).is_some_and(|t| t.starts_with("Dataset Card for"))
}

fn dataset_from_card(
    doc: &Document,
    ctx: &ReadContext,
    data: &Map<String, Value>,
    sections: &[Section],
    body: &str,
) -> Dataset {
    let title = markdown::title(sections).map(|t| t.trim_start_matches("Dataset Card for").trim());
    let name = data
        .get("pretty_name")
        .and_then(Value::as_str)
        .or(title)
        .unwrap_or_else(|| doc.file_name())
        .to_string();
    let list = |key: &str| data.get(key).map(card_data::string_list).unwrap_or_default();
    let mut extra = data.clone();
    for key in ["pretty_name", "license", "language", "task_categories"] {
        extra.remove(key);
    }
    Dataset {
        id: id::dataset(&name),
        provenance: ctx.provenance("huggingface", doc),
        name: Some(name),
        description: markdown::first_paragraph(sections),
        license: Some(list("license").join(", ")).filter(|l| !l.is_empty()),
        tasks: list("task_categories"),
        languages: list("language"),
        card_text: Some(body.trim().to_string()).filter(|t| !t.is_empty()),
        extra: extra.into_iter().collect(),
        ..Dataset::default()
    }
}
