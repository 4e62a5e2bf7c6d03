//! The facade's contract on constructed records: reads never create files, instants are
//! compared as instants, each merged attribute names its source, unknown ids come with the
//! nearest ones, and search pages cover the matches exactly once.

use macaroni_format::{Method, Model, Provenance, Record};
use macaroni_repo::{Instant, Repo, RepoError, SearchRequest, Writer};
use macaroni_store::{SourceBatch, Store};

fn model(id: &str, uri: &str, license: &str, at: &str) -> SourceBatch {
    SourceBatch {
        uri: uri.into(),
        records: vec![Record::Model(Model {
            id: id.into(),
            provenance: Provenance::declared("huggingface", uri, at),
            name: id.rsplit('/').next().map(str::to_string),
            zoo: Some("huggingface".into()),
            license: Some(license.into()),
            ..Model::default()
        })],
    }
}

#[test]
fn reads_refuse_missing_and_foreign_files_and_create_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none.db");
    assert!(matches!(Repo::open_read(&missing), Err(RepoError::Missing(_))));
    assert!(!missing.exists());
    let foreign = dir.path().join("foreign.db");
    std::fs::write(&foreign, b"SQLite format 3\0 but not really").unwrap();
    assert!(matches!(Repo::open_read(&foreign), Err(RepoError::Unreadable(_))));
    // An SQLite file of some other program.
    let other = dir.path().join("other.db");
    let conn = rusqlite::Connection::open(&other).unwrap();
    conn.execute_batch("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('mine')")
        .unwrap();
    drop(conn);
    let err = Repo::open_read(&other).err().expect("refused");
    assert!(err.to_string().contains("not a Macaroni database"), "{err}");
    let conn = rusqlite::Connection::open(&other).unwrap();
    let kept: String = conn.query_row("SELECT text FROM notes", [], |r| r.get(0)).unwrap();
    assert_eq!(kept, "mine");
}

#[test]
fn as_of_compares_instants_not_text() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("asof.db");
    let mut store = Store::open(&db).unwrap();
    store
        .apply(
            &[model("hf:acme/m", "card:acme/m", "mit", "2026-12-03T15:04:01.652Z")],
            "2026-12-03T15:04:01.652Z",
        )
        .unwrap();
    store
        .apply(
            &[model(
                "hf:acme/m",
                "card:acme/m",
                "apache-2.0",
                "2026-12-03T15:05:00.000Z",
            )],
            "2026-12-03T15:05:00.000Z",
        )
        .unwrap();
    // Written without fractional seconds: as text, `00:00Z` sorts after `00:00.000Z`.
    store
        .apply(
            &[model(
                "hf:acme/m",
                "card:acme/m",
                "bsd-3-clause",
                "2026-12-05T00:00:00Z",
            )],
            "2026-12-05T00:00:00Z",
        )
        .unwrap();
    drop(store);
    let repo = Repo::open_read(&db).unwrap();
    let license = |at: &str| -> Option<String> {
        match repo.as_of("hf:acme/m", Instant::parse(at).unwrap()) {
            Ok(doc) => match doc.merged {
                Record::Model(m) => m.license,
                _ => None,
            },
            Err(RepoError::NotFound { suggestions, .. }) => {
                assert!(suggestions.is_empty());
                None
            }
            Err(other) => panic!("{other}"),
        }
    };
    // 15:04:01Z is 652 ms before the first write, though its text sorts after it.
    assert_eq!(license("2026-12-03T15:04:01Z"), None);
    assert_eq!(license("2026-12-03T15:04:01.653Z"), Some("mit".into()));
    assert_eq!(license("2026-12-03T16:04:30+01:00"), Some("mit".into()));
    assert_eq!(license("2026-12-03T15:05:00Z"), Some("apache-2.0".into()));
    assert_eq!(license("2026-12-04"), Some("apache-2.0".into()));
    assert_eq!(license("2026-12-03"), None);
    assert_eq!(license("2026-12-05"), Some("bsd-3-clause".into()));
    assert_eq!(license("2026-12-04T23:59:59.999Z"), Some("apache-2.0".into()));
}

