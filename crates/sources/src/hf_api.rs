//! `hf-api`: JSON records of the Hugging Face Hub `/api/models/<id>` endpoint.
//!
//! The API adds what cards lack: download and like counts, creation and modification times, the
//! commit sha, parameter counts from safetensors, the architecture from `config`, and lineage
//! tags `base_model:<relation>:<id>`. `cardData` is the parsed front matter and is read exactly
//! like a card's.

use std::path::Path;

use macaroni_format::{id, Model, Record, Relation, RelationKind};
use serde_json::{Map, Value};

use crate::hf_cards::read_card_data;
use crate::{Document, ReadContext, ReadOutput, WarningKind};

pub(crate) fn accepts(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

pub(crate) fn read(doc: &Document, text: &str, ctx: &ReadContext, out: &mut ReadOutput) {
    // A listing (`/api/models?...`) is an array of the same objects.
    for (index, item) in out.api_items(doc, text).iter().enumerate() {
        match item.as_object() {
            Some(object) => read_model(item, object, doc, ctx, out),
            None => out.warn(
                doc,
                WarningKind::ParseError,
                format!("item {index} is not a JSON object"),
            ),
        }
    }
}

fn read_model(whole: &Value, api: &Map<String, Value>, doc: &Document, ctx: &ReadContext, out: &mut ReadOutput) {
    let Some(repo) = api.get("id").or_else(|| api.get("modelId")).and_then(Value::as_str) else {
        out.warn(
            doc,
            WarningKind::BadValue,
            "no `id` or `modelId` field; not a model record",
        );
        return;
    };
    let model_id = id::hf_model(repo);
    let sha = text(api, "sha");
    let mut provenance = ctx.provenance("huggingface", doc);
    provenance.source.revision = sha.clone();

    let mut model = Model {
        id: model_id.clone(),
        provenance: provenance.clone(),
        name: Some(repo.rsplit('/').next().unwrap_or(repo).to_string()),
        zoo: Some("huggingface".into()),
        url: Some(format!("https://huggingface.co/{repo}")),
        task: text(api, "pipeline_tag"),
        library: text(api, "library_name"),
        tags: api.get("tags").map(crate::hf_cards::string_list_of).unwrap_or_default(),
        downloads: api.get("downloads").and_then(Value::as_u64),
        likes: api.get("likes").and_then(Value::as_u64),
        created_at: text(api, "createdAt"),
        last_modified: text(api, "lastModified"),
        revision: sha,
        parameters: whole.pointer("/safetensors/total").and_then(Value::as_u64),
        size_bytes: api.get("usedStorage").and_then(Value::as_u64),
        architecture: whole
            .pointer("/config/architectures/0")
            .and_then(Value::as_str)
            .map(str::to_string),
        ..Model::default()
    };
    for key in ["gated", "private", "disabled", "inference", "inferenceProviderMapping"] {
        if let Some(value) = api.get(key) {
            model.extra.insert(key.to_string(), value.clone());
        }
    }
    if let Some(model_type) = whole.pointer("/config/model_type") {
        model.extra.insert("model_type".into(), model_type.clone());
    }
    if let Some(siblings) = api.get("siblings").and_then(Value::as_array) {
        let files: Vec<Value> = siblings.iter().filter_map(|s| s.get("rfilename").cloned()).collect();
        model.extra.insert("files".into(), Value::Array(files));
    }

    crate::hf_cards::publisher_records(repo, &model_id, &provenance, out);
    if let Some(card) = api.get("cardData").and_then(Value::as_object) {
        read_card_data(&mut model, card, &provenance, doc, out);
    }
    // The API puts the task and library at top level even when the card does not declare them.
    for (kind, object, raw) in [
        (
            RelationKind::ImplementsTask,
            model.task.as_deref().map(id::task),
            model.task.clone(),
        ),
        (
            RelationKind::BuiltWith,
            model.library.as_deref().map(id::library),
            model.library.clone(),
        ),
    ] {
        if let (Some(object), Some(raw)) = (object, raw) {
            let relation = Relation::new(&model_id, kind, &object, provenance.clone()).with_attribute("raw", raw);
            out.records.push(Record::Relation(relation));
        }
    }
    lineage_tags(&model_id, &model.tags, &provenance, out);
    out.records.push(Record::Model(model));
}

/// Tags `base_model:<relation>:<id>` (and the plain `base_model:<id>` that lists every ancestor).
fn lineage_tags(model_id: &str, tags: &[String], prov: &macaroni_format::Provenance, out: &mut ReadOutput) {
    for tag in tags {
        let Some(rest) = tag.strip_prefix("base_model:") else {
            continue;
        };
        let Some((relation, base)) = rest.split_once(':') else {
            continue; // plain `base_model:<id>` repeats what the typed tag says
        };
        if let Some(kind) = RelationKind::from_hf_base_model_relation(relation) {
            let relation =
                Relation::new(model_id, kind, &id::hf_model(base), prov.clone()).with_attribute("raw", tag.as_str());
            out.records.push(Record::Relation(relation));
        }
    }
}

fn text(map: &Map<String, Value>, key: &str) -> Option<String> {
    map.get(key).and_then(Value::as_str).map(str::to_string)
}
