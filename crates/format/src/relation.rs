//! Typed relationships between entities.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Provenance;

/// A directed, typed edge `subject --relation--> object`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Relation {
    /// `rel:<subject>|<relation>|<object>`.
    pub id: String,
    pub provenance: Provenance,
    pub relation: RelationKind,
    pub subject: String,
    pub object: String,
    /// Edge attributes, e.g. `accuracy` for `can_predict`, `raw` for the name as written.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, Value>,
}

impl Relation {
    pub fn new(subject: &str, relation: RelationKind, object: &str, provenance: Provenance) -> Relation {
        Relation {
            id: crate::id::relation(subject, relation.as_str(), object),
            provenance,
            relation,
            subject: subject.to_string(),
            object: object.to_string(),
            attributes: BTreeMap::new(),
        }
    }

    pub fn with_attribute(mut self, key: &str, value: impl Into<Value>) -> Relation {
        self.attributes.insert(key.to_string(), value.into());
        self
    }
}

/// The relationship kinds of format v1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RelationKind {
    /// model → model it was fine-tuned from.
    FineTunedFrom,
    /// adapter (LoRA, PEFT) → model it adapts.
    AdapterOf,
    /// quantized model → full-precision model.
    QuantizedFrom,
    /// merged model → each model merged into it.
    MergedFrom,
    /// student → teacher.
    DistilledFrom,
    /// any other derivation (conversion, export, deployment variant).
    DerivedFrom,
    /// model → dataset it was trained on.
    TrainedOn,
    /// model → dataset it was evaluated on.
    EvaluatedOn,
    /// artefact → publisher.
    PublishedBy,
    /// artefact → license.
    LicensedUnder,
    /// artefact → paper.
    DescribedIn,
    /// model → task.
    ImplementsTask,
    /// model → architecture.
    UsesArchitecture,
    /// model → library.
    BuiltWith,
    /// model → label it can recognise (attribute `accuracy` when known).
    CanPredict,
    /// one artefact in two zoos.
    SameAs,
    /// a version → the artefact (handle) it is a version of.
    VersionOf,
}

impl RelationKind {
    pub const ALL: [RelationKind; 17] = [
        RelationKind::FineTunedFrom,
        RelationKind::AdapterOf,
        RelationKind::QuantizedFrom,
        RelationKind::MergedFrom,
        RelationKind::DistilledFrom,
        RelationKind::DerivedFrom,
        RelationKind::TrainedOn,
        RelationKind::EvaluatedOn,
        RelationKind::PublishedBy,
        RelationKind::LicensedUnder,
        RelationKind::DescribedIn,
        RelationKind::ImplementsTask,
        RelationKind::UsesArchitecture,
        RelationKind::BuiltWith,
        RelationKind::CanPredict,
        RelationKind::SameAs,
        RelationKind::VersionOf,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RelationKind::FineTunedFrom => "fine_tuned_from",
            RelationKind::AdapterOf => "adapter_of",
            RelationKind::QuantizedFrom => "quantized_from",
            RelationKind::MergedFrom => "merged_from",
            RelationKind::DistilledFrom => "distilled_from",
            RelationKind::DerivedFrom => "derived_from",
            RelationKind::TrainedOn => "trained_on",
            RelationKind::EvaluatedOn => "evaluated_on",
            RelationKind::PublishedBy => "published_by",
            RelationKind::LicensedUnder => "licensed_under",
            RelationKind::DescribedIn => "described_in",
            RelationKind::ImplementsTask => "implements_task",
            RelationKind::UsesArchitecture => "uses_architecture",
            RelationKind::BuiltWith => "built_with",
            RelationKind::CanPredict => "can_predict",
            RelationKind::SameAs => "same_as",
            RelationKind::VersionOf => "version_of",
        }
    }

    pub fn parse(text: &str) -> Option<RelationKind> {
        RelationKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// Lineage relations: model-to-model derivations.
    pub fn is_lineage(self) -> bool {
        matches!(
            self,
            RelationKind::FineTunedFrom
                | RelationKind::AdapterOf
                | RelationKind::QuantizedFrom
                | RelationKind::MergedFrom
                | RelationKind::DistilledFrom
                | RelationKind::DerivedFrom
        )
    }

    /// Maps Hugging Face's `base_model_relation` values onto a relation kind.
    pub fn from_hf_base_model_relation(text: &str) -> Option<RelationKind> {
        match text.trim().to_ascii_lowercase().as_str() {
            "finetune" | "fine-tune" | "fine_tune" | "finetuned" => Some(RelationKind::FineTunedFrom),
            "adapter" | "lora" | "peft" => Some(RelationKind::AdapterOf),
            "quantized" | "quantization" | "quant" => Some(RelationKind::QuantizedFrom),
            "merge" | "merged" => Some(RelationKind::MergedFrom),
            "distillation" | "distilled" => Some(RelationKind::DistilledFrom),
            _ => None,
        }
    }
}
