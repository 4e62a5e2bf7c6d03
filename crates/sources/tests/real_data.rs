//! Readers on the real zoo files in ../shared/data. Expected values are computed here from the
//! files themselves (own YAML/CSV/regex walks), never from the readers' output.
//!
//! Without ../shared/data these tests print a skip message and pass, except with CI=true.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use macaroni_format::{Method, Record, RelationKind};
use macaroni_sources::{collect_files, read_document, ReadContext, ReadOutput, ReaderKind, WarningKind};
use serde_json::{json, Value};

fn shared() -> Option<PathBuf> {
    macaroni_sources::shared_data_or_skip()
}

/// Reads every file a reader accepts under `folders`, keyed by file path.
fn read_all(reader: ReaderKind, folders: &[PathBuf]) -> BTreeMap<PathBuf, ReadOutput> {
    let ctx = ReadContext {
        observed_at: "2026-11-27T00:00:00Z".into(),
        label_taxonomy: None,
    };
    let (files, warnings) = collect_files(reader, folders);
    assert!(warnings.is_empty(), "walking: {warnings:?}");
    files
        .into_iter()
        .map(|(root, path)| {
            let doc = read_document(&root, &path).unwrap_or_else(|w| panic!("{}: {}", w.file, w.message));
            (path, reader.read(&doc, &ctx))
        })
        .collect()
}

fn models(out: &ReadOutput) -> impl Iterator<Item = &macaroni_format::Model> {
    out.records.iter().filter_map(|r| match r {
        Record::Model(m) => Some(m),
        _ => None,
    })
}

fn evaluations(out: &ReadOutput) -> impl Iterator<Item = &macaroni_format::Evaluation> {
    out.records.iter().filter_map(|r| match r {
        Record::Evaluation(e) => Some(e),
        _ => None,
    })
}

fn relations(out: &ReadOutput) -> impl Iterator<Item = &macaroni_format::Relation> {
    out.records.iter().filter_map(|r| match r {
        Record::Relation(rel) => Some(rel),
        _ => None,
    })
}

fn yaml(text: &str) -> Option<Value> {
    let options =
        serde_saphyr::options! { strict_booleans: true, duplicate_keys: serde_saphyr::DuplicateKeyPolicy::LastWins };
    serde_saphyr::from_str_with_options(text, options).ok()
}

#[test]
fn every_file_becomes_records_or_a_warning() {
    let Some(data) = shared() else { return };
    let plan = macaroni_sources::SHARED_DATA_LAYOUT;
    for (reader, folders) in plan {
        let folders: Vec<PathBuf> = folders.iter().map(|f| data.join(f)).collect();
        let outputs = read_all(reader, &folders);
        assert!(!outputs.is_empty(), "{} found no files", reader.name());
        for (path, out) in &outputs {
            assert!(
                !out.records.is_empty() || !out.warnings.is_empty(),
                "{}: {} gave neither records nor a warning",
                reader.name(),
                path.display()
            );
            for warning in &out.warnings {
                assert_eq!(
                    Path::new(&warning.file).file_name(),
                    path.file_name(),
                    "warning names another file"
                );
                assert!(!warning.message.is_empty());
            }
        }
    }
}

/// The front matter as the Hub finds it: optional blank lines, `---`, YAML, a `---` line.
fn front_matter(text: &str) -> Option<Value> {
    let text = text.trim_start_matches('\u{feff}').replace("\r\n", "\n");
    let re = regex::Regex::new(r"(?s)\A\s*---\n(.*?)\n---[ \t]*(?:\n|\z)").ok()?;
    let block = re.captures(&text)?.get(1)?.as_str().to_string();
    yaml(&block).filter(Value::is_object)
}

fn text_of(value: Option<&Value>) -> Value {
    match value {
        Some(Value::String(s)) if !s.trim().is_empty() => json!(s.trim()),
        Some(Value::Number(n)) => json!(n.to_string()),
        Some(Value::Bool(b)) => json!(b.to_string()),
        _ => Value::Null,
    }
}

fn raw_of(value: Option<&Value>) -> Value {
    value.cloned().unwrap_or(Value::Null)
}

