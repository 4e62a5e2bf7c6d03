//! Facts from the body that the Hugging Face Trainer writes into generated cards:
//! "This model is a fine-tuned version of [X](...) on the Y dataset", the hyperparameter list,
//! the evaluation-set results, the training-results table and the framework versions.
//! Everything here has method `text_pattern` and a confidence below 1; the matched text is kept as
//! evidence.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use macaroni_format::{
    id, DatasetRef, Evaluation, Method, MetricRef, Provenance, Record, Relation, RelationKind, TaskRef, TrainingRun,
};
use regex::Regex;
use serde_json::Value;

use super::card_data::{parse_number, push_paper};
use crate::markdown::{self, Section};
use crate::ReadOutput;

static FINE_TUNED_LINK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)fine-tuned version of \[`?([^\]`]+)`?\]\(([^)\s]+)\)(?: on (?:the )?(.+?) dataset)?")
        .unwrap_or_else(|e| panic!("{e}"))
});
static FINE_TUNED_PLAIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)fine-tuned version of `?([\w\-./]+[\w])`? on (?:the )?(.+?) dataset")
        .unwrap_or_else(|e| panic!("{e}"))
});
/// "Base model: [org/name](...)" or "**Base Model:** `org/name`" in the body.
static BASE_MODEL_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?im)^[ \t>*-]*\**base[ _-]?model\**[ \t]*[:：][ \t]*\**[ \t]*\[?`?([A-Za-z0-9][\w.\-]*/[\w.\-]*[\w])")
        .unwrap_or_else(|e| panic!("{e}"))
});
/// "110M parameters", "7 billion params".
static PARAMETER_COUNT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(\d+(?:\.\d+)?)\s?(m|b|million|billion)\s+(?:trainable\s+)?(?:parameters|params)\b")
        .unwrap_or_else(|e| panic!("{e}"))
});
static DOI: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b10\.\d{4,9}/[^\s)\]\x22'<>,;{}]+").unwrap_or_else(|e| panic!("{e}")));
/// A dataset linked on the Hub: `huggingface.co/datasets/<org>/<name>`.
static HUB_DATASET_LINK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"huggingface\.co/datasets/([A-Za-z0-9][\w.\-]*(?:/[A-Za-z0-9][\w.\-]*)?)")
        .unwrap_or_else(|e| panic!("{e}"))
});
static ARXIV_LINK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})").unwrap_or_else(|e| panic!("{e}")));

const HUB_PREFIXES: [&str; 2] = ["https://huggingface.co/", "http://huggingface.co/"];

pub(crate) fn extract(
    model_id: &str,
    task: Option<&str>,
    body: &str,
    sections: &[Section],
    declared: &Provenance,
    out: &mut ReadOutput,
) {
    let pattern = |confidence: f64, evidence: &str| {
        declared.with_method(Method::TextPattern, confidence, Some(markdown::truncate(evidence, 300)))
    };
    let train_datasets: Vec<String> = fine_tuned_from(model_id, body, &pattern, out)
        .into_iter()
        .map(|d| d.name)
        .collect();
    training_run(model_id, &train_datasets, sections, &pattern, out);
    evaluation_set_results(
        model_id,
        task,
        body,
        train_datasets.first().map(String::as_str),
        &pattern,
        out,
    );
    for arxiv in arxiv_ids(body) {
        push_paper(out, model_id, &arxiv, pattern(0.8, &format!("arxiv.org/abs/{arxiv}")));
    }
    base_model_lines(model_id, body, &pattern, out);
    parameter_count(model_id, body, &pattern, out);
    dois(model_id, body, &pattern, out);
    training_data_links(model_id, body, &pattern, out);
}

/// "Base model: org/name" lines, which many hand-written and tool-generated cards carry.
fn base_model_lines(model_id: &str, body: &str, pattern: &dyn Fn(f64, &str) -> Provenance, out: &mut ReadOutput) {
    let mut seen = std::collections::BTreeSet::new();
    for caps in BASE_MODEL_LINE.captures_iter(body) {
        let base = caps[1].to_string();
        if !seen.insert(base.clone()) || id::hf_model(&base) == model_id {
            continue;
        }
        let relation = Relation::new(
            model_id,
            RelationKind::FineTunedFrom,
            &id::hf_model(&base),
            pattern(0.7, &caps[0]),
        )
        .with_attribute("raw", base.as_str());
        out.records.push(Record::Relation(relation));
    }
}

