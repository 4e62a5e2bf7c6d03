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
pub use compile::{compile, Compiled};
pub use lineage::{lineage, Edge, LineageOptions, LineageResult};
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

/// Runs a search and returns the matching models, one row each (`id`, `name`, `zoo`, `task`,
/// `license`, `parameters`, `downloads`, and `sort_value` when sorted by a value).
pub fn search(store: &ReadOnly, text: &str, limits: Limits) -> Result<Rows, QueryError> {
    let query = parse(text)?;
    let enricher = Enricher::shared()?;
    let compiled = compile(&query, enricher);
    Ok(store.query(&compiled.sql, &compiled.params, limits)?)
}

/// Runs user SQL on the read-only connection.
pub fn sql(store: &ReadOnly, text: &str, limits: Limits) -> Result<Rows, QueryError> {
    Ok(store.query(text, &[], limits)?)
}