/// What the card's model-index holds: one entry per metric that has a value.
fn expected_evaluations(card: &Value) -> Vec<Value> {
    let index = card.get("model-index").or_else(|| card.get("model_index"));
    let mut expected = Vec::new();
    for entry in index.and_then(Value::as_array).into_iter().flatten() {
        for result in entry.get("results").and_then(Value::as_array).into_iter().flatten() {
            let metrics: Vec<Value> = match result.get("metrics").or_else(|| result.get("metric")) {
                Some(Value::Array(items)) => items.clone(),
                Some(single @ Value::Object(_)) => vec![single.clone()],
                _ => continue,
            };
            let (task, dataset) = (result.get("task"), result.get("dataset"));
            for metric in metrics.iter().filter(|m| m.get("value").is_some()) {
                expected.push(json!({
                    "task.type": text_of(task.and_then(|t| t.get("type"))),
                    "task.name": text_of(task.and_then(|t| t.get("name"))),
                    "dataset.name": text_of(dataset.and_then(|d| d.get("name"))),
                    "dataset.type": text_of(dataset.and_then(|d| d.get("type"))),
                    "dataset.config": raw_of(dataset.and_then(|d| d.get("config"))),
                    "dataset.split": raw_of(dataset.and_then(|d| d.get("split"))),
                    "dataset.revision": raw_of(dataset.and_then(|d| d.get("revision"))),
                    "dataset.args": raw_of(dataset.and_then(|d| d.get("args"))),
                    "metric.type": text_of(metric.get("type")),
                    "metric.name": text_of(metric.get("name")),
                    "metric.config": raw_of(metric.get("config")),
                    "value": raw_of(metric.get("value")),
                    "verified": raw_of(metric.get("verified")).as_bool().map_or(Value::Null, Value::from),
                }));
            }
        }
    }
    expected
}

fn actual_evaluation(e: &macaroni_format::Evaluation) -> Value {
    let opt = |v: &Option<String>| v.as_ref().map_or(Value::Null, |s| json!(s));
    let raw = |v: &Option<Value>| v.clone().unwrap_or(Value::Null);
    json!({
        "task.type": opt(&e.task.task_type),
        "task.name": opt(&e.task.name),
        "dataset.name": opt(&e.dataset.name),
        "dataset.type": opt(&e.dataset.dataset_type),
        "dataset.config": raw(&e.dataset.config),
        "dataset.split": raw(&e.dataset.split),
        "dataset.revision": raw(&e.dataset.revision),
        "dataset.args": raw(&e.dataset.args),
        "metric.type": opt(&e.metric.metric_type),
        "metric.name": opt(&e.metric.name),
        "metric.config": raw(&e.metric.config),
        "value": e.value.clone(),
        "verified": e.verified.map_or(Value::Null, Value::from),
    })
}

fn sorted(mut items: Vec<Value>) -> Vec<String> {
    let mut out: Vec<String> = items.drain(..).map(|v| v.to_string()).collect();
    out.sort();
    out
}

#[test]
fn hf_card_evaluations_equal_the_model_index_field_by_field() {
    let Some(data) = shared() else { return };
    let outputs = read_all(ReaderKind::HfCards, &[data.join("hf-model-cards")]);
    let mut cards_with_results = 0;
    let mut total = 0;
    for (path, out) in &outputs {
        let text = String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned();
        let expected = front_matter(&text)
            .map(|card| expected_evaluations(&card))
            .unwrap_or_default();
        let declared: Vec<Value> = evaluations(out)
            .filter(|e| e.provenance.method == Method::Declared)
            .map(actual_evaluation)
            .collect();
        assert_eq!(sorted(declared), sorted(expected.clone()), "{}", path.display());
        if !expected.is_empty() {
            cards_with_results += 1;
            total += expected.len();
        }
    }
    // The folder holds many cards with results; make sure the comparison was not vacuous.
    assert!(
        cards_with_results >= 50,
        "only {cards_with_results} cards with model-index results"
    );
    assert!(total > cards_with_results, "only {total} evaluations");
}

