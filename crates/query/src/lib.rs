//! Queries over the repository: the search language, read-only SQL, lineage, comparison and
//! Pareto selection.
//!
//! The search language (docs/QUERY.md) is parsed into a typed [`Query`], then compiled to one
//! parameterised SQL statement over the store's documented tables and views; user text only
//! reaches SQLite as bound parameters. Names are resolved through the enrichment vocabularies, so
//! `dataset:ImageNet` and `top1@imagenet-1k>=0.8` mean what a person means. Everything runs on the
//! store's [`ReadOnly`] connection, under a time and row limit. This crate builds SQL; it never
//! writes to the store and never parses zoo files.

mod compare;
mod compile;
mod lex;
pub mod lineage;
pub mod parse;

use macaroni_enrich::Enricher;
use macaroni_store::{Limits, ReadOnly, Rows, StoreError};

pub use compare::{compare, pareto, BenchmarkRow, Comparison, ModelSummary, Objective, ParetoPoint};
pub use compile::{
    compile, compile_condition, compile_match_set, compile_text_prefix, compile_with, sort_floor_probe, Catalog,
    Compiled, NoCatalog,
};
pub use lineage::{common_ancestors, lineage, CommonAncestor, Edge, LineageOptions, LineageResult};
pub use parse::{parse, Query};

/// A query that cannot be parsed: where, and what was expected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("at character {at}: {message}")]
pub struct ParseError {
    /// Character offset in the query text.
    pub at: usize,
    pub message: String,
}

impl ParseError {
    /// The query with a caret under the position, for terminals.
    pub fn pointer(&self, query: &str) -> String {
        format!(
            "{query}\n{}^ {}",
            " ".repeat(self.at.min(query.chars().count())),
            self.message
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error(transparent)]
    Parse(#[from] ParseError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Vocabulary(#[from] macaroni_enrich::EnrichError),
}

/// The store as the compiler's catalog: bounded, indexed look-ups, a few per query.
pub struct StoreCatalog<'a> {
    store: &'a ReadOnly,
    limits: Limits,
}

impl<'a> StoreCatalog<'a> {
    pub fn new(store: &'a ReadOnly, limits: Limits) -> StoreCatalog<'a> {
        StoreCatalog { store, limits }
    }

    fn texts(ids: &[String]) -> Vec<macaroni_store::SqlValue> {
        ids.iter().map(|i| macaroni_store::SqlValue::Text(i.clone())).collect()
    }
}

impl Catalog for StoreCatalog<'_> {
    fn expand(&self, ids: &[String]) -> Vec<String> {
        let sql = format!(
            "SELECT raw_id FROM canonical_ids WHERE canonical_id IN ({})",
            vec!["?"; ids.len()].join(", ")
        );
        let mut out = ids.to_vec();
        if let Ok(rows) = self.store.query(&sql, &Self::texts(ids), self.limits) {
            out.extend(rows.rows.iter().filter_map(|r| r[0].as_str().map(str::to_string)));
        }
        out.sort();
        out.dedup();
        out
    }

    fn held_by_at_least(&self, relation: macaroni_format::RelationKind, objects: &[String], holders: usize) -> bool {
        let sql = format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM relations WHERE object IN ({}) AND relation = '{}' LIMIT {holders})",
            vec!["?"; objects.len()].join(", "),
            relation.as_str()
        );
        self.store
            .query(&sql, &Self::texts(objects), self.limits)
            .ok()
            .and_then(|rows| rows.rows.first().and_then(|r| r[0].as_u64()))
            .is_some_and(|n| n as usize >= holders)
    }
}

/// Runs a search and returns the matching models, one row each (`id`, `name`, `zoo`, `task`,
/// `license`, `parameters`, `downloads`, and `sort_value` when sorted by a value).
pub fn search(store: &ReadOnly, text: &str, limits: Limits) -> Result<Rows, QueryError> {
    search_parsed(store, &parse(text)?, limits)
}

/// [`search`] of a query already parsed (or built by a program, e.g. from Hub parameters).
pub fn search_parsed(store: &ReadOnly, query: &Query, limits: Limits) -> Result<Rows, QueryError> {
    let enricher = Enricher::shared()?;
    let catalog = StoreCatalog::new(store, limits);
    // Shortcut plans for the expensive orders; each counts only when it fills the limit.
    if let Some(plan) = floor_plan(store, query, enricher, &catalog, limits)? {
        if let Some(rows) = rows_if_full(store, &plan, query.limit, limits)? {
            return Ok(rows);
        }
    }
    let depth = query.limit.saturating_mul(TEXT_PREFIX_PER_RESULT_ROW).max(200);
    if let Some(plan) = compile::compile_text_prefix(query, enricher, &catalog, depth) {
        if let Some(rows) = rows_if_full(store, &plan, query.limit, limits)? {
            return Ok(rows);
        }
    }
    let compiled = compile_with(query, enricher, &catalog);
    Ok(store.query(&compiled.sql, &compiled.params, limits)?)
}

/// Evaluations read from the top of the value index to name a floor for `sort:metric@dataset`.
const FLOOR_DEPTH_PER_RESULT_ROW: usize = 20;

/// The shortcut plan for sorting by a metric (see [`compile::sort_floor_probe`]), `None` when it
/// does not apply.
fn floor_plan(
    store: &ReadOnly,
    query: &Query,
    enricher: &Enricher,
    catalog: &StoreCatalog,
    limits: Limits,
) -> Result<Option<compile::Compiled>, QueryError> {
    let depth = query.limit.saturating_mul(FLOOR_DEPTH_PER_RESULT_ROW).max(1_000);
    let Some(probe) = compile::sort_floor_probe(query, enricher, catalog, depth) else {
        return Ok(None);
    };
    let floor = store
        .query(&probe.sql, &probe.params, limits)?
        .rows
        .first()
        .and_then(|r| r[0].as_f64());
    Ok(floor.and_then(|floor| compile::compile_with_floor(query, floor, enricher, catalog)))
}

/// Runs a shortcut plan: its rows are the answer when there are `limit` of them (a shortcut
/// never leaves out a row that belongs before the ones it found); otherwise the full query runs.
fn rows_if_full(store: &ReadOnly, plan: &Compiled, limit: usize, limits: Limits) -> Result<Option<Rows>, QueryError> {
    let rows = store.query(&plan.sql, &plan.params, limits)?;
    Ok((rows.rows.len() >= limit).then_some(rows))
}

/// Best-ranked text matches kept per result row before the join (see
/// [`compile::compile_text_prefix`]).
const TEXT_PREFIX_PER_RESULT_ROW: usize = 4;

/// Runs user SQL on the read-only connection.
pub fn sql(store: &ReadOnly, text: &str, limits: Limits) -> Result<Rows, QueryError> {
    Ok(store.query(text, &[], limits)?)
}
