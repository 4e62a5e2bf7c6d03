//! The Hugging Face crawler against a local server that speaks the Hub's API: real `/api/models`
//! bodies from ../shared/data/hf-api-models served as a paginated listing (cursor in the `Link`
//! header) and real cards from ../shared/data/hf-model-cards as each model's README.md, with
//! injected faults (429 + Retry-After, 500s, slow and truncated responses) and `kill -9`.

mod fixture;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use fixture::{options, serve, zoo, Faults};
use macaroni_crawl::{crawl, Fetcher, Politeness};
use macaroni_sources::shared_data_or_skip;
use macaroni_store::Store;

fn fast() -> Politeness {
    Politeness {
        min_interval: Duration::ZERO,
        backoff_base: Duration::from_millis(2),
        backoff_max: Duration::from_millis(20),
        timeout: Duration::from_secs(10),
        ..Politeness::default()
    }
}

fn run(db: &Path, addr: SocketAddr, page_size: usize) -> macaroni_crawl::CrawlReport {
    let mut store = Store::open(db).unwrap();
    let options = options(addr, page_size);
    let fetcher = Fetcher::new(&options.endpoint, None, fast()).unwrap();
    crawl(&mut store, &fetcher, &options, &mut |_| {}).unwrap()
}

/// Every stored record as JSON, with the server's address taken out (two servers, two ports).
fn dump(db: &Path, addr: SocketAddr) -> Vec<String> {
    let store = Store::open(db).unwrap();
    let mut records = Vec::new();
    store
        .export_each(None, |record| {
            records.push(
                serde_json::to_string(&record)
                    .unwrap()
                    .replace(&addr.to_string(), "SERVER"),
            );
            Ok(())
        })
        .unwrap();
    records.sort();
    records
}

#[test]
fn injected_faults_end_in_the_same_database_as_a_clean_crawl() {
    let Some(data) = shared_data_or_skip() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let clean = serve(Arc::new(zoo(&data, Faults::default())));
    let faulty_zoo = Arc::new(zoo(&data, Faults { every: 3, delay_ms: 0 }));
    let faulty = serve(faulty_zoo.clone());
    let first = run(&dir.join("clean.db"), clean, 4);
    let second = run(&dir.join("faulty.db"), faulty, 4);
    assert!(
        first.failures.is_empty() && second.failures.is_empty(),
        "{:?}",
        second.failures
    );
    assert_eq!(first.models_listed, faulty_zoo.models.len());
    assert_eq!(first.cards_fetched, faulty_zoo.models.len());
    assert!(
        faulty_zoo.requests.load(Ordering::SeqCst) > first.pages + first.cards_fetched,
        "no fault was injected"
    );
    assert_eq!(dump(&dir.join("clean.db"), clean), dump(&dir.join("faulty.db"), faulty));
}

#[test]
fn a_second_crawl_of_an_unchanged_zoo_downloads_no_card() {
    let Some(data) = shared_data_or_skip() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let fixture = Arc::new(zoo(&data, Faults::default()));
    let addr = serve(fixture.clone());
    let db = dir.join("twice.db");
    let first = run(&db, addr, 5);
    let cards_after_first = fixture.card_requests.load(Ordering::SeqCst);
    assert_eq!(cards_after_first, fixture.models.len());
    let before = dump(&db, addr);
    let second = run(&db, addr, 5);
    assert_eq!(
        fixture.card_requests.load(Ordering::SeqCst),
        cards_after_first,
        "a card was requested again"
    );
    assert_eq!(second.models_unchanged, first.models_listed);
    assert_eq!(second.models_stored, 0);
    assert_eq!(dump(&db, addr), before);
}

/// Runs in a child process (see `kill_9_at_random_moments_always_resumes_to_the_same_database`).
#[test]
#[ignore = "a helper the kill -9 test runs in a child process"]
fn child_crawl() {
    let (Ok(db), Ok(addr)) = (std::env::var("CRAWL_CHILD_DB"), std::env::var("CRAWL_CHILD_ADDR")) else {
        return;
    };
    run(Path::new(&db), addr.parse().unwrap(), 3);
}

