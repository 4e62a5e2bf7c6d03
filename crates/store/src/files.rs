//! Fingerprints of the files sources were read from, so that an ingest can skip a file it read
//! before without parsing it again.
//!
//! The caller computes the fingerprint (over everything the records depend on: the reader and
//! its version, the path ids come from, the bytes); this module only keeps one per source and
//! answers whether a file still matches. A source written without a fingerprint loses its row,
//! so that nothing a later write changed can be skipped over.

use std::collections::BTreeMap;

use macaroni_format::Kind;
use rusqlite::{params, Connection, OptionalExtension, Transaction};

use crate::{Category, Result};

/// A SHA-256 digest of what a source's records were read from.
pub type Fingerprint = [u8; 32];

pub(crate) fn record(tx: &Transaction, source_id: i64, fingerprint: Option<&Fingerprint>) -> Result<()> {
    match fingerprint {
        Some(digest) => tx
            .prepare_cached("INSERT OR REPLACE INTO source_files (source_id, fingerprint) VALUES (?1, ?2)")?
            .execute(params![source_id, &digest[..]])?,
        None => tx
            .prepare_cached("DELETE FROM source_files WHERE source_id = ?1")?
            .execute([source_id])?,
    };
    Ok(())
}

/// When the file at `uri` was last read with this very fingerprint: how many current
/// statements of each category it holds (what reading it again would report as unchanged).
pub(crate) fn unchanged(
    conn: &Connection,
    uri: &str,
    fingerprint: &Fingerprint,
) -> Result<Option<BTreeMap<Category, usize>>> {
    // A subquery, not a join: see `rows::PROVENANCE_COLUMNS` for why.
    let source_id: Option<i64> = conn
        .prepare_cached(
            "SELECT source_id FROM source_files
             WHERE source_id = (SELECT id FROM sources WHERE uri = ?1) AND fingerprint = ?2",
        )?
        .query_row(params![uri, &fingerprint[..]], |row| row.get(0))
        .optional()?;
    let Some(source_id) = source_id else {
        return Ok(None);
    };
    // Counted here rather than by GROUP BY, which SQLite 3.54 compiles again on every run.
    let mut counts = BTreeMap::new();
    let mut stmt = conn.prepare_cached("SELECT kind FROM statements WHERE source_id = ?1 AND valid_to IS NULL")?;
    let kinds = stmt.query_map([source_id], |row| row.get::<_, String>(0))?;
    for kind in kinds {
        let category = Category::of(Kind::parse(&kind?).unwrap_or(Kind::Model));
        *counts.entry(category).or_default() += 1;
    }
    Ok(Some(counts))
}
