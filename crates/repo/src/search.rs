//! Search: the query language (docs/QUERY.md) with paging, a total count and hints.

use macaroni_query::{parse::MAX_LIMIT, Query};
use macaroni_store::{Limits, ReadOnly, SqlValue};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::snippet::SnippetPart;
use crate::{Repo, RepoError, Result};

/// Matches counted at most for `total`; past it the count says "at least". As many as a search
/// can page through, so every page it offers exists.
pub(crate) const TOTAL_CAP: usize = MAX_LIMIT;

/// One search request: the query text and the page wanted.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub query: String,
    /// Results skipped (the page's start).
    pub offset: usize,
    /// Results per page; `None` takes the query's `limit:` (50 unless written).
    pub limit: Option<usize>,
}

/// A model that matched, with the columns every result shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ModelHit {
    pub id: String,
    pub name: Option<String>,
    pub zoo: Option<String>,
    pub task: Option<String>,
    pub license: Option<String>,
    pub parameters: Option<i64>,
    pub downloads: Option<i64>,
    /// The value sorted by, when the query sorts by a number or a metric.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>)]
    pub sort_value: Option<Value>,
    /// For a full-text query: words around where the query's words occur in the description
    /// or the card, the query's words marked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snippet: Option<Vec<SnippetPart>>,
}

/// One page of results.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchPage {
    pub query: String,
    pub offset: usize,
    pub limit: usize,
    pub hits: Vec<ModelHit>,
    /// The offset of the next page, when there is one.
    pub next_offset: Option<usize>,
    /// Models matching in all (counted up to 10,000).
    pub total: u64,
    /// False when `total` reached the counting cap: at least that many match.
    pub total_exact: bool,
    /// Hints for a query that may not mean what was written (an unknown zoo, ...).
    pub hints: Vec<String>,
}

impl Repo {
    pub fn search(&self, request: &SearchRequest) -> Result<SearchPage> {
        let mut query = macaroni_query::parse(&request.query)?;
        let limit = request.limit.unwrap_or(query.limit);
        if limit == 0 || limit > MAX_LIMIT {
            return Err(RepoError::usage(format!("limit must be between 1 and {MAX_LIMIT}")));
        }
        if request.offset + limit > MAX_LIMIT {
            return Err(RepoError::usage(format!(
                "results page through the first {MAX_LIMIT} matches only; narrow the query or sort it"
            )));
        }
        query.limit = request.offset + limit + 1;
        let (mut hits, more) = self.page_of(&query, request.offset, limit)?;
        self.add_snippets(&query, &mut hits)?;
        let (total, total_exact) = self.count(&query)?;
        let hints = if hits.is_empty() {
            self.hints(&query)?
        } else {
            Vec::new()
        };
        Ok(SearchPage {
            query: request.query.clone(),
            offset: request.offset,
            limit,
            hits,
            next_offset: more.then_some(request.offset + limit),
            total,
            total_exact,
            hints,
        })
    }

    /// The hits `offset..offset + limit` of a query whose `limit` covers one more, and whether
    /// more exist.
    pub(crate) fn page_of(&self, query: &Query, offset: usize, limit: usize) -> Result<(Vec<ModelHit>, bool)> {
        let rows = macaroni_query::search_parsed(&self.query, query, self.limits)?;
        let mut hits = rows
            .objects()
            .into_iter()
            .skip(offset)
            .map(|row| serde_json::from_value(Value::Object(row)).map_err(|e| stored(e.to_string())))
            .collect::<Result<Vec<ModelHit>>>()?;
        let more = hits.len() > limit;
        hits.truncate(limit);
        Ok((hits, more))
    }

    /// Sets each hit's snippet when the query has words to look for (two reads per hit).
    fn add_snippets(&self, query: &Query, hits: &mut [ModelHit]) -> Result<()> {
        let wanted = crate::snippet::query_words(&query.ranking_text());
        if wanted.is_empty() {
            return Ok(());
        }
        for hit in hits {
            let id = SqlValue::Text(hit.id.clone());
            let texts = self.query.query(
                "SELECT description FROM models WHERE id = ?1
                 UNION ALL
                 SELECT json_extract(f.value, '$') FROM statements s JOIN facts f ON f.statement_id = s.id
                 WHERE s.entity_id = ?1 AND s.valid_to IS NULL AND f.valid_to IS NULL AND f.field = 'card_text'",
                &[id],
                self.limits,
            )?;
            let texts: Vec<&str> = texts.rows.iter().filter_map(|r| r[0].as_str()).collect();
            hit.snippet = crate::snippet::snippet(texts, &wanted);
        }
        Ok(())
    }

