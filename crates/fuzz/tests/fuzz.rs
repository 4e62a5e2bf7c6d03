//! The fuzz targets. Each runs `PROPTEST_CASES` cases (256 unless set; `.ci/run` sets 1,000) of
//! mutated real inputs and checks what must hold for every input (the checks live in the
//! library, shared with the long runs of `fuzz-long`).

use macaroni_fuzz::{
    bundle_seed, check_bundle, check_plan, check_reader, check_search, check_store, context, empty_repository, mutated,
    reader_seeds, shared_data, PLAN_SEEDS, QUERY_SEEDS,
};
use macaroni_sources::{Document, ReaderKind};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// Cases from PROPTEST_CASES, divided for the slower targets; failures are reported with the
/// shrunk input, not persisted (a failure becomes a regression test beside the code it broke).
fn runner(divide: u32) -> TestRunner {
    let mut config = Config::default();
    config.cases = (config.cases / divide).max(8);
    config.failure_persistence = None;
    TestRunner::new(config)
}

fn run_on_reader_seeds(readers: &[ReaderKind], divide: u32, check: fn(ReaderKind, &Document) -> Result<(), String>) {
    let Some(data) = shared_data() else { return };
    for &reader in readers {
        let seeds = reader_seeds(reader, &data);
        let Some(first) = seeds.first() else {
            eprintln!("no seed file for {} in {}", reader.name(), data.display());
            continue;
        };
        let (uri, relative_path) = (first.uri.clone(), first.relative_path.clone());
        let bytes: Vec<Vec<u8>> = seeds.into_iter().map(|d| d.bytes).collect();
        let result = runner(divide).run(&mutated(bytes), |input| {
            let doc = Document {
                uri: uri.clone(),
                relative_path: relative_path.clone(),
                bytes: input,
            };
            let verdict = check(reader, &doc);
            prop_assert!(verdict.is_ok(), "{}", verdict.unwrap_err());
            Ok(())
        });
        if let Err(err) = result {
            panic!("{}: {err}", reader.name());
        }
    }
}

#[test]
fn every_reader_reads_any_mutation_of_real_files_within_its_bounds() {
    run_on_reader_seeds(&ReaderKind::ALL, 1, |reader, doc| check_reader(reader, doc, &context()));
}

#[test]
fn what_a_reader_makes_of_any_input_stores_and_exports() {
    let readers = [
        ReaderKind::HfCards,
        ReaderKind::HfApi,
        ReaderKind::Timm,
        ReaderKind::ModelIndex,
    ];
    run_on_reader_seeds(&readers, 8, |reader, doc| check_store(reader, doc, &context()));
}

#[test]
fn the_search_language_answers_any_query_or_names_a_position() {
    let dir = tempfile::tempdir().unwrap();
    let store = empty_repository(dir.path()).unwrap();
    let seeds: Vec<Vec<u8>> = QUERY_SEEDS.iter().map(|q| q.as_bytes().to_vec()).collect();
    let result = runner(1).run(&mutated(seeds), |input| {
        let verdict = check_search(&store, &String::from_utf8_lossy(&input));
        prop_assert!(verdict.is_ok(), "{}", verdict.unwrap_err());
        Ok(())
    });
    if let Err(err) = result {
        panic!("{err}");
    }
}

#[test]
fn the_inference_query_language_parses_any_text_or_names_a_position() {
    let seeds: Vec<Vec<u8>> = PLAN_SEEDS.iter().map(|q| q.as_bytes().to_vec()).collect();
    let result = runner(1).run(&mutated(seeds), |input| {
        let verdict = check_plan(&String::from_utf8_lossy(&input));
        prop_assert!(verdict.is_ok(), "{}", verdict.unwrap_err());
        Ok(())
    });
    if let Err(err) = result {
        panic!("{err}");
    }
}

#[test]
fn the_bundle_importer_takes_any_bundle_or_names_the_line() {
    let Some(data) = shared_data() else { return };
    let bundle = bundle_seed(&data);
    let result = runner(8).run(&mutated(vec![bundle]), |input| {
        let verdict = check_bundle(&input);
        prop_assert!(verdict.is_ok(), "{}", verdict.unwrap_err());
        Ok(())
    });
    if let Err(err) = result {
        panic!("{err}");
    }
}
