//! Side-by-side comparison, and the Pareto front of a search on two or three objectives.

use std::collections::BTreeMap;

use macaroni_enrich::Enricher;
use macaroni_store::{Limits, ReadOnly, SqlValue};
use serde::Serialize;
use serde_json::Value;

use crate::QueryError;

/// What a model brings to a comparison besides its scores.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ModelSummary {
    pub id: String,
    pub name: Option<String>,
    pub parameters: Option<f64>,
    pub size_bytes: Option<f64>,
    pub license: Option<String>,
    /// Highest measured throughput (items/s) and the setting it was measured in.
    pub throughput: Option<f64>,
    pub throughput_setting: Option<String>,
}

/// One benchmark (dataset, config, split, metric) and each model's best value on it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BenchmarkRow {
    pub dataset: String,
    pub config: Option<String>,
    pub split: Option<String>,
    pub metric: String,
    pub higher_is_better: bool,
    /// Per model, in the order of `Comparison::models`.
    pub values: Vec<Option<f64>>,
    /// Index of the best value.
    pub best: Option<usize>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Comparison {
    pub models: Vec<ModelSummary>,
    pub benchmarks: Vec<BenchmarkRow>,
}

fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

fn texts(ids: &[String]) -> Vec<SqlValue> {
    ids.iter().map(|id| SqlValue::Text(id.clone())).collect()
}

/// Metric direction and scale from the vocabulary: (higher is better, reported as a fraction).
fn metric_traits(enricher: &Enricher, metric_id: &str) -> (bool, bool) {
    enricher
        .metric_entry(metric_id)
        .map_or((true, false), |m| (m.higher_is_better, m.fraction))
}

/// A value on its metric's reporting scale: fractions as percentages, as in the search language.
fn scaled(value: f64, written: &Value, fraction: bool) -> f64 {
    let percent_sign = written.as_str().is_some_and(|t| t.trim_end().ends_with('%'));
    if fraction && !percent_sign && value.abs() <= 1.0 {
        value * 100.0
    } else {
        value
    }
}

/// Compares models on the benchmarks at least two of them share (all benchmarks with `all`).
pub fn compare(store: &ReadOnly, ids: &[String], all: bool, limits: Limits) -> Result<Comparison, QueryError> {
    let enricher = Enricher::shared()?;
    let models = summaries(store, ids, limits)?;
    let sql = format!(
        "SELECT model_id, dataset_id, dataset_config, dataset_split, metric_id, numeric_value, value
         FROM evaluation_scores WHERE model_id IN ({}) AND numeric_value IS NOT NULL",
        placeholders(ids.len())
    );
    let rows = store.query(&sql, &texts(ids), limits)?;
    type Key = (String, Option<String>, Option<String>, String);
    let mut table: BTreeMap<Key, Vec<Option<f64>>> = BTreeMap::new();
    for row in rows.rows {
        let text = |i: usize| row[i].as_str().map(str::to_string);
        let (Some(model), Some(dataset), Some(metric), Some(value)) = (text(0), text(1), text(4), row[5].as_f64())
        else {
            continue;
        };
        let Some(index) = ids.iter().position(|id| *id == model) else {
            continue;
        };
        let (higher, fraction) = metric_traits(enricher, &metric);
        let written: Value = row[6]
            .as_str()
            .and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or(Value::Null);
        let value = scaled(value, &written, fraction);
        let values = table
            .entry((dataset, text(2), text(3), metric))
            .or_insert_with(|| vec![None; ids.len()]);
        let better = |old: f64| if higher { value > old } else { value < old };
        if values[index].is_none_or(better) {
            values[index] = Some(value);
        }
    }
    let benchmarks = table
        .into_iter()
        .filter(|(_, values)| all || values.iter().filter(|v| v.is_some()).count() >= 2)
        .map(|((dataset, config, split, metric), values)| {
            let (higher_is_better, _) = metric_traits(enricher, &metric);
            let best = values
                .iter()
                .enumerate()
                .filter_map(|(i, v)| v.map(|v| (i, v)))
                .max_by(|a, b| {
                    if higher_is_better {
                        a.1.total_cmp(&b.1)
                    } else {
                        b.1.total_cmp(&a.1)
                    }
                })
                .map(|(i, _)| i);
            BenchmarkRow {
                dataset,
                config,
                split,
                metric,
                higher_is_better,
                values,
                best,
            }
        })
        .collect();
    Ok(Comparison { models, benchmarks })
}

