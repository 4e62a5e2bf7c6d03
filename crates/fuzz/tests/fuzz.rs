//! The fuzz targets. Each runs `PROPTEST_CASES` cases (256 unless set; `.ci/run` sets it) of
//! mutated real inputs and checks what must hold for every input.

use macaroni_format::Record;
use macaroni_fuzz::{mutated, reader_seeds, shared_data, PLAN_SEEDS, QUERY_SEEDS};
use macaroni_sources::{ReadContext, ReaderKind, MAX_RECORDS_PER_FILE};
use macaroni_store::{Limits, ReadOnly, SourceBatch, Store};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

fn runner() -> TestRunner {
    // Cases from PROPTEST_CASES; failures are reported with the shrunk input, not persisted
    // (a failure becomes a regression test beside the code it broke).
    TestRunner::new(Config {
        failure_persistence: None,
        ..Config::default()
    })
}

fn context() -> ReadContext {
    ReadContext {
        observed_at: "2026-12-04T00:00:00Z".into(),
        label_taxonomy: Some("coco".into()),
    }
}

/// What every reader's output must satisfy, whatever the file held.
fn check_output(
    reader: ReaderKind,
    doc: &macaroni_sources::Document,
    records: &[Record],
    warnings: &[macaroni_sources::Warning],
) -> Result<(), TestCaseError> {
    prop_assert!(
        records.len() <= MAX_RECORDS_PER_FILE,
        "{}: {} records",
        reader.name(),
        records.len()
    );
    for w in warnings {
        prop_assert_eq!(&w.file, &doc.uri, "a warning names another file");
        prop_assert!(!w.message.is_empty());
    }
    for record in records {
        let id = record.id();
        prop_assert!(!id.is_empty(), "{}: an empty id", reader.name());
        prop_assert!(
            !id.chars().any(char::is_control),
            "{}: a control character in id {:?}",
            reader.name(),
            id
        );
        if let Record::Evaluation(e) = record {
            if let Some(v) = e.numeric_value {
                prop_assert!(v.is_finite(), "{}: a non-finite value in {}", reader.name(), id);
            }
        }
    }
    Ok(())
}

#[test]
fn every_reader_reads_any_mutation_of_real_files_within_its_bounds() {
    let Some(data) = shared_data() else { return };
    for reader in ReaderKind::ALL {
        let seeds = reader_seeds(reader, &data);
        if seeds.is_empty() {
            eprintln!("no seed file for {} in {}", reader.name(), data.display());
            continue;
        }
        let template = seeds[0].clone();
        let bytes: Vec<Vec<u8>> = seeds.iter().map(|d| d.bytes.clone()).collect();
        let ctx = context();
        let result = runner().run(&mutated(bytes), |input| {
            let doc = macaroni_sources::Document {
                bytes: input,
                ..template.clone()
            };
            let out = reader.read(&doc, &ctx);
            check_output(reader, &doc, &out.records, &out.warnings)
        });
        if let Err(err) = result {
            panic!("{}: {err}", reader.name());
        }
    }
}

#[test]
fn what_a_reader_makes_of_any_input_stores_and_exports() {
    let Some(data) = shared_data() else { return };
    let ctx = context();
    for reader in [
        ReaderKind::HfCards,
        ReaderKind::HfApi,
        ReaderKind::Timm,
        ReaderKind::ModelIndex,
    ] {
        let seeds = reader_seeds(reader, &data);
        let Some(template) = seeds.first().cloned() else {
            continue;
        };
        let bytes: Vec<Vec<u8>> = seeds.iter().map(|d| d.bytes.clone()).collect();
        let mut config = Config::default();
        config.cases = (config.cases / 8).max(8);
        config.failure_persistence = None;
        let result = TestRunner::new(config).run(&mutated(bytes), |input| {
            let doc = macaroni_sources::Document {
                bytes: input,
                ..template.clone()
            };
            let out = reader.read(&doc, &ctx);
            let mut store = Store::open_in_memory().unwrap();
            let batch = SourceBatch {
                uri: doc.uri.clone(),
                records: out.records,
            };
            let applied = store.apply(std::slice::from_ref(&batch), "2026-12-04T00:00:00Z");
            prop_assert!(applied.is_ok(), "{}: {:?}", reader.name(), applied.err());
            // Stored again unchanged, nothing changes; the export reads back.
            let again = store.apply(&[batch], "2026-12-04T00:00:01Z").unwrap();
            prop_assert_eq!(again.total(macaroni_store::Change::Added), 0);
            let exported = store.export_each(None, |_| Ok(()));
            prop_assert!(exported.is_ok());
            Ok(())
        });
        if let Err(err) = result {
            panic!("{}: {err}", reader.name());
        }
    }
}

