//! The Macaroni metadata format, version 1.
//!
//! This crate is the single vocabulary that every other layer speaks: sources turn zoo files into
//! [`Record`]s, the store persists them, queries and the server hand them back out. It owns the
//! shape of the data and nothing else — no file parsing, no SQL, no I/O beyond (de)serialising
//! JSON. Keeping it small and dependency-light is what lets every layer depend on it.
//!
//! A record is either an entity (a model, a dataset, an evaluation, ...) or a typed
//! [`Relation`] between two entities. Every record carries a [`Provenance`]: where the facts in it
//! came from, how they were obtained, when, and how sure we are. A record therefore is "what one
//! source says about one thing"; the store merges several records about the same id.

pub mod bundle;
pub mod entity;
pub mod id;
pub mod provenance;
pub mod relation;

pub use bundle::{read_bundle, write_bundle, BundleError};
pub use entity::*;
pub use provenance::{Method, Provenance, Source};
pub use relation::{Relation, RelationKind};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Version of the format written into bundles and the JSON Schema.
pub const FORMAT_VERSION: &str = "1";

/// One statement by one source: an entity with its attributes, or a relation.
///
/// Serialised as a JSON object whose `kind` field names the variant, e.g.
/// `{"kind":"model","id":"hf:google-bert/bert-base-uncased",...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Record {
    Model(Model),
    Dataset(Dataset),
    DataInstance(DataInstance),
    TrainingRun(TrainingRun),
    Evaluation(Evaluation),
    Task(Task),
    Metric(Metric),
    License(License),
    Publisher(Publisher),
    Paper(Paper),
    Library(Library),
    Architecture(Architecture),
    Label(Label),
    CostMeasurement(CostMeasurement),
    Relation(Relation),
}

/// The kind of a record, as written in its `kind` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Model,
    Dataset,
    DataInstance,
    TrainingRun,
    Evaluation,
    Task,
    Metric,
    License,
    Publisher,
    Paper,
    Library,
    Architecture,
    Label,
    CostMeasurement,
    Relation,
}

impl Kind {
    pub const ALL: [Kind; 15] = [
        Kind::Model,
        Kind::Dataset,
        Kind::DataInstance,
        Kind::TrainingRun,
        Kind::Evaluation,
        Kind::Task,
        Kind::Metric,
        Kind::License,
        Kind::Publisher,
        Kind::Paper,
        Kind::Library,
        Kind::Architecture,
        Kind::Label,
        Kind::CostMeasurement,
        Kind::Relation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Model => "model",
            Kind::Dataset => "dataset",
            Kind::DataInstance => "data_instance",
            Kind::TrainingRun => "training_run",
            Kind::Evaluation => "evaluation",
            Kind::Task => "task",
            Kind::Metric => "metric",
            Kind::License => "license",
            Kind::Publisher => "publisher",
            Kind::Paper => "paper",
            Kind::Library => "library",
            Kind::Architecture => "architecture",
            Kind::Label => "label",
            Kind::CostMeasurement => "cost_measurement",
            Kind::Relation => "relation",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Applies `$body` to the inner struct of every variant, which all have `id` and `provenance`.
macro_rules! each_variant {
    ($record:expr, $inner:ident => $body:expr) => {
        match $record {
            Record::Model($inner) => $body,
            Record::Dataset($inner) => $body,
            Record::DataInstance($inner) => $body,
            Record::TrainingRun($inner) => $body,
            Record::Evaluation($inner) => $body,
            Record::Task($inner) => $body,
            Record::Metric($inner) => $body,
            Record::License($inner) => $body,
            Record::Publisher($inner) => $body,
            Record::Paper($inner) => $body,
            Record::Library($inner) => $body,
            Record::Architecture($inner) => $body,
            Record::Label($inner) => $body,
            Record::CostMeasurement($inner) => $body,
            Record::Relation($inner) => $body,
        }
    };
}

impl Record {
    pub fn id(&self) -> &str {
        each_variant!(self, r => &r.id)
    }

    pub fn provenance(&self) -> &Provenance {
        each_variant!(self, r => &r.provenance)
    }

    pub fn provenance_mut(&mut self) -> &mut Provenance {
        each_variant!(self, r => &mut r.provenance)
    }

    pub fn kind(&self) -> Kind {
        match self {
            Record::Model(_) => Kind::Model,
            Record::Dataset(_) => Kind::Dataset,
            Record::DataInstance(_) => Kind::DataInstance,
            Record::TrainingRun(_) => Kind::TrainingRun,
            Record::Evaluation(_) => Kind::Evaluation,
            Record::Task(_) => Kind::Task,
            Record::Metric(_) => Kind::Metric,
            Record::License(_) => Kind::License,
            Record::Publisher(_) => Kind::Publisher,
            Record::Paper(_) => Kind::Paper,
            Record::Library(_) => Kind::Library,
            Record::Architecture(_) => Kind::Architecture,
            Record::Label(_) => Kind::Label,
            Record::CostMeasurement(_) => Kind::CostMeasurement,
            Record::Relation(_) => Kind::Relation,
        }
    }

    /// The record's attributes: every JSON field except `kind`, `id` and `provenance`.
    ///
    /// The store keeps one fact per attribute, so that a change of one value by one source is
    /// versioned on its own.
    pub fn attributes(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut map = match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(map)) => map,
            // A record always serialises to an object; anything else would be a bug in the types.
            _ => serde_json::Map::new(),
        };
        for key in ["kind", "id", "provenance"] {
            map.remove(key);
        }
        // An attribute written as `null` says nothing; leaving it out keeps the store lean and
        // rebuilds to the same JSON, since absent optional fields serialise as `null` again.
        map.retain(|_, value| !value.is_null());
        map
    }

    /// Rebuilds a record from its parts, the inverse of [`Record::attributes`].
    pub fn from_parts(
        kind: Kind,
        id: &str,
        provenance: &Provenance,
        attributes: serde_json::Map<String, serde_json::Value>,
    ) -> Result<Record, serde_json::Error> {
        let mut map = attributes;
        map.insert("kind".into(), serde_json::Value::String(kind.as_str().into()));
        map.insert("id".into(), serde_json::Value::String(id.into()));
        map.insert("provenance".into(), serde_json::to_value(provenance)?);
        serde_json::from_value(serde_json::Value::Object(map))
    }

    /// A human-readable name for listings: the entity's `name` when it has one, else its id.
    pub fn display_name(&self) -> String {
        match self.attributes().get("name") {
            Some(serde_json::Value::String(name)) => name.clone(),
            _ => self.id().to_string(),
        }
    }
}

/// JSON Schema of a record, generated from the types (written to `docs/schema/`).
pub fn json_schema() -> serde_json::Value {
    let schema = schemars::schema_for!(Record);
    serde_json::to_value(schema).unwrap_or(serde_json::Value::Null)
}

#[cfg(test)]
mod tests {
    /// The committed schema must be the one the types generate: regenerate it with
    /// `macaroni schema > docs/schema/record.schema.json` after changing a type.
    #[test]
    fn committed_json_schema_is_current() {
        let committed: serde_json::Value =
            serde_json::from_str(include_str!("../../../docs/schema/record.schema.json")).unwrap();
        assert_eq!(committed, super::json_schema());
    }
}
