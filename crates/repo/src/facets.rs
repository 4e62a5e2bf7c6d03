//! Facet counts of a search: how the matching models spread over tasks, licenses, libraries,
//! zoos, training datasets and size buckets.

use macaroni_store::SqlValue;
use serde::Serialize;
use utoipa::ToSchema;

use crate::search::{compile, TOTAL_CAP};
use crate::{Repo, Result};

/// Values shown per facet, most frequent first.
const VALUES_PER_FACET: usize = 20;

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FacetCount {
    /// The value (`null` for models that have none).
    pub value: Option<String>,
    pub count: u64,
}

/// Counts over the models a query matches (the first 100,000 of them).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Facets {
    pub query: String,
    /// Models counted.
    pub models: u64,
    /// False when the matches were more than were counted.
    pub complete: bool,
    pub task: Vec<FacetCount>,
    pub license: Vec<FacetCount>,
    pub library: Vec<FacetCount>,
    pub zoo: Vec<FacetCount>,
    /// Training datasets (canonical ids where enrichment linked them).
    pub dataset: Vec<FacetCount>,
    /// Parameter counts in decades: `<1M`, `1M-10M`, ..., `>=10B`, and `null` when unknown.
    pub parameters: Vec<FacetCount>,
}

const PARAMETER_BUCKETS: &str = "CASE WHEN m.parameters IS NULL THEN NULL
    WHEN m.parameters < 1000000 THEN '<1M' WHEN m.parameters < 10000000 THEN '1M-10M'
    WHEN m.parameters < 100000000 THEN '10M-100M' WHEN m.parameters < 1000000000 THEN '100M-1B'
    WHEN m.parameters < 10000000000 THEN '1B-10B' ELSE '>=10B' END";

impl Repo {
    pub fn facets(&self, text: &str) -> Result<Facets> {
        let mut query = macaroni_query::parse(text)?;
        query.limit = TOTAL_CAP + 1;
        query.sort = None;
        let compiled = compile(&self.query, &query, self.limits)?;
        let hits = format!("WITH hits AS (SELECT id FROM ({})) ", compiled.sql);
        let over_models = |column: &str| {
            format!("{hits}SELECT {column} AS value, COUNT(*) FROM hits JOIN models m ON m.id = hits.id GROUP BY 1")
        };
        let (models, complete) = self.count(&query)?;
        Ok(Facets {
            query: text.to_string(),
            models,
            complete,
            task: self.facet(&over_models("m.task"), &compiled.params)?,
            license: self.facet(&over_models("m.license"), &compiled.params)?,
            library: self.facet(&over_models("m.library"), &compiled.params)?,
            zoo: self.facet(&over_models("m.zoo"), &compiled.params)?,
            dataset: self.facet(
                &format!("{hits}SELECT r.object AS value, COUNT(DISTINCT r.subject) FROM hits JOIN relations r ON r.subject = hits.id AND r.relation = 'trained_on' GROUP BY 1"),
                &compiled.params,
            )?,
            parameters: self.facet(&over_models(PARAMETER_BUCKETS), &compiled.params)?,
        })
    }

    fn facet(&self, grouped: &str, params: &[SqlValue]) -> Result<Vec<FacetCount>> {
        let sql = format!("SELECT * FROM ({grouped}) ORDER BY 2 DESC, 1 LIMIT {VALUES_PER_FACET}");
        let rows = self.query.query(&sql, params, self.limits)?;
        Ok(rows
            .rows
            .iter()
            .map(|r| FacetCount {
                value: r[0].as_str().map(str::to_string),
                count: r[1].as_u64().unwrap_or(0),
            })
            .collect())
    }
}
