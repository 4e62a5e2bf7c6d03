//! Reads the web pages need beyond search and entities: what the repository holds at a glance,
//! and a dataset's leaderboard.

use macaroni_store::SqlValue;
use serde::Serialize;
use utoipa::ToSchema;

use crate::search::model_condition;
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
    /// Rank by value within its section (ties share a rank), whatever order rows are shown in.
    pub rank: usize,
    pub model: String,
    pub name: Option<String>,
    pub value: f64,
    pub parameters: Option<i64>,
    pub license: Option<String>,
    pub task: Option<String>,
    pub zoo: Option<String>,
}

/// The models evaluated with one metric on one config and split of the dataset.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LeaderboardSection {
    pub metric: String,
    pub config: Option<String>,
    pub split: Option<String>,
    /// From the metric vocabulary; metrics outside it are taken as higher-is-better.
    pub higher_is_better: bool,
    /// Models in the section, shown or not.
    pub models: usize,
    pub rows: Vec<LeaderboardRow>,
}

/// How leaderboard rows are ordered within a section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LeaderboardOrder {
    /// Best value first (the metric's direction).
    #[default]
    Value,
    /// Fewest parameters first; unknown sizes last.
    Parameters,
    /// By model id.
    Model,
    /// By license, then best value.
    License,
}

/// The models evaluated on a dataset, per metric, config and split.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Leaderboard {
    pub dataset: String,
    /// The search-language filter applied to the models, if any.
    pub filter: String,
    pub order: LeaderboardOrder,
    pub sections: Vec<LeaderboardSection>,
}

/// What a leaderboard shows.
#[derive(Debug, Clone, Default)]
pub struct LeaderboardRequest {
    /// A dataset id; a raw name enrichment linked is shown under its canonical dataset.
    pub dataset: String,
    /// Search language narrowing the models.
    pub filter: String,
    pub order: LeaderboardOrder,
    /// Rows per section at most (1..=1,000; 0 means the default of 100).
    pub limit: usize,
}

/// Rows per leaderboard section unless asked otherwise, and at most.
const SECTION_ROWS: (usize, usize) = (100, 1_000);

/// One model's best value in one section, before ranking.
struct Scored {
    section: (String, Option<String>, Option<String>),
    row: LeaderboardRow,
}

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

    /// Each model's best value per metric, config and split of a dataset, ranked in the metric's
    /// direction; the filter (search language) narrows the models.
    pub fn leaderboard(&self, request: &LeaderboardRequest) -> Result<Leaderboard> {
        let dataset = self.canonical_dataset(&request.dataset)?;
        let mut params = vec![SqlValue::Text(dataset.clone())];
        // The filter is checked on each evaluated model: exact however many models it matches.
        let query = macaroni_query::parse(&request.filter)?;
        let narrowed = match model_condition(&self.query, &query, self.limits)? {
            None => String::new(),
            Some(condition) => {
                params.extend(condition.params);
                format!(
                    " AND EXISTS (SELECT 1 FROM models m WHERE m.id = e.model_id AND {})",
                    condition.sql
                )
            }
        };
        // The evaluations are found through the dataset index under every raw id that resolves
        // to the dataset (the same choice as the `evaluation_scores` view), not by resolving
        // every evaluation of the repository.
        let sql = format!(
            "WITH raw(id) AS (
                 SELECT r.subject FROM relations r
                 WHERE r.object = ?1 AND r.relation = 'same_as' AND r.source_uri = 'enrich:links'
                   AND (SELECT c.canonical_id FROM canonical_ids c WHERE c.raw_id = r.subject
                        ORDER BY c.confidence DESC LIMIT 1) = ?1
                 UNION SELECT ?1 WHERE NOT EXISTS (SELECT 1 FROM canonical_ids WHERE raw_id = ?1)),
             scores AS MATERIALIZED (
                 SELECT e.model_id, COALESCE((SELECT c.canonical_id FROM canonical_ids c WHERE c.raw_id = e.metric_id
                                              ORDER BY c.confidence DESC LIMIT 1), e.metric_id) AS metric,
                        e.dataset_config, e.dataset_split, MAX(e.numeric_value) AS high, MIN(e.numeric_value) AS low
                 FROM raw CROSS JOIN evaluations e ON e.dataset_id = raw.id
                 WHERE e.numeric_value IS NOT NULL{narrowed}
                 GROUP BY 1, 2, 3, 4)
             SELECT model_id, metric, dataset_config, dataset_split, high, low FROM scores"
        );
        let found = self.query.query(&sql, &params, self.limits)?;
        let enricher = macaroni_enrich::Enricher::shared()?;
        let text = |v: &serde_json::Value| v.as_str().map(str::to_string);
        let mut scored: Vec<Scored> = (found.rows.iter())
            .filter_map(|r| {
                let metric = r[1].as_str()?.to_string();
                let value = if enricher.higher_is_better(&metric) {
                    &r[4]
                } else {
                    &r[5]
                };
                Some(Scored {
                    section: (metric, text(&r[2]), text(&r[3])),
                    row: LeaderboardRow {
                        rank: 0,
                        model: r[0].as_str()?.to_string(),
                        name: None,
                        value: value.as_f64()?,
                        parameters: None,
                        license: None,
                        task: None,
                        zoo: None,
                    },
                })
            })
            .collect();
        if found.rows.is_empty() && dataset == request.dataset {
            // A dataset that evaluations name need not be an entity of its own; one neither is unknown.
            self.require(&dataset)?;
        }
        let limit = match request.limit {
            0 => SECTION_ROWS.0,
            n => n.min(SECTION_ROWS.1),
        };
        // Ordering by size or license needs every model's details; ordering by value only the shown ones'.
        let sections = if matches!(request.order, LeaderboardOrder::Value | LeaderboardOrder::Model) {
            let mut sections = rank_sections(scored.into_iter(), request.order, limit, enricher);
            self.fill_details(sections.iter_mut().flat_map(|s| s.rows.iter_mut()))?;
            sections
        } else {
            self.fill_details(scored.iter_mut().map(|s| &mut s.row))?;
            rank_sections(scored.into_iter(), request.order, limit, enricher)
        };
        Ok(Leaderboard {
            dataset,
            filter: request.filter.clone(),
            order: request.order,
            sections,
        })
    }

    /// Sets each row's model name, size, license, task and zoo (one indexed read per 500 models).
    fn fill_details<'a>(&self, rows: impl Iterator<Item = &'a mut LeaderboardRow>) -> Result<()> {
        let mut rows: Vec<&mut LeaderboardRow> = rows.collect();
        for chunk in rows.chunks_mut(500) {
            let ids: Vec<SqlValue> = chunk.iter().map(|r| SqlValue::Text(r.model.clone())).collect();
            let marks = vec!["?"; ids.len()].join(", ");
            let found = self.query.query(
                &format!("SELECT id, name, parameters, license, zoo, task FROM models WHERE id IN ({marks})"),
                &ids,
                self.limits,
            )?;
            let details: std::collections::HashMap<&str, &Vec<serde_json::Value>> =
                found.rows.iter().filter_map(|r| Some((r[0].as_str()?, r))).collect();
            for row in chunk.iter_mut() {
                if let Some(d) = details.get(row.model.as_str()) {
                    row.name = d[1].as_str().map(str::to_string);
                    row.parameters = d[2].as_i64();
                    row.license = d[3].as_str().map(str::to_string);
                    row.zoo = d[4].as_str().map(str::to_string);
                    row.task = d[5].as_str().map(str::to_string);
                }
            }
        }
        Ok(())
    }

    /// The canonical dataset a raw dataset id was linked to, or the id itself.
    fn canonical_dataset(&self, dataset: &str) -> Result<String> {
        let canonical = self.query.query(
            "SELECT canonical_id FROM canonical_ids WHERE raw_id = ?1 ORDER BY confidence DESC LIMIT 1",
            &[SqlValue::Text(dataset.to_string())],
            self.limits,
        )?;
        Ok(canonical
            .rows
            .first()
            .and_then(|r| r[0].as_str().map(str::to_string))
            .unwrap_or_else(|| dataset.to_string()))
    }
}

