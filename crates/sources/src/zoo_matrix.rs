//! Per-label accuracy matrices and label statistics, the inputs of inference-query optimisation.
//!
//! - `zoo-matrix`: a CSV with one row per model: the first column names the model, a `cost`
//!   column gives its inference cost, optional `memory_mb` and `latency_ms` columns give more,
//!   and every other column is a label with the model's accuracy on it (empty: the model cannot
//!   answer it). → Model, CostMeasurement, Label and `can_predict` relations with `accuracy`.
//!   Model ids are `matrix:<file stem>/<model name>`, so two matrices never collide.
//! - `label-stats`: a CSV of label → fraction of items carrying it (`*_selectivity.csv`) →
//!   a DataInstance `instance:<dataset>/label-stats` with `label_frequencies`, the dataset named
//!   by the file name without `_selectivity`.
//!
//! Labels are `label:<taxonomy>/<name>`; the taxonomy (`coco`, `voc`) is not in these files, so
//! it comes from the command line (`--taxonomy`).

use std::collections::BTreeMap;
use std::path::Path;

use macaroni_format::{
    id, CostMeasurement, DataInstance, Dataset, Label, Model, Provenance, Record, Relation, RelationKind,
};

use crate::csv_table::CsvTable;
use crate::{Document, ReadContext, ReadOutput, WarningKind};

const ZOO: &str = "matrix";
const COST_COLUMNS: [&str; 3] = ["cost", "memory_mb", "latency_ms"];

pub(crate) fn accepts_matrix(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "csv") && !is_label_stats_name(path)
}

pub(crate) fn accepts_label_stats(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "csv") && is_label_stats_name(path)
}

fn is_label_stats_name(path: &Path) -> bool {
    path.file_stem()
        .and_then(|s| s.to_str())
        .is_some_and(|s| s.ends_with("_selectivity") || s.ends_with("-selectivity"))
}

fn stem(doc: &Document) -> String {
    doc.file_name().trim_end_matches(".csv").to_string()
}

/// The taxonomy from the command line, or the file stem with a warning.
fn taxonomy(doc: &Document, ctx: &ReadContext, out: &mut ReadOutput) -> String {
    match &ctx.label_taxonomy {
        Some(t) => t.clone(),
        None => {
            let fallback = id::slug(&stem(doc));
            out.warn(
                doc,
                WarningKind::MissingField,
                format!("no label taxonomy given (--taxonomy); labels are filed under `{fallback}`"),
            );
            fallback
        }
    }
}

/// A fraction in 0..=1, or a warning naming the line and column.
fn fraction(cell: &str, line: usize, column: &str, doc: &Document, out: &mut ReadOutput) -> Option<f64> {
    match cell.parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Some(v),
        Ok(v) => {
            let message = format!("line {line}, column `{column}`: {v} is outside 0..1; skipped");
            out.warn(doc, WarningKind::BadValue, message);
            None
        }
        Err(_) => {
            let message = format!("line {line}, column `{column}`: `{cell}` is not a number; skipped");
            out.warn(doc, WarningKind::BadValue, message);
            None
        }
    }
}

