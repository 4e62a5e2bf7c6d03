//! Where a fact came from: the source, the extraction method, the time and the confidence.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Provenance of every attribute value and relation in a record.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct Provenance {
    pub source: Source,
    pub method: Method,
    /// RFC 3339 time at which the fact was first observed with this value.
    pub observed_at: String,
    /// How sure we are, from 0 (a guess) to 1 (declared by the publisher).
    pub confidence: f64,
    /// The text or field the fact was read from, when it helps a reader check it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
}

/// The document a fact was read from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize, JsonSchema)]
pub struct Source {
    /// The zoo or reader that produced it: `huggingface`, `tfhub`, `pytorch-hub`, `timm`,
    /// `model-index`, `macaroni-demo`, ...
    pub zoo: String,
    /// File path or URL of the document.
    pub uri: String,
    /// Revision (commit sha, version) of the document when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
}

/// How a fact was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    #[default]
    /// A structured field the publisher filled in (YAML front matter, API JSON, CSV column).
    Declared,
    /// A cell of a table in prose (markdown tables).
    ParsedTable,
    /// A pattern matched in free text ("fine-tuned version of X on the Y dataset").
    TextPattern,
    /// Derived by Macaroni from other facts.
    Inferred,
    /// Taken from another Macaroni repository's bundle.
    Imported,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Declared => "declared",
            Method::ParsedTable => "parsed_table",
            Method::TextPattern => "text_pattern",
            Method::Inferred => "inferred",
            Method::Imported => "imported",
        }
    }

    /// Rank used when two sources disagree: a declared fact outranks an extracted one.
    pub fn trust_rank(self) -> u8 {
        match self {
            Method::Declared => 4,
            Method::Imported => 3,
            Method::ParsedTable => 2,
            Method::TextPattern => 1,
            Method::Inferred => 0,
        }
    }

    pub fn parse(text: &str) -> Option<Method> {
        [
            Method::Declared,
            Method::ParsedTable,
            Method::TextPattern,
            Method::Inferred,
            Method::Imported,
        ]
        .into_iter()
        .find(|m| m.as_str() == text)
    }
}

impl Provenance {
    /// A declared fact from `uri` in `zoo`, observed at `observed_at`, with full confidence.
    pub fn declared(zoo: &str, uri: &str, observed_at: &str) -> Provenance {
        Provenance {
            source: Source {
                zoo: zoo.to_string(),
                uri: uri.to_string(),
                revision: None,
            },
            method: Method::Declared,
            observed_at: observed_at.to_string(),
            confidence: 1.0,
            evidence: None,
        }
    }

    /// The same source with another method, confidence and evidence.
    pub fn with_method(&self, method: Method, confidence: f64, evidence: Option<String>) -> Provenance {
        Provenance {
            method,
            confidence,
            evidence,
            ..self.clone()
        }
    }
}