#[test]
fn the_search_language_answers_any_query_or_names_a_position() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("empty.db");
    drop(Store::open(&db).unwrap());
    let store = ReadOnly::open(&db).unwrap();
    let seeds: Vec<Vec<u8>> = QUERY_SEEDS.iter().map(|q| q.as_bytes().to_vec()).collect();
    let result = runner().run(&mutated(seeds), |input| {
        let text = String::from_utf8_lossy(&input).into_owned();
        match macaroni_query::search(&store, &text, Limits::default()) {
            Ok(_) => {}
            Err(macaroni_query::QueryError::Parse(err)) => {
                prop_assert!(
                    err.at <= text.chars().count(),
                    "position {} past the end of {:?}",
                    err.at,
                    text
                );
            }
            Err(other) => prop_assert!(
                false,
                "{text:?}: an internal error where a usage error belongs: {other}"
            ),
        }
        Ok(())
    });
    if let Err(err) = result {
        panic!("{err}");
    }
}

#[test]
fn the_inference_query_language_parses_any_text_or_names_a_position() {
    let seeds: Vec<Vec<u8>> = PLAN_SEEDS.iter().map(|q| q.as_bytes().to_vec()).collect();
    let result = runner().run(&mutated(seeds), |input| {
        let text = String::from_utf8_lossy(&input).into_owned();
        if let Err(err) = macaroni_optimize::Query::parse(&text) {
            prop_assert!(err.position <= text.len(), "{err:?} for {text:?}");
        }
        Ok(())
    });
    if let Err(err) = result {
        panic!("{err}");
    }
}

#[test]
fn the_bundle_importer_takes_any_bundle_or_names_the_line() {
    let Some(data) = shared_data() else { return };
    // A bundle of real records: what the card reader makes of a few real cards.
    let ctx = context();
    let mut records = Vec::new();
    for doc in reader_seeds(ReaderKind::HfCards, &data).iter().take(20) {
        records.extend(ReaderKind::HfCards.read(doc, &ctx).records);
    }
    let mut bundle = Vec::new();
    macaroni_format::write_bundle(&mut bundle, &records).unwrap();
    let lines: Vec<Vec<u8>> = bundle.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
    let mut config = Config::default();
    config.cases = (config.cases / 8).max(8);
    config.failure_persistence = None;
    let result = TestRunner::new(config).run(
        &(
            mutated(vec![bundle.clone()]),
            prop::collection::vec(0..lines.len(), 0..3),
        ),
        |(input, extra)| {
            let mut input = input;
            for line in extra {
                input.extend_from_slice(&lines[line]);
                input.push(b'\n');
            }
            match macaroni_format::read_bundle(input.as_slice()) {
                Ok(records) => {
                    let mut store = Store::open_in_memory().unwrap();
                    let batch = SourceBatch {
                        uri: "bundle:fuzz".into(),
                        records,
                    };
                    prop_assert!(store.apply(&[batch], "2026-12-04T00:00:00Z").is_ok());
                }
                Err(
                    macaroni_format::BundleError::Parse { line, .. } | macaroni_format::BundleError::Utf8 { line, .. },
                ) => {
                    prop_assert!(line >= 1)
                }
                Err(other) => prop_assert!(false, "{other}"),
            }
            Ok(())
        },
    );
    if let Err(err) = result {
        panic!("{err}");
    }
}
