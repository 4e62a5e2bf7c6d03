//! Decoding statement rows, shared by every query that reads provenance back.

use std::cmp::Ordering;

use macaroni_format::{Method, Provenance, Source};

/// The provenance columns of [`STATEMENTS`], in the order [`provenance_at`] reads them; the source
/// uri is named `source_uri` for ORDER BY.
///
/// The uri is a scalar subquery, not a join: SQLite 3.54 marks a cached statement that joins
/// `sources` as needing a new plan whenever its parameters are cleared, so a join would be
/// compiled again on every run of the hottest query of a write (`derive::merged`).
pub(crate) const PROVENANCE_COLUMNS: &str =
    "s.source_zoo, (SELECT uri FROM sources WHERE id = s.source_id) AS source_uri, \
     s.source_revision, s.method, s.confidence, s.evidence, s.observed_at";

/// The statements table, aliased as [`PROVENANCE_COLUMNS`] expects.
pub(crate) const STATEMENTS: &str = "statements s";

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
