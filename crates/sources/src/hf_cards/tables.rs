//! Evaluation tables in a card's markdown → evaluations with method `parsed_table`.
//!
//! Three layouts are read, and only in sections about evaluation or results:
//! - metric rows × dataset columns (`| Metric | SQuAD | NewsQA |`, rows `F1`, `EM`);
//! - dataset rows × metric columns (`| Dataset | Accuracy | F1 |`);
//! - model rows × metric columns: only the row that names this model is taken, since the other
//!   rows describe other models;
//! - one row of scores under dataset columns (`| Task | MNLI | QQP |`), with the metric unknown.
//!
//! A table that fits none of these is left alone: a wrong number is worse than a missing one.

use macaroni_format::{id, DatasetRef, Evaluation, MetricRef, Provenance, Record, TaskRef};
use serde_json::Value;

use super::card_data::parse_number;
use crate::markdown::{Section, Table};
use crate::ReadOutput;

/// Words that name a metric in a table cell.
#[rustfmt::skip]
const METRIC_WORDS: [&str; 27] = [
    "accuracy", "acc", "f1", "f1-score", "precision", "recall", "wer", "cer", "bleu", "rouge", "rouge1", "rouge2",
    "rougel", "exact match", "em", "top-1", "top-5", "top1", "top5", "map", "perplexity", "ppl", "auc", "mcc",
    "chr-f", "chrf", "sacrebleu",
];

/// First-column headers that mean "one dataset per row".
const DATASET_WORDS: [&str; 8] = [
    "dataset",
    "data",
    "task",
    "benchmark",
    "testset",
    "test set",
    "corpus",
    "eval",
];

fn is_metric(cell: &str) -> bool {
    let lower = cell.trim().trim_matches('*').to_lowercase();
    let head = lower.split(['(', '[']).next().unwrap_or("").trim();
    METRIC_WORDS.contains(&head) || METRIC_WORDS.iter().any(|w| head.starts_with(&format!("{w} ")))
}

fn is_evaluation_section(title: &str) -> bool {
    let title = title.to_lowercase();
    ["eval", "result", "benchmark", "performance", "metric", "score"]
        .iter()
        .any(|w| title.contains(w))
        && !is_training_log(&title)
}

/// The Trainer's per-epoch table and hyperparameters describe training, not the model's results.
fn is_training_log(title: &str) -> bool {
    let title = title.to_lowercase();
    [
        "training results",
        "training procedure",
        "hyperparameter",
        "training log",
    ]
    .iter()
    .any(|w| title.contains(w))
}

fn clean(cell: &str) -> &str {
    cell.trim().trim_matches('*').trim()
}

/// One value read from a table: the metric and dataset it is for.
struct Cell<'a> {
    metric: Option<&'a str>,
    dataset: Option<&'a str>,
    text: &'a str,
}

pub(crate) fn extract(
    model_id: &str,
    model_name: &str,
    sections: &[Section],
    pattern: &dyn Fn(f64, &str) -> Provenance,
    out: &mut ReadOutput,
) {
    for section in sections.iter().filter(|s| !is_training_log(&s.title)) {
        for (t, table) in section.tables.iter().enumerate() {
            for cell in cells(table, model_name, is_evaluation_section(&section.title)) {
                let Some(number) = parse_number(clean(cell.text)) else {
                    continue;
                };
                let metric = cell.metric.map(|m| clean(m).to_string());
                let dataset = cell.dataset.map(|d| clean(d).to_string());
                let metric_type = metric.as_deref().map(id::slug).unwrap_or_else(|| "score".into());
                let evidence = format!(
                    "table {t} in \"{}\": {} = {}",
                    section.title,
                    metric_type,
                    cell.text.trim()
                );
                out.records.push(Record::Evaluation(Evaluation {
                    id: id::evaluation(
                        model_id,
                        &[None, dataset.as_deref(), None, None, Some(&metric_type), Some("table")],
                    ),
                    provenance: pattern(0.6, &evidence),
                    model: model_id.to_string(),
                    task: TaskRef::default(),
                    dataset: DatasetRef {
                        id: dataset.as_deref().map(id::dataset),
                        name: dataset.clone(),
                        ..DatasetRef::default()
                    },
                    metric: MetricRef {
                        metric_type: Some(metric_type),
                        name: metric,
                        ..MetricRef::default()
                    },
                    value: Value::String(clean(cell.text).to_string()),
                    numeric_value: Some(number),
                    ..Evaluation::default()
                }));
            }
        }
    }
}