/// Groups scored rows into sections, ranks each by value in its metric's direction, orders the
/// rows as asked and keeps `limit` per section.
fn rank_sections(
    scored: impl Iterator<Item = Scored>,
    order: LeaderboardOrder,
    limit: usize,
    enricher: &macaroni_enrich::Enricher,
) -> Vec<LeaderboardSection> {
    let mut grouped: std::collections::BTreeMap<(String, Option<String>, Option<String>), Vec<LeaderboardRow>> =
        std::collections::BTreeMap::new();
    for s in scored {
        grouped.entry(s.section).or_default().push(s.row);
    }
    grouped
        .into_iter()
        .map(|((metric, config, split), mut rows)| {
            let higher_is_better = enricher.higher_is_better(&metric);
            let better = |a: &LeaderboardRow, b: &LeaderboardRow| {
                let by_value = a.value.total_cmp(&b.value);
                if higher_is_better {
                    by_value.reverse()
                } else {
                    by_value
                }
            };
            rows.sort_by(|a, b| better(a, b).then_with(|| a.model.cmp(&b.model)));
            for i in 0..rows.len() {
                rows[i].rank = if i > 0 && rows[i].value == rows[i - 1].value {
                    rows[i - 1].rank
                } else {
                    i + 1
                };
            }
            match order {
                LeaderboardOrder::Value => {}
                LeaderboardOrder::Parameters => rows.sort_by_key(|r| (r.parameters.is_none(), r.parameters, r.rank)),
                LeaderboardOrder::Model => rows.sort_by(|a, b| a.model.cmp(&b.model)),
                LeaderboardOrder::License => rows.sort_by(|a, b| {
                    (a.license.is_none(), &a.license, a.rank).cmp(&(b.license.is_none(), &b.license, b.rank))
                }),
            }
            let models = rows.len();
            rows.truncate(limit);
            LeaderboardSection {
                metric,
                config,
                split,
                higher_is_better,
                models,
                rows,
            }
        })
        .collect()
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
    /// The best value stated for each (dataset id, metric id) among all models, in the metric's
    /// direction: what an evaluation is compared with ("best in the repository").
    pub fn best_values(&self, pairs: &[(String, String)]) -> Result<std::collections::BTreeMap<(String, String), f64>> {
        let enricher = macaroni_enrich::Enricher::shared()?;
        let mut best = std::collections::BTreeMap::new();
        for (dataset, metric) in pairs {
            let aggregate = if enricher.higher_is_better(metric) {
                "MAX"
            } else {
                "MIN"
            };
            let rows = self.query.query(
                &format!("SELECT {aggregate}(numeric_value) FROM evaluations WHERE dataset_id = ?1 AND metric_id = ?2"),
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
