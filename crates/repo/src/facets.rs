//! Facet counts of a search: how the matching models spread over tasks, licenses, libraries,
//! zoos, training datasets and size buckets.

use serde::Serialize;
use utoipa::ToSchema;

use crate::search::match_set;
use crate::{Repo, Result};

/// Values shown per facet, most frequent first.
const VALUES_PER_FACET: usize = 20;

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FacetCount {
    /// The value (`null` for models that have none).
    pub value: Option<String>,
    pub count: u64,
}

/// Matches facets are counted over at most.
pub const FACET_CAP: usize = 100_000;

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

/// The facets counted over the models table, by the expression that gives each its value.
const MODEL_FACETS: [(&str, &str); 5] = [
    ("task", "m.task"),
    ("license", "m.license"),
    ("library", "m.library"),
    ("zoo", "m.zoo"),
    ("parameters", PARAMETER_BUCKETS),
];

impl Repo {
    /// Every facet in one statement, so that the matching models are found once (a
    /// materialised CTE) however many facets are counted over them.
    pub fn facets(&self, text: &str) -> Result<Facets> {
        self.facets_over(text, FACET_CAP)
    }

    /// [`Repo::facets`] over at most `cap` matches (a page that must answer fast counts fewer).
    pub fn facets_over(&self, text: &str, cap: usize) -> Result<Facets> {
        let query = macaroni_query::parse(text)?;
        let cap = cap.clamp(1, FACET_CAP);
        let compiled = match_set(&self.query, &query, cap, self.limits)?;
        // Each model's facet values are read once (one lookup per match), then grouped per facet.
        let mut groups: Vec<String> = MODEL_FACETS
            .iter()
            .map(|(name, _)| {
                format!("SELECT '{name}' AS facet, {name} AS value, COUNT(*) AS n FROM facet_rows GROUP BY 2")
            })
            .collect();
        groups.push(
            "SELECT 'dataset', r.object, COUNT(DISTINCT r.subject) FROM hits CROSS JOIN relations r ON r.subject = hits.id AND r.relation = 'trained_on' GROUP BY 2".into(),
        );
        let mut parts = vec!["SELECT 'models', NULL, COUNT(*) FROM hits".to_string()];
        parts.extend(
            (groups.iter()).map(|g| format!("SELECT * FROM ({g} ORDER BY 3 DESC, 2 LIMIT {VALUES_PER_FACET})")),
        );
        let columns: Vec<String> = MODEL_FACETS
            .iter()
            .map(|(name, value)| format!("{value} AS {name}"))
            .collect();
        // CROSS JOIN keeps the (usually small) match set as the outer loop: without statistics on
        // it, SQLite would rather walk all of `models` in facet order.
        let sql = format!(
            "WITH hits AS MATERIALIZED (SELECT id FROM ({})),
                  facet_rows AS MATERIALIZED (SELECT {} FROM hits CROSS JOIN models m ON m.id = hits.id)
             {}",
            compiled.sql,
            columns.join(", "),
            parts.join(" UNION ALL ")
        );
        let rows = self.query.query(&sql, &compiled.params, self.limits)?;
        let mut facets = Facets {
            query: text.to_string(),
            models: 0,
            complete: true,
            task: Vec::new(),
            license: Vec::new(),
            library: Vec::new(),
            zoo: Vec::new(),
            dataset: Vec::new(),
            parameters: Vec::new(),
        };
        for row in &rows.rows {
            let count = row[2].as_u64().unwrap_or(0);
            let entry = FacetCount {
                value: row[1].as_str().map(str::to_string),
                count,
            };
            match row[0].as_str() {
                Some("models") => {
                    // The match set stops at the cap: reaching it means there may be more.
                    facets.models = count;
                    facets.complete = count < cap as u64;
                }
                Some("task") => facets.task.push(entry),
                Some("license") => facets.license.push(entry),
                Some("library") => facets.library.push(entry),
                Some("zoo") => facets.zoo.push(entry),
                Some("dataset") => facets.dataset.push(entry),
                Some("parameters") => facets.parameters.push(entry),
                _ => {}
            }
        }
        Ok(facets)
    }
}
