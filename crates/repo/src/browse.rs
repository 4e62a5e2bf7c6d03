//! Reads the web pages need beyond search and entities: what the repository holds at a glance,
//! and a dataset's leaderboard.

use macaroni_store::SqlValue;
use serde::Serialize;
use utoipa::ToSchema;

use crate::search::match_set;
use crate::{Repo, Result};

/// A dataset and how many evaluations name it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DatasetCount {
    pub id: String,
    pub name: Option<String>,
    pub evaluations: u64,
}

/// What the repository holds, at a glance: cheap enough for a home page at millions of models.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Summary {
    /// Current entities per kind.
    pub kinds: std::collections::BTreeMap<String, i64>,
    pub models_by_zoo: std::collections::BTreeMap<String, i64>,
    pub top_datasets: Vec<DatasetCount>,
}

/// One row of a leaderboard: a model's best value of one metric on one split of the dataset.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LeaderboardRow {
    pub model: String,
    pub name: Option<String>,
    pub metric: String,
    pub config: Option<String>,
    pub split: Option<String>,
    pub value: f64,
    pub parameters: Option<i64>,
    pub license: Option<String>,
    pub zoo: Option<String>,
}

/// The models evaluated on a dataset, per metric and split, best first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Leaderboard {
    pub dataset: String,
    /// The search-language filter applied to the models, if any.
    pub filter: String,
    pub rows: Vec<LeaderboardRow>,
    /// More rows existed than were returned.
    pub truncated: bool,
}

/// Leaderboard rows returned at most.
const LEADERBOARD_ROWS: usize = 1_000;

impl Repo {
    /// Counts per kind and zoo, and the `datasets` most evaluations are reported on (by the
    /// dataset id as stated; each count reads one index).
    pub fn summary(&self, datasets: usize) -> Result<Summary> {
        let grouped = |sql: &str| -> Result<std::collections::BTreeMap<String, i64>> {
            let rows = self.query.query(sql, &[], self.limits)?;
            Ok(rows
                .rows
                .iter()
                .filter_map(|r| Some((r[0].as_str()?.to_string(), r[1].as_i64()?)))
                .collect())
        };
        let sql = "SELECT e.dataset_id, (SELECT name FROM datasets d WHERE d.id = e.dataset_id), e.n
                   FROM (SELECT dataset_id, COUNT(*) AS n FROM evaluations WHERE dataset_id IS NOT NULL
                         GROUP BY dataset_id ORDER BY n DESC, dataset_id LIMIT ?1) e";
        let rows = self
            .query
            .query(sql, &[SqlValue::Integer(datasets as i64)], self.limits)?;
        Ok(Summary {
            kinds: grouped("SELECT kind, COUNT(*) FROM entities GROUP BY kind")?,
            models_by_zoo: grouped("SELECT zoo, COUNT(*) FROM models WHERE zoo IS NOT NULL GROUP BY zoo")?,
            top_datasets: (rows.rows.iter())
                .filter_map(|r| {
                    Some(DatasetCount {
                        id: r[0].as_str()?.to_string(),
                        name: r[1].as_str().map(str::to_string),
                        evaluations: r[2].as_u64().unwrap_or(0),
                    })
                })
                .collect(),
        })
    }

