//! `pytorch-hub`: the Jekyll pages of the pytorch/hub repository.
//!
//! A page describes one hub repository; the `torch.hub.load(repo, entrypoint)` snippets name the
//! models it offers, one Model per entrypoint (commented-out variants included, since pages list
//! alternatives that way). An entrypoint passed as a variable is resolved through the string
//! assignments to that variable on the page.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::LazyLock;

use macaroni_format::{id, Model, Provenance, Publisher, Record, Relation, RelationKind};
use regex::Regex;
use serde_json::Value;

use crate::frontmatter;
use crate::markdown;
use crate::{Document, ReadContext, ReadOutput, WarningKind};

/// `torch.hub.load('owner/repo[:ref]', 'entrypoint'`, also with the keywords `repo_or_dir=` and
/// `model=`, or with a variable as entrypoint; a call may continue on a commented line.
static HUB_LOAD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"torch\.hub\.load\(\s*(?:#\s*)?(?:repo_or_dir\s*=\s*)?['"]([\w.\-]+/[\w.\-]+)(?::([\w.\-]+))?['"]\s*,\s*(?:#\s*)?(?:model\s*=\s*)?(?:['"]([^'"\s]+)['"]|([A-Za-z_]\w*))"#)
        .unwrap_or_else(|e| panic!("{e}"))
});

const ZOO: &str = "pytorch-hub";

pub(crate) fn accepts(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("md"))
}

pub(crate) fn read(doc: &Document, text: &str, ctx: &ReadContext, out: &mut ReadOutput) {
    let split = frontmatter::split(text);
    let yaml = split.yaml.unwrap_or("");
    if yaml.contains("<REQUIRED") {
        out.warn(
            doc,
            WarningKind::Template,
            "submission template with <REQUIRED> placeholders; skipped",
        );
        return;
    }
    let page = out
        .yaml(doc, yaml, "front matter (the page is still read)")
        .and_then(|v| v.as_object().cloned())
        .unwrap_or_default();
    let entrypoints = entrypoints(split.body);
    if entrypoints.is_empty() {
        out.warn(
            doc,
            WarningKind::NoRecords,
            "no torch.hub.load(repo, entrypoint) snippet found",
        );
        return;
    }
    let prov = ctx.provenance(ZOO, doc);
    let field = |key: &str| page.get(key).and_then(Value::as_str).map(clean_quotes);
    let tags: Vec<String> = page
        .get("tags")
        .map(crate::hf_cards::string_list_of)
        .unwrap_or_default();
    let author = field("author");
    let publisher_id = author.as_deref().map(|a| id::publisher(ZOO, &id::slug(a)));
    if let (Some(author), Some(publisher_id)) = (&author, &publisher_id) {
        out.records.push(Record::Publisher(Publisher {
            id: publisher_id.clone(),
            provenance: prov.clone(),
            name: Some(author.clone()),
            ..Publisher::default()
        }));
    }
    let sections = markdown::sections(split.body);
    for entry in entrypoints {
        let model_id = id::pytorch_hub_model(&entry.repo, &entry.entrypoint);
        let mut extra = std::collections::BTreeMap::new();
        for key in [
            "title",
            "accelerator",
            "category",
            "github-id",
            "demo-model-link",
            "image",
        ] {
            if let Some(value) = field(key) {
                extra.insert(key.to_string(), Value::String(value));
            }
        }
        if let Some(variable) = &entry.resolved_from {
            extra.insert("entrypoint_variable".to_string(), Value::String(variable.clone()));
        }
        out.records.push(Record::Model(Model {
            id: model_id.clone(),
            provenance: prov.clone(),
            name: Some(entry.entrypoint.clone()),
            zoo: Some(ZOO.into()),
            url: field("github-link"),
            description: field("summary").or_else(|| markdown::first_paragraph(&sections)),
            card_text: Some(split.body.trim().to_string()),
            tags: tags.clone(),
            library: Some("pytorch".into()),
            revision: entry.git_ref.clone(),
            extra,
            ..Model::default()
        }));
        push_relations(&model_id, publisher_id.as_deref(), &prov, out);
    }
}

fn push_relations(model_id: &str, publisher: Option<&str>, prov: &Provenance, out: &mut ReadOutput) {
    let built_with = Relation::new(model_id, RelationKind::BuiltWith, &id::library("pytorch"), prov.clone());
    out.records.push(Record::Relation(built_with));
    if let Some(publisher) = publisher {
        out.records.push(Record::Relation(Relation::new(
            model_id,
            RelationKind::PublishedBy,
            publisher,
            prov.clone(),
        )));
    }
}

/// The typographic quotes some pages put around values (`“cuda-optional”`) are not part of them.
fn clean_quotes(value: &str) -> String {
    value.trim().trim_matches(['“', '”', '"']).to_string()
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Entrypoint {
    repo: String,
    entrypoint: String,
    git_ref: Option<String>,
    resolved_from: Option<String>,
}

fn entrypoints(body: &str) -> BTreeSet<Entrypoint> {
    let mut found = BTreeSet::new();
    for caps in HUB_LOAD.captures_iter(body) {
        let repo = caps[1].to_string();
        let git_ref = caps.get(2).map(|m| m.as_str().to_string());
        if let Some(literal) = caps.get(3) {
            found.insert(Entrypoint {
                repo,
                entrypoint: literal.as_str().to_string(),
                git_ref,
                resolved_from: None,
            });
        } else if let Some(variable) = caps.get(4) {
            for value in string_assignments(body, variable.as_str()) {
                found.insert(Entrypoint {
                    repo: repo.clone(),
                    entrypoint: value,
                    git_ref: git_ref.clone(),
                    resolved_from: Some(variable.as_str().to_string()),
                });
            }
        }
    }
    // Keep one entry per (repo, entrypoint): the first git ref seen wins.
    let mut unique: Vec<Entrypoint> = Vec::new();
    for entry in found {
        if !unique
            .iter()
            .any(|u| u.repo == entry.repo && u.entrypoint == entry.entrypoint)
        {
            unique.push(entry);
        }
    }
    unique.into_iter().collect()
}

/// Values assigned to `variable` as string literals: `model_type = "DPT_Large"` (also commented).
fn string_assignments(body: &str, variable: &str) -> Vec<String> {
    let pattern = format!(r#"(?m)^\s*#?\s*{}\s*=\s*['"]([^'"\s]+)['"]"#, regex::escape(variable));
    match Regex::new(&pattern) {
        Ok(re) => re.captures_iter(body).map(|c| c[1].to_string()).collect(),
        Err(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_commented_and_variable_entrypoints() {
        let body = "```python\nmodel = torch.hub.load('pytorch/vision:v0.10.0', 'resnet18', pretrained=True)\n# model = torch.hub.load('pytorch/vision:v0.10.0', 'resnet34')\nmodel_type = \"DPT_Large\"\n#model_type = \"MiDaS_small\"\nmidas = torch.hub.load(\"intel-isl/MiDaS\", model_type)\nm, u = torch.hub.load(repo_or_dir='snakers4/silero-vad',\n   model='silero_vad')\n```";
        let names: Vec<(String, String)> = entrypoints(body).into_iter().map(|e| (e.repo, e.entrypoint)).collect();
        assert_eq!(
            names,
            vec![
                ("intel-isl/MiDaS".into(), "DPT_Large".into()),
                ("intel-isl/MiDaS".into(), "MiDaS_small".into()),
                ("pytorch/vision".into(), "resnet18".into()),
                ("pytorch/vision".into(), "resnet34".into()),
                ("snakers4/silero-vad".into(), "silero_vad".into()),
            ]
        );
    }
}
