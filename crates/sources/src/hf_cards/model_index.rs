//! The Hugging Face `model-index` block → one [`Evaluation`] per metric of every result.
//!
//! Every field is kept as written (split `None`, values such as `"8.53%"`), with a parsed
//! `numeric_value` beside it. A result without `task` or `dataset` keeps its metrics with that part
//! unknown; a result without metrics, or a metric without a value, is skipped. Each of these is a
//! warning naming its position, and the rest of the card stays.

use std::collections::HashSet;

use macaroni_format::{
    id, DataInstance, DatasetRef, Evaluation, EvaluationSource, MetricRef, Provenance, Record, Relation, RelationKind,
    TaskRef,
};
use serde_json::{Map, Value};

use super::card_data::{number, scalar_string};
use crate::{Document, ReadOutput, WarningKind};

/// The `model-index` list (or the legacy `model_index` spelling).
fn entries(data: &Map<String, Value>) -> Option<(&'static str, &Value)> {
    data.get("model-index")
        .map(|v| ("model-index", v))
        .or_else(|| data.get("model_index").map(|v| ("model_index", v)))
}

/// The `name` of the first model-index entry, which is often the repository name.
pub(crate) fn entry_name(data: &Map<String, Value>) -> Option<String> {
    let (_, value) = entries(data)?;
    value
        .as_array()?
        .first()?
        .get("name")
        .and_then(Value::as_str)
        .map(|s| s.trim().to_string())
}

pub(crate) fn read(model_id: &str, data: &Map<String, Value>, prov: &Provenance, doc: &Document, out: &mut ReadOutput) {
    let Some((key, value)) = entries(data) else {
        return;
    };
    let Some(list) = value.as_array() else {
        if !value.is_null() {
            out.warn(doc, WarningKind::InvalidModelIndex, format!("{key} is not a list"));
        }
        return;
    };
    let mut seen = HashSet::new();
    let mut datasets = HashSet::new();
    let mut slices = HashSet::new();
    for (e, entry) in list.iter().enumerate() {
        let Some(results) = entry.get("results").and_then(Value::as_array) else {
            out.warn(
                doc,
                WarningKind::InvalidModelIndex,
                format!("{key}[{e}] has no `results` list"),
            );
            continue;
        };
        let entry_name = entry.get("name").and_then(scalar_string);
        for (r, result) in results.iter().enumerate() {
            let at = format!("{key}[{e}].results[{r}]");
            let Some(parts) = result_parts(result, &at, doc, out) else {
                continue;
            };
            for (m, metric) in parts.metrics.iter().enumerate() {
                let at = format!("{at}.metrics[{m}]");
                let Some(evaluation) = evaluation(model_id, &parts, metric, entry_name.as_deref(), &at, prov, doc, out)
                else {
                    continue;
                };
                let evaluation = unique_id(evaluation, &mut seen);
                if let Some(dataset_id) = &evaluation.dataset.id {
                    datasets.insert(dataset_id.clone());
                }
                if let Some(slice) = data_instance(&evaluation, prov) {
                    if slices.insert(slice.id.clone()) {
                        out.records.push(Record::DataInstance(slice));
                    }
                }
                out.records.push(Record::Evaluation(evaluation));
            }
        }
    }
    let mut datasets: Vec<_> = datasets.into_iter().collect();
    datasets.sort();
    for dataset_id in datasets {
        out.records.push(Record::Relation(Relation::new(
            model_id,
            RelationKind::EvaluatedOn,
            &dataset_id,
            prov.clone(),
        )));
    }
}

struct ResultParts {
    task: TaskRef,
    dataset: DatasetRef,
    metrics: Vec<Value>,
    source: Option<EvaluationSource>,
}

