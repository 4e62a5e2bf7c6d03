//! `onnx`: the ONNX Model Zoo's metadata.
//!
//! - `turnkey_stats.yaml` (one per exported model, written by TurnkeyML): the source hub
//!   (`author`: timm, torchvision, transformers, ...), the source model name, parameter count, ONNX
//!   opset and size on disk. An export from timm or torchvision is `derived_from` its original.
//! - `ONNX_HUB_MANIFEST.json`: every validated model file with opset, size, sha and tags.

use std::collections::BTreeMap;
use std::path::Path;

use macaroni_format::{id, Model, Provenance, Record, Relation, RelationKind};
use serde_json::Value;

use crate::hf_cards::string_list_of;
use crate::{Document, ReadContext, ReadOutput, WarningKind};

const ZOO: &str = "onnx";

pub(crate) fn accepts(path: &Path) -> bool {
    matches!(
        path.file_name().and_then(|n| n.to_str()),
        Some("turnkey_stats.yaml" | "ONNX_HUB_MANIFEST.json")
    )
}

pub(crate) fn read(doc: &Document, text: &str, ctx: &ReadContext, out: &mut ReadOutput) {
    let prov = ctx.provenance(ZOO, doc);
    if doc.file_name() == "ONNX_HUB_MANIFEST.json" {
        manifest(doc, text, &prov, out);
    } else {
        turnkey(doc, text, &prov, out);
    }
}

/// The id of an export: the folder TurnkeyML wrote it to (`resnet50_Opset17_timm`), unique per
/// model, opset and source.
fn export_id(doc: &Document) -> Option<String> {
    let folder = Path::new(&doc.uri).parent()?.file_name()?.to_str()?;
    Some(format!("onnx:{folder}"))
}

fn turnkey(doc: &Document, text: &str, prov: &Provenance, out: &mut ReadOutput) {
    let Some(stats) = out
        .yaml(doc, text, "turnkey stats")
        .and_then(|v| v.as_object().cloned())
    else {
        return;
    };
    let Some(model_id) = export_id(doc) else {
        out.warn(doc, WarningKind::NoRecords, "turnkey_stats.yaml outside a model folder");
        return;
    };
    let text_of = |key: &str| stats.get(key).and_then(Value::as_str).map(str::to_string);
    let (Some(author), Some(name)) = (text_of("author"), text_of("model_name")) else {
        out.warn(doc, WarningKind::BadValue, "no `author` or `model_name`");
        return;
    };
    let info = stats.get("onnx_model_information");
    let kib = info.and_then(|i| i.get("size on disk (KiB)")).and_then(Value::as_f64);
    let mut extra = BTreeMap::new();
    for key in ["class", "hash", "builtin_model_script"] {
        if let Some(value) = stats.get(key) {
            extra.insert(key.to_string(), value.clone());
        }
    }
    if let Some(opset) = info.and_then(|i| i.get("opset")) {
        extra.insert("opset".into(), opset.clone());
    }
    extra.insert("source_hub".into(), Value::from(author.clone()));
    out.records.push(Record::Model(Model {
        id: model_id.clone(),
        provenance: prov.clone(),
        name: Some(name.clone()),
        zoo: Some(ZOO.into()),
        format: Some("onnx".into()),
        task: text_of("task"),
        parameters: stats.get("parameters").and_then(Value::as_u64),
        size_bytes: kib.map(|k| (k * 1024.0).round() as u64),
        extra,
        ..Model::default()
    }));
    let original = match author.as_str() {
        "timm" => Some(id::timm_model(&name)),
        "torchvision" => Some(id::pytorch_hub_model("pytorch/vision", &name)),
        _ => None,
    };
    if let Some(original) = original {
        let evidence = prov.with_method(prov.method, 1.0, Some(format!("author: {author}, model_name: {name}")));
        out.records.push(Record::Relation(
            Relation::new(&model_id, RelationKind::DerivedFrom, &original, evidence)
                .with_attribute("raw", name.as_str()),
        ));
    }
}

fn manifest(doc: &Document, text: &str, prov: &Provenance, out: &mut ReadOutput) {
    let entries: Vec<Value> = match serde_json::from_str(text) {
        Ok(Value::Array(entries)) => entries,
        Ok(_) => {
            out.warn(doc, WarningKind::ParseError, "manifest is not a JSON array");
            return;
        }
        Err(err) => {
            out.warn(doc, WarningKind::ParseError, format!("not JSON: {err}"));
            return;
        }
    };
    for (index, entry) in entries.iter().enumerate() {
        let path = entry.get("model_path").and_then(Value::as_str);
        let stem = path.and_then(|p| Path::new(p).file_stem()).and_then(|s| s.to_str());
        let (Some(path), Some(stem)) = (path, stem) else {
            out.warn(doc, WarningKind::BadValue, format!("entry {index} has no model_path"));
            continue;
        };
        let metadata = entry.get("metadata");
        let mut extra = BTreeMap::new();
        extra.insert("model_path".to_string(), Value::from(path));
        for key in ["opset_version", "onnx_version"] {
            if let Some(value) = entry.get(key) {
                extra.insert(key.to_string(), value.clone());
            }
        }
        out.records.push(Record::Model(Model {
            id: format!("onnx:{stem}"),
            provenance: Provenance {
                evidence: Some(format!("entry {index}")),
                ..prov.clone()
            },
            name: entry.get("model").and_then(Value::as_str).map(str::to_string),
            zoo: Some(ZOO.into()),
            format: Some("onnx".into()),
            url: Some(format!("https://github.com/onnx/models/tree/main/{path}")),
            size_bytes: metadata.and_then(|m| m.get("model_bytes")).and_then(Value::as_u64),
            revision: metadata
                .and_then(|m| m.get("model_sha"))
                .and_then(Value::as_str)
                .map(str::to_string),
            tags: metadata
                .and_then(|m| m.get("tags"))
                .map(string_list_of)
                .unwrap_or_default(),
            extra,
            ..Model::default()
        }));
    }
}