/// The cells of a table that are values for this model, by layout. A single row of scores with no
/// metric named is only taken under a heading about evaluation.
fn cells<'a>(table: &'a Table, model_name: &str, evaluation_heading: bool) -> Vec<Cell<'a>> {
    let header = &table.header;
    if header.len() < 2 || table.rows.is_empty() {
        return Vec::new();
    }
    let label = |row: &'a Vec<String>| clean(row.first().map(String::as_str).unwrap_or(""));
    let metric_columns: Vec<usize> = (1..header.len()).filter(|&j| is_metric(&header[j])).collect();
    let first_header = header[0].to_lowercase();
    let rows_are_datasets = DATASET_WORDS.iter().any(|w| first_header.contains(w));
    let mut cells = Vec::new();
    if table.rows.iter().all(|row| is_metric(label(row))) {
        for row in &table.rows {
            for (j, text) in row.iter().enumerate().skip(1) {
                cells.push(Cell {
                    metric: Some(label(row)),
                    dataset: header.get(j).map(String::as_str),
                    text,
                });
            }
        }
    } else if !metric_columns.is_empty() && rows_are_datasets {
        for row in &table.rows {
            for &j in &metric_columns {
                if let Some(text) = row.get(j) {
                    cells.push(Cell {
                        metric: Some(&header[j]),
                        dataset: Some(label(row)),
                        text,
                    });
                }
            }
        }
    } else if !metric_columns.is_empty() {
        let name = model_name.to_lowercase();
        let names_this_model = |row: &&'a Vec<String>| {
            let label = label(row).to_lowercase();
            // The row must name the model; a short label inside the model's name ("lt" in
            // "multilingual") is a coincidence, not a match.
            !name.is_empty() && label.contains(&name)
        };
        for row in table.rows.iter().filter(names_this_model) {
            for &j in &metric_columns {
                if let Some(text) = row.get(j) {
                    cells.push(Cell {
                        metric: Some(&header[j]),
                        dataset: None,
                        text,
                    });
                }
            }
        }
    } else if evaluation_heading && table.rows.len() == 1 && label(&table.rows[0]).is_empty() {
        for (j, text) in table.rows[0].iter().enumerate().skip(1) {
            cells.push(Cell {
                metric: None,
                dataset: header.get(j).map(String::as_str),
                text,
            });
        }
    }
    cells
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::sections;
    use macaroni_format::Method;

    fn read(markdown: &str, name: &str) -> Vec<(Option<String>, Option<String>, f64)> {
        let mut out = ReadOutput::default();
        let prov = Provenance::default();
        extract(
            "hf:a/m",
            name,
            &sections(markdown),
            &|c, e| prov.with_method(Method::ParsedTable, c, Some(e.into())),
            &mut out,
        );
        out.records
            .iter()
            .filter_map(|r| match r {
                Record::Evaluation(e) => Some((
                    e.metric.metric_type.clone(),
                    e.dataset.name.clone(),
                    e.numeric_value.unwrap_or(f64::NAN),
                )),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn metric_rows_by_dataset_columns() {
        let md = "## Evaluation results\n\n| Metric | SQuAD | NewsQA |\n|---|---|---|\n| F1 | 88.5 | 70.1 |\n| EM | 81.0 | - |\n";
        assert_eq!(
            read(md, "m"),
            vec![
                (Some("f1".into()), Some("SQuAD".into()), 88.5),
                (Some("f1".into()), Some("NewsQA".into()), 70.1),
                (Some("em".into()), Some("SQuAD".into()), 81.0),
            ]
        );
    }

    #[test]
    fn only_this_models_row_of_a_comparison() {
        let md = "## Results\n\n| Model | Accuracy | F1 |\n|---|---|---|\n| bert-base | 0.91 | 0.90 |\n| **my-model** | 0.93 | 0.92 |\n";
        assert_eq!(
            read(md, "my-model"),
            vec![(Some("accuracy".into()), None, 0.93), (Some("f1".into()), None, 0.92)]
        );
        assert!(read(md, "unrelated").is_empty());
        let by_language = "## Results\n\n| Language | WER | CER |\n|---|---|---|\n| lt | 92.61 | 26.81 |\n";
        assert!(read(by_language, "wav2vec2-xlsr-multilingual-56").is_empty());
    }

    #[test]
    fn dataset_rows_keep_only_metric_columns_and_strip_bold() {
        let md = "#### Named Entity Recognition (NER)\n\n| Dataset | F1 | Notes |\n|---|---|---|\n| **WikiNER-ITA** | **90.483** | 12 |\n\n## Benchmarks\n\n| testset | BLEU | chr-F |\n|---|---|---|\n| newstest2009.en.de | 22.3 | 0.530 |\n";
        assert_eq!(
            read(md, "m"),
            vec![
                (Some("f1".into()), Some("WikiNER-ITA".into()), 90.483),
                (Some("bleu".into()), Some("newstest2009.en.de".into()), 22.3),
                (Some("chr-f".into()), Some("newstest2009.en.de".into()), 0.53),
            ]
        );
    }

    #[test]
    fn one_row_of_scores_under_datasets_and_no_trainer_logs() {
        let md = "## Evaluation results\n\n| Task | MNLI | QQP |\n|:---:|:---:|:---:|\n|      | 84.6/83.4 | 71.2 |\n\n### Training results\n\n| Epoch | Accuracy |\n|---|---|\n| 1 | 0.5 |\n";
        assert_eq!(
            read(md, "m"),
            vec![
                (Some("score".into()), Some("MNLI".into()), 84.6),
                (Some("score".into()), Some("QQP".into()), 71.2)
            ]
        );
    }
}
