//! Writing sources into the store: diff each source's new statements against its current ones.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use macaroni_format::{Kind, Provenance, Record};
use rusqlite::{params, Transaction};
use serde_json::{Map, Value};

use crate::{derive, Fingerprint, Result, SourceBatch};

/// What a write did to one statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Change {
    Added,
    Updated,
    Unchanged,
    Removed,
}

/// The groups a summary reports separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    Entities,
    Relations,
    Evaluations,
}

impl Category {
    pub fn of(kind: Kind) -> Category {
        match kind {
            Kind::Relation => Category::Relations,
            Kind::Evaluation => Category::Evaluations,
            _ => Category::Entities,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Entities => "entities",
            Category::Relations => "relations",
            Category::Evaluations => "evaluations",
        }
    }
}

/// Counts of statement changes per category.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApplySummary {
    pub counts: BTreeMap<(Category, Change), usize>,
}

impl ApplySummary {
    pub fn count(&self, category: Category, change: Change) -> usize {
        self.counts.get(&(category, change)).copied().unwrap_or(0)
    }

    /// Sum over categories of one kind of change.
    pub fn total(&self, change: Change) -> usize {
        self.counts
            .iter()
            .filter(|((_, c), _)| *c == change)
            .map(|(_, n)| n)
            .sum()
    }

    pub fn merge(&mut self, other: &ApplySummary) {
        for (key, n) in &other.counts {
            *self.counts.entry(*key).or_default() += n;
        }
    }

    fn record(&mut self, kind: Kind, change: Change) {
        *self.counts.entry((Category::of(kind), change)).or_default() += 1;
    }
}

/// A statement as the source states it now: several records of one source with the same id and
/// method are one statement (their attributes merged, later records filling gaps).
struct NewStatement {
    kind: Kind,
    provenance: Provenance,
    attributes: Map<String, Value>,
}

struct CurrentStatement {
    id: i64,
    kind: String,
    zoo: String,
    revision: Option<String>,
    confidence: f64,
    evidence: Option<String>,
}

pub(crate) fn apply(
    tx: &Transaction,
    batches: &[SourceBatch],
    partial: &BTreeSet<String>,
    fingerprints: &HashMap<String, Fingerprint>,
    now: &str,
) -> Result<ApplySummary> {
    let mut summary = ApplySummary::default();
    let mut touched = BTreeSet::new();
    // Two batches for one source in one call are one statement of that source, not a
    // replacement of the first by the second. Records are borrowed, not copied: a large file's
    // batch is the biggest thing an ingest holds.
    let mut by_source: BTreeMap<&str, (Vec<&Record>, usize)> = BTreeMap::new();
    for batch in batches {
        let (records, parts) = by_source.entry(batch.uri.as_str()).or_default();
        records.extend(batch.records.iter());
        *parts += 1;
    }
    for (uri, (records, parts)) in by_source {
        let keep_unstated = partial.contains(uri);
        let source_id = source_id(tx, uri)?;
        apply_source(tx, source_id, &records, keep_unstated, now, &mut summary, &mut touched)?;
        // Only a whole file, read in one piece, may be skipped next time.
        let fingerprint = fingerprints.get(uri).filter(|_| !keep_unstated && parts == 1);
        crate::files::record(tx, source_id, fingerprint)?;
    }
    derive::refresh(tx, &touched, now)?;
    Ok(summary)
}

fn group(records: &[&Record]) -> BTreeMap<(String, String), NewStatement> {
    let mut grouped: BTreeMap<(String, String), NewStatement> = BTreeMap::new();
    for &record in records {
        let key = (record.id().to_string(), record.provenance().method.as_str().to_string());
        let attributes = record.attributes();
        match grouped.get_mut(&key) {
            Some(existing) => {
                for (field, value) in attributes {
                    existing.attributes.entry(field).or_insert(value);
                }
            }
            None => {
                grouped.insert(
                    key,
                    NewStatement {
                        kind: record.kind(),
                        provenance: record.provenance().clone(),
                        attributes,
                    },
                );
            }
        }
    }
    grouped
}

fn apply_source(
    tx: &Transaction,
    source_id: i64,
    records: &[&Record],
    keep_unstated: bool,
    now: &str,
    summary: &mut ApplySummary,
    touched: &mut BTreeSet<String>,
) -> Result<()> {
    let mut current = current_statements(tx, source_id)?;
    for ((entity_id, method), statement) in group(records) {
        let change = match current.remove(&(entity_id.clone(), method.clone())) {
            None => {
                insert_statement(tx, &entity_id, source_id, &statement, now)?;
                Change::Added
            }
            Some(existing) => update_statement(tx, &existing, &statement, keep_unstated, now)?,
        };
        if change != Change::Unchanged {
            touched.insert(entity_id);
        }
        summary.record(statement.kind, change);
    }
    if keep_unstated {
        return Ok(());
    }
    for ((entity_id, _), gone) in current {
        close_statement(tx, gone.id, now)?;
        touched.insert(entity_id);
        let kind = Kind::parse(&gone.kind).unwrap_or(Kind::Model);
        summary.record(kind, Change::Removed);
    }
    Ok(())
}