#[test]
fn each_merged_attribute_names_the_statement_it_comes_from() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sources.db");
    let mut writer = Writer::open_write(&db).unwrap();
    let declared = model("hf:acme/m", "card:acme/m", "mit", "2026-01-01T00:00:00Z");
    let mut extracted = model("hf:acme/m", "prose:acme/m", "gpl-3.0", "2026-02-01T00:00:00Z");
    if let Record::Model(m) = &mut extracted.records[0] {
        m.provenance.method = Method::TextPattern;
        m.provenance.confidence = 0.6;
        m.description = Some("A model.".into());
    }
    let mut records = declared.records;
    records.extend(extracted.records);
    writer.import(records, macaroni_repo::ImportMode::Add).unwrap();
    drop(writer);
    let doc = Repo::open_read(&db).unwrap().entity("hf:acme/m", false).unwrap();
    let Record::Model(merged) = &doc.merged else {
        panic!("a model")
    };
    assert_eq!(merged.license.as_deref(), Some("mit"));
    assert_eq!(doc.attribute_sources["license"].source.uri, "card:acme/m");
    assert_eq!(doc.attribute_sources["license"].method, Method::Declared);
    // Only the extracted statement says what the description is.
    assert_eq!(doc.attribute_sources["description"].source.uri, "prose:acme/m");
    assert_eq!(doc.statements.len(), 2);
}

#[test]
fn unknown_ids_come_with_the_nearest_and_pages_cover_every_match_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pages.db");
    let mut store = Store::open(&db).unwrap();
    let batches: Vec<SourceBatch> = (0..23)
        .map(|i| {
            model(
                &format!("hf:acme/model-{i:02}"),
                &format!("card:{i}"),
                "mit",
                "2026-01-01T00:00:00Z",
            )
        })
        .collect();
    store.apply(&batches, "2026-01-01T00:00:00Z").unwrap();
    drop(store);
    let repo = Repo::open_read(&db).unwrap();
    match repo.entity("hf:acme/model-7", false) {
        Err(RepoError::NotFound { suggestions, .. }) => {
            assert!(suggestions.contains(&"hf:acme/model-07".to_string()), "{suggestions:?}")
        }
        other => panic!("{:?}", other.map(|d| d.id)),
    }
    let mut seen = Vec::new();
    let mut offset = Some(0);
    while let Some(start) = offset {
        let page = repo
            .search(&SearchRequest {
                query: "zoo:huggingface sort:name".into(),
                offset: start,
                limit: Some(10),
            })
            .unwrap();
        assert_eq!(page.total, 23);
        assert!(page.total_exact);
        seen.extend(page.hits.into_iter().map(|h| h.id));
        offset = page.next_offset;
    }
    let expected: Vec<String> = (0..23).map(|i| format!("hf:acme/model-{i:02}")).collect();
    assert_eq!(seen, expected);
    let bad = repo.search(&SearchRequest {
        query: "zoo:huggingface AND (".into(),
        ..SearchRequest::default()
    });
    assert!(matches!(bad, Err(RepoError::Usage { position: Some(_), .. })));
}

