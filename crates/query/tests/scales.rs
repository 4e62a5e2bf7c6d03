//! Evaluation predicates on fraction metrics compare on the percent scale whichever way the source
//! wrote the value: as a fraction (0.91), as a percentage number (91) or as a string with `%`
//! ("91%"). Constructed records, because the real files never put all three side by side.

use macaroni_format::{DatasetRef, Evaluation, MetricRef, Model, Provenance, Record};
use macaroni_store::{Limits, ReadOnly, SourceBatch, Store};
use serde_json::{json, Value};

fn model_with_accuracy(name: &str, value: Value, numeric: f64) -> Vec<Record> {
    let prov = Provenance::declared("huggingface", &format!("test:{name}"), "2026-11-27T00:00:00Z");
    let id = format!("hf:test/{name}");
    vec![
        Record::Model(Model {
            id: id.clone(),
            provenance: prov.clone(),
            name: Some(name.into()),
            ..Model::default()
        }),
        Record::Evaluation(Evaluation {
            id: format!("eval:{name}"),
            provenance: prov,
            model: id,
            dataset: DatasetRef {
                id: Some("dataset:glue".into()),
                ..DatasetRef::default()
            },
            metric: MetricRef {
                metric_type: Some("accuracy".into()),
                ..MetricRef::default()
            },
            value,
            numeric_value: Some(numeric),
            ..Evaluation::default()
        }),
    ]
}

fn ids(store: &ReadOnly, query: &str) -> Vec<String> {
    let mut found: Vec<String> = macaroni_query::search(store, query, Limits::default())
        .unwrap()
        .objects()
        .iter()
        .filter_map(|row| {
            row.get("id")?
                .as_str()
                .map(|id| id.trim_start_matches("hf:test/").to_string())
        })
        .collect();
    found.sort();
    found
}

#[test]
fn fraction_metrics_compare_on_the_percent_scale() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("scales.db");
    let mut store = Store::open(&db).unwrap();
    let models = [
        ("fraction-91", json!(0.91), 0.91),
        ("fraction-85", json!(0.85), 0.85),
        ("percent-91", json!(91.0), 91.0),
        ("percent-85", json!(85.0), 85.0),
        ("string-91", json!("91%"), 91.0),
        ("string-half", json!("0.5%"), 0.5),
    ];
    let batches: Vec<SourceBatch> = models
        .iter()
        .map(|(name, value, numeric)| SourceBatch {
            uri: format!("test:{name}"),
            records: model_with_accuracy(name, value.clone(), *numeric),
        })
        .collect();
    store.apply(&batches, "2026-11-27T00:00:00Z").unwrap();
    drop(store);
    let store = ReadOnly::open(&db).unwrap();
    let at_least_90 = ["fraction-91", "percent-91", "string-91"];
    assert_eq!(ids(&store, "accuracy@glue>=90"), at_least_90);
    assert_eq!(ids(&store, "accuracy@glue>=0.9"), at_least_90);
    assert_eq!(ids(&store, "accuracy@glue>90%"), at_least_90);
    assert_eq!(
        ids(&store, "accuracy@glue<90"),
        ["fraction-85", "percent-85", "string-half"]
    );
    assert_eq!(
        ids(&store, "accuracy@glue<=0.85"),
        ["fraction-85", "percent-85", "string-half"]
    );
    // 1 alone would mean 100 % (a value up to 1 is read as a fraction); `1%` is one percent.
    assert_eq!(ids(&store, "accuracy@glue<1%"), ["string-half"]);
    assert_eq!(ids(&store, "accuracy@glue<1").len(), models.len());
    assert_eq!(
        ids(&store, "accuracy@glue>0.5 accuracy@glue<86"),
        ["fraction-85", "percent-85"]
    );
}