#[test]
fn odd_model_index_values_are_kept_as_written() {
    let Some(data) = shared() else { return };
    let cards = data.join("hf-model-cards");
    let outputs = read_all(ReaderKind::HfCards, std::slice::from_ref(&cards));
    let out = |rel: &str| {
        outputs
            .get(&cards.join(rel))
            .unwrap_or_else(|| panic!("{rel} not read"))
    };

    // config: null and split: None (a string) are kept apart.
    let e: Vec<_> = evaluations(out("github-found/0132.md"))
        .filter(|e| e.provenance.method == Method::Declared)
        .collect();
    assert_eq!(e.len(), 1);
    assert!(
        e.iter()
            .all(|e| e.dataset.config.is_none() && e.dataset.split == Some(json!("None"))),
        "{e:?}"
    );

    // Values with ± are strings; their number is parsed beside them.
    let plus_minus: Vec<_> = evaluations(out("github-found/0154.md"))
        .filter(|e| e.value.is_string())
        .collect();
    assert!(!plus_minus.is_empty());
    for e in plus_minus {
        let text = e.value.as_str().unwrap();
        let lead: f64 = text.split(['±', ' ']).next().unwrap().trim().parse().unwrap();
        assert_eq!(e.numeric_value, Some(lead), "{text}");
    }

    // The huggingface_hub fixture with revision and args.
    let simple: Vec<_> = evaluations(out("huggingface_hub-fixtures/sample_simple_model_index.md")).collect();
    assert_eq!(simple.len(), 2);
    let with_args = simple.iter().find(|e| e.dataset.args.is_some()).unwrap();
    assert_eq!(with_args.dataset.args, Some(json!({"date": 20220120})));
    assert_eq!(
        with_args.dataset.revision,
        Some(json!("5503434ddd753f426f4b38109466949a1217c2bb"))
    );

    // The invalid fixture: a warning, and the card's other metadata is kept.
    let invalid = out("huggingface_hub-fixtures/sample_invalid_model_index.md");
    assert!(invalid
        .warnings
        .iter()
        .any(|w| w.kind == WarningKind::InvalidModelIndex));
    let model = models(invalid).next().expect("model kept");
    assert_eq!(model.license.as_deref(), Some("mit"));
    assert_eq!(model.library.as_deref(), Some("timm"));
    assert!(relations(invalid).any(|r| r.relation == RelationKind::TrainedOn && r.object == "dataset:beans"));

    // A YAML error is a warning, and the markdown is still read.
    let broken = out("huggingface_hub-fixtures/sample_invalid_card_data.md");
    assert!(broken.warnings.iter().any(|w| w.kind == WarningKind::NotAMapping));
    assert!(models(broken).next().and_then(|m| m.card_text.as_ref()).is_some());

    // Windows line breaks and `language: eo` read like any other card.
    let windows = out("huggingface_hub-fixtures/sample_windows_line_breaks.md");
    assert_eq!(models(windows).next().unwrap().languages, vec!["eo"]);
}

#[test]
fn tfhub_docs_map_one_to_one_onto_records() {
    let Some(data) = shared() else { return };
    let root = data.join("tfhub.dev");
    let outputs = read_all(ReaderKind::Tfhub, std::slice::from_ref(&root));
    let (mut with_asset_path, mut model_docs, mut publisher_docs, mut parent_lines) = (0, 0, 0, 0);
    for path in outputs.keys().filter(|p| p.extension().is_some_and(|e| e == "md")) {
        let text = std::fs::read_to_string(path).unwrap();
        let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        let kind = first.trim_start_matches("# ").split(' ').next().unwrap_or("");
        if ["Module", "Placeholder", "Collection", "Lite", "Tfjs", "Coral"].contains(&kind) {
            model_docs += 1;
        }
        if kind == "Publisher" {
            publisher_docs += 1;
        }
        let has = |key: &str| text.lines().any(|l| l.trim().starts_with(&format!("<!-- {key}:")));
        if has("asset-path") {
            with_asset_path += 1;
        }
        parent_lines += text
            .lines()
            .filter(|l| l.trim().starts_with("<!-- parent-model:"))
            .count();
    }
    let all = || outputs.values().flat_map(|o| o.records.iter());
    let model_records: Vec<_> = outputs.values().flat_map(models).collect();
    assert_eq!(model_records.len(), model_docs);
    assert_eq!(
        model_records.iter().filter(|m| m.asset_path.is_some()).count(),
        with_asset_path
    );
    assert_eq!(
        all().filter(|r| matches!(r, Record::Publisher(_))).count(),
        publisher_docs
    );
    let derived = outputs
        .values()
        .flat_map(relations)
        .filter(|r| r.relation == RelationKind::DerivedFrom)
        .count();
    assert_eq!(derived, parent_lines);
    assert!(with_asset_path > 1000, "{with_asset_path}");

    let task_ids = std::fs::read_to_string(root.join("tags/task.yaml"))
        .unwrap()
        .matches("- id:")
        .count();
    assert_eq!(all().filter(|r| matches!(r, Record::Task(_))).count(), task_ids);
}

