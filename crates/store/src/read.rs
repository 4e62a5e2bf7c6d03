//! Reading back: export of every current statement as a record, one entity with its context,
//! history and counts.

use std::collections::BTreeMap;

use macaroni_format::{Kind, Provenance, Record};
use rusqlite::{params, OptionalExtension};
use serde_json::{Map, Value};

use crate::rows::{provenance_at, trust_order, PROVENANCE_COLUMNS, STATEMENTS};
use crate::{derive, Result, Store, StoreError};

/// One entity with what surrounds it.
#[derive(Debug, Clone)]
pub struct EntityView {
    pub id: String,
    pub kind: Kind,
    /// The merged record (best value per attribute).
    pub merged: Record,
    /// What each source says, one record per statement.
    pub statements: Vec<Record>,
    /// Relations where the entity is the subject.
    pub outgoing: Vec<Record>,
    /// Relations where the entity is the object.
    pub incoming: Vec<Record>,
    /// Evaluations of the model.
    pub evaluations: Vec<Record>,
    /// Cost measurements of the model.
    pub costs: Vec<Record>,
    /// For each merged attribute, the provenance of the statement its value comes from.
    pub attribute_sources: BTreeMap<String, Provenance>,
}

/// One version of one attribute value.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FactVersion {
    pub field: String,
    pub value: Value,
    pub source: String,
    pub method: String,
    pub valid_from: String,
    pub valid_to: Option<String>,
}

/// Counts for `macaroni stats`.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Stats {
    /// Current entities per kind (relations included as `relation`).
    pub kinds: BTreeMap<String, i64>,
    /// Current relations per relation kind.
    pub relations: BTreeMap<String, i64>,
    /// Models per zoo.
    pub zoos: BTreeMap<String, i64>,
    pub sources: i64,
    pub statements_current: i64,
    pub statements_closed: i64,
    pub facts_current: i64,
    pub facts_history: i64,
    pub schema_version: i64,
}

impl Store {
    /// Calls `each` with every current statement as a record, ordered by id, source and method,
    /// so that the same content always exports to the same bundle.
    pub fn export_each(&self, kind: Option<Kind>, each: impl FnMut(Record) -> Result<()>) -> Result<usize> {
        let sql = format!(
            "SELECT s.id, s.entity_id, s.kind, {PROVENANCE_COLUMNS}, f.field, f.value
             FROM {STATEMENTS} LEFT JOIN facts f ON f.statement_id = s.id AND f.valid_to IS NULL
             WHERE s.valid_to IS NULL AND (?1 IS NULL OR s.kind = ?1)
             ORDER BY s.entity_id, source_uri, s.method, s.id, f.field"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query(params![kind.map(Kind::as_str)])?;
        records_of(rows, each)
    }

    /// [`Store::export_each`] for a few entities: the current statements of each id, as records.
    pub fn export_entities(&self, ids: &[String], mut each: impl FnMut(Record) -> Result<()>) -> Result<usize> {
        let sql = format!(
            "SELECT s.id, s.entity_id, s.kind, {PROVENANCE_COLUMNS}, f.field, f.value
             FROM {STATEMENTS} LEFT JOIN facts f ON f.statement_id = s.id AND f.valid_to IS NULL
             WHERE s.valid_to IS NULL AND s.entity_id = ?1
             ORDER BY source_uri, s.method, s.id, f.field"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let mut count = 0;
        for id in ids {
            count += records_of(stmt.query([id])?, &mut each)?;
        }
        Ok(count)
    }

    /// Ids of the relations `id` is the subject of and of its evaluations: the records that
    /// describe a model besides its own statements.
    pub fn ids_about(&self, id: &str) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare(
            "SELECT id FROM relations WHERE subject = ?1 UNION ALL SELECT id FROM evaluations WHERE model_id = ?1",
        )?;
        let ids = stmt.query_map([id], |row| row.get(0))?;
        Ok(ids.collect::<rusqlite::Result<_>>()?)
    }

    /// Whether `id` is among its own lineage ancestors (the lineage closure holds the pair).
    pub fn in_lineage_cycle(&self, id: &str) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM lineage_closure WHERE ancestor = ?1 AND descendant = ?1)",
            [id],
            |row| row.get(0),
        )?)
    }
}

/// Folds statement rows (statement id, entity id, kind, provenance, field, value; grouped by
/// statement) into records.
fn records_of(mut rows: rusqlite::Rows<'_>, mut each: impl FnMut(Record) -> Result<()>) -> Result<usize> {
    let mut pending: Option<PendingStatement> = None;
    let mut count = 0;
    while let Some(row) = rows.next()? {
        let statement_id: i64 = row.get(0)?;
        if pending.as_ref().is_none_or(|p| p.statement_id != statement_id) {
            if let Some(done) = pending.take() {
                each(done.into_record()?)?;
                count += 1;
            }
            let id: String = row.get(1)?;
            let kind_text: String = row.get(2)?;
            pending = Some(PendingStatement {
                statement_id,
                kind: Kind::parse(&kind_text).ok_or_else(|| corrupt(&id, "unknown kind"))?,
                id,
                provenance: provenance_at(row, 3)?,
                attributes: Map::new(),
            });
        }
        let field: Option<String> = row.get(10)?;
        let value: Option<String> = row.get(11)?;
        if let (Some(field), Some(value), Some(p)) = (field, value, pending.as_mut()) {
            p.attributes.insert(field, serde_json::from_str(&value)?);
        }
    }
    if let Some(done) = pending.take() {
        each(done.into_record()?)?;
        count += 1;
    }
    Ok(count)
}