/// A parameter count stated once ("110M parameters"); several different counts on one card
/// usually compare models, so nothing is taken then.
fn parameter_count(model_id: &str, body: &str, pattern: &dyn Fn(f64, &str) -> Provenance, out: &mut ReadOutput) {
    let counts: std::collections::BTreeMap<u64, String> = PARAMETER_COUNT
        .captures_iter(body)
        .filter_map(|c| {
            let number: f64 = c[1].parse().ok()?;
            let scale = if c[2].to_lowercase().starts_with('b') { 1e9 } else { 1e6 };
            Some(((number * scale).round() as u64, c[0].to_string()))
        })
        .collect();
    if let [(count, evidence)] = counts.into_iter().collect::<Vec<_>>().as_slice() {
        out.records.push(Record::Model(macaroni_format::Model {
            id: model_id.to_string(),
            provenance: pattern(0.7, evidence),
            parameters: Some(*count),
            ..macaroni_format::Model::default()
        }));
    }
}

/// DOIs in the body, usually of the paper that describes the model.
fn dois(model_id: &str, body: &str, pattern: &dyn Fn(f64, &str) -> Provenance, out: &mut ReadOutput) {
    let mut seen = std::collections::BTreeSet::new();
    for m in DOI.find_iter(body) {
        let doi = m.as_str().trim_end_matches(['.', ':']).to_string();
        if !seen.insert(doi.to_lowercase()) {
            continue;
        }
        let prov = pattern(0.6, &doi);
        let paper_id = id::doi_paper(&doi);
        out.records.push(Record::Paper(macaroni_format::Paper {
            id: paper_id.clone(),
            provenance: prov.clone(),
            doi: Some(doi.clone()),
            url: Some(format!("https://doi.org/{doi}")),
            ..macaroni_format::Paper::default()
        }));
        out.records.push(Record::Relation(Relation::new(
            model_id,
            RelationKind::DescribedIn,
            &paper_id,
            prov,
        )));
    }
}

/// Hub dataset links inside a "Training data" section.
fn training_data_links(model_id: &str, body: &str, pattern: &dyn Fn(f64, &str) -> Provenance, out: &mut ReadOutput) {
    let mut in_section = false;
    let mut seen = std::collections::BTreeSet::new();
    for line in body.lines() {
        if let Some(title) = line.trim_start().strip_prefix('#') {
            in_section = title.to_lowercase().contains("training data");
            continue;
        }
        if !in_section {
            continue;
        }
        for caps in HUB_DATASET_LINK.captures_iter(line) {
            let name = caps[1].trim_end_matches('.').to_string();
            if seen.insert(name.clone()) {
                let relation = Relation::new(
                    model_id,
                    RelationKind::TrainedOn,
                    &id::dataset(&name),
                    pattern(0.75, &caps[0]),
                )
                .with_attribute("raw", name.as_str());
                out.records.push(Record::Relation(relation));
            }
        }
    }
}

/// The base model and training datasets named by the Trainer sentence; returns the datasets.
fn fine_tuned_from(
    model_id: &str,
    body: &str,
    pattern: &dyn Fn(f64, &str) -> Provenance,
    out: &mut ReadOutput,
) -> Vec<NamedDataset> {
    let (base, dataset, evidence) = if let Some(c) = FINE_TUNED_LINK.captures(body) {
        let url = c.get(2).map_or("", |m| m.as_str());
        let text = c.get(1).map_or("", |m| m.as_str()).to_string();
        // A local path (`/home/me/model`) names no Hub repository, whatever the link says.
        let local_path = text.starts_with(['/', '.', '~']);
        let from_url = HUB_PREFIXES
            .iter()
            .find_map(|p| url.strip_prefix(p))
            .filter(|_| !local_path)
            .map(repo_from_url);
        let base = if local_path {
            None
        } else {
            Some(from_url.unwrap_or(text))
        };
        (base, c.get(3).map(|m| m.as_str().to_string()), c[0].to_string())
    } else if let Some(c) = FINE_TUNED_PLAIN.captures(body) {
        (Some(c[1].to_string()), Some(c[2].to_string()), c[0].to_string())
    } else {
        return Vec::new();
    };
    if let Some(base) = base.filter(|b| is_real_name(b)) {
        let relation = Relation::new(
            model_id,
            RelationKind::FineTunedFrom,
            &id::hf_model(&base),
            pattern(0.9, &evidence),
        )
        .with_attribute("raw", base.as_str());
        out.records.push(Record::Relation(relation));
    }
    let datasets = dataset.map(|d| split_dataset_names(&d)).unwrap_or_default();
    for dataset in &datasets {
        let mut relation = Relation::new(
            model_id,
            RelationKind::TrainedOn,
            &id::dataset(&dataset.name),
            pattern(0.8, &evidence),
        )
        .with_attribute("raw", dataset.name.as_str());
        if let Some(config) = &dataset.config {
            relation = relation.with_attribute("config", config.as_str());
        }
        out.records.push(Record::Relation(relation));
    }
    datasets
}