#[test]
fn pytorch_hub_entrypoints_become_models() {
    let Some(data) = shared() else { return };
    let root = data.join("pytorch-hub");
    let outputs = read_all(ReaderKind::PytorchHub, &[root]);
    let literal =
        regex::Regex::new(r#"torch\.hub\.load\(\s*['"]([^'":]+)(?::[^'"]*)?['"]\s*,\s*['"]([^'"]+)['"]"#).unwrap();
    let mut expected = BTreeSet::new();
    for path in outputs.keys() {
        let text = std::fs::read_to_string(path).unwrap();
        if text.contains("<REQUIRED") {
            continue;
        }
        for caps in literal.captures_iter(&text) {
            expected.insert(format!("pytorch-hub:{}/{}", &caps[1], &caps[2]));
        }
    }
    let actual: BTreeSet<String> = outputs.values().flat_map(models).map(|m| m.id.clone()).collect();
    let missing: Vec<_> = expected.difference(&actual).collect();
    assert!(missing.is_empty(), "entrypoints not read: {missing:?}");
    assert!(expected.len() >= 100, "{}", expected.len());
    // Keyword and variable entrypoints come on top of the literal ones.
    assert!(actual.contains("pytorch-hub:snakers4/silero-vad/silero_vad"));
    assert!(actual.contains("pytorch-hub:intel-isl/MiDaS/DPT_Large"));
}

#[test]
fn timm_rows_become_evaluations_and_costs() {
    let Some(data) = shared() else { return };
    let root = data.join("timm/results");
    let outputs = read_all(ReaderKind::Timm, &[root]);
    for (path, out) in &outputs {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(path).unwrap();
        let rows = text.lines().skip(1).filter(|l| !l.trim().is_empty()).count();
        if name.starts_with("results-") {
            assert_eq!(evaluations(out).count(), 2 * rows, "{name}");
            // Spot-check the first row against the CSV cells.
            let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
            let first: Vec<&str> = text.lines().nth(1).unwrap().split(',').collect();
            let cell = |col: &str| first[header.iter().position(|h| *h == col).unwrap()];
            let top1: f64 = cell("top1").parse().unwrap();
            let model_id = format!("timm:{}", cell("model"));
            let found = evaluations(out)
                .find(|e| e.model == model_id && e.metric.metric_type.as_deref() == Some("top1"))
                .unwrap();
            assert_eq!(found.numeric_value, Some(top1), "{name}");
            // Every model listed in a results table classifies images, on the model record too.
            let models: Vec<&macaroni_format::Model> = out
                .records
                .iter()
                .filter_map(|r| match r {
                    Record::Model(m) => Some(m),
                    _ => None,
                })
                .collect();
            assert_eq!(models.len(), rows, "{name}");
            assert!(
                models.iter().all(|m| m.task.as_deref() == Some("image-classification")),
                "{name}"
            );
        } else if name.starts_with("benchmark-") {
            let costs = out
                .records
                .iter()
                .filter(|r| matches!(r, Record::CostMeasurement(_)))
                .count();
            assert_eq!(costs, rows, "{name}");
            let ids: BTreeSet<_> = out
                .records
                .iter()
                .filter(|r| matches!(r, Record::CostMeasurement(_)))
                .map(|r| r.id())
                .collect();
            assert_eq!(ids.len(), rows, "{name}: cost ids must be distinct per row");
        }
    }
}

#[test]
fn model_index_metrics_become_evaluations() {
    let Some(data) = shared() else { return };
    let folders = [data.join("mmpretrain"), data.join("timm/hfdocs")];
    let outputs = read_all(ReaderKind::ModelIndex, &folders);
    let mut total = 0;
    for (path, out) in &outputs {
        let text = std::fs::read_to_string(path).unwrap();
        let block = if path.extension().is_some_and(|e| e == "yml") {
            Some(text.clone())
        } else {
            text.split("<!--")
                .find(|b| b.trim_start().starts_with("Type: model-index"))
                .map(|b| b.split("-->").next().unwrap_or("").to_string())
        };
        let expected: usize = block
            .and_then(|b| yaml(&b))
            .and_then(|v| v.get("Models").cloned())
            .and_then(|m| m.as_array().cloned())
            .unwrap_or_default()
            .iter()
            .flat_map(|m| m.get("Results").and_then(Value::as_array).cloned().unwrap_or_default())
            .map(|r| r.get("Metrics").and_then(Value::as_object).map_or(0, |m| m.len()))
            .sum();
        assert_eq!(evaluations(out).count(), expected, "{}", path.display());
        total += expected;
    }
    assert!(total > 900, "{total}");
}

#[test]
fn hf_api_records_carry_counts_lineage_and_evaluations() {
    let Some(data) = shared() else { return };
    let outputs = read_all(ReaderKind::HfApi, &[data.join("hf-api-models/responses")]);
    for (path, out) in &outputs {
        let api: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let id = format!("hf:{}", api["id"].as_str().unwrap());
        let model = models(out)
            .find(|m| m.id == id)
            .unwrap_or_else(|| panic!("{id} missing"));
        assert_eq!(model.downloads, api.get("downloads").and_then(Value::as_u64), "{id}");
        assert_eq!(
            model.revision.as_deref(),
            api.get("sha").and_then(Value::as_str),
            "{id}"
        );
        assert_eq!(
            model.parameters,
            api.pointer("/safetensors/total").and_then(Value::as_u64),
            "{id}"
        );
        let expected_evals = api
            .pointer("/cardData/model-index")
            .map_or(0, |mi| expected_evaluations(&json!({"model-index": mi})).len());
        assert_eq!(evaluations(out).count(), expected_evals, "{id}");
        for tag in api
            .get("tags")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            let parts: Vec<&str> = tag.splitn(3, ':').collect();
            if parts.len() == 3 && parts[0] == "base_model" {
                let base = format!("hf:{}", parts[2]);
                assert!(
                    relations(out).any(|r| r.relation.is_lineage() && r.object == base),
                    "{id}: {tag}"
                );
            }
        }
    }
}

