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
    let mut found: Vec<String> = macaroni_query::search(store, query, Limits::unbounded())
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

/// Sorting by a metric takes a shortcut through the value index when many models have the metric;
/// it must return exactly what the full query returns, on every scale and with ties.
#[test]
fn sorting_by_a_metric_from_the_top_of_the_index_matches_the_full_query() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sorted.db");
    let mut store = Store::open(&db).unwrap();
    let mut state = 7u64;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        state >> 33
    };
    let mut batches = Vec::new();
    for i in 0..2_500 {
        // Values 50–99.x on three written scales, rounded to one decimal so that ties occur.
        let percent = 50.0 + (next() % 500) as f64 / 10.0;
        let (value, numeric) = match i % 3 {
            0 => (json!(percent / 100.0), percent / 100.0),
            1 => (json!(percent), percent),
            _ => (json!(format!("{percent}%")), percent),
        };
        let name = format!("m{i:04}");
        let mut records = model_with_accuracy(&name, value, numeric);
        if let Record::Model(model) = &mut records[0] {
            model.zoo = Some(if i % 2 == 0 { "huggingface" } else { "timm" }.into());
        }
        batches.push(SourceBatch {
            uri: format!("test:{name}"),
            records,
        });
    }
    store.apply(&batches, "2026-11-27T00:00:00Z").unwrap();
    drop(store);
    let store = ReadOnly::open(&db).unwrap();
    let enricher = macaroni_enrich::Enricher::shared().unwrap();
    let catalog = macaroni_query::StoreCatalog::new(&store, Limits::unbounded());
    for text in [
        "sort:accuracy@glue",
        "sort:accuracy@glue limit:120",
        "zoo:huggingface sort:accuracy@glue",
        "zoo:timm accuracy@glue<80 sort:accuracy@glue limit:30",
    ] {
        let query = macaroni_query::parse(text).unwrap();
        // The shortcut applies here: the index names a floor.
        let probe = macaroni_query::sort_floor_probe(&query, enricher, &catalog, 1_000).unwrap();
        let floor = store
            .query(&probe.sql, &probe.params, Limits::unbounded())
            .unwrap()
            .rows[0][0]
            .as_f64();
        assert!(floor.is_some(), "{text}");
        let full = macaroni_query::compile_with(&query, enricher, &catalog);
        let expected: Vec<Value> = store
            .query(&full.sql, &full.params, Limits::unbounded())
            .unwrap()
            .rows
            .iter()
            .map(|r| r[0].clone())
            .collect();
        let found: Vec<Value> = macaroni_query::search(&store, text, Limits::unbounded())
            .unwrap()
            .rows
            .iter()
            .map(|r| r[0].clone())
            .collect();
        assert_eq!(found, expected, "{text}");
        assert_eq!(found.len(), query.limit, "{text}");
    }
}

/// Full text ranked by relevance keeps only the best-ranked matches before joining models; it
/// must return exactly what the full query returns, including when other entities (datasets)
/// share the words, when filters thin the prefix out, and when it falls back.
#[test]
fn ranked_text_from_a_prefix_of_the_matches_equals_the_full_query() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("text.db");
    let mut store = Store::open(&db).unwrap();
    let mut batches = Vec::new();
    for i in 0..1_500 {
        let prov = Provenance::declared("huggingface", &format!("test:m{i}"), "2026-11-27T00:00:00Z");
        // Repeated words raise the rank; i % 5 makes many ties.
        let mut words = vec!["alpha"; 1 + i % 5];
        if i % 3 == 0 {
            words.push("beta");
        }
        if i % 7 == 0 {
            words.push("gamma");
        }
        let model = Model {
            id: format!("hf:test/m{i:04}"),
            provenance: prov,
            name: Some(format!("m{i:04}")),
            zoo: Some(if i % 2 == 0 { "huggingface" } else { "timm" }.into()),
            description: Some(words.join(" ")),
            ..Model::default()
        };
        batches.push(SourceBatch {
            uri: format!("test:m{i}"),
            records: vec![Record::Model(model)],
        });
    }
    for i in 0..300 {
        let prov = Provenance::declared("huggingface", &format!("test:d{i}"), "2026-11-27T00:00:00Z");
        let dataset = macaroni_format::Dataset {
            id: format!("dataset:d{i}"),
            provenance: prov,
            name: Some(format!("set {i}")),
            description: Some("alpha alpha beta gamma".into()),
            ..macaroni_format::Dataset::default()
        };
        batches.push(SourceBatch {
            uri: format!("test:d{i}"),
            records: vec![Record::Dataset(dataset)],
        });
    }
    store.apply(&batches, "2026-11-27T00:00:00Z").unwrap();
    drop(store);
    let store = ReadOnly::open(&db).unwrap();
    let enricher = macaroni_enrich::Enricher::shared().unwrap();
    let catalog = macaroni_query::StoreCatalog::new(&store, Limits::unbounded());
    let mut prefix_sufficed = 0;
    for text in [
        "alpha",
        "alpha beta",
        "alpha beta limit:100",
        "alpha zoo:timm",
        "gamma zoo:huggingface limit:5",
        "beta gamma limit:200",
        "alpha beta zoo:timm limit:300",
    ] {
        let query = macaroni_query::parse(text).unwrap();
        let full = macaroni_query::compile_with(&query, enricher, &catalog);
        let expected: Vec<Value> = (store
            .query(&full.sql, &full.params, Limits::unbounded())
            .unwrap()
            .rows
            .iter())
        .map(|r| r[0].clone())
        .collect();
        let prefix = macaroni_query::compile_text_prefix(&query, enricher, &catalog, 200).unwrap();
        let from_prefix = store
            .query(&prefix.sql, &prefix.params, Limits::unbounded())
            .unwrap()
            .rows
            .len();
        prefix_sufficed += usize::from(from_prefix >= query.limit);
        let found: Vec<Value> = (macaroni_query::search(&store, text, Limits::unbounded())
            .unwrap()
            .rows
            .iter())
        .map(|r| r[0].clone())
        .collect();
        assert_eq!(found, expected, "{text}");
        assert!(!found.is_empty(), "{text}");
    }
    // Both paths are exercised: answered from the prefix, and fallen back to the full query.
    assert!((3..7).contains(&prefix_sufficed), "{prefix_sufficed}");
}