    /// How many models match (up to [`TOTAL_CAP`]), and whether that is all of them.
    pub(crate) fn count(&self, query: &Query) -> Result<(u64, bool)> {
        let compiled = match_set(&self.query, query, TOTAL_CAP + 1, self.limits)?;
        let sql = format!("SELECT COUNT(*) FROM ({})", compiled.sql);
        let rows = self.query.query(&sql, &compiled.params, self.limits)?;
        let n = rows.rows.first().and_then(|r| r[0].as_u64()).unwrap_or(0);
        Ok((n.min(TOTAL_CAP as u64), n <= TOTAL_CAP as u64))
    }

    /// Field values that name nothing in this repository, with the nearest that do.
    fn hints(&self, query: &Query) -> Result<Vec<String>> {
        let mut hints = Vec::new();
        let zoos = self.distinct("SELECT DISTINCT zoo FROM models WHERE zoo IS NOT NULL")?;
        for value in field_values(query, macaroni_query::parse::Field::Zoo) {
            if !zoos.contains(&value) {
                let near = crate::suggest::rank(&value, zoos.clone());
                let known = if near.is_empty() {
                    zoos.join(", ")
                } else {
                    near.join(", ")
                };
                hints.push(format!("no model is in zoo `{value}`; did you mean {known}?"));
            }
        }
        Ok(hints)
    }

    fn distinct(&self, sql: &str) -> Result<Vec<String>> {
        let rows = self.query.query(sql, &[], self.limits)?;
        Ok(rows
            .rows
            .iter()
            .filter_map(|r| r[0].as_str().map(str::to_string))
            .collect())
    }
}

/// The SQL of the (at most `cap`) models a query matches, unordered; the first column is the id.
pub(crate) fn match_set(
    store: &ReadOnly,
    query: &Query,
    cap: usize,
    limits: Limits,
) -> Result<macaroni_query::Compiled> {
    let enricher = macaroni_enrich::Enricher::shared()?;
    let catalog = macaroni_query::StoreCatalog::new(store, limits);
    Ok(macaroni_query::compile_match_set(query, enricher, &catalog, cap))
}

/// The values a query gives one field, wherever they stand in it.
fn field_values(query: &Query, wanted: macaroni_query::parse::Field) -> Vec<String> {
    use macaroni_query::parse::{Expr, Term};
    fn walk(expr: &Expr, wanted: macaroni_query::parse::Field, out: &mut Vec<String>) {
        match expr {
            Expr::And(items) | Expr::Or(items) => items.iter().for_each(|e| walk(e, wanted, out)),
            Expr::Not(inner) => walk(inner, wanted, out),
            Expr::Term(Term::Field { field, value }) if *field == wanted => out.push(value.clone()),
            Expr::Term(_) => {}
        }
    }
    let mut out = Vec::new();
    if let Some(expr) = &query.expr {
        walk(expr, wanted, &mut out);
    }
    out
}

pub(crate) fn stored(message: String) -> RepoError {
    RepoError::Store(macaroni_store::StoreError::Corrupt {
        id: "search result".into(),
        message,
    })
}

pub(crate) fn texts(values: &[String]) -> Vec<SqlValue> {
    values.iter().map(|v| SqlValue::Text(v.clone())).collect()
}

/// The query as an exact condition on a row `m` of `models` (`None` when it states none).
pub(crate) fn model_condition(
    store: &ReadOnly,
    query: &Query,
    limits: Limits,
) -> Result<Option<macaroni_query::Compiled>> {
    let enricher = macaroni_enrich::Enricher::shared()?;
    let catalog = macaroni_query::StoreCatalog::new(store, limits);
    Ok(macaroni_query::compile_condition(query, enricher, &catalog))
}