    /// Each model's best value per metric, config and split on `dataset` (a canonical dataset
    /// id), best first within each metric; `filter` (search language) narrows the models.
    pub fn leaderboard(&self, dataset: &str, filter: &str) -> Result<Leaderboard> {
        // A raw name enrichment resolved is shown under its canonical dataset.
        let canonical = self.query.query(
            "SELECT canonical_id FROM canonical_ids WHERE raw_id = ?1 ORDER BY confidence DESC LIMIT 1",
            &[SqlValue::Text(dataset.to_string())],
            self.limits,
        )?;
        let resolved = canonical.rows.first().and_then(|r| r[0].as_str().map(str::to_string));
        let dataset = resolved.as_deref().unwrap_or(dataset);
        // A dataset that evaluations name need not be an entity of its own (yet).
        let named = self.query.query(
            "SELECT 1 FROM evaluation_scores WHERE dataset_id = ?1 LIMIT 1",
            &[SqlValue::Text(dataset.to_string())],
            self.limits,
        )?;
        if named.rows.is_empty() {
            self.require(dataset)?;
        }
        let mut params = vec![SqlValue::Text(dataset.to_string())];
        let narrowed = if filter.trim().is_empty() {
            String::new()
        } else {
            let query = macaroni_query::parse(filter)?;
            let compiled = match_set(&self.query, &query, crate::facets::FACET_CAP, self.limits)?;
            params.extend(compiled.params);
            format!(" AND s.model_id IN (SELECT id FROM ({}))", compiled.sql)
        };
        let sql = format!(
            "SELECT s.model_id, m.name, s.metric_id, s.dataset_config, s.dataset_split, MAX(s.numeric_value) AS best,
                    m.parameters, m.license, m.zoo
             FROM evaluation_scores s JOIN models m ON m.id = s.model_id
             WHERE s.dataset_id = ?1 AND s.numeric_value IS NOT NULL{narrowed}
             GROUP BY s.model_id, s.metric_id, s.dataset_config, s.dataset_split
             ORDER BY s.metric_id, s.dataset_config, s.dataset_split, best DESC, s.model_id
             LIMIT {}",
            LEADERBOARD_ROWS + 1
        );
        let found = self.query.query(&sql, &params, self.limits)?;
        let text = |v: &serde_json::Value| v.as_str().map(str::to_string);
        let mut rows: Vec<LeaderboardRow> = found
            .rows
            .iter()
            .filter_map(|r| {
                Some(LeaderboardRow {
                    model: r[0].as_str()?.to_string(),
                    name: text(&r[1]),
                    metric: r[2].as_str().unwrap_or_default().to_string(),
                    config: text(&r[3]),
                    split: text(&r[4]),
                    value: r[5].as_f64()?,
                    parameters: r[6].as_i64(),
                    license: text(&r[7]),
                    zoo: text(&r[8]),
                })
            })
            .collect();
        let truncated = rows.len() > LEADERBOARD_ROWS;
        rows.truncate(LEADERBOARD_ROWS);
        Ok(Leaderboard {
            dataset: dataset.to_string(),
            filter: filter.to_string(),
            rows,
            truncated,
        })
    }
}

/// A documented table or view and its columns, for the SQL console.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TableDoc {
    pub name: String,
    /// `table` or `view`.
    pub kind: String,
    pub columns: Vec<String>,
}

/// Tables and views users query (docs/STORE.md); internal ones (FTS shadow tables, crawl state,
/// SQLite's own) are left out.
const DOCUMENTED: [&str; 14] = [
    "models",
    "datasets",
    "evaluations",
    "evaluation_scores",
    "relations",
    "lineage_edges",
    "lineage_closure",
    "canonical_ids",
    "cost_measurements",
    "training_runs",
    "entities",
    "statements",
    "facts",
    "sources",
];

impl Repo {
    /// The best value stated for each (dataset id, metric id) among all models: what an
    /// evaluation is compared with ("best in the repository").
    pub fn best_values(&self, pairs: &[(String, String)]) -> Result<std::collections::BTreeMap<(String, String), f64>> {
        let mut best = std::collections::BTreeMap::new();
        for (dataset, metric) in pairs {
            let rows = self.query.query(
                "SELECT MAX(numeric_value) FROM evaluations WHERE dataset_id = ?1 AND metric_id = ?2",
                &[SqlValue::Text(dataset.clone()), SqlValue::Text(metric.clone())],
                self.limits,
            )?;
            if let Some(value) = rows.rows.first().and_then(|r| r[0].as_f64()) {
                best.insert((dataset.clone(), metric.clone()), value);
            }
        }
        Ok(best)
    }

    /// The documented tables and views with their columns.
    pub fn tables(&self) -> Result<Vec<TableDoc>> {
        let mut tables = Vec::new();
        for name in DOCUMENTED {
            let kind = self.query.query(
                "SELECT type FROM sqlite_schema WHERE name = ?1",
                &[SqlValue::Text(name.to_string())],
                self.limits,
            )?;
            let Some(kind) = kind.rows.first().and_then(|r| r[0].as_str().map(str::to_string)) else {
                continue;
            };
            let columns = self
                .query
                .query(&format!("PRAGMA table_info({name})"), &[], self.limits)?;
            tables.push(TableDoc {
                name: name.to_string(),
                kind,
                columns: (columns.rows.iter())
                    .filter_map(|r| r[1].as_str().map(str::to_string))
                    .collect(),
            });
        }
        Ok(tables)
    }
}
