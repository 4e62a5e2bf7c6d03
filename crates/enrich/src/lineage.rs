//! Lineage and cross-zoo identity from naming conventions, each edge with its evidence.
//!
//! - timm pretrained tags: `vit_base_patch16_224.augreg2_in21k_ft_in1k` was trained on ImageNet-21k,
//!   then fine-tuned on ImageNet-1k; when the pretrained checkpoint (`….augreg2_in21k`) is in the
//!   repository too, the fine-tune points at it.
//! - timm models are published on the Hugging Face Hub under `timm/<name>`: `same_as` when both
//!   are in the repository.

use macaroni_format::{id, Method, Provenance, Record, Relation, RelationKind, Source};
use macaroni_store::SourceBatch;

use crate::link::Snapshot;
use crate::{Enricher, Resolution};

fn provenance(now: &str, confidence: f64, evidence: String) -> Provenance {
    Provenance {
        source: Source {
            zoo: "macaroni-enrich".into(),
            uri: "enrich:lineage".into(),
            revision: None,
        },
        method: Method::Inferred,
        observed_at: now.to_string(),
        confidence: crate::round_confidence(confidence),
        evidence: Some(evidence),
    }
}

pub(crate) fn lineage(enricher: &Enricher, snapshot: &Snapshot, now: &str) -> SourceBatch {
    let mut records = Vec::new();
    for model in snapshot.models.keys() {
        let Some(name) = model.strip_prefix("timm:") else {
            continue;
        };
        timm_tag(enricher, snapshot, model, name, now, &mut records);
        let on_hub = id::hf_model(&format!("timm/{name}"));
        if snapshot.models.contains_key(&on_hub) {
            let evidence = format!("timm publishes `{name}` on the Hugging Face Hub as `timm/{name}`");
            records.push(Record::Relation(
                Relation::new(model, RelationKind::SameAs, &on_hub, provenance(now, 0.95, evidence))
                    .with_attribute("rule", "timm-on-hub"),
            ));
        }
    }
    format_variants(snapshot, now, &mut records);
    SourceBatch {
        uri: "enrich:lineage".into(),
        records,
    }
}

/// The same weights in another format: a TF Hub Lite, TF.js or Coral variant and its
/// `parent-model`, an ONNX export and the timm or torchvision model it was exported from. Each keeps
/// its `derived_from` edge; `same_as` is added when the original is in the repository.
fn format_variants(snapshot: &Snapshot, now: &str, out: &mut Vec<Record>) {
    for r in snapshot
        .relations
        .iter()
        .filter(|r| r.relation == RelationKind::DerivedFrom)
    {
        let rule = match id::namespace(&r.subject) {
            "tfhub" => "tfhub-variant",
            "onnx" => "onnx-export",
            _ => continue,
        };
        if snapshot.models.contains_key(&r.object) && r.subject != r.object {
            let evidence = format!("{} is {} in another format ({rule})", r.subject, r.object);
            out.push(Record::Relation(
                Relation::new(
                    &r.subject,
                    RelationKind::SameAs,
                    &r.object,
                    provenance(now, 0.9, evidence),
                )
                .with_attribute("rule", rule),
            ));
        }
    }
}

/// Datasets and the pretrained base named by a timm tag (`arch.tag`).
fn timm_tag(enricher: &Enricher, snapshot: &Snapshot, model: &str, name: &str, now: &str, out: &mut Vec<Record>) {
    let Some((arch, tag)) = name.split_once('.') else {
        return;
    };
    let (pretrain, finetune) = match tag.split_once("_ft_") {
        Some((pretrain, finetune)) => (pretrain, Some(finetune)),
        None => (tag, None),
    };
    let evidence = format!("timm pretrained tag `{tag}`");
    for part in [Some(pretrain), finetune].into_iter().flatten() {
        for token in part.split('_') {
            // Only unambiguous dataset tokens (`in1k`, `in21k`, `laion2b`): a recipe name such as
            // `a1` or `augreg` must not be read as a dataset.
            if let Resolution::Canonical {
                ids,
                rule: "alias" | "id",
                confidence,
            } = enricher.datasets.resolve(token)
            {
                for dataset in ids {
                    let relation = Relation::new(
                        model,
                        RelationKind::TrainedOn,
                        &id::dataset(&dataset),
                        provenance(now, 0.9 * confidence, evidence.clone()),
                    )
                    .with_attribute("raw", token)
                    .with_attribute("rule", "timm-tag");
                    out.push(Record::Relation(relation));
                }
            }
        }
    }
    if finetune.is_some() {
        let base = id::timm_model(&format!("{arch}.{pretrain}"));
        if snapshot.models.contains_key(&base) {
            let relation = Relation::new(
                model,
                RelationKind::FineTunedFrom,
                &base,
                provenance(now, 0.9, evidence),
            )
            .with_attribute("rule", "timm-tag");
            out.push(Record::Relation(relation));
        }
    }
}
