//! `timm`: the result tables of pytorch-image-models.
//!
//! - `results-<dataset>.csv`: top-1/top-5 accuracy per model on ImageNet or a variant of it →
//!   Evaluations (the test set is named by the file).
//! - `benchmark-<phase>-<precision>-<layout>-<torch>-<runtime>-<hardware>[-dynamo].csv`:
//!   throughput per model → CostMeasurements with the setting the file name states.
//! - `model_metadata-<set>.csv`: the pretraining data of each model.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use macaroni_format::{
    id, CostMeasurement, DatasetRef, Evaluation, MetricRef, Model, Provenance, Record, Relation, RelationKind, TaskRef,
};
use serde_json::Value;

use crate::csv_table::CsvTable;
use crate::{Document, ReadContext, ReadOutput, WarningKind};

const ZOO: &str = "timm";

pub(crate) fn accepts(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.ends_with(".csv")
        && (name.starts_with("results-") || name.starts_with("benchmark-") || name.starts_with("model_metadata-"))
}

pub(crate) fn read(doc: &Document, text: &str, ctx: &ReadContext, out: &mut ReadOutput) {
    let name = doc.file_name().trim_end_matches(".csv").to_string();
    let Some(table) = Table::parse(doc, text, out) else {
        return;
    };
    let prov = ctx.provenance(ZOO, doc);
    if let Some(dataset) = name.strip_prefix("results-") {
        results(&table, dataset, &prov, doc, out);
    } else if let Some(setting) = name.strip_prefix("benchmark-") {
        benchmark(&table, setting, &prov, doc, out);
    } else if name.starts_with("model_metadata-") {
        pretraining(&table, &prov, out);
    }
}

/// A CSV file as rows of column → cell, with the header checked.
struct Table {
    rows: Vec<(usize, HashMap<String, String>)>,
}

impl Table {
    fn parse(doc: &Document, text: &str, out: &mut ReadOutput) -> Option<Table> {
        let csv = CsvTable::parse(doc, text, out)?;
        if !csv.header.iter().any(|c| c == "model") {
            out.warn(doc, WarningKind::ParseError, "CSV has no `model` column");
            return None;
        }
        let rows = (csv.rows.into_iter())
            .map(|(line, cells)| (line, csv.header.iter().cloned().zip(cells).collect()))
            .collect();
        Some(Table { rows })
    }
}

/// Reads a numeric cell; an empty cell is absent, a non-numeric one is a warning.
fn number(
    row: &HashMap<String, String>,
    column: &str,
    line: usize,
    doc: &Document,
    out: &mut ReadOutput,
) -> Option<f64> {
    let cell = row.get(column)?.trim();
    if cell.is_empty() {
        return None;
    }
    // Large parameter counts are written with thousands separators: `1,014.45`.
    match cell.replace(',', "").parse::<f64>() {
        Ok(v) if v.is_finite() => Some(v),
        _ => {
            out.warn(
                doc,
                WarningKind::BadValue,
                format!("line {line}: `{column}` is `{cell}`, not a number"),
            );
            None
        }
    }
}

fn model_record(name: &str, params_millions: Option<f64>, task: Option<&str>, prov: &Provenance) -> Record {
    Record::Model(Model {
        id: id::timm_model(name),
        provenance: prov.clone(),
        name: Some(name.to_string()),
        zoo: Some(ZOO.into()),
        url: Some(format!("https://huggingface.co/timm/{name}")),
        library: Some("timm".into()),
        parameters: params_millions.map(|m| (m * 1_000_000.0).round() as u64),
        task: task.map(str::to_string),
        ..Model::default()
    })
}

/// The model a row is about: its record is pushed and its id returned; an empty name is a warning.
fn row_model(
    row: &HashMap<String, String>,
    task: Option<&str>,
    line: usize,
    prov: &Provenance,
    doc: &Document,
    out: &mut ReadOutput,
) -> Option<String> {
    let Some(model) = row.get("model").map(|m| m.trim()).filter(|m| !m.is_empty()) else {
        out.warn(doc, WarningKind::BadValue, format!("line {line}: empty model name"));
        return None;
    };
    let params = number(row, "param_count", line, doc, out).filter(|p| {
        // A count below zero (timm writes -1 for unknown) is no count.
        let counted = *p >= 0.0;
        if !counted {
            out.warn(
                doc,
                WarningKind::BadValue,
                format!("line {line}: `param_count` is {p}, below zero; left out"),
            );
        }
        counted
    });
    out.records.push(model_record(model, params, task, prov));
    Some(id::timm_model(model))
}