/// `https://huggingface.co/org/name/tree/main` → `org/name`.
fn repo_from_url(path: &str) -> String {
    let parts: Vec<&str> = path.split(['/', '?', '#']).filter(|p| !p.is_empty()).take(2).collect();
    parts.join("/")
}

/// Words that start a phrase rather than a name: "the following", "an unkown", "my own".
const NOT_A_NAME_START: [&str; 14] = [
    "a",
    "an",
    "the",
    "this",
    "that",
    "these",
    "those",
    "my",
    "our",
    "your",
    "their",
    "its",
    "some",
    "following",
];

fn is_real_name(name: &str) -> bool {
    let lower = name.trim().to_lowercase();
    let first_word = lower.split_whitespace().next().unwrap_or("");
    !(lower.is_empty()
        || lower.contains('{')
        || ["none", "unknown", "null", "same", "above", "below"].contains(&lower.as_str())
        || NOT_A_NAME_START.contains(&first_word))
}

/// A dataset named by the Trainer sentence, with the config it may carry
/// ("mozilla-foundation/common_voice_11_0 el", "GLUE MRPC").
#[derive(Debug, Clone, PartialEq)]
struct NamedDataset {
    name: String,
    config: Option<String>,
}

/// "wikiann and conll2003" → two names; "A, the B and the C" → three; "an unknown" → none.
fn split_dataset_names(raw: &str) -> Vec<NamedDataset> {
    let raw = raw.trim().trim_matches('`');
    if !is_real_name(raw) {
        return Vec::new();
    }
    let pieces: Vec<&str> = raw
        .split(" and ")
        .flat_map(|p| p.split(", "))
        .map(|p| p.trim().trim_start_matches("the ").trim())
        .collect();
    if pieces.len() > 1 && pieces.iter().all(|p| !p.contains(' ') && is_real_name(p)) {
        return pieces.into_iter().map(with_config).collect();
    }
    vec![with_config(raw)]
}

