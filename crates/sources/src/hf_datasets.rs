//! Hugging Face *datasets*: `/api/datasets` JSON records (`hf-datasets`) and dataset cards
//! (`hf-dataset-cards`, README.md with YAML front matter) → Dataset entities.
//!
//! Both carry the same metadata (`cardData` is the card's parsed front matter): pretty name,
//! license, task categories, languages, configs; the API adds downloads, likes and the commit,
//! the card adds the description text. Dataset ids are `dataset:<slug of the repository id>`, the
//! id model cards use when they name the dataset, so enrichment links both to one canonical
//! dataset.

use std::path::Path;

use macaroni_format::{id, Dataset, Record};
use serde_json::{Map, Value};

use crate::hf_cards::string_list_of;
use crate::{frontmatter, markdown, Document, ReadContext, ReadOutput, WarningKind};

const ZOO: &str = "huggingface";

pub(crate) fn accepts_api(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

pub(crate) fn accepts_card(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("md"))
}

pub(crate) fn read_api(doc: &Document, text: &str, ctx: &ReadContext, out: &mut ReadOutput) {
    for (index, item) in out.api_items(doc, text).iter().enumerate() {
        let Some(repo) = item.get("id").and_then(Value::as_str) else {
            out.warn(doc, WarningKind::MissingField, format!("item {index} has no `id`"));
            continue;
        };
        let mut dataset = Dataset {
            id: id::dataset(repo),
            provenance: ctx.provenance(ZOO, doc),
            name: Some(repo.to_string()),
            homepage: Some(format!("https://huggingface.co/datasets/{repo}")),
            description: item
                .get("description")
                .and_then(Value::as_str)
                .map(|d| markdown::truncate(d, 2000)),
            ..Dataset::default()
        };
        if let Some(card) = item.get("cardData").and_then(Value::as_object) {
            read_front_matter(&mut dataset, card);
        }
        read_tags(&mut dataset, item.get("tags"));
        for key in ["downloads", "likes", "sha", "lastModified", "createdAt"] {
            if let Some(value) = item.get(key).filter(|v| !v.is_null()) {
                dataset.extra.insert(key.to_string(), value.clone());
            }
        }
        out.records.push(Record::Dataset(dataset));
    }
}

pub(crate) fn read_card(doc: &Document, text: &str, ctx: &ReadContext, out: &mut ReadOutput) {
    let split = frontmatter::split(text);
    let Some(repo) = repo_of(doc) else {
        out.warn(
            doc,
            WarningKind::MissingField,
            "cannot tell the dataset's repository from the path (expected <org>/<name>/README.md or a /datasets/ URL)",
        );
        return;
    };
    let mut dataset = Dataset {
        id: id::dataset(&repo),
        provenance: ctx.provenance(ZOO, doc),
        name: Some(repo.clone()),
        card_text: Some(markdown::truncate(split.body, 200_000)),
        ..Dataset::default()
    };
    if let Some(yaml) = split.yaml {
        match out.yaml(doc, yaml, "front matter (the markdown is still read)") {
            Some(Value::Object(map)) => read_front_matter(&mut dataset, &map),
            Some(Value::Null) | None => {}
            Some(_) => out.warn(doc, WarningKind::NotAMapping, "front matter is not a mapping; ignored"),
        }
    }
    let sections = markdown::sections(split.body);
    if dataset.description.is_none() {
        dataset.description = markdown::first_paragraph(&sections);
    }
    out.records.push(Record::Dataset(dataset));
}

/// `<endpoint>/datasets/<org>/<name>/resolve/<rev>/README.md`, or a `<org>/<name>/README.md` path.
fn repo_of(doc: &Document) -> Option<String> {
    let parts: Vec<&str> = doc.uri.split('/').collect();
    if let Some(at) = parts.iter().position(|p| *p == "datasets") {
        let end = parts[at + 1..]
            .iter()
            .position(|p| matches!(*p, "resolve" | "raw" | "blob"))
            .map(|i| at + 1 + i)?;
        let repo = parts[at + 1..end].join("/");
        return (!repo.is_empty()).then_some(repo);
    }
    let path: Vec<&str> = doc.relative_path.iter().filter_map(|c| c.to_str()).collect();
    match path.as_slice() {
        [.., org, name, file] if file.eq_ignore_ascii_case("README.md") => Some(format!("{org}/{name}")),
        _ => None,
    }
}