pub(crate) fn read_matrix(doc: &Document, text: &str, ctx: &ReadContext, out: &mut ReadOutput) {
    let Some(CsvTable { header, rows }) = CsvTable::parse(doc, text, out) else {
        return;
    };
    let Some(cost_column) = header.iter().position(|c| c.eq_ignore_ascii_case("cost")) else {
        out.warn(doc, WarningKind::ParseError, "not an accuracy matrix: no `cost` column");
        return;
    };
    let taxonomy = taxonomy(doc, ctx, out);
    let prov = ctx.provenance(ZOO, doc);
    let labels: Vec<(usize, String)> = (header.iter().enumerate())
        .skip(1)
        .filter(|(_, name)| !name.is_empty() && !COST_COLUMNS.iter().any(|c| name.eq_ignore_ascii_case(c)))
        .map(|(i, name)| (i, id::label(&taxonomy, name)))
        .collect();
    for (i, label_id) in &labels {
        out.records.push(Record::Label(Label {
            id: label_id.clone(),
            provenance: prov.clone(),
            name: Some(header[*i].clone()),
            taxonomy: Some(taxonomy.clone()),
        }));
    }
    let file = stem(doc);
    for (line, cells) in rows {
        let name = cells[0].as_str();
        if name.is_empty() {
            out.warn(
                doc,
                WarningKind::MissingField,
                format!("line {line}: no model name; row skipped"),
            );
            continue;
        }
        let model_id = format!("{ZOO}:{file}/{name}");
        out.records.push(Record::Model(Model {
            id: model_id.clone(),
            provenance: prov.clone(),
            name: Some(name.to_string()),
            zoo: Some(ZOO.to_string()),
            ..Model::default()
        }));
        cost_record(&header, &cells, cost_column, line, &model_id, &prov, doc, out);
        for (i, label_id) in &labels {
            if cells[*i].is_empty() {
                continue;
            }
            if let Some(accuracy) = fraction(&cells[*i], line, &header[*i], doc, out) {
                let relation = Relation::new(&model_id, RelationKind::CanPredict, label_id, prov.clone())
                    .with_attribute("accuracy", accuracy);
                out.records.push(Record::Relation(relation));
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn cost_record(
    header: &[String],
    cells: &[String],
    cost_column: usize,
    line: usize,
    model_id: &str,
    prov: &Provenance,
    doc: &Document,
    out: &mut ReadOutput,
) {
    let number = |column: &str, out: &mut ReadOutput| -> Option<f64> {
        let i = header.iter().position(|c| c.eq_ignore_ascii_case(column))?;
        let cell = cells[i].as_str();
        if cell.is_empty() {
            return None;
        }
        match cell.parse::<f64>() {
            Ok(v) if v.is_finite() && v >= 0.0 => Some(v),
            _ => {
                let message = format!("line {line}, column `{column}`: `{cell}` is not a cost; skipped");
                out.warn(doc, WarningKind::BadValue, message);
                None
            }
        }
    };
    let cost = number(&header[cost_column], out);
    let memory_mb = number("memory_mb", out);
    let latency_ms = number("latency_ms", out);
    if cost.is_none() && memory_mb.is_none() && latency_ms.is_none() {
        out.warn(
            doc,
            WarningKind::MissingField,
            format!("line {line}: {model_id} has no cost"),
        );
        return;
    }
    out.records.push(Record::CostMeasurement(CostMeasurement {
        id: id::cost_measurement(model_id, "matrix"),
        provenance: prov.clone(),
        model: model_id.to_string(),
        phase: Some("infer".into()),
        cost,
        memory_mb,
        latency_ms,
        ..CostMeasurement::default()
    }));
}

pub(crate) fn read_label_stats(doc: &Document, text: &str, ctx: &ReadContext, out: &mut ReadOutput) {
    let Some(CsvTable { header, rows }) = CsvTable::parse(doc, text, out) else {
        return;
    };
    let find = |names: &[&str]| {
        header
            .iter()
            .position(|c| names.iter().any(|n| c.eq_ignore_ascii_case(n)))
    };
    let (Some(label_column), Some(value_column)) = (
        find(&["class", "label", "name"]),
        find(&["selectivity", "fraction", "frequency"]),
    ) else {
        out.warn(
            doc,
            WarningKind::ParseError,
            "not label statistics: expected a `class` (or `label`) column and a `selectivity` (or `fraction`) column",
        );
        return;
    };
    let taxonomy = taxonomy(doc, ctx, out);
    let prov = ctx.provenance(ZOO, doc);
    let file = stem(doc);
    let dataset_name = file.trim_end_matches("_selectivity").trim_end_matches("-selectivity");
    let dataset_id = id::dataset(dataset_name);
    let mut frequencies = BTreeMap::new();
    for (line, cells) in rows {
        let label = cells[label_column].as_str();
        if label.is_empty() {
            out.warn(
                doc,
                WarningKind::MissingField,
                format!("line {line}: no label; row skipped"),
            );
            continue;
        }
        if let Some(v) = fraction(&cells[value_column], line, &header[value_column], doc, out) {
            let label_id = id::label(&taxonomy, label);
            out.records.push(Record::Label(Label {
                id: label_id.clone(),
                provenance: prov.clone(),
                name: Some(label.to_string()),
                taxonomy: Some(taxonomy.clone()),
            }));
            frequencies.insert(label_id, v);
        }
    }
    out.records.push(Record::Dataset(Dataset {
        id: dataset_id.clone(),
        provenance: prov.clone(),
        name: Some(dataset_name.to_string()),
        ..Dataset::default()
    }));
    out.records.push(Record::DataInstance(DataInstance {
        id: id::data_instance(&dataset_id, None, Some("label-stats")),
        provenance: prov,
        dataset: Some(dataset_id),
        description: Some(format!(
            "fraction of items carrying each {taxonomy} label, from {file}.csv"
        )),
        label_frequencies: frequencies,
        ..DataInstance::default()
    }));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn doc(name: &str, text: &str) -> Document {
        Document {
            uri: format!("/data/{name}"),
            relative_path: PathBuf::from(name),
            bytes: text.as_bytes().to_vec(),
        }
    }

    fn ctx() -> ReadContext {
        ReadContext {
            observed_at: "2026-11-27T00:00:00Z".into(),
            label_taxonomy: Some("coco".into()),
        }
    }

    #[test]
    fn a_matrix_row_becomes_a_model_its_cost_and_what_it_predicts() {
        let text = ",vase,cost,tv\nm1,0.5,40.0,\nm2,,22,0.25\n";
        let mut out = ReadOutput::default();
        read_matrix(&doc("stats.csv", text), text, &ctx(), &mut out);
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        let predicts: Vec<(String, String, f64)> = (out.records.iter())
            .filter_map(|r| match r {
                Record::Relation(rel) => Some((
                    rel.subject.clone(),
                    rel.object.clone(),
                    rel.attributes["accuracy"].as_f64()?,
                )),
                _ => None,
            })
            .collect();
        assert_eq!(
            predicts,
            [
                ("matrix:stats/m1".to_string(), "label:coco/vase".to_string(), 0.5),
                ("matrix:stats/m2".to_string(), "label:coco/tv".to_string(), 0.25)
            ]
        );
        let costs: Vec<(String, Option<f64>)> = (out.records.iter())
            .filter_map(|r| match r {
                Record::CostMeasurement(c) => Some((c.model.clone(), c.cost)),
                _ => None,
            })
            .collect();
        assert_eq!(
            costs,
            [
                ("matrix:stats/m1".to_string(), Some(40.0)),
                ("matrix:stats/m2".to_string(), Some(22.0))
            ]
        );
    }

    #[test]
    fn bad_cells_are_warnings_that_name_line_and_column() {
        let text = ",vase,cost\nm1,1.7,40\nm2,abc,x\n,0.1,3\n";
        let mut out = ReadOutput::default();
        read_matrix(&doc("stats.csv", text), text, &ctx(), &mut out);
        let messages: Vec<&str> = out.warnings.iter().map(|w| w.message.as_str()).collect();
        assert!(
            messages
                .iter()
                .any(|m| m.contains("line 2, column `vase`: 1.7 is outside 0..1")),
            "{messages:?}"
        );
        assert!(messages
            .iter()
            .any(|m| m.contains("line 3, column `vase`: `abc` is not a number")));
        assert!(messages
            .iter()
            .any(|m| m.contains("line 3, column `cost`: `x` is not a cost")));
        assert!(messages.iter().any(|m| m.contains("line 4: no model name")));
        assert!(!out.records.iter().any(|r| matches!(r, Record::Relation(_))));
        let not_a_matrix = "a,b\n1,2\n";
        let mut out = ReadOutput::default();
        read_matrix(&doc("q.csv", not_a_matrix), not_a_matrix, &ctx(), &mut out);
        assert!(out.records.is_empty());
        assert!(out.warnings[0].message.contains("no `cost` column"));
    }

    #[test]
    fn label_statistics_become_a_data_instance() {
        let text = ",class,selectivity\n0,potted_plant,0.0093\n1,person,0.2992\n2,ghost,7\n";
        let mut out = ReadOutput::default();
        read_label_stats(&doc("coco_selectivity.csv", text), text, &ctx(), &mut out);
        assert_eq!(out.warnings.len(), 1, "{:?}", out.warnings);
        let instance = out.records.iter().find_map(|r| match r {
            Record::DataInstance(d) => Some(d),
            _ => None,
        });
        let instance = instance.unwrap();
        assert_eq!(instance.id, "instance:coco/label-stats");
        assert_eq!(instance.dataset.as_deref(), Some("dataset:coco"));
        assert_eq!(instance.label_frequencies.get("label:coco/person"), Some(&0.2992));
        assert_eq!(instance.label_frequencies.len(), 2);
    }

    #[test]
    fn file_names_decide_which_reader_walks_into_a_file() {
        assert!(accepts_label_stats(Path::new("x/coco_2014_selectivity.csv")));
        assert!(!accepts_matrix(Path::new("x/coco_2014_selectivity.csv")));
        assert!(accepts_matrix(Path::new("x/model_stats_ap.csv")));
        assert!(!accepts_matrix(Path::new("x/model_stats_ap.json")));
    }
}