#[test]
fn kill_9_at_random_moments_always_resumes_to_the_same_database() {
    let Some(data) = shared_data_or_skip() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let reference = serve(Arc::new(zoo(&data, Faults::default())));
    run(&dir.join("reference.db"), reference, 3);
    let expected = dump(&dir.join("reference.db"), reference);
    let slow = Arc::new(zoo(&data, Faults { every: 0, delay_ms: 10 }));
    let addr = serve(slow);
    // How long an uninterrupted crawl takes in a child process, to kill inside that window.
    let timing = dir.join("timing.db");
    let started = std::time::Instant::now();
    spawn_child(&timing, addr).wait().unwrap();
    let window = started.elapsed().as_millis() as u64;
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut kills = 0;
    let mut trial = 0;
    // Trials until at least 20 crashes happened mid-crawl (each trial checks the result).
    while kills < 20 && trial < 40 {
        trial += 1;
        let db = dir.join(format!("killed-{trial}.db"));
        // Up to three crashes in a row, each at a random moment, then a run to the end.
        for _ in 0..3 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mut child = spawn_child(&db, addr);
            std::thread::sleep(Duration::from_millis(5 + seed % window.max(10)));
            if child.try_wait().unwrap().is_none() {
                child.kill().unwrap(); // SIGKILL on Unix
                kills += 1;
            }
            child.wait().unwrap();
        }
        run(&db, addr, 3);
        assert_eq!(dump(&db, addr), expected, "trial {trial}: the resumed crawl differs");
    }
    assert!(kills >= 20, "only {kills} runs were killed mid-crawl in {trial} trials");
}

fn spawn_child(db: &Path, addr: SocketAddr) -> std::process::Child {
    std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "child_crawl", "--nocapture"])
        .env("CRAWL_CHILD_DB", db)
        .env("CRAWL_CHILD_ADDR", addr.to_string())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn datasets_are_crawled_into_dataset_entities_and_skipped_when_unchanged() {
    let Some(data) = shared_data_or_skip() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let fixture = Arc::new(zoo(&data, Faults { every: 4, delay_ms: 0 }));
    let addr = serve(fixture.clone());
    let db = tmp.path().join("datasets.db");
    let mut options = options(addr, 4);
    options.datasets = true;
    let crawl_once = || {
        let mut store = Store::open(&db).unwrap();
        let fetcher = Fetcher::new(&options.endpoint, None, fast()).unwrap();
        crawl(&mut store, &fetcher, &options, &mut |_| {}).unwrap()
    };
    let first = crawl_once();
    assert_eq!(first.models_listed, fixture.datasets.len());
    assert_eq!(first.cards_fetched, fixture.datasets.len());
    assert!(first.failures.is_empty(), "{:?}", first.failures);
    let store = Store::open(&db).unwrap();
    let mut stored = Vec::new();
    store
        .export_each(Some(macaroni_format::Kind::Dataset), |record| {
            stored.push(record);
            Ok(())
        })
        .unwrap();
    // One dataset per card (API record and card merge into one entity), licensed as the card says.
    for (id, text) in &fixture.dataset_cards {
        let dataset_id = macaroni_format::id::dataset(id);
        let view = store
            .view(&dataset_id)
            .unwrap()
            .unwrap_or_else(|| panic!("{dataset_id} missing"));
        let merged = serde_json::to_value(&view.merged).unwrap();
        // The card's own `license:` line (a YAML comment and quotes are not part of the value).
        let declared = (text.lines())
            .find_map(|l| l.strip_prefix("license: "))
            .map(|v| v.split(" #").next().unwrap_or(v).trim().trim_matches('"'));
        if let (Some(license), false) = (declared, text.contains('\t')) {
            assert_eq!(merged["license"], license, "{dataset_id}");
        }
    }
    assert!(stored.len() >= fixture.datasets.len());
    let requests = fixture.card_requests.load(Ordering::SeqCst);
    let again = crawl_once();
    assert_eq!(again.models_unchanged, fixture.datasets.len());
    assert_eq!(fixture.card_requests.load(Ordering::SeqCst), requests);
}

/// `dir` as a `.tar.gz` with one top folder, the way GitHub serves a repository.
fn tarball_of(dir: &Path, top: &str) -> Vec<u8> {
    let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut builder = tar::Builder::new(encoder);
    builder.append_dir_all(top, dir).unwrap();
    builder.into_inner().unwrap().finish().unwrap()
}

/// What a reader makes of documents, with each record's source location taken out (a checkout
/// and a tarball name the same file differently).
fn records_of(reader: macaroni_sources::ReaderKind, documents: &[macaroni_sources::Document]) -> Vec<String> {
    let ctx = macaroni_sources::ReadContext {
        observed_at: "2026-11-27T00:00:00Z".into(),
        label_taxonomy: None,
    };
    let mut out: Vec<String> = documents
        .iter()
        .flat_map(|doc| reader.read(doc, &ctx).records)
        .map(|record| {
            let mut value = serde_json::to_value(&record).unwrap();
            value["provenance"]["source"]["uri"] = serde_json::Value::Null;
            value.to_string()
        })
        .collect();
    out.sort();
    out
}