fn read_front_matter(dataset: &mut Dataset, data: &Map<String, Value>) {
    let list = |key: &str| data.get(key).map(string_list_of).unwrap_or_default();
    if let Some(name) = data.get("pretty_name").and_then(Value::as_str) {
        dataset.name = Some(name.to_string());
    }
    if let Some(license) = list("license").into_iter().next() {
        dataset.license = Some(license);
    }
    dataset.tasks = list("task_categories");
    dataset.languages = list("language");
    let configs: Vec<String> = match data.get("configs") {
        Some(Value::Array(items)) => (items.iter())
            .filter_map(|c| c.get("config_name").and_then(Value::as_str).map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    if !configs.is_empty() {
        dataset.configs = configs;
    }
    for key in ["size_categories", "source_datasets", "task_ids"] {
        let values = list(key);
        if !values.is_empty() {
            dataset.extra.insert(key.to_string(), Value::from(values));
        }
    }
}

/// `task_categories:x`, `language:x`, `license:x` tags fill what the card data left empty.
fn read_tags(dataset: &mut Dataset, tags: Option<&Value>) {
    for tag in tags.map(string_list_of).unwrap_or_default() {
        let Some((key, value)) = tag.split_once(':') else {
            continue;
        };
        match key {
            "task_categories" if !dataset.tasks.contains(&value.to_string()) => dataset.tasks.push(value.to_string()),
            "language" if !dataset.languages.contains(&value.to_string()) => dataset.languages.push(value.to_string()),
            "license" if dataset.license.is_none() => dataset.license = Some(value.to_string()),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> ReadContext {
        ReadContext {
            observed_at: "2026-11-27T00:00:00Z".into(),
            label_taxonomy: None,
        }
    }

    fn dataset(out: &ReadOutput) -> &Dataset {
        match &out.records[0] {
            Record::Dataset(d) => d,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_api_record_becomes_a_dataset() {
        let text = r#"[{"id": "stanfordnlp/imdb", "downloads": 5, "tags": ["task_categories:text-classification", "language:en", "license:other"],
                       "cardData": {"pretty_name": "IMDB", "configs": [{"config_name": "plain_text"}]}}]"#;
        let doc = Document {
            uri: "http://h/api/datasets".into(),
            relative_path: "x.json".into(),
            bytes: text.as_bytes().to_vec(),
        };
        let mut out = ReadOutput::default();
        read_api(&doc, text, &ctx(), &mut out);
        let d = dataset(&out);
        assert_eq!(d.id, "dataset:stanfordnlp-imdb");
        assert_eq!(d.name.as_deref(), Some("IMDB"));
        assert_eq!(d.tasks, ["text-classification"]);
        assert_eq!(d.languages, ["en"]);
        assert_eq!(d.license.as_deref(), Some("other"));
        assert_eq!(d.configs, ["plain_text"]);
        assert_eq!(d.extra["downloads"], 5);
    }

    #[test]
    fn a_crawled_card_names_its_repository_in_the_url() {
        let text = "---\nlicense: mit\ntask_categories:\n- question-answering\n---\n# Title\n\nA set of questions about the weather in Paris.\n";
        let doc = Document {
            uri: "http://127.0.0.1:9/datasets/acme/qa-set/resolve/abc123/README.md".into(),
            relative_path: "acme/qa-set/README.md".into(),
            bytes: text.as_bytes().to_vec(),
        };
        let mut out = ReadOutput::default();
        read_card(&doc, text, &ctx(), &mut out);
        let d = dataset(&out);
        assert_eq!(d.id, "dataset:acme-qa-set");
        assert_eq!(d.license.as_deref(), Some("mit"));
        assert_eq!(d.tasks, ["question-answering"]);
        assert_eq!(
            d.description.as_deref(),
            Some("A set of questions about the weather in Paris.")
        );
    }
}
