//! Store behaviour on small hand-made records: idempotence, versioning, removal, as-of, export.

use macaroni_format::{id, Evaluation, Method, Model, Provenance, Record, Relation, RelationKind};
use macaroni_store::{Category, Change, SourceBatch, Store};
use serde_json::json;

const URI: &str = "/cards/acme/tiny/README.md";

fn card(license: &str, value: f64, observed_at: &str) -> SourceBatch {
    let prov = Provenance::declared("huggingface", URI, observed_at);
    let model = Model {
        id: id::hf_model("acme/tiny"),
        provenance: prov.clone(),
        name: Some("tiny".into()),
        license: Some(license.into()),
        ..Model::default()
    };
    let eval = Evaluation {
        id: id::evaluation(
            "hf:acme/tiny",
            &[Some("text-classification"), Some("sst2"), Some("accuracy")],
        ),
        provenance: prov.clone(),
        model: "hf:acme/tiny".into(),
        value: json!(value),
        numeric_value: Some(value),
        ..Evaluation::default()
    };
    let rel = Relation::new("hf:acme/tiny", RelationKind::LicensedUnder, &id::license(license), prov);
    SourceBatch {
        uri: URI.into(),
        records: vec![Record::Model(model), Record::Evaluation(eval), Record::Relation(rel)],
    }
}

#[test]
fn same_input_twice_changes_nothing() {
    let mut store = Store::open_in_memory().unwrap();
    let first = store
        .apply(&[card("mit", 0.9, "2026-01-01T00:00:00Z")], "2026-01-01T00:00:00Z")
        .unwrap();
    assert_eq!(first.count(Category::Entities, Change::Added), 1);
    assert_eq!(first.count(Category::Evaluations, Change::Added), 1);
    assert_eq!(first.count(Category::Relations, Change::Added), 1);
    // A later run observes the same facts at a later time: nothing is added or updated.
    let second = store
        .apply(&[card("mit", 0.9, "2026-02-01T00:00:00Z")], "2026-02-01T00:00:00Z")
        .unwrap();
    assert_eq!(
        second.total(Change::Added) + second.total(Change::Updated) + second.total(Change::Removed),
        0
    );
    assert_eq!(second.total(Change::Unchanged), 3);
    assert_eq!(store.stats().unwrap().facts_history, 0);
}

#[test]
fn changed_value_is_versioned_and_answerable_as_of() {
    let mut store = Store::open_in_memory().unwrap();
    store
        .apply(&[card("mit", 0.9, "2026-01-01T00:00:00Z")], "2026-01-01T00:00:00Z")
        .unwrap();
    let summary = store
        .apply(
            &[card("apache-2.0", 0.9, "2026-03-01T00:00:00Z")],
            "2026-03-01T00:00:00Z",
        )
        .unwrap();
    assert_eq!(summary.count(Category::Entities, Change::Updated), 1);
    // The old relation (licensed_under mit) is gone from the source, the new one added.
    assert_eq!(summary.count(Category::Relations, Change::Removed), 1);
    assert_eq!(summary.count(Category::Relations, Change::Added), 1);

    let now = store.merged("hf:acme/tiny").unwrap().unwrap();
    let Record::Model(now) = now else { panic!("not a model") };
    assert_eq!(now.license.as_deref(), Some("apache-2.0"));

    let before = store
        .merged_as_of("hf:acme/tiny", "2026-02-01T00:00:00Z")
        .unwrap()
        .unwrap();
    let Record::Model(before) = before else {
        panic!("not a model")
    };
    assert_eq!(before.license.as_deref(), Some("mit"));

    let license_versions: Vec<_> = store
        .history("hf:acme/tiny")
        .unwrap()
        .into_iter()
        .filter(|v| v.field == "license")
        .collect();
    assert_eq!(license_versions.len(), 2);
    assert_eq!(license_versions[0].value, json!("mit"));
    assert_eq!(license_versions[0].valid_to.as_deref(), Some("2026-03-01T00:00:00Z"));
    assert_eq!(license_versions[1].valid_to, None);
}