#[test]
fn a_repository_tarball_reads_like_its_checkout() {
    let Some(data) = shared_data_or_skip() else { return };
    let reader = macaroni_sources::ReaderKind::PytorchHub;
    let checkout = data.join("pytorch-hub");
    let addr = fixture::serve_file("/hub.tar.gz", tarball_of(&checkout, "hub-master"));
    let url = format!("http://{addr}/hub.tar.gz");
    let fetcher = Fetcher::new(&url, None, fast()).unwrap();
    let (documents, skipped) = macaroni_crawl::tarball::documents(&fetcher, &url, reader).unwrap();
    assert!(skipped.is_empty(), "{skipped:?}");
    assert!(documents.iter().all(|d| d.uri.starts_with(&format!("{url}#"))));
    let (files, _) = macaroni_sources::collect_files(reader, std::slice::from_ref(&checkout));
    let from_checkout: Vec<_> = files
        .iter()
        .map(|(root, path)| macaroni_sources::read_document(root, path).unwrap())
        .collect();
    assert_eq!(documents.len(), from_checkout.len());
    let records = records_of(reader, &documents);
    assert!(records.len() > 10);
    let expected = records_of(reader, &from_checkout);
    let differing = records.iter().filter(|r| !expected.contains(r)).count();
    assert!(
        records.len() == expected.len() && differing == 0,
        "{differing} records differ"
    );
}

#[test]
fn config_files_add_the_model_type() {
    let Some(data) = shared_data_or_skip() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let fixture = Arc::new(zoo(&data, Faults::default()));
    let addr = serve(fixture.clone());
    let db = tmp.path().join("config.db");
    let mut options = options(addr, 10);
    options.with_config = true;
    let mut store = Store::open(&db).unwrap();
    let fetcher = Fetcher::new(&options.endpoint, None, fast()).unwrap();
    let report = crawl(&mut store, &fetcher, &options, &mut |_| {}).unwrap();
    let with_config: Vec<&serde_json::Value> = fixture.models.iter().filter(|m| m.get("config").is_some()).collect();
    assert!(!with_config.is_empty());
    assert_eq!(report.configs_fetched, with_config.len());
    let typed: Vec<_> = with_config
        .iter()
        .filter(|m| m["config"]["model_type"].is_string())
        .collect();
    assert!(typed.len() > 10);
    for model in typed {
        let id = format!("hf:{}", model["id"].as_str().unwrap());
        let view = store.view(&id).unwrap().unwrap();
        let model_type = model["config"]["model_type"].as_str().unwrap();
        let from_config = view.outgoing.iter().any(|r| {
            let r = serde_json::to_value(r).unwrap();
            r["relation"] == "uses_architecture"
                && r["attributes"]["model_type"] == model_type
                && r["provenance"]["source"]["uri"]
                    .as_str()
                    .is_some_and(|u| u.ends_with("/resolve/main/config.json"))
        });
        assert!(from_config, "{id}: no uses_architecture relation from its config.json");
    }
}

#[test]
fn hubconf_files_are_found_at_main_or_master_and_list_the_entrypoints() {
    // A hubconf.py written for this test in the shape of real ones.
    let hubconf = "dependencies = ['torch']\nfrom acme.nets import small_net\n\ndef big_net(pretrained=False):\n    \"\"\"A big network.\"\"\"\n    return None\n";
    let addr = fixture::serve_file("/acme/vision/master/hubconf.py", hubconf.as_bytes().to_vec());
    let endpoint = format!("http://{addr}");
    let fetcher = Fetcher::new(&endpoint, None, fast()).unwrap();
    let repos = [("acme/vision".to_string(), None), ("acme/gone".to_string(), None)];
    let (documents, missing) = macaroni_crawl::pytorch_hub::hubconf_documents(&fetcher, &endpoint, &repos);
    assert_eq!(documents.len(), 1);
    assert_eq!(documents[0].uri, format!("{endpoint}/acme/vision/master/hubconf.py"));
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0].0, "acme/gone");
    let ctx = macaroni_sources::ReadContext {
        observed_at: "2026-11-27T00:00:00Z".into(),
        label_taxonomy: None,
    };
    let out = macaroni_sources::ReaderKind::PytorchHubconf.read(&documents[0], &ctx);
    let ids: Vec<String> = (out.records.iter())
        .filter_map(|r| match r {
            macaroni_format::Record::Model(m) => Some(format!("{} {:?}", m.id, m.description)),
            _ => None,
        })
        .collect();
    assert_eq!(
        ids,
        [
            "pytorch-hub:acme/vision/small_net None".to_string(),
            "pytorch-hub:acme/vision/big_net Some(\"A big network.\")".to_string()
        ]
    );
}