impl Store {
    /// The merged record of `id`, or `None` when no source states it.
    pub fn merged(&self, id: &str) -> Result<Option<Record>> {
        match derive::merged(&self.conn, id)? {
            Some(m) => Ok(Some(rebuild(m.kind, id, &m.provenance, m.attributes)?)),
            None => Ok(None),
        }
    }

    /// The merged record of `id` as it stood at time `at` (RFC 3339). Times are compared as
    /// instants, not as text: `…:01Z` is before `…:01.652Z`.
    pub fn merged_as_of(&self, id: &str, at: &str) -> Result<Option<Record>> {
        let mut attributes = Map::new();
        let mut best: Option<(Kind, Provenance)> = None;
        let sql = format!(
            "SELECT s.kind, {PROVENANCE_COLUMNS}, f.field, f.value
             FROM {STATEMENTS} JOIN facts f ON f.statement_id = s.id
             WHERE s.entity_id = ?1
               AND julianday(s.valid_from) <= julianday(?2)
               AND (s.valid_to IS NULL OR julianday(s.valid_to) > julianday(?2))
               AND julianday(COALESCE(f.valid_from, s.valid_from)) <= julianday(?2)
               AND (f.valid_to IS NULL OR julianday(f.valid_to) > julianday(?2))"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows: Vec<(Kind, Provenance, String, String)> = stmt
            .query_map(params![id, at], |row| {
                let kind: String = row.get(0)?;
                Ok((
                    Kind::parse(&kind).unwrap_or(Kind::Model),
                    provenance_at(row, 1)?,
                    row.get(8)?,
                    row.get(9)?,
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        rows.sort_by(|a, b| trust_order(&a.1, &b.1));
        for (kind, prov, field, value) in rows {
            let (best_kind, _) = best.get_or_insert_with(|| (kind, prov.clone()));
            if *best_kind == kind && !attributes.contains_key(&field) {
                attributes.insert(field, serde_json::from_str(&value)?);
            }
        }
        match best {
            Some((kind, prov)) => Ok(Some(rebuild(kind, id, &prov, attributes)?)),
            None => Ok(None),
        }
    }

    /// Every version of every attribute of `id`, oldest first.
    pub fn history(&self, id: &str) -> Result<Vec<FactVersion>> {
        let mut stmt = self.conn.prepare(
            "SELECT f.field, f.value, src.uri, s.method, COALESCE(f.valid_from, s.valid_from) AS since, f.valid_to
             FROM facts f JOIN statements s ON s.id = f.statement_id JOIN sources src ON src.id = s.source_id
             WHERE s.entity_id = ?1 ORDER BY f.field, since, f.id",
        )?;
        let rows = stmt.query_map([id], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
                row.get(5)?,
            ))
        })?;
        let mut versions = Vec::new();
        for row in rows {
            let (field, value, source, method, valid_from, valid_to) = row?;
            versions.push(FactVersion {
                field,
                value: serde_json::from_str(&value)?,
                source,
                method,
                valid_from,
                valid_to,
            });
        }
        Ok(versions)
    }

    /// An entity with its statements, relations, evaluations and costs.
    pub fn view(&self, id: &str) -> Result<Option<EntityView>> {
        let Some(merged) = self.merged(id)? else {
            return Ok(None);
        };
        let mut statements = Vec::new();
        self.statements_of(id, &mut statements)?;
        let attribute_sources = attribute_sources(&merged, &statements);
        let outgoing = self.derived_records(
            "SELECT id FROM relations WHERE subject = ?1 ORDER BY relation, object",
            id,
        )?;
        let incoming = self.derived_records(
            "SELECT id FROM relations WHERE object = ?1 ORDER BY relation, subject",
            id,
        )?;
        let evaluations = self.derived_records(
            "SELECT id FROM evaluations WHERE model_id = ?1 ORDER BY dataset_id, metric_type, id",
            id,
        )?;
        let costs = self.derived_records("SELECT id FROM cost_measurements WHERE model_id = ?1 ORDER BY id", id)?;
        Ok(Some(EntityView {
            id: id.to_string(),
            kind: merged.kind(),
            merged,
            statements,
            outgoing,
            incoming,
            evaluations,
            costs,
            attribute_sources,
        }))
    }

    fn statements_of(&self, id: &str, out: &mut Vec<Record>) -> Result<()> {
        let sql = format!(
            "SELECT s.id, s.kind, {PROVENANCE_COLUMNS} FROM {STATEMENTS}
             WHERE s.entity_id = ?1 AND s.valid_to IS NULL ORDER BY source_uri, s.method"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let heads: Vec<(i64, String, Provenance)> = stmt
            .query_map([id], |row| Ok((row.get(0)?, row.get(1)?, provenance_at(row, 2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut facts = self
            .conn
            .prepare("SELECT field, value FROM facts WHERE statement_id = ?1 AND valid_to IS NULL")?;
        for (statement_id, kind, provenance) in heads {
            let mut attributes = Map::new();
            for pair in facts.query_map([statement_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
                let (field, value) = pair?;
                attributes.insert(field, serde_json::from_str(&value)?);
            }
            let kind = Kind::parse(&kind).ok_or_else(|| corrupt(id, "unknown kind"))?;
            out.push(rebuild(kind, id, &provenance, attributes)?);
        }
        Ok(())
    }

    /// The merged records of the ids a query over a derived table returns.
    fn derived_records(&self, sql: &str, id: &str) -> Result<Vec<Record>> {
        let mut stmt = self.conn.prepare(sql)?;
        let ids: Vec<String> = stmt
            .query_map([id], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut records = Vec::with_capacity(ids.len());
        for related in ids {
            records.extend(self.merged(&related)?);
        }
        Ok(records)
    }

    pub fn stats(&self) -> Result<Stats> {
        let conn = &self.conn;
        let grouped = |sql: &str| -> Result<BTreeMap<String, i64>> {
            let mut stmt = conn.prepare(sql)?;
            let rows = stmt.query_map([], |row| {
                Ok((row.get::<_, Option<String>>(0)?.unwrap_or_default(), row.get(1)?))
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        };
        let count = |sql: &str| -> Result<i64> { Ok(conn.query_row(sql, [], |row| row.get(0))?) };
        Ok(Stats {
            kinds: grouped("SELECT kind, COUNT(*) FROM entities GROUP BY kind")?,
            relations: grouped("SELECT relation, COUNT(*) FROM relations GROUP BY relation")?,
            zoos: grouped("SELECT zoo, COUNT(*) FROM models GROUP BY zoo")?,
            sources: count("SELECT COUNT(DISTINCT source_id) FROM statements WHERE valid_to IS NULL")?,
            statements_current: count("SELECT COUNT(*) FROM statements WHERE valid_to IS NULL")?,
            statements_closed: count("SELECT COUNT(*) FROM statements WHERE valid_to IS NOT NULL")?,
            facts_current: count("SELECT COUNT(*) FROM facts WHERE valid_to IS NULL")?,
            facts_history: count("SELECT COUNT(*) FROM facts WHERE valid_to IS NOT NULL")?,
            schema_version: self.schema_version()?,
        })
    }

    /// Ids of entities of one kind whose name or text matches an FTS5 query, best first.
    pub fn search_text(&self, query: &str, limit: usize) -> Result<Vec<(String, String)>> {
        let mut stmt = self.conn.prepare(
            "SELECT e.id, e.kind FROM search JOIN entities e ON e.rowid = search.rowid
             WHERE search MATCH ?1 ORDER BY bm25(search, 10.0, 3.0, 1.0) LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![query, limit as i64], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The kind of an entity, if it exists.
    pub fn kind_of(&self, id: &str) -> Result<Option<Kind>> {
        let kind: Option<String> = self
            .conn
            .query_row("SELECT kind FROM entities WHERE id = ?1", [id], |r| r.get(0))
            .optional()?;
        Ok(kind.and_then(|k| Kind::parse(&k)))
    }
}

/// Which statement each merged attribute came from: the merge rule of [`derive::merged`] (the
/// most trusted statement of the merged kind that has the field) applied to the statements.
fn attribute_sources(merged: &Record, statements: &[Record]) -> BTreeMap<String, Provenance> {
    let mut ranked: Vec<&Record> = statements.iter().filter(|s| s.kind() == merged.kind()).collect();
    ranked.sort_by(|a, b| trust_order(a.provenance(), b.provenance()));
    let mut sources = BTreeMap::new();
    for statement in ranked {
        for field in statement.attributes().keys() {
            if !sources.contains_key(field) {
                sources.insert(field.clone(), statement.provenance().clone());
            }
        }
    }
    sources
}

/// A statement being assembled from consecutive export rows.
struct PendingStatement {
    statement_id: i64,
    kind: Kind,
    id: String,
    provenance: Provenance,
    attributes: Map<String, Value>,
}

impl PendingStatement {
    fn into_record(self) -> Result<Record> {
        rebuild(self.kind, &self.id, &self.provenance, self.attributes)
    }
}

fn rebuild(kind: Kind, id: &str, prov: &Provenance, attributes: Map<String, Value>) -> Result<Record> {
    Record::from_parts(kind, id, prov, attributes).map_err(|e| corrupt(id, &e.to_string()))
}

fn corrupt(id: &str, message: &str) -> StoreError {
    StoreError::Corrupt {
        id: id.to_string(),
        message: message.to_string(),
    }
}