#[test]
fn declared_value_outranks_extracted_one() {
    let mut store = Store::open_in_memory().unwrap();
    let declared = Provenance::declared("huggingface", "/a.md", "2026-01-01T00:00:00Z");
    let extracted = declared.with_method(Method::TextPattern, 0.9, Some("prose".into()));
    let model = |prov: Provenance, params: u64| {
        Record::Model(Model {
            id: "hf:x/y".into(),
            provenance: prov,
            parameters: Some(params),
            ..Model::default()
        })
    };
    let batch = SourceBatch {
        uri: "/a.md".into(),
        records: vec![model(extracted, 7), model(declared, 110)],
    };
    store.apply(&[batch], "2026-01-01T00:00:00Z").unwrap();
    let Some(Record::Model(merged)) = store.merged("hf:x/y").unwrap() else {
        panic!("missing")
    };
    assert_eq!(merged.parameters, Some(110));
    // Both statements are kept: the conflict is visible, not dropped.
    assert_eq!(store.view("hf:x/y").unwrap().unwrap().statements.len(), 2);
}

#[test]
fn export_import_export_is_identical() {
    let mut store = Store::open_in_memory().unwrap();
    store
        .apply(&[card("mit", 0.9, "2026-01-01T00:00:00Z")], "2026-01-01T00:00:00Z")
        .unwrap();
    let mut first = Vec::new();
    store
        .export_each(None, |r| {
            first.push(r);
            Ok(())
        })
        .unwrap();

    let mut copy = Store::open_in_memory().unwrap();
    let mut by_source: std::collections::BTreeMap<String, Vec<Record>> = Default::default();
    for record in &first {
        by_source
            .entry(record.provenance().source.uri.clone())
            .or_default()
            .push(record.clone());
    }
    let batches: Vec<SourceBatch> = by_source
        .into_iter()
        .map(|(uri, records)| SourceBatch { uri, records })
        .collect();
    copy.apply(&batches, "2026-05-01T00:00:00Z").unwrap();
    let mut second = Vec::new();
    copy.export_each(None, |r| {
        second.push(r);
        Ok(())
    })
    .unwrap();
    assert_eq!(first, second);
    assert_eq!(first.len(), 3);
}

#[test]
fn reopening_keeps_data_and_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    let mut store = Store::open(&path).unwrap();
    store
        .apply(&[card("mit", 0.9, "2026-01-01T00:00:00Z")], "2026-01-01T00:00:00Z")
        .unwrap();
    drop(store);
    // Reopening migrates nothing and keeps the data.
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), macaroni_store::SCHEMA_VERSION);
    assert_eq!(store.stats().unwrap().kinds.get("model"), Some(&1));
}

#[test]
fn full_text_follows_the_current_card_text() {
    let mut store = Store::open_in_memory().unwrap();
    let model = |text: &str, at: &str| SourceBatch {
        uri: URI.into(),
        records: vec![Record::Model(Model {
            id: "hf:acme/tiny".into(),
            provenance: Provenance::declared("huggingface", URI, at),
            name: Some("tiny".into()),
            card_text: Some(text.into()),
            ..Model::default()
        })],
    };
    store
        .apply(
            &[model(
                "A sentiment classifier for movie reviews.",
                "2026-01-01T00:00:00Z",
            )],
            "2026-01-01T00:00:00Z",
        )
        .unwrap();
    let hits = store.search_text("sentiment", 10).unwrap();
    assert_eq!(hits, vec![("hf:acme/tiny".to_string(), "model".to_string())]);
    store
        .apply(
            &[model("A summariser for news articles.", "2026-02-01T00:00:00Z")],
            "2026-02-01T00:00:00Z",
        )
        .unwrap();
    assert!(store.search_text("sentiment", 10).unwrap().is_empty());
    assert_eq!(store.search_text("summariser", 10).unwrap().len(), 1);
}

#[test]
fn two_batches_of_one_source_in_one_call_are_merged() {
    let mut store = Store::open_in_memory().unwrap();
    let mut first = card("mit", 0.9, "2026-01-01T00:00:00Z");
    let second = SourceBatch {
        uri: URI.into(),
        records: first.records.split_off(1),
    };
    store.apply(&[first, second], "2026-01-01T00:00:00Z").unwrap();
    let stats = store.stats().unwrap();
    assert_eq!(stats.kinds.get("model"), Some(&1));
    assert_eq!(stats.kinds.get("evaluation"), Some(&1));
}
