//! The derived tables: the current, merged view of each entity touched by a write.
//!
//! Per attribute, the value of the most trusted current statement wins: declared over imported
//! over parsed tables over text patterns over inferences, then higher confidence, then the most
//! recent observation, then the source uri (so that the choice is deterministic).

use std::collections::BTreeSet;

use macaroni_format::{Kind, Provenance, Record};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde_json::{Map, Value};

use crate::rows::{provenance_at, trust_order, PROVENANCE_COLUMNS, STATEMENTS};
use crate::Result;

/// An entity merged from all its current statements.
pub(crate) struct Merged {
    pub kind: Kind,
    /// Provenance of the most trusted statement.
    pub provenance: Provenance,
    pub attributes: Map<String, Value>,
    pub sources: usize,
}

struct StatementRow {
    id: i64,
    kind: Kind,
    provenance: Provenance,
}

pub(crate) fn merged(conn: &Connection, entity_id: &str) -> Result<Option<Merged>> {
    let sql = format!(
        "SELECT s.id, s.kind, {PROVENANCE_COLUMNS} FROM {STATEMENTS} WHERE s.entity_id = ?1 AND s.valid_to IS NULL"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows: Vec<StatementRow> = stmt
        .query_map([entity_id], |row| {
            let kind: String = row.get(1)?;
            Ok(StatementRow {
                id: row.get(0)?,
                kind: Kind::parse(&kind).unwrap_or(Kind::Model),
                provenance: provenance_at(row, 2)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    if rows.is_empty() {
        return Ok(None);
    }
    rows.sort_by(|a, b| trust_order(&a.provenance, &b.provenance));
    let kind = rows[0].kind;
    let provenance = rows[0].provenance.clone();
    let mut attributes = Map::new();
    let mut sources = 0;
    let mut facts =
        conn.prepare_cached("SELECT field, value FROM facts WHERE statement_id = ?1 AND valid_to IS NULL")?;
    for row in rows.iter().filter(|r| r.kind == kind) {
        sources += 1;
        let pairs = facts.query_map([row.id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        for pair in pairs {
            let (field, text) = pair?;
            if !attributes.contains_key(&field) {
                attributes.insert(field, serde_json::from_str(&text)?);
            }
        }
    }
    Ok(Some(Merged {
        kind,
        provenance,
        attributes,
        sources,
    }))
}

/// Rebuilds the derived rows of every touched entity.
pub(crate) fn refresh(tx: &Transaction, touched: &BTreeSet<String>, now: &str) -> Result<()> {
    let mut lineage_children = BTreeSet::new();
    for entity_id in touched {
        delete_derived(tx, entity_id)?;
        if let Some(entity) = merged(tx, entity_id)? {
            write_derived(tx, entity_id, &entity, now)?;
        }
        if let Some(child) = crate::closure::lineage_child(entity_id) {
            lineage_children.insert(child.to_string());
        }
    }
    crate::closure::refresh(tx, &lineage_children)
}

const TYPED_TABLES: [&str; 7] = [
    "models",
    "datasets",
    "evaluations",
    "relations",
    "cost_measurements",
    "training_runs",
    "entities",
];

fn delete_derived(tx: &Transaction, entity_id: &str) -> Result<()> {
    let rowid: Option<i64> = tx
        .prepare_cached("SELECT rowid FROM entities WHERE id = ?1")?
        .query_row([entity_id], |r| r.get(0))
        .optional()?;
    // Derived rows are written only with the entity row (`write_derived`): an entity without
    // one has nothing to delete, which spares a new entity seven index probes.
    let Some(rowid) = rowid else {
        return Ok(());
    };
    tx.prepare_cached("DELETE FROM search WHERE rowid = ?1")?
        .execute([rowid])?;
    for table in TYPED_TABLES {
        tx.prepare_cached(&format!("DELETE FROM {table} WHERE id = ?1"))?
            .execute([entity_id])?;
    }
    Ok(())
}

fn write_derived(tx: &Transaction, entity_id: &str, entity: &Merged, now: &str) -> Result<()> {
    write_entity_row(tx, entity_id, entity, now)?;
    // Statements of one kind always rebuild into a record; if stored JSON was edited by hand into
    // something else, the entity keeps its entity row but gets no typed row.
    match Record::from_parts(entity.kind, entity_id, &entity.provenance, entity.attributes.clone()) {
        Ok(record) => write_typed_row(tx, &record, &entity.provenance),
        Err(_) => Ok(()),
    }
}

fn text_attr(attributes: &Map<String, Value>, key: &str) -> Option<String> {
    attributes.get(key).and_then(Value::as_str).map(str::to_string)
}

fn write_entity_row(tx: &Transaction, entity_id: &str, entity: &Merged, now: &str) -> Result<()> {
    let attrs = &entity.attributes;
    let name = text_attr(attrs, "name").or_else(|| text_attr(attrs, "title"));
    tx.prepare_cached("INSERT INTO entities (id, kind, name, sources, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)")?
        .execute(params![
            entity_id,
            entity.kind.as_str(),
            name,
            entity.sources as i64,
            now
        ])?;
    if matches!(
        entity.kind,
        Kind::Relation | Kind::Evaluation | Kind::CostMeasurement | Kind::TrainingRun | Kind::DataInstance
    ) {
        return Ok(());
    }
    let rowid = tx.last_insert_rowid();
    let description = text_attr(attrs, "description").unwrap_or_default();
    let mut body = text_attr(attrs, "card_text").unwrap_or_default();
    if let Some(Value::Array(tags)) = attrs.get("tags") {
        for tag in tags.iter().filter_map(Value::as_str) {
            body.push(' ');
            body.push_str(tag);
        }
    }
    let searchable_name = name.unwrap_or_else(|| entity_id.to_string());
    tx.prepare_cached("INSERT INTO search (rowid, name, description, body) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![
            rowid,
            format!("{searchable_name} {entity_id}"),
            description,
            body
        ])?;
    Ok(())
}

fn json_text(value: &Option<Value>) -> Option<String> {
    match value {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => Some(other.to_string()),
    }
}

fn write_typed_row(tx: &Transaction, record: &Record, prov: &Provenance) -> Result<()> {
    match record {
        Record::Model(m) => {
            tx.prepare_cached(
                "INSERT INTO models (id, name, zoo, task, library, architecture, license, parameters, size_bytes,
                    downloads, likes, created_at, last_modified, revision, url, description, languages, tags)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
            )?
            .execute(params![
                m.id,
                m.name,
                m.zoo,
                m.task,
                m.library,
                m.architecture,
                m.license,
                m.parameters.map(|v| v as i64),
                m.size_bytes.map(|v| v as i64),
                m.downloads.map(|v| v as i64),
                m.likes.map(|v| v as i64),
                m.created_at,
                m.last_modified,
                m.revision,
                m.url,
                m.description,
                (!m.languages.is_empty())
                    .then(|| serde_json::to_string(&m.languages))
                    .transpose()?,
                (!m.tags.is_empty())
                    .then(|| serde_json::to_string(&m.tags))
                    .transpose()?
            ])?;
        }
        Record::Dataset(d) => {
            tx.prepare_cached(
                "INSERT INTO datasets (id, name, license, modality, homepage, description) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![d.id, d.name, d.license, d.modality, d.homepage, d.description])?;
        }
        Record::Evaluation(e) => {
            tx.prepare_cached(
                "INSERT INTO evaluations (id, model_id, task_type, task_name, dataset_id, dataset_name, dataset_type,
                    dataset_config, dataset_split, metric_type, metric_name, metric_id, value, numeric_value, verified,
                    method, source_uri)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
            )?
            .execute(params![
                e.id,
                e.model,
                e.task.task_type,
                e.task.name,
                e.dataset.id,
                e.dataset.name,
                e.dataset.dataset_type,
                json_text(&e.dataset.config),
                json_text(&e.dataset.split),
                e.metric.metric_type,
                e.metric.name,
                e.metric
                    .metric_type
                    .as_deref()
                    .or(e.metric.name.as_deref())
                    .map(macaroni_format::id::metric),
                e.value.to_string(),
                e.numeric_value,
                e.verified,
                prov.method.as_str(),
                prov.source.uri
            ])?;
        }
        Record::Relation(r) => {
            let attributes = (!r.attributes.is_empty())
                .then(|| serde_json::to_string(&r.attributes))
                .transpose()?;
            tx.prepare_cached(
                "INSERT INTO relations (id, subject, relation, object, attributes, method, confidence, source_uri)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                r.id,
                r.subject,
                r.relation.as_str(),
                r.object,
                attributes,
                prov.method.as_str(),
                prov.confidence,
                prov.source.uri
            ])?;
        }
        Record::CostMeasurement(c) => {
            tx.prepare_cached(
                "INSERT INTO cost_measurements (id, model_id, phase, hardware, precision, framework, batch_size,
                    image_size, throughput, step_time_ms, latency_ms, memory_mb, gmacs, flops, cost)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            )?
            .execute(params![
                c.id,
                c.model,
                c.phase,
                c.hardware,
                c.precision,
                c.framework,
                c.batch_size,
                c.image_size,
                c.throughput,
                c.step_time_ms,
                c.latency_ms,
                c.memory_mb,
                c.gmacs,
                c.flops,
                c.cost
            ])?;
        }
        Record::TrainingRun(t) => {
            let hyper = (!t.hyperparameters.is_empty())
                .then(|| serde_json::to_string(&t.hyperparameters))
                .transpose()?;
            let versions = (!t.framework_versions.is_empty())
                .then(|| serde_json::to_string(&t.framework_versions))
                .transpose()?;
            tx.prepare_cached(
                "INSERT INTO training_runs (id, model_id, hardware, emissions_grams, hyperparameters, framework_versions)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![t.id, t.model, t.hardware, t.emissions_grams, hyper, versions])?;
        }
        _ => {}
    }
    Ok(())
}