fn result_parts(result: &Value, at: &str, doc: &Document, out: &mut ReadOutput) -> Option<ResultParts> {
    let empty = Map::new();
    // spaCy and other libraries publish results without a dataset (and the Hub then ignores the
    // whole model-index); the metrics are still real, so they are kept with the part unknown.
    let mut part = |key: &str| match result.get(key).and_then(Value::as_object) {
        Some(map) => map,
        None => {
            out.warn(
                doc,
                WarningKind::InvalidModelIndex,
                format!("{at} has no `{key}` mapping; its metrics are kept with the {key} unknown"),
            );
            &empty
        }
    };
    let task = part("task");
    let dataset = part("dataset");
    // Old cards write a single `metric:` mapping instead of a `metrics:` list.
    let metrics = match result.get("metrics").or_else(|| result.get("metric")) {
        Some(Value::Array(items)) => items.clone(),
        Some(Value::Object(single)) => vec![Value::Object(single.clone())],
        _ => {
            out.warn(
                doc,
                WarningKind::InvalidModelIndex,
                format!("{at} has no `metrics` list; skipped"),
            );
            return None;
        }
    };
    let name_or_type = dataset
        .get("type")
        .and_then(scalar_string)
        .or_else(|| dataset.get("name").and_then(scalar_string));
    Some(ResultParts {
        task: TaskRef {
            task_type: task.get("type").and_then(scalar_string),
            name: task.get("name").and_then(scalar_string),
        },
        dataset: DatasetRef {
            id: name_or_type.map(|n| id::dataset(&n)).filter(|i| !i.ends_with(':')),
            name: dataset.get("name").and_then(scalar_string),
            dataset_type: dataset.get("type").and_then(scalar_string),
            config: present(dataset.get("config")),
            split: present(dataset.get("split")),
            revision: present(dataset.get("revision")),
            args: present(dataset.get("args")),
        },
        metrics,
        source: result
            .get("source")
            .and_then(Value::as_object)
            .map(|s| EvaluationSource {
                name: s.get("name").and_then(scalar_string),
                url: s.get("url").and_then(scalar_string),
            }),
    })
}

#[allow(clippy::too_many_arguments)]
fn evaluation(
    model_id: &str,
    parts: &ResultParts,
    metric: &Value,
    entry_name: Option<&str>,
    at: &str,
    prov: &Provenance,
    doc: &Document,
    out: &mut ReadOutput,
) -> Option<Evaluation> {
    let Some(metric) = metric.as_object() else {
        out.warn(
            doc,
            WarningKind::InvalidModelIndex,
            format!("{at} is not a mapping; skipped"),
        );
        return None;
    };
    let Some(value) = metric.get("value") else {
        out.warn(
            doc,
            WarningKind::InvalidModelIndex,
            format!("{at} has no `value`; skipped"),
        );
        return None;
    };
    let metric_ref = MetricRef {
        metric_type: metric.get("type").and_then(scalar_string),
        name: metric.get("name").and_then(scalar_string),
        config: present(metric.get("config")),
        args: present(metric.get("args")),
    };
    let text = |v: &Option<Value>| v.as_ref().and_then(scalar_string);
    let (config, split) = (text(&parts.dataset.config), text(&parts.dataset.split));
    let metric_key = metric_ref.metric_type.clone().or_else(|| metric_ref.name.clone());
    let evaluation_id = id::evaluation(
        model_id,
        &[
            parts.task.task_type.as_deref(),
            parts.dataset.dataset_type.as_deref().or(parts.dataset.name.as_deref()),
            config.as_deref(),
            split.as_deref(),
            metric_key.as_deref(),
            text(&metric_ref.config).as_deref(),
        ],
    );
    let mut extra = Map::new();
    if let Some(name) = entry_name {
        extra.insert("model_index_name".into(), Value::String(name.to_string()));
    }
    if let Some(token) = metric.get("verifyToken") {
        extra.insert("verify_token".into(), token.clone());
    }
    Some(Evaluation {
        id: evaluation_id,
        provenance: Provenance {
            evidence: Some(at.to_string()),
            ..prov.clone()
        },
        model: model_id.to_string(),
        task: parts.task.clone(),
        dataset: parts.dataset.clone(),
        metric: metric_ref,
        value: value.clone(),
        numeric_value: number(value),
        verified: metric.get("verified").and_then(Value::as_bool),
        source: parts.source.clone(),
        extra: extra.into_iter().collect(),
    })
}

/// The dataset slice (config and/or split) an evaluation names, as a data instance.
fn data_instance(evaluation: &Evaluation, prov: &Provenance) -> Option<DataInstance> {
    let dataset = &evaluation.dataset;
    let config = dataset.config.as_ref().and_then(scalar_string);
    let split = dataset.split.as_ref().and_then(scalar_string);
    let dataset_id = dataset.id.as_ref()?;
    if config.is_none() && split.is_none() {
        return None;
    }
    Some(DataInstance {
        id: id::data_instance(dataset_id, config.as_deref(), split.as_deref()),
        provenance: prov.clone(),
        dataset: Some(dataset_id.clone()),
        config,
        split,
        revision: dataset.revision.as_ref().and_then(scalar_string),
        ..DataInstance::default()
    })
}

/// A YAML `null` says no more than an absent key; both become `None`.
fn present(value: Option<&Value>) -> Option<Value> {
    value.filter(|v| !v.is_null()).cloned()
}

/// Two metrics that differ in nothing that identifies them still get distinct ids.
fn unique_id(mut evaluation: Evaluation, seen: &mut HashSet<String>) -> Evaluation {
    let base = evaluation.id.clone();
    let mut n = 1;
    while !seen.insert(evaluation.id.clone()) {
        n += 1;
        evaluation.id = format!("{base}~{n}");
    }
    evaluation
}