fn results(table: &Table, dataset: &str, prov: &Provenance, doc: &Document, out: &mut ReadOutput) {
    let dataset_id = id::dataset(dataset);
    for (line, row) in &table.rows {
        // A results table is an image-classification benchmark: every model in it classifies images.
        let Some(model_id) = row_model(row, Some("image-classification"), *line, prov, doc, out) else {
            continue;
        };
        let mut extra = BTreeMap::new();
        for column in ["img_size", "crop_pct", "interpolation"] {
            if let Some(cell) = row.get(column).filter(|c| !c.is_empty()) {
                let value = cell
                    .parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map(Value::Number);
                extra.insert(column.to_string(), value.unwrap_or_else(|| Value::String(cell.clone())));
            }
        }
        // A model is listed once per evaluation resolution, so the resolution is part of the id.
        let resolution = row.get("img_size").map(|s| format!("img{}", s.trim()));
        for metric in ["top1", "top5"] {
            let Some(value) = number(row, metric, *line, doc, out) else {
                continue;
            };
            out.records.push(Record::Evaluation(Evaluation {
                id: id::evaluation(
                    &model_id,
                    &[
                        Some("image-classification"),
                        Some(dataset),
                        None,
                        None,
                        Some(metric),
                        resolution.as_deref(),
                    ],
                ),
                provenance: Provenance {
                    evidence: Some(format!("line {line}, column {metric}")),
                    ..prov.clone()
                },
                model: model_id.clone(),
                task: TaskRef {
                    task_type: Some("image-classification".into()),
                    name: Some("Image Classification".into()),
                },
                dataset: DatasetRef {
                    id: Some(dataset_id.clone()),
                    name: Some(dataset.to_string()),
                    ..DatasetRef::default()
                },
                metric: MetricRef {
                    metric_type: Some(metric.to_string()),
                    name: Some(format!("{metric} accuracy (%)")),
                    ..MetricRef::default()
                },
                value: serde_json::Number::from_f64(value)
                    .map(Value::Number)
                    .unwrap_or(Value::Null),
                numeric_value: Some(value),
                extra: extra.clone(),
                ..Evaluation::default()
            }));
        }
        out.records.push(Record::Relation(Relation::new(
            &model_id,
            RelationKind::EvaluatedOn,
            &dataset_id,
            prov.clone(),
        )));
        let evidence = prov.with_method(
            prov.method,
            1.0,
            Some("listed in a timm image-classification results table".into()),
        );
        out.records.push(Record::Relation(Relation::new(
            &model_id,
            RelationKind::ImplementsTask,
            &id::task("image-classification"),
            evidence,
        )));
    }
}

/// What a benchmark file name says about the setting.
#[derive(Debug, PartialEq)]
struct Setting {
    phase: String,
    precision: String,
    framework: String,
    hardware: String,
}

/// `infer-amp-nchw-pt240-cu124-rtx4090-dynamo` → phase infer, precision amp, framework
/// `pytorch 2.4.0 cuda 12.4 nchw dynamo`, hardware `rtx4090`.
fn parse_setting(setting: &str) -> Setting {
    let tokens: Vec<&str> = setting.split('-').collect();
    let mut framework = Vec::new();
    let mut hardware = Vec::new();
    for token in tokens.iter().skip(2) {
        if let Some(v) = token
            .strip_prefix("pt")
            .filter(|v| v.chars().all(|c| c.is_ascii_digit()))
        {
            framework.push(format!("pytorch {}", dotted(v)));
        } else if let Some(v) = token
            .strip_prefix("cu")
            .filter(|v| v.chars().all(|c| c.is_ascii_digit()))
        {
            framework.push(format!("cuda {}", cuda_version(v)));
        } else if ["nchw", "nhwc", "dynamo"].contains(token) {
            framework.push(token.to_string());
        } else {
            hardware.push(*token);
        }
    }
    Setting {
        phase: tokens.first().unwrap_or(&"").to_string(),
        precision: tokens.get(1).unwrap_or(&"").to_string(),
        framework: framework.join(" "),
        hardware: hardware.join("-"),
    }
}