fn summaries(store: &ReadOnly, ids: &[String], limits: Limits) -> Result<Vec<ModelSummary>, QueryError> {
    let sql = format!(
        "SELECT m.id, m.name, m.parameters, m.size_bytes, m.license,
                (SELECT MAX(c.throughput) FROM cost_measurements c WHERE c.model_id = m.id),
                (SELECT c.phase || ' ' || COALESCE(c.hardware, '') || ' ' || COALESCE(c.precision, '') || ' batch ' || COALESCE(c.batch_size, '?')
                   FROM cost_measurements c WHERE c.model_id = m.id ORDER BY c.throughput DESC LIMIT 1)
         FROM models m WHERE m.id IN ({})",
        placeholders(ids.len())
    );
    let rows = store.query(&sql, &texts(ids), limits)?;
    let found: BTreeMap<String, Vec<Value>> = rows
        .rows
        .into_iter()
        .filter_map(|r| Some((r[0].as_str()?.to_string(), r)))
        .collect();
    Ok(ids
        .iter()
        .map(|id| {
            let row = found.get(id);
            let get = |i: usize| row.map(|r| r[i].clone()).unwrap_or(Value::Null);
            ModelSummary {
                id: id.clone(),
                name: get(1).as_str().map(str::to_string),
                parameters: get(2).as_f64(),
                size_bytes: get(3).as_f64(),
                license: get(4).as_str().map(str::to_string),
                throughput: get(5).as_f64(),
                throughput_setting: get(6).as_str().map(|s| s.trim().to_string()),
            }
        })
        .collect())
}

/// An objective of `select`: a model column or `metric@dataset`.
#[derive(Debug, Clone, PartialEq)]
pub struct Objective {
    pub name: String,
    pub maximize: bool,
}

/// A model on the Pareto front with its objective values.
#[derive(Debug, Clone, Serialize)]
pub struct ParetoPoint {
    pub id: String,
    pub name: Option<String>,
    pub values: Vec<f64>,
}

/// The value of each objective for each model, or `None` where the model has none.
fn objective_values(
    store: &ReadOnly,
    objective: &Objective,
    ids: &[String],
    enricher: &Enricher,
    limits: Limits,
) -> Result<BTreeMap<String, f64>, QueryError> {
    let column = match objective.name.as_str() {
        "params" | "parameters" => Some("parameters"),
        "size" => Some("size_bytes"),
        "downloads" => Some("downloads"),
        "likes" => Some("likes"),
        _ => None,
    };
    let mut values = BTreeMap::new();
    if let Some(column) = column {
        let sql = format!(
            "SELECT id, {column} FROM models WHERE id IN ({}) AND {column} IS NOT NULL",
            placeholders(ids.len())
        );
        for row in store.query(&sql, &texts(ids), limits)?.rows {
            if let (Some(id), Some(v)) = (row[0].as_str(), row[1].as_f64()) {
                values.insert(id.to_string(), v);
            }
        }
        return Ok(values);
    }
    let Some((metric, dataset)) = objective.name.split_once('@') else {
        return Err(crate::ParseError {
            at: 0,
            message: format!(
                "unknown objective `{}`; expected params, size, downloads, likes or metric@dataset",
                objective.name
            ),
        }
        .into());
    };
    let catalog = crate::StoreCatalog::new(store, limits);
    let compiled = crate::compile::best_values(enricher, &catalog, metric, dataset, ids);
    for row in store.query(&compiled.sql, &compiled.params, limits)?.rows {
        if let (Some(id), Some(v)) = (row[0].as_str(), row[1].as_f64()) {
            values.insert(id.to_string(), v);
        }
    }
    Ok(values)
}

