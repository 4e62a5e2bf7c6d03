//! Real clients against a running `macaroni serve`: the Hugging Face Hub's own Python client
//! (`huggingface_hub`), an independent OpenAPI validator (`openapi-spec-validator`), and
//! `schemathesis`, which sends requests generated from the OpenAPI document and checks that
//! none gets a server error or an answer the document does not describe.
//!
//! The Python tools come from the virtual environment `.ci/run` makes; `MACARONI_PYTHON` names
//! its interpreter. Without it these tests skip with a message, except under `CI=true`.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use common::{macaroni, ok_json};
use macaroni_repo::hub::hub_model_id;
use serde_json::{json, Value};

/// The interpreter of the environment with the Python clients, or `None` (skip) off CI.
fn python() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("MACARONI_PYTHON") {
        return Some(PathBuf::from(path));
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("MACARONI_PYTHON is not set: .ci/run installs the Python clients and names the interpreter");
    }
    eprintln!("skipped: set MACARONI_PYTHON to a python with huggingface_hub, openapi-spec-validator and schemathesis (.ci/run makes one)");
    None
}

/// `macaroni serve` on a free port, stopped when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start(db: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_macaroni"))
            .arg("--db")
            .arg(db)
            .args(["serve", "--bind", "127.0.0.1:0"])
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .expect("starting macaroni serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).expect("the serving line");
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no URL in {line:?}"))
            .trim_end_matches('/')
            .to_string();
        Server { child, url }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The demo zoo, plus the real Hub records and cards of the shared data when they are there.
fn database(dir: &Path) -> PathBuf {
    let db = dir.join("clients.db");
    assert!(macaroni(&db, &["quickstart"]).status.success());
    if let Some(data) = macaroni_sources::shared_data_or_skip() {
        for (reader, folder) in [("hf-api", "hf-api-models/responses"), ("hf-cards", "hf-model-cards")] {
            let path = data.join(folder);
            let out = macaroni(&db, &["ingest", reader, path.to_str().unwrap()]);
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        }
    }
    db
}

fn search_ids(db: &Path, query: &str) -> Vec<String> {
    let page = ok_json(macaroni(db, &["search", query, "--limit", "10000", "--format", "json"]));
    (page["hits"].as_array().unwrap().iter())
        .map(|h| hub_model_id(h["id"].as_str().unwrap()))
        .collect()
}

#[test]
fn huggingface_hub_reads_what_macaroni_search_and_show_say() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    // A small page size, so that listing everything follows several Link headers.
    let server = Server::start(&db, &["--hub-page-size", "7"]);

    let everything = search_ids(&db, "");
    let hf_ids: Vec<String> = everything
        .iter()
        .filter(|id| !id.starts_with("macaroni."))
        .cloned()
        .collect();
    let other_ids: Vec<String> = everything
        .iter()
        .filter(|id| id.starts_with("macaroni."))
        .cloned()
        .collect();
    assert!(hf_ids.len() >= 5 && other_ids.len() >= 2);
    let with_cards: Vec<String> = (hf_ids.iter())
        .filter(|id| {
            let shown = ok_json(macaroni(&db, &["show", &format!("hf:{id}"), "--format", "json"]));
            shown["merged"]["card_text"].is_string()
        })
        .take(3)
        .cloned()
        .collect();
    assert!(!with_cards.is_empty());
    let models: Vec<String> = hf_ids.iter().take(4).chain(other_ids.iter().take(2)).cloned().collect();
    let questions = json!({
        "listings": [
            {"pipeline_tag": "question-answering", "sort": "downloads", "limit": 20},
            {"filter": "license:mit", "limit": 50},
            {"search": "bert", "limit": 10},
            {"author": "google-bert"},
            {"filter": "pytorch", "sort": "created_at"},
        ],
        "models": models,
        "cards": with_cards,
        "dataset_limit": 5,
        "missing": "nobody/nothing-here",
    });
    let questions_path = dir.path().join("questions.json");
    std::fs::write(&questions_path, questions.to_string()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/hub_client.py");
    let out = Command::new(&python)
        .arg(&script)
        .arg(&server.url)
        .arg(&questions_path)
        .output()
        .expect("running python");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let answers: Value = serde_json::from_slice(&out.stdout).unwrap();

    // Listing everything, page by page, gives every model in `macaroni search`'s order.
    let listed: Vec<String> = serde_json::from_value(answers["all_models"].clone()).unwrap();
    assert_eq!(listed, everything);
    // Each listing is the same question in the search language.
    for (i, query) in [
        "task:question-answering sort:downloads:desc",
        "license:mit",
        "bert",
        "publisher:google-bert",
        "tag:pytorch sort:created:desc",
    ]
    .iter()
    .enumerate()
    {
        let limit = questions["listings"][i]["limit"]
            .as_u64()
            .map_or(usize::MAX, |l| l as usize);
        let expected: Vec<String> = search_ids(&db, query).into_iter().take(limit).collect();
        let got: Vec<String> = serde_json::from_value(answers["listings"][i].clone()).unwrap();
        assert_eq!(got, expected, "{query}");
    }
    assert!(!answers["listings"][0].as_array().unwrap().is_empty());

    // model_info carries the fields `macaroni show` merges.
    for info in answers["models"].as_array().unwrap() {
        let hub_id = info["id"].as_str().unwrap();
        let id = macaroni_repo::hub::model_ids_of(hub_id)[0].clone();
        let merged = ok_json(macaroni(&db, &["show", &id, "--format", "json"]))["merged"].clone();
        assert_eq!(info["pipeline_tag"], merged["task"], "{hub_id}");
        assert_eq!(info["library_name"], merged["library"], "{hub_id}");
        assert_eq!(info["card_license"], merged["license"], "{hub_id}");
        assert_eq!(
            info["downloads"],
            merged.get("downloads").cloned().unwrap_or(json!(0)),
            "{hub_id}"
        );
        assert_eq!(info["sha"].as_str().unwrap().len(), 40, "{hub_id}");
        let has_card = info["siblings"].as_array().unwrap().iter().any(|s| s == "README.md");
        assert_eq!(has_card, merged["card_text"].is_string(), "{hub_id}");
    }
    // ModelCard.load downloads README.md: its metadata and text are the stored ones.
    for card in answers["cards"].as_array().unwrap() {
        let id = format!("hf:{}", card["id"].as_str().unwrap());
        let merged = ok_json(macaroni(&db, &["show", &id, "--format", "json"]))["merged"].clone();
        assert_eq!(card["license"], merged["license"], "{id}");
        let text = merged["card_text"].as_str().unwrap().trim();
        assert!(card["text"].as_str().unwrap().contains(text), "{id}");
    }
    let datasets = answers["datasets"].as_array().unwrap();
    assert_eq!(datasets.len(), 5);
    for (listed, info) in datasets.iter().zip(answers["dataset_infos"].as_array().unwrap()) {
        assert_eq!(&info["id"], listed);
    }
    assert_eq!(answers["missing"], "RepositoryNotFoundError");
}

#[test]
fn the_openapi_document_is_valid_and_generated_requests_never_break_it() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let server = Server::start(&db, &[]);
    let spec_url = format!("{}/api/v1/openapi.json", server.url);
    let validate = "import json, sys, urllib.request\nfrom openapi_spec_validator import validate\nspec = json.load(urllib.request.urlopen(sys.argv[1]))\nassert spec['openapi'].startswith('3.1'), spec['openapi']\nvalidate(spec)\nprint(len(spec['paths']))";
    let out = Command::new(&python)
        .args(["-c", validate, &spec_url])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let paths: usize = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    assert!(paths >= 15, "{paths} paths documented");

    // Bounded: a fixed number of examples per operation and a time budget for the whole run.
    let out = Command::new(&python)
        .args(["-m", "schemathesis.cli", "run", &spec_url])
        .args([
            "--checks",
            "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance",
            "--max-examples",
            "25",
            "--generation-deterministic",
            "--max-time",
            "90",
            "--workers",
            "2",
        ])
        // Schemathesis keeps a cache of what it found in its working directory: not in the checkout.
        .current_dir(dir.path())
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis found failures:\n{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(report.contains("passed"), "{report}");
}