/// "google/fleurs it_it" → fleurs with config `it_it`: the Trainer writes the config after the name.
fn with_config(text: &str) -> NamedDataset {
    let words: Vec<&str> = text.split_whitespace().collect();
    let config_like = |w: &str| {
        w.len() <= 10 && !w.contains('/') && w.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    match words.as_slice() {
        [name, config] if config_like(config) => NamedDataset {
            name: name.to_string(),
            config: Some(config.to_string()),
        },
        _ => NamedDataset {
            name: text.to_string(),
            config: None,
        },
    }
}

fn training_run(
    model_id: &str,
    datasets: &[String],
    sections: &[Section],
    pattern: &dyn Fn(f64, &str) -> Provenance,
    out: &mut ReadOutput,
) {
    let hyperparameters: BTreeMap<String, Value> = markdown::find(sections, "training hyperparameters")
        .map(|s| s.items.iter().filter_map(|item| key_value(item)).collect())
        .unwrap_or_default();
    let framework_versions: BTreeMap<String, String> = markdown::find(sections, "framework versions")
        .map(|s| s.items.iter().filter_map(|item| name_version(item)).collect())
        .unwrap_or_default();
    let results = markdown::find(sections, "training results")
        .and_then(|s| s.tables.first())
        .map(|table| {
            table
                .rows
                .iter()
                .map(|row| {
                    table
                        .header
                        .iter()
                        .cloned()
                        .zip(row.iter().map(|c| cell_value(c)))
                        .collect()
                })
                .collect()
        })
        .unwrap_or_default();
    if hyperparameters.is_empty() && framework_versions.is_empty() {
        return;
    }
    out.records.push(Record::TrainingRun(TrainingRun {
        id: id::training_run(model_id),
        provenance: pattern(
            0.9,
            "Trainer sections: Training hyperparameters / Training results / Framework versions",
        ),
        model: Some(model_id.to_string()),
        datasets: datasets.to_vec(),
        hyperparameters,
        framework_versions,
        results,
        ..TrainingRun::default()
    }));
}

/// `learning_rate: 2e-05` → ("learning_rate", 2e-05).
fn key_value(item: &str) -> Option<(String, Value)> {
    let (key, value) = item.split_once(':')?;
    let key = key.trim();
    (!key.is_empty() && !key.contains(' ')).then(|| (key.to_string(), cell_value(value.trim())))
}

/// `Transformers 4.6.1` → ("Transformers", "4.6.1").
fn name_version(item: &str) -> Option<(String, String)> {
    let (name, version) = item.trim().rsplit_once(' ')?;
    version
        .chars()
        .next()
        .filter(char::is_ascii_digit)
        .map(|_| (name.trim().to_string(), version.to_string()))
}

fn cell_value(text: &str) -> Value {
    let text = text.trim();
    if let Ok(integer) = text.parse::<i64>() {
        return Value::from(integer);
    }
    match text.parse::<f64>() {
        Ok(n) if n.is_finite() => serde_json::Number::from_f64(n)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        _ => Value::String(text.to_string()),
    }
}

/// "It achieves the following results on the evaluation set:" followed by `- Metric: value`.
fn evaluation_set_results(
    model_id: &str,
    task: Option<&str>,
    body: &str,
    dataset: Option<&str>,
    pattern: &dyn Fn(f64, &str) -> Provenance,
    out: &mut ReadOutput,
) {
    for (phrase, split) in [
        ("results on the evaluation set:", "validation"),
        ("results on the test set:", "test"),
    ] {
        let Some(start) = body.find(phrase) else {
            continue;
        };
        let items = body[start + phrase.len()..]
            .lines()
            .skip_while(|l| l.trim().is_empty())
            .take_while(|l| l.trim_start().starts_with(['-', '*']));
        for item in items {
            let item = item.trim_start().trim_start_matches(['-', '*']).trim();
            let Some((name, raw)) = item.split_once(':') else {
                continue;
            };
            let name = name.trim();
            if name.is_empty() || is_training_log_field(name) {
                continue;
            }
            let Some(number) = parse_number(raw) else {
                continue;
            };
            let metric_type = id::slug(name);
            out.records.push(Record::Evaluation(Evaluation {
                id: id::evaluation(model_id, &[task, dataset, None, Some(split), Some(&metric_type)]),
                provenance: pattern(0.7, &format!("{phrase} {item}")),
                model: model_id.to_string(),
                task: TaskRef {
                    task_type: task.map(str::to_string),
                    name: None,
                },
                dataset: DatasetRef {
                    id: dataset.map(id::dataset),
                    name: dataset.map(str::to_string),
                    split: Some(Value::String(split.to_string())),
                    ..DatasetRef::default()
                },
                metric: MetricRef {
                    metric_type: Some(metric_type),
                    name: Some(name.to_string()),
                    ..MetricRef::default()
                },
                value: Value::String(raw.trim().to_string()),
                numeric_value: Some(number),
                ..Evaluation::default()
            }));
        }
    }
}

/// Fields the Trainer logs beside the metrics: losses, timings, progress counters.
fn is_training_log_field(name: &str) -> bool {
    let key = id::slug(name).replace('_', "-");
    key.contains("loss")
        || key.contains("runtime")
        || key.contains("per-second")
        || ["epoch", "step", "total", "gen-len", "eval-gen-len", "learning-rate"].contains(&key.as_str())
}

fn arxiv_ids(body: &str) -> Vec<String> {
    let mut ids: Vec<String> = ARXIV_LINK.captures_iter(body).map(|c| c[1].to_string()).collect();
    ids.sort();
    ids.dedup();
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fine_tuned_sentence_with_hub_link() {
        let body = "This model is a fine-tuned version of [distilroberta-base](https://huggingface.co/distilroberta-base) on the wikiann and conll2003 dataset.";
        let mut out = ReadOutput::default();
        let prov = Provenance::default();
        let datasets = fine_tuned_from(
            "hf:x/y",
            body,
            &|c, e| prov.with_method(Method::TextPattern, c, Some(e.into())),
            &mut out,
        );
        let names: Vec<&str> = datasets.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, vec!["wikiann", "conll2003"]);
        let objects: Vec<String> = out
            .records
            .iter()
            .filter_map(|r| match r {
                Record::Relation(rel) => Some(format!("{} {}", rel.relation.as_str(), rel.object)),
                _ => None,
            })
            .collect();
        assert_eq!(
            objects,
            vec![
                "fine_tuned_from hf:distilroberta-base",
                "trained_on dataset:wikiann",
                "trained_on dataset:conll2003"
            ]
        );
    }

    #[test]
    fn unknown_dataset_and_placeholders_give_nothing() {
        assert!(split_dataset_names("None").is_empty());
        assert!(split_dataset_names("an unknown").is_empty());
        assert!(split_dataset_names("an unkown").is_empty());
        assert!(split_dataset_names("following").is_empty());
        assert!(!is_real_name("{base_model}"));
    }

    #[test]
    fn base_lines_parameter_counts_dois_and_training_data_links() {
        let body = "# M\n\n- **Base model:** [sentence-transformers/all-distilroberta-v1](https://huggingface.co/x)\n\nIt has 110M parameters.\nCite doi:10.1145/3442188.3445922.\n\n## Training data\n\nWe used [this](https://huggingface.co/datasets/rajpurkar/squad_v2).\n\n## Other\n\nhttps://huggingface.co/datasets/not/training\n";
        let mut out = ReadOutput::default();
        let prov = Provenance::default();
        let pattern = |c: f64, e: &str| prov.with_method(Method::TextPattern, c, Some(e.into()));
        base_model_lines("hf:a/b", body, &pattern, &mut out);
        parameter_count("hf:a/b", body, &pattern, &mut out);
        dois("hf:a/b", body, &pattern, &mut out);
        training_data_links("hf:a/b", body, &pattern, &mut out);
        let ids: Vec<&str> = out.records.iter().map(|r| r.id()).collect();
        assert_eq!(
            ids,
            vec![
                "rel:hf:a/b|fine_tuned_from|hf:sentence-transformers/all-distilroberta-v1",
                "hf:a/b",
                "paper:doi:10.1145/3442188.3445922",
                "rel:hf:a/b|described_in|paper:doi:10.1145/3442188.3445922",
                "rel:hf:a/b|trained_on|dataset:rajpurkar-squad_v2",
            ]
        );
        let Record::Model(m) = &out.records[1] else {
            panic!("model")
        };
        assert_eq!(m.parameters, Some(110_000_000));
    }

    #[test]
    fn two_different_parameter_counts_give_none() {
        let mut out = ReadOutput::default();
        let prov = Provenance::default();
        let pattern = |c: f64, e: &str| prov.with_method(Method::TextPattern, c, Some(e.into()));
        parameter_count(
            "hf:a/b",
            "ours has 66M parameters, BERT has 110M parameters",
            &pattern,
            &mut out,
        );
        assert!(out.records.is_empty());
    }

    #[test]
    fn training_log_fields_are_not_metrics() {
        for field in [
            "Loss",
            "eval_runtime",
            "Eval Samples Per Second",
            "epoch",
            "Step",
            "Gen Len",
            "Validation Loss",
        ] {
            assert!(is_training_log_field(field), "{field}");
        }
        for metric in ["Accuracy", "F1", "Wer", "Rouge1"] {
            assert!(!is_training_log_field(metric), "{metric}");
        }
    }

    #[test]
    fn configs_and_lists_in_the_dataset_phrase() {
        let named = split_dataset_names("mozilla-foundation/common_voice_11_0 el");
        assert_eq!(named[0].name, "mozilla-foundation/common_voice_11_0");
        assert_eq!(named[0].config.as_deref(), Some("el"));
        let names: Vec<String> = split_dataset_names("train_a, the eval_b and the eval_c")
            .into_iter()
            .map(|d| d.name)
            .collect();
        assert_eq!(names, vec!["train_a", "eval_b", "eval_c"]);
    }
}