/// The id of a source uri, created on first sight.
fn source_id(tx: &Transaction, uri: &str) -> Result<i64> {
    tx.prepare_cached("INSERT INTO sources (uri) VALUES (?1) ON CONFLICT(uri) DO NOTHING")?
        .execute([uri])?;
    Ok(tx
        .prepare_cached("SELECT id FROM sources WHERE uri = ?1")?
        .query_row([uri], |row| row.get(0))?)
}

fn current_statements(tx: &Transaction, source_id: i64) -> Result<HashMap<(String, String), CurrentStatement>> {
    let mut stmt = tx.prepare_cached(
        "SELECT id, entity_id, method, kind, source_zoo, source_revision, confidence, evidence
         FROM statements WHERE source_id = ?1 AND valid_to IS NULL",
    )?;
    let rows = stmt.query_map([source_id], |row| {
        Ok((
            (row.get::<_, String>(1)?, row.get::<_, String>(2)?),
            CurrentStatement {
                id: row.get(0)?,
                kind: row.get(3)?,
                zoo: row.get(4)?,
                revision: row.get(5)?,
                confidence: row.get(6)?,
                evidence: row.get(7)?,
            },
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn insert_statement(tx: &Transaction, entity_id: &str, source_id: i64, new: &NewStatement, now: &str) -> Result<()> {
    let p = &new.provenance;
    tx.prepare_cached(
        "INSERT INTO statements (entity_id, kind, source_zoo, source_id, source_revision, method,
                                 confidence, evidence, observed_at, valid_from)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        entity_id,
        new.kind.as_str(),
        p.source.zoo,
        source_id,
        p.source.revision,
        p.method.as_str(),
        p.confidence,
        p.evidence,
        p.observed_at,
        now
    ])?;
    let statement_id = tx.last_insert_rowid();
    for (field, value) in &new.attributes {
        insert_fact(tx, statement_id, field, value, None)?;
    }
    Ok(())
}

/// `valid_from` is `None` for facts born with their statement: they share its start.
fn insert_fact(
    tx: &Transaction,
    statement_id: i64,
    field: &str,
    value: &Value,
    valid_from: Option<&str>,
) -> Result<()> {
    tx.prepare_cached("INSERT INTO facts (statement_id, field, value, valid_from) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![statement_id, field, serde_json::to_string(value)?, valid_from])?;
    Ok(())
}

/// Diffs a statement's facts and provenance; versions what changed. With `keep_unstated`, a
/// fact the new statement does not repeat stays current (its source was read only in part).
fn update_statement(
    tx: &Transaction,
    existing: &CurrentStatement,
    new: &NewStatement,
    keep_unstated: bool,
    now: &str,
) -> Result<Change> {
    let p = &new.provenance;
    let provenance_changed = existing.kind != new.kind.as_str()
        || existing.zoo != p.source.zoo
        || existing.revision != p.source.revision
        || existing.confidence != p.confidence
        || existing.evidence != p.evidence;
    if provenance_changed {
        tx.prepare_cached(
            "UPDATE statements SET kind = ?2, source_zoo = ?3, source_revision = ?4, confidence = ?5, evidence = ?6
             WHERE id = ?1",
        )?
        .execute(params![
            existing.id,
            new.kind.as_str(),
            p.source.zoo,
            p.source.revision,
            p.confidence,
            p.evidence
        ])?;
    }
    let mut old_facts = current_facts(tx, existing.id)?;
    let mut facts_changed = false;
    for (field, value) in &new.attributes {
        let text = serde_json::to_string(value)?;
        match old_facts.remove(field) {
            Some((_, old)) if old == text => {}
            Some((fact_id, _)) => {
                close_fact(tx, fact_id, now)?;
                insert_fact(tx, existing.id, field, value, Some(now))?;
                facts_changed = true;
            }
            None => {
                insert_fact(tx, existing.id, field, value, Some(now))?;
                facts_changed = true;
            }
        }
    }
    if !keep_unstated {
        for (fact_id, _) in old_facts.into_values() {
            close_fact(tx, fact_id, now)?;
            facts_changed = true;
        }
    }
    Ok(if provenance_changed || facts_changed {
        Change::Updated
    } else {
        Change::Unchanged
    })
}

fn current_facts(tx: &Transaction, statement_id: i64) -> Result<HashMap<String, (i64, String)>> {
    let mut stmt =
        tx.prepare_cached("SELECT id, field, value FROM facts WHERE statement_id = ?1 AND valid_to IS NULL")?;
    let rows = stmt.query_map([statement_id], |row| {
        Ok((row.get::<_, String>(1)?, (row.get(0)?, row.get(2)?)))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn close_fact(tx: &Transaction, fact_id: i64, now: &str) -> Result<()> {
    tx.prepare_cached("UPDATE facts SET valid_to = ?2 WHERE id = ?1")?
        .execute(params![fact_id, now])?;
    Ok(())
}

fn close_statement(tx: &Transaction, statement_id: i64, now: &str) -> Result<()> {
    tx.prepare_cached("UPDATE facts SET valid_to = ?2 WHERE statement_id = ?1 AND valid_to IS NULL")?
        .execute(params![statement_id, now])?;
    tx.prepare_cached("UPDATE statements SET valid_to = ?2 WHERE id = ?1")?
        .execute(params![statement_id, now])?;
    Ok(())
}
