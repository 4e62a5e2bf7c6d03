//! Builds the optimiser's [`Catalog`] from the repository: `can_predict` relations with an
//! `accuracy`, inference cost measurements, and label selectivities of a data instance.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use macaroni_format::{id, Kind, Record};
use macaroni_store::{InferenceCost, Store};

use crate::problem::Catalog;
use crate::OptimizeError;

/// A catalog with what was left out of it and why.
#[derive(Debug, Clone)]
pub struct LoadedCatalog {
    pub catalog: Catalog,
    pub taxonomy: String,
    /// Which cost figure plans are charged in: `cost`, `latency_ms` or `gmacs`.
    pub cost_unit: &'static str,
    /// Models that can predict a query label but have no figure in that unit.
    pub without_cost: Vec<String>,
    /// `can_predict` relations without an accuracy.
    pub without_accuracy: usize,
    /// The data instance whose label frequencies serve as selectivities.
    pub selectivity_from: Option<String>,
}

const COST_UNITS: [&str; 3] = ["cost", "latency_ms", "gmacs"];

/// Reads what the optimiser needs for `labels` (names within one label taxonomy).
///
/// `taxonomy` may be left out when the repository holds labels of one taxonomy only;
/// `label_stats` names the data instance (or its dataset) whose label frequencies are the
/// selectivities, and may be left out when exactly one instance has frequencies for them.
pub fn catalog_from_store(
    store: &Store,
    labels: &[String],
    taxonomy: Option<&str>,
    label_stats: Option<&str>,
) -> Result<LoadedCatalog, OptimizeError> {
    let taxonomy = choose_taxonomy(store, taxonomy)?;
    let label_ids: Vec<String> = labels.iter().map(|l| id::label(&taxonomy, l)).collect();
    let name_of: HashMap<&str, &str> = label_ids
        .iter()
        .map(String::as_str)
        .zip(labels.iter().map(String::as_str))
        .collect();

    let predictors = store.label_predictors(&label_ids)?;
    let without_accuracy = predictors.iter().filter(|p| p.accuracy.is_none()).count();
    let model_ids: Vec<String> = (predictors.iter())
        .filter(|p| p.accuracy.is_some())
        .map(|p| p.model_id.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let costs = store.inference_costs(&model_ids)?;
    let cost_unit = choose_cost_unit(&costs);
    let cost_of: HashMap<&str, (f64, Option<f64>)> = (costs.iter())
        .filter_map(|c| Some((c.model_id.as_str(), (cost_in(c, cost_unit)?, c.memory_mb))))
        .collect();

    let mut catalog = Catalog::default();
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut without_cost = BTreeSet::new();
    for predictor in &predictors {
        let (Some(accuracy), Some(label)) = (predictor.accuracy, name_of.get(predictor.label_id.as_str())) else {
            continue;
        };
        let Some(&(cost, memory)) = cost_of.get(predictor.model_id.as_str()) else {
            without_cost.insert(predictor.model_id.clone());
            continue;
        };
        let model = *index
            .entry(predictor.model_id.as_str())
            .or_insert_with(|| catalog.add_model(&predictor.model_id, cost, memory));
        catalog.add_predictor(label, model, accuracy);
    }

    let selectivity_from = choose_label_stats(store, &label_ids, label_stats)?;
    if let Some(instance) = &selectivity_from {
        if let Some(Record::DataInstance(data)) = store.merged(instance)? {
            for (label_id, fraction) in &data.label_frequencies {
                if let Some(label) = name_of.get(label_id.as_str()) {
                    catalog.selectivity.insert((*label).to_string(), *fraction);
                }
            }
        }
    }
    Ok(LoadedCatalog {
        catalog,
        taxonomy,
        cost_unit,
        without_cost: without_cost.into_iter().collect(),
        without_accuracy,
        selectivity_from,
    })
}

fn cost_in(cost: &InferenceCost, unit: &str) -> Option<f64> {
    match unit {
        "cost" => cost.cost,
        "latency_ms" => cost.latency_ms,
        _ => cost.gmacs,
    }
}

/// The unit most of the models have a figure in, preferring `cost`, then latency, then GMACs:
/// plans must not add figures of different units.
fn choose_cost_unit(costs: &[InferenceCost]) -> &'static str {
    let held = |unit: &str| costs.iter().filter(|c| cost_in(c, unit).is_some()).count();
    COST_UNITS
        .into_iter()
        .fold(("cost", 0), |best, unit| {
            let n = held(unit);
            if n > best.1 {
                (unit, n)
            } else {
                best
            }
        })
        .0
}

/// The label taxonomies in the repository: `label:<taxonomy>/<name>`.
fn taxonomies(store: &Store) -> Result<BTreeSet<String>, OptimizeError> {
    Ok(store
        .ids_of_kind(Kind::Label)?
        .iter()
        .filter_map(|id| id.strip_prefix("label:")?.split_once('/').map(|(t, _)| t.to_string()))
        .collect())
}

fn choose_taxonomy(store: &Store, asked: Option<&str>) -> Result<String, OptimizeError> {
    let known = taxonomies(store)?;
    if let Some(asked) = asked {
        let slug = id::slug(asked);
        return if known.contains(&slug) {
            Ok(slug)
        } else {
            Err(OptimizeError::Usage(format!(
                "no labels of taxonomy `{asked}` in the repository; it has: {}",
                list_or_none(&known)
            )))
        };
    }
    match known.len() {
        1 => Ok(known.into_iter().next().unwrap_or_default()),
        0 => Err(OptimizeError::Usage(
            "the repository has no labels; ingest an accuracy matrix with `macaroni ingest zoo-matrix`".into(),
        )),
        _ => Err(OptimizeError::Usage(format!(
            "the repository has labels of several taxonomies ({}); choose one with --taxonomy",
            list_or_none(&known)
        ))),
    }
}

fn list_or_none(items: &BTreeSet<String>) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.iter().cloned().collect::<Vec<_>>().join(", ")
    }
}

/// A data instance id with its label frequencies (label id → fraction of items).
pub type LabelStats = (String, BTreeMap<String, f64>);

/// Data instances holding label frequencies, with them.
pub fn label_stats_instances(store: &Store) -> Result<Vec<LabelStats>, OptimizeError> {
    let mut out = Vec::new();
    for instance in store.ids_of_kind(Kind::DataInstance)? {
        if let Some(Record::DataInstance(data)) = store.merged(&instance)? {
            if !data.label_frequencies.is_empty() {
                out.push((instance, data.label_frequencies));
            }
        }
    }
    Ok(out)
}

fn choose_label_stats(
    store: &Store,
    label_ids: &[String],
    asked: Option<&str>,
) -> Result<Option<String>, OptimizeError> {
    let instances = label_stats_instances(store)?;
    if let Some(asked) = asked {
        let wanted = [
            asked.to_string(),
            id::data_instance(&id::dataset(asked), None, Some("label-stats")),
        ];
        return match instances.iter().find(|(id, _)| wanted.contains(id)) {
            Some((id, _)) => Ok(Some(id.clone())),
            None => Err(OptimizeError::Usage(format!(
                "no label statistics `{asked}`; the repository has: {}",
                list_or_none(&instances.iter().map(|(id, _)| id.clone()).collect())
            ))),
        };
    }
    let covering: Vec<&String> = (instances.iter())
        .filter(|(_, freq)| label_ids.iter().all(|l| freq.contains_key(l)))
        .map(|(id, _)| id)
        .collect();
    Ok(match covering.as_slice() {
        [only] => Some((*only).clone()),
        _ => None,
    })
}