#[test]
fn leaderboards_rank_in_the_metric_direction_over_every_linked_name_and_filter_exactly() {
    use macaroni_format::{DatasetRef, Evaluation, MetricRef};
    use macaroni_repo::{LeaderboardOrder, LeaderboardRequest};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("board.db");
    let at = "2026-01-01T00:00:00Z";
    let evaluation = |model: &str, dataset: &str, metric: &str, value: f64| Evaluation {
        id: format!("eval:{model}#{dataset}/{metric}/{value}"),
        provenance: Provenance::declared("huggingface", &format!("card:{model}"), at),
        model: model.into(),
        dataset: DatasetRef {
            id: Some(format!("dataset:{dataset}")),
            name: Some(dataset.into()),
            split: Some("validation".into()),
            ..DatasetRef::default()
        },
        metric: MetricRef {
            metric_type: Some(metric.into()),
            ..MetricRef::default()
        },
        value: serde_json::json!(value),
        numeric_value: Some(value),
        ..Evaluation::default()
    };
    let mut batches = Vec::new();
    for i in 0..12 {
        let id = format!("hf:acme/m{i:02}");
        let license = if i % 3 == 0 { "gpl-3.0" } else { "mit" };
        let mut batch = model(&id, &format!("card:{id}"), license, at);
        if let Record::Model(m) = &mut batch.records[0] {
            m.parameters = Some(1_000_000 * (12 - i));
        }
        // Two spellings of ImageNet-1k; the better of a model's two results counts.
        let spelling = if i % 2 == 0 { "in1k" } else { "imagenet-1k" };
        // As the readers do, each evaluated dataset is also named by a relation enrichment links.
        let named = Provenance::declared("huggingface", &format!("card:{id}"), at);
        batch.records.push(Record::Relation(macaroni_format::Relation::new(
            &id,
            macaroni_format::RelationKind::EvaluatedOn,
            &format!("dataset:{spelling}"),
            named,
        )));
        batch.records.push(Record::Relation(macaroni_format::Relation::new(
            &id,
            macaroni_format::RelationKind::LicensedUnder,
            &format!("license:{license}"),
            Provenance::declared("huggingface", &format!("card:{id}"), at),
        )));
        batch.records.push(Record::Evaluation(evaluation(
            &id,
            spelling,
            "accuracy",
            60.0 + i as f64,
        )));
        batch
            .records
            .push(Record::Evaluation(evaluation(&id, spelling, "accuracy", 50.0)));
        batch.records.push(Record::Evaluation(evaluation(
            &id,
            "imagenet-1k",
            "wer",
            30.0 - i as f64,
        )));
        batches.push(batch);
    }
    let mut writer = Writer::open_write(&db).unwrap();
    writer.store_mut().apply(&batches, at).unwrap();
    writer.enrich().unwrap();
    drop(writer);
    let repo = Repo::open_read(&db).unwrap();
    let ask = |dataset: &str, filter: &str, order, limit| {
        repo.leaderboard(&LeaderboardRequest {
            dataset: dataset.into(),
            filter: filter.into(),
            order,
            limit,
        })
        .unwrap()
    };
    let board = ask("dataset:in1k", "", LeaderboardOrder::Value, 0);
    assert_eq!(
        board.dataset, "dataset:imagenet-1k",
        "a raw name shows its canonical dataset"
    );
    let section = |metric: &str| board.sections.iter().find(|s| s.metric == metric).unwrap();
    let accuracy = section("metric:accuracy");
    assert!(accuracy.higher_is_better);
    assert_eq!(accuracy.models, 12, "both spellings are on one board");
    let best: Vec<(&str, f64, usize)> = (accuracy.rows.iter().take(3))
        .map(|r| (r.model.as_str(), r.value, r.rank))
        .collect();
    assert_eq!(
        best,
        vec![
            ("hf:acme/m11", 71.0, 1),
            ("hf:acme/m10", 70.0, 2),
            ("hf:acme/m09", 69.0, 3)
        ]
    );
    // Lower word error rates are better.
    let wer = section("metric:wer");
    assert!(!wer.higher_is_better);
    assert_eq!((wer.rows[0].model.as_str(), wer.rows[0].value), ("hf:acme/m11", 19.0));
    // The same rows as the documented view gives, per model.
    let reference = repo
        .sql(
            "SELECT model_id, MAX(numeric_value) FROM evaluation_scores
             WHERE dataset_id = 'dataset:imagenet-1k' AND metric_id = 'metric:accuracy' GROUP BY model_id",
            macaroni_store::Limits::default(),
        )
        .unwrap();
    let mut expected: Vec<(String, f64)> = (reference.rows.iter())
        .map(|r| (r[0].as_str().unwrap().to_string(), r[1].as_f64().unwrap()))
        .collect();
    let mut got: Vec<(String, f64)> = accuracy.rows.iter().map(|r| (r.model.clone(), r.value)).collect();
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    got.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(got, expected);

    // A filter keeps exactly the models the search language matches; smallest first on request.
    let filtered = ask(
        "dataset:imagenet-1k",
        "license:permissive",
        LeaderboardOrder::Parameters,
        3,
    );
    let rows = &filtered
        .sections
        .iter()
        .find(|s| s.metric == "metric:accuracy")
        .unwrap()
        .rows;
    assert_eq!(filtered.sections[0].models, 8, "the four GPL models are left out");
    let sizes: Vec<Option<i64>> = rows.iter().map(|r| r.parameters).collect();
    assert_eq!(sizes, vec![Some(1_000_000), Some(2_000_000), Some(4_000_000)]);
    assert!(rows.iter().all(|r| r.license.as_deref() == Some("mit")));
    assert_eq!(rows[0].rank, 1, "ranks stay those by value");
    assert!(matches!(
        repo.leaderboard(&LeaderboardRequest {
            dataset: "dataset:nothing-like-it".into(),
            ..Default::default()
        }),
        Err(RepoError::NotFound { .. })
    ));
}
