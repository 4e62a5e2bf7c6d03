//! Decoding statement rows, shared by every query that reads provenance back.

use std::cmp::Ordering;

use macaroni_format::{Method, Provenance, Source};

/// The provenance columns of `statements s` joined with [`STATEMENTS`]' `sources src`, in the order
/// [`provenance_at`] reads them.
pub(crate) const PROVENANCE_COLUMNS: &str =
    "s.source_zoo, src.uri, s.source_revision, s.method, s.confidence, s.evidence, s.observed_at";

/// Statements with their source uri.
pub(crate) const STATEMENTS: &str = "statements s JOIN sources src ON src.id = s.source_id";

/// Reads the [`PROVENANCE_COLUMNS`] starting at column `start`.
pub(crate) fn provenance_at(row: &rusqlite::Row, start: usize) -> rusqlite::Result<Provenance> {
    let method: String = row.get(start + 3)?;
    Ok(Provenance {
        source: Source {
            zoo: row.get(start)?,
            uri: row.get(start + 1)?,
            revision: row.get(start + 2)?,
        },
        // Only this crate writes the column, always from `Method::as_str`.
        method: Method::parse(&method).unwrap_or(Method::Inferred),
        confidence: row.get(start + 4)?,
        evidence: row.get(start + 5)?,
        observed_at: row.get(start + 6)?,
    })
}

/// Most trusted first: method rank, then confidence, then the latest observation, then the
/// source uri so that the order is total and deterministic.
pub(crate) fn trust_order(a: &Provenance, b: &Provenance) -> Ordering {
    b.method
        .trust_rank()
        .cmp(&a.method.trust_rank())
        .then(b.confidence.total_cmp(&a.confidence))
        .then(b.observed_at.cmp(&a.observed_at))
        .then(a.source.uri.cmp(&b.source.uri))
}
