//! `hf-config`: a model repository's `config.json` (transformers and diffusers configs) → the
//! model's architecture class, and a `uses_architecture` relation to its `model_type` carrying the
//! dimensions that size it (layers, hidden size, heads, vocabulary, context length, dtype) as
//! attributes — on the relation, because the model's own `extra` is the API's to fill. Files are named by their Hub URL
//! (`<endpoint>/<org>/<name>/resolve/<rev>/config.json`) or a checkout path `<org>/<name>/config.json`.

use std::path::Path;

use macaroni_format::{id, Model, Record, Relation, RelationKind};
use serde_json::Value;

use crate::{Document, ReadContext, ReadOutput, WarningKind};

/// The fields kept, as the config names them.
const DIMENSIONS: [&str; 10] = [
    "model_type",
    "torch_dtype",
    "transformers_version",
    "hidden_size",
    "num_hidden_layers",
    "num_attention_heads",
    "intermediate_size",
    "vocab_size",
    "max_position_embeddings",
    "num_labels",
];

pub(crate) fn accepts(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == "config.json")
}

pub(crate) fn read(doc: &Document, text: &str, ctx: &ReadContext, out: &mut ReadOutput) {
    let Some(repo) = crate::hub_repo_of(doc) else {
        out.warn(
            doc,
            WarningKind::MissingField,
            "cannot tell the model's repository from the file's name",
        );
        return;
    };
    let config: Value = match serde_json::from_str(text) {
        Ok(Value::Object(map)) => Value::Object(map),
        Ok(_) => {
            out.warn(doc, WarningKind::ParseError, "config.json is not a JSON object");
            return;
        }
        Err(err) => {
            out.warn(doc, WarningKind::ParseError, format!("not JSON: {err}"));
            return;
        }
    };
    let provenance = ctx.provenance("huggingface", doc);
    let model = Model {
        id: id::hf_model(&repo),
        provenance: provenance.clone(),
        architecture: config
            .pointer("/architectures/0")
            .and_then(Value::as_str)
            .map(str::to_string),
        image_size: config
            .get("image_size")
            .and_then(Value::as_u64)
            .and_then(|s| u32::try_from(s).ok()),
        ..Model::default()
    };
    if let Some(model_type) = config.get("model_type").and_then(Value::as_str) {
        let mut relation = Relation::new(
            &model.id,
            RelationKind::UsesArchitecture,
            &id::architecture(model_type),
            provenance,
        )
        .with_attribute("raw", model_type);
        for key in DIMENSIONS {
            if let Some(value) = config.get(key).filter(|v| !v.is_null()) {
                relation = relation.with_attribute(key, value.clone());
            }
        }
        out.records.push(Record::Relation(relation));
    }
    out.records.push(Record::Model(model));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_gives_the_architecture_and_dimensions() {
        let text = r#"{"architectures": ["BertForMaskedLM"], "model_type": "bert", "hidden_size": 768,
                       "num_hidden_layers": 12, "vocab_size": 30522, "unrelated": [1, 2]}"#;
        let doc = Document {
            uri: "http://127.0.0.1:9/google-bert/bert-base-uncased/resolve/abc/config.json".into(),
            relative_path: "google-bert/bert-base-uncased/config.json".into(),
            bytes: text.as_bytes().to_vec(),
        };
        let ctx = ReadContext {
            observed_at: "2026-11-27T00:00:00Z".into(),
            label_taxonomy: None,
        };
        let mut out = ReadOutput::default();
        read(&doc, text, &ctx, &mut out);
        let Record::Relation(uses) = &out.records[0] else {
            panic!("{:?}", out.records)
        };
        assert_eq!(
            (uses.subject.as_str(), uses.object.as_str()),
            ("hf:google-bert/bert-base-uncased", "arch:bert")
        );
        assert_eq!(uses.attributes["hidden_size"], 768);
        assert!(!uses.attributes.contains_key("unrelated"));
        let Record::Model(model) = &out.records[1] else {
            panic!("{:?}", out.records)
        };
        assert_eq!(model.architecture.as_deref(), Some("BertForMaskedLM"));
        let mut out = ReadOutput::default();
        read(&doc, "[1]", &ctx, &mut out);
        assert!(out.records.is_empty() && out.warnings[0].message.contains("not a JSON object"));
    }
}