#[test]
fn evaluation_tables_in_prose_become_parsed_table_evaluations() {
    let Some(data) = shared() else { return };
    let card = data.join("hf-model-cards/transformers-model_cards/model_cards/Helsinki-NLP/opus-mt-en-de/README.md");
    let outputs = read_all(ReaderKind::HfCards, std::slice::from_ref(&card));
    let out = outputs.values().next().unwrap();
    // The card's Benchmarks table, read here line by line: `| testset | BLEU | chr-F |`.
    let text = std::fs::read_to_string(&card).unwrap();
    let rows: Vec<Vec<String>> = text
        .split("## Benchmarks")
        .nth(1)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with('|') && !l.contains("---") && !l.contains("testset"))
        .map(|l| l.trim_matches('|').split('|').map(|c| c.trim().to_string()).collect())
        .collect();
    let parsed: Vec<_> = evaluations(out)
        .filter(|e| e.provenance.method == Method::ParsedTable)
        .collect();
    assert_eq!(parsed.len(), 2 * rows.len());
    for row in &rows {
        for (metric, cell) in [("bleu", &row[1]), ("chr-f", &row[2])] {
            let found = parsed
                .iter()
                .find(|e| {
                    e.dataset.name.as_deref() == Some(row[0].as_str())
                        && e.metric.metric_type.as_deref() == Some(metric)
                })
                .unwrap_or_else(|| panic!("{} {metric} missing", row[0]));
            assert_eq!(found.numeric_value, Some(cell.parse::<f64>().unwrap()));
        }
    }
}

#[test]
fn onnx_exports_name_their_source_models() {
    let Some(data) = shared() else { return };
    let outputs = read_all(ReaderKind::Onnx, &[data.join("onnx-model-zoo")]);
    let mut exports = 0;
    for (path, out) in &outputs {
        let text = std::fs::read_to_string(path).unwrap();
        if path.ends_with("ONNX_HUB_MANIFEST.json") {
            let entries: Vec<Value> = serde_json::from_str(&text).unwrap();
            assert_eq!(models(out).count(), entries.len());
            continue;
        }
        exports += 1;
        let field = |key: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("{key}: ")))
                .map(str::trim)
        };
        let (author, name) = (field("author").unwrap(), field("model_name").unwrap());
        let model = models(out).next().expect("one model per export");
        assert_eq!(model.name.as_deref(), Some(name));
        assert_eq!(model.parameters, field("parameters").and_then(|p| p.parse().ok()));
        let derived: Vec<_> = relations(out)
            .filter(|r| r.relation == RelationKind::DerivedFrom)
            .map(|r| r.object.clone())
            .collect();
        match author {
            "timm" => assert_eq!(derived, vec![format!("timm:{name}")]),
            "torchvision" => assert_eq!(derived, vec![format!("pytorch-hub:pytorch/vision/{name}")]),
            _ => assert!(derived.is_empty()),
        }
    }
    assert!(exports > 400, "{exports}");
}