/// The models matching `query` that no other matching model beats on every objective.
pub fn pareto(
    store: &ReadOnly,
    query: &str,
    objectives: &[Objective],
    limits: Limits,
) -> Result<Vec<ParetoPoint>, QueryError> {
    let enricher = Enricher::shared()?;
    let found = crate::search(store, &format!("{query} limit:10000"), limits)?;
    let names: BTreeMap<String, Option<String>> = found
        .objects()
        .into_iter()
        .filter_map(|r| {
            Some((
                r.get("id")?.as_str()?.to_string(),
                r.get("name").and_then(Value::as_str).map(str::to_string),
            ))
        })
        .collect();
    let ids: Vec<String> = names.keys().cloned().collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let per_objective: Vec<BTreeMap<String, f64>> = objectives
        .iter()
        .map(|o| objective_values(store, o, &ids, enricher, limits))
        .collect::<Result<_, _>>()?;
    let points: Vec<ParetoPoint> = ids
        .iter()
        .filter_map(|id| {
            let values: Option<Vec<f64>> = per_objective.iter().map(|m| m.get(id).copied()).collect();
            values.map(|values| ParetoPoint {
                id: id.clone(),
                name: names.get(id).cloned().flatten(),
                values,
            })
        })
        .collect();
    Ok(pareto_front(points, objectives))
}

/// Skyline by sorting: once points are ordered best-first on every objective in turn, a point can
/// only be beaten by one before it, and if anything beats it, something already on the front does.
/// That keeps the work at n log n + n * |front| instead of comparing all pairs.
fn pareto_front(mut points: Vec<ParetoPoint>, objectives: &[Objective]) -> Vec<ParetoPoint> {
    let oriented = |p: &ParetoPoint, i: usize| {
        if objectives[i].maximize {
            p.values[i]
        } else {
            -p.values[i]
        }
    };
    let dominates = |a: &ParetoPoint, b: &ParetoPoint| {
        let mut strictly = false;
        for i in 0..objectives.len() {
            let (x, y) = (oriented(a, i), oriented(b, i));
            if x < y {
                return false;
            }
            strictly |= x > y;
        }
        strictly
    };
    points.sort_by(|a, b| {
        (0..objectives.len())
            .map(|i| oriented(b, i).total_cmp(&oriented(a, i)))
            .find(|order| order.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.id.cmp(&b.id))
    });
    let mut front: Vec<ParetoPoint> = Vec::new();
    for point in points {
        if !front.iter().any(|kept| dominates(kept, &point)) {
            front.push(point);
        }
    }
    front
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(id: &str, accuracy: f64, params: f64) -> ParetoPoint {
        ParetoPoint {
            id: id.into(),
            name: None,
            values: vec![accuracy, params],
        }
    }

    #[test]
    fn front_keeps_exactly_the_undominated_points() {
        let objectives = [
            Objective {
                name: "top1@imagenet-1k".into(),
                maximize: true,
            },
            Objective {
                name: "params".into(),
                maximize: false,
            },
        ];
        let points = vec![
            point("small-weak", 70.0, 5e6),
            point("dominated", 69.0, 6e6),
            point("mid", 78.0, 25e6),
            point("mid-twin-worse", 78.0, 30e6),
            point("big-strong", 85.0, 300e6),
            point("big-dominated", 84.0, 400e6),
            point("tie-a", 80.0, 50e6),
            point("tie-b", 80.0, 50e6),
        ];
        let brute: Vec<&str> = points
            .iter()
            .filter(|p| {
                !points.iter().any(|q| {
                    q.values[0] >= p.values[0]
                        && q.values[1] <= p.values[1]
                        && (q.values[0] > p.values[0] || q.values[1] < p.values[1])
                })
            })
            .map(|p| p.id.as_str())
            .collect();
        let front: Vec<String> = pareto_front(points.clone(), &objectives)
            .into_iter()
            .map(|p| p.id)
            .collect();
        assert_eq!(front, ["big-strong", "tie-a", "tie-b", "mid", "small-weak"]);
        let mut sorted_brute = brute.clone();
        sorted_brute.sort();
        let mut sorted_front = front.clone();
        sorted_front.sort();
        assert_eq!(sorted_front, sorted_brute);
    }
}