/// Counts and facets run over match sets; when a relation term drives one from the relations
/// index, it must hold exactly the models the full query finds, and stop at its cap.
#[test]
fn match_sets_driven_by_a_relation_hold_exactly_what_the_full_query_finds() {
    use macaroni_format::{Relation, RelationKind};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sets.db");
    let mut store = Store::open(&db).unwrap();
    let mut batches = Vec::new();
    for i in 0..3_000u64 {
        let uri = format!("test:s{i}");
        let prov = Provenance::declared("huggingface", &uri, "2026-11-27T00:00:00Z");
        let id = format!("hf:org{}/s{i:04}", i % 7);
        let mut records = vec![Record::Model(Model {
            id: id.clone(),
            provenance: prov.clone(),
            name: Some(format!("s{i:04}")),
            zoo: Some(if i % 3 == 0 { "timm" } else { "huggingface" }.into()),
            parameters: Some(1_000_000 * (i % 100 + 1)),
            ..Model::default()
        })];
        let task = if i % 4 == 0 {
            "task:text-classification"
        } else {
            "task:fill-mask"
        };
        let license = ["license:mit", "license:apache-2.0", "license:gpl-3.0"][(i % 3) as usize];
        let publisher = format!("publisher:hf/org{}", i % 7);
        for (kind, object) in [
            (RelationKind::ImplementsTask, task.to_string()),
            (RelationKind::LicensedUnder, license.to_string()),
            (RelationKind::PublishedBy, publisher),
        ] {
            records.push(Record::Relation(Relation::new(&id, kind, &object, prov.clone())));
        }
        // Some models state a second permissive license: a walk of the license relation must not
        // count them twice.
        if i % 10 == 0 && license == "license:mit" {
            records.push(Record::Relation(Relation::new(
                &id,
                RelationKind::LicensedUnder,
                "license:apache-2.0",
                prov.clone(),
            )));
        }
        batches.push(SourceBatch { uri, records });
    }
    store.apply(&batches, "2026-11-27T00:00:00Z").unwrap();
    drop(store);
    let store = ReadOnly::open(&db).unwrap();
    let enricher = macaroni_enrich::Enricher::shared().unwrap();
    let catalog = macaroni_query::StoreCatalog::new(&store, Limits::unbounded());
    let ids = |compiled: &macaroni_query::Compiled| -> std::collections::BTreeSet<String> {
        let rows = store
            .query(&compiled.sql, &compiled.params, Limits::unbounded())
            .unwrap();
        let set: std::collections::BTreeSet<String> =
            rows.rows.iter().map(|r| r[0].as_str().unwrap().to_string()).collect();
        assert_eq!(set.len(), rows.rows.len(), "a model listed twice: {}", compiled.sql);
        set
    };
    let mut driven = 0;
    for text in [
        "task:text-classification",
        "task:text-classification license:permissive",
        "license:mit zoo:timm",
        "task:fill-mask params<50M",
        "publisher:org3 task:text-classification",
        "task:text-classification NOT license:mit",
        "task:fill-mask (zoo:timm OR license:gpl-3.0)",
        "license:permissive params<50M",
        "zoo:timm params>20M",
    ] {
        let mut query = macaroni_query::parse(text).unwrap();
        query.limit = 100_000;
        let full = ids(&macaroni_query::compile_with(&query, enricher, &catalog));
        let set = macaroni_query::compile_match_set(&query, enricher, &catalog, 100_000);
        driven += usize::from(set.sql.contains("FROM relations r CROSS JOIN models m"));
        assert_eq!(ids(&set), full, "{text}");
        assert!(!full.is_empty(), "{text}");
        // Capped: exactly the cap when more match.
        let capped = ids(&macaroni_query::compile_match_set(&query, enricher, &catalog, 50));
        assert_eq!(capped.len(), full.len().min(50), "{text}");
        assert!(capped.is_subset(&full), "{text}");
    }
    assert_eq!(driven, 8, "every query with a relation term is driven by it");
}