/// CUDA tags put the major version in two digits: `124` → `12.4`, `130` → `13.0`.
fn cuda_version(version: &str) -> String {
    match version.len() {
        3 => format!("{}.{}", &version[..2], &version[2..]),
        _ => version.to_string(),
    }
}

/// PyTorch tags: `240` → `2.4.0`, `291` → `2.9.1`, but 1.x releases had two-digit minors:
/// `113` → `1.13`.
fn dotted(version: &str) -> String {
    match version.len() {
        3 if version.starts_with('1') => format!("{}.{}", &version[..1], &version[1..]),
        3 => format!("{}.{}.{}", &version[..1], &version[1..2], &version[2..]),
        _ => version.to_string(),
    }
}

fn benchmark(table: &Table, setting_name: &str, prov: &Provenance, doc: &Document, out: &mut ReadOutput) {
    let setting = parse_setting(setting_name);
    let p = setting.phase.as_str();
    for (line, row) in &table.rows {
        let Some(model_id) = row_model(row, None, *line, prov, doc, out) else {
            continue;
        };
        let column = |suffix: &str| format!("{p}_{suffix}");
        let mut extra = BTreeMap::new();
        if let Some(macts) = number(row, &column("macts"), *line, doc, out) {
            extra.insert("activations_millions".to_string(), Value::from(macts));
        }
        let mut cell = |suffix: &str| number(row, &column(suffix), *line, doc, out);
        let (batch_size, image_size) = (cell("batch_size"), cell("img_size"));
        let (throughput, step_time_ms, gmacs) = (cell("samples_per_sec"), cell("step_time"), cell("gmacs"));
        let resolution = image_size.map_or(String::new(), |s| format!("-{s}"));
        out.records.push(Record::CostMeasurement(CostMeasurement {
            id: id::cost_measurement(&model_id, &format!("{setting_name}{resolution}")),
            provenance: Provenance {
                evidence: Some(format!("line {line}")),
                ..prov.clone()
            },
            model: model_id,
            phase: Some(setting.phase.clone()),
            hardware: Some(setting.hardware.clone()),
            precision: Some(setting.precision.clone()),
            framework: Some(setting.framework.clone()),
            batch_size: batch_size.map(|v| v as u32),
            image_size: image_size.map(|v| v as u32),
            throughput,
            step_time_ms,
            gmacs,
            extra,
            ..CostMeasurement::default()
        }));
    }
}

fn pretraining(table: &Table, prov: &Provenance, out: &mut ReadOutput) {
    for (_, row) in &table.rows {
        let (Some(model), Some(pretrain)) = (row.get("model"), row.get("pretrain")) else {
            continue;
        };
        let (model, pretrain) = (model.trim(), pretrain.trim());
        if model.is_empty() || pretrain.is_empty() {
            continue;
        }
        let model_id = id::timm_model(model);
        if let Record::Model(mut record) = model_record(model, None, None, prov) {
            record.extra.insert("pretrain".into(), Value::from(pretrain));
            out.records.push(Record::Model(record));
        }
        let relation = Relation::new(&model_id, RelationKind::TrainedOn, &id::dataset(pretrain), prov.clone())
            .with_attribute("raw", pretrain);
        out.records.push(Record::Relation(relation));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setting_from_file_name() {
        assert_eq!(
            parse_setting("infer-amp-nchw-pt240-cu124-rtx4090-dynamo"),
            Setting {
                phase: "infer".into(),
                precision: "amp".into(),
                framework: "nchw pytorch 2.4.0 cuda 12.4 dynamo".into(),
                hardware: "rtx4090".into(),
            }
        );
        let cpu = parse_setting("infer-fp32-nchw-pt240-cpu-i7_12700h-dynamo");
        assert_eq!(cpu.hardware, "cpu-i7_12700h");
        assert_eq!(
            parse_setting("train-amp-nchw-pt112-cu113-rtx3090").framework,
            "nchw pytorch 1.12 cuda 11.3"
        );
    }
}
