//! `macaroni serve` over real HTTP on loopback: statuses and bodies for good and bad requests,
//! paging, caching and compression headers, slow clients, and reads while an ingest writes.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use macaroni_repo::Writer;
use macaroni_server::{serve, ServerOptions};
use macaroni_sources::ReaderKind;
use serde_json::Value;

/// Model cards of our own making: a base model, a fine-tune of it, and a quantisation.
fn write_cards(dir: &Path, revision: u32) {
    let cards = [
        ("acme/base-model", format!("---\nlicense: apache-2.0\npipeline_tag: fill-mask\nlibrary_name: transformers\ntags: [rev{revision}]\n---\n# Base model\nA masked language model.\n")),
        ("acme/tuned-model", "---\nlicense: mit\npipeline_tag: text-classification\nbase_model: acme/base-model\ndatasets: [glue]\nmodel-index:\n- name: tuned-model\n  results:\n  - task: {type: text-classification}\n    dataset: {name: GLUE SST-2, type: glue, config: sst2, split: validation}\n    metrics:\n    - {type: accuracy, value: 0.91}\n---\n# Tuned\nFine-tuned for sentiment.\n".to_string()),
        ("other/tuned-model-gptq", "---\nlicense: mit\nbase_model: acme/tuned-model\ntags: [gptq]\n---\n# Quantised\n4-bit GPTQ of the tuned model.\n".to_string()),
    ];
    for (repo, text) in cards {
        let folder = dir.join(repo);
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("README.md"), text).unwrap();
    }
}

fn ingest(db: &Path, cards: &Path) {
    let mut writer = Writer::open_write(db).unwrap();
    writer
        .ingest_paths(ReaderKind::HfCards, &[cards.to_path_buf()], None, 100, &mut |_, _| {})
        .unwrap();
    writer.enrich().unwrap();
}

struct Fixture {
    _dir: tempfile::TempDir,
    db: PathBuf,
    cards: PathBuf,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("serve.db");
    let cards = dir.path().join("cards");
    write_cards(&cards, 0);
    ingest(&db, &cards);
    Fixture { _dir: dir, db, cards }
}

/// Starts a server on a free port in a background thread; it lives until the test ends.
fn start(db: &Path, query_timeout: Duration) -> SocketAddr {
    let mut options = ServerOptions::new(db.to_path_buf(), "127.0.0.1:0".parse().unwrap());
    options.query_timeout = query_timeout;
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime
            .block_on(serve(options, move |addr| sender.send(addr).unwrap()))
            .unwrap();
    });
    receiver.recv().unwrap()
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

fn get(addr: SocketAddr, path_and_query: &str, headers: &[(&str, &str)]) -> Answer {
    let mut request = agent().get(format!("http://{addr}{path_and_query}"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut response = request.call().unwrap();
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_string(), v.to_str().unwrap_or_default().to_string()))
        .collect();
    let body = response.body_mut().read_to_string().unwrap_or_default();
    Answer { status, headers, body }
}

#[test]
fn the_api_answers_with_typed_documents_and_meaningful_statuses() {
    let f = fixture();
    let addr = start(&f.db, Duration::from_secs(30));

    let page = get(addr, "/api/v1/search?q=license:mit&limit=1", &[]);
    assert_eq!(page.status, 200, "{}", page.body);
    let body = page.json();
    assert_eq!(body["total"], 2);
    assert_eq!(body["hits"].as_array().unwrap().len(), 1);
    let link = page.header("link").expect("a Link to the next page");
    assert!(link.contains("offset=1") && link.contains("rel=\"next\""), "{link}");

    let entity = get(addr, "/api/v1/entity?id=hf:acme/tuned-model", &[]);
    assert_eq!(entity.status, 200);
    let doc = entity.json();
    assert_eq!(doc["merged"]["license"], "mit");
    // Each merged attribute names the statement it comes from.
    let source = &doc["attribute_sources"]["license"];
    assert_eq!(source["method"], "declared");
    assert!(source["source"]["uri"]
        .as_str()
        .unwrap()
        .ends_with("acme/tuned-model/README.md"));
    // Unchanged: 304 to the ETag just given.
    let etag = entity.header("etag").expect("an ETag").to_string();
    let again = get(
        addr,
        "/api/v1/entity?id=hf:acme/tuned-model",
        &[("If-None-Match", &etag)],
    );
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());

    let lineage = get(addr, "/api/v1/lineage?id=hf:acme/base-model", &[]).json();
    let ids: Vec<&str> = lineage["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["hf:acme/tuned-model", "hf:other/tuned-model-gptq"]);

    let facets = get(addr, "/api/v1/facets?q=", &[]).json();
    assert_eq!(facets["models"], 3);
    let licenses: Vec<(&str, u64)> = (facets["license"].as_array().unwrap().iter())
        .map(|f| (f["value"].as_str().unwrap(), f["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(licenses, [("mit", 2), ("apache-2.0", 1)]);

    let stats = get(addr, "/api/v1/stats", &[]).json();
    assert_eq!(stats["model"], 3);
    let sql = get(addr, "/api/v1/sql?q=SELECT%20COUNT(*)%20AS%20n%20FROM%20models", &[]).json();
    assert_eq!(sql["rows"][0][0], 3);
}

#[test]
fn bad_requests_get_4xx_with_a_reason_and_never_change_the_store() {
    let f = fixture();
    let addr = start(&f.db, Duration::from_secs(30));
    let before = std::fs::read(&f.db).unwrap();

    let malformed = get(addr, "/api/v1/search?q=params%3C%3C3", &[]);
    assert_eq!(malformed.status, 400);
    assert!(malformed.json()["position"].is_u64(), "{}", malformed.body);

    let unknown = get(addr, "/api/v1/entity?id=hf:acme/tuned-modle", &[]);
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.json()["suggestions"][0], "hf:acme/tuned-model");

    for write in [
        "DELETE%20FROM%20models",
        "DROP%20TABLE%20models",
        "PRAGMA%20query_only%3D0",
    ] {
        let refused = get(addr, &format!("/api/v1/sql?q={write}"), &[]);
        assert_eq!(refused.status, 403, "{write}: {}", refused.body);
    }
    assert_eq!(get(addr, "/api/v1/sql?q=SELEC%201", &[]).status, 400);
    assert_eq!(
        get(addr, "/api/v1/entity/as-of?id=hf:acme/base-model&at=yesterday", &[]).status,
        400
    );
    assert_eq!(get(addr, "/api/v1/no-such-route", &[]).status, 404);

    let long = format!("/api/v1/search?q={}", "a".repeat(10_000));
    assert_eq!(get(addr, &long, &[]).status, 414);

    // A body announced over the limit is refused before it is read (sent raw: a client that
    // keeps writing after the answer would see the connection close under it).
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "POST /api/v1/search HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 1048576\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");

    assert_eq!(
        std::fs::read(&f.db).unwrap(),
        before,
        "a request changed the database file"
    );
}

#[test]
fn a_query_past_its_deadline_is_stopped_with_503() {
    let f = fixture();
    let addr = start(&f.db, Duration::from_millis(200));
    let endless = "WITH%20RECURSIVE%20n(i)%20AS%20(SELECT%201%20UNION%20ALL%20SELECT%20i%2B1%20FROM%20n)%20SELECT%20COUNT(*)%20FROM%20n";
    let stopped = get(addr, &format!("/api/v1/sql?q={endless}"), &[]);
    assert_eq!(stopped.status, 503, "{}", stopped.body);
    assert!(stopped.json()["error"].as_str().unwrap().contains("stopped"));
    // The server goes on answering.
    assert_eq!(get(addr, "/api/v1/stats", &[]).status, 200);
}

#[test]
fn gzip_and_cors_on_request() {
    let f = fixture();
    let addr = start(&f.db, Duration::from_secs(30));
    // Raw HTTP, so that nothing decodes the body on the way.
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET /api/v1/openapi.json HTTP/1.1\r\nHost: {addr}\r\nAccept-Encoding: gzip\r\nOrigin: http://example.test\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let head = String::from_utf8_lossy(&raw[..raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap()]).to_lowercase();
    assert!(head.contains("content-encoding: gzip"), "{head}");
    assert!(head.contains("access-control-allow-origin: *"), "{head}");
}

#[test]
fn slow_clients_do_not_stop_other_requests() {
    let f = fixture();
    let addr = start(&f.db, Duration::from_secs(30));
    // 200 connections that send half a request and then nothing.
    let stalled: Vec<TcpStream> = (0..200)
        .map(|_| {
            let mut s = TcpStream::connect(addr).unwrap();
            s.write_all(b"GET /api/v1/stats HTTP/1.1\r\nHost: x\r\n").unwrap();
            s
        })
        .collect();
    for _ in 0..20 {
        assert_eq!(get(addr, "/api/v1/search?q=mit", &[]).status, 200);
    }
    drop(stalled);
}

#[test]
fn reads_keep_working_while_an_ingest_writes() {
    let f = fixture();
    let addr = start(&f.db, Duration::from_secs(30));
    let writer_db = f.db.clone();
    let cards = f.cards.clone();
    let writer = std::thread::spawn(move || {
        for revision in 1..=15 {
            write_cards(&cards, revision);
            ingest(&writer_db, &cards);
        }
    });
    let mut reads = 0;
    while !writer.is_finished() || reads < 50 {
        for path in [
            "/api/v1/search?q=license:mit",
            "/api/v1/entity?id=hf:acme/base-model",
            "/api/models?limit=10",
        ] {
            let answer = get(addr, path, &[]);
            assert_eq!(answer.status, 200, "{path}: {}", answer.body);
            reads += 1;
        }
    }
    writer.join().unwrap();
    // The last revision is what the server reads now.
    let tags = get(addr, "/api/v1/entity?id=hf:acme/base-model", &[]).json()["merged"]["tags"].clone();
    assert_eq!(tags, serde_json::json!(["rev15"]));
}

#[test]
fn a_repeated_request_sees_a_write_at_once() {
    let f = fixture();
    let addr = start(&f.db, Duration::from_secs(30));
    let tags = || get(addr, "/api/v1/entity?id=hf:acme/base-model", &[]).json()["merged"]["tags"].clone();
    let listing = || get(addr, "/api/models?search=masked", &[]).body;
    assert_eq!(tags(), serde_json::json!(["rev0"]));
    let before = listing();
    // Asked again, the answer is the same (and may come from the answer cache).
    assert_eq!(tags(), serde_json::json!(["rev0"]));
    assert_eq!(listing(), before);
    write_cards(&f.cards, 1);
    ingest(&f.db, &f.cards);
    assert_eq!(tags(), serde_json::json!(["rev1"]));
    assert_ne!(listing(), before);
}

#[test]
fn pages_carry_a_strict_security_policy_and_escape_what_they_show() {
    let f = fixture();
    let addr = start(&f.db, Duration::from_secs(30));
    for path in [
        "/",
        "/search?q=license:mit",
        "/model?id=hf:acme/tuned-model",
        "/sql?q=SELECT%201",
        "/no-such-page",
    ] {
        let page = get(addr, path, &[]);
        let csp = page.header("content-security-policy").unwrap_or_default();
        assert!(
            csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        if path != "/no-such-page" {
            assert_eq!(page.status, 200, "{path}");
            assert_eq!(page.header("x-content-type-options"), Some("nosniff"), "{path}");
        }
    }
    // A query with markup comes back as text.
    let search = get(addr, "/search?q=%3Cscript%3Ealert(1)%3C/script%3E", &[]);
    assert!(!search.body.contains("<script>alert(1)"), "{}", search.body);
    assert!(search.body.contains("&lt;script&gt;alert(1)"));
    // The SQL console lists the tables and downloads rows as CSV.
    let console = get(addr, "/sql", &[]);
    assert!(console.body.contains("evaluation_scores") && console.body.contains("model_id"));
    let csv = get(addr, "/sql.csv?q=SELECT%20COUNT(*)%20AS%20n%20FROM%20models", &[]);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(csv.body, "n\n3\n");
    // An unknown model is a 404 page with the nearest ids.
    let missing = get(addr, "/model?id=hf:acme/tuned-modle", &[]);
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("hf:acme/tuned-model"));
}

#[test]
fn plans_over_http_with_422_when_none_satisfies() {
    let dir = tempfile::tempdir().unwrap();
    let matrix = dir.path().join("matrix.csv");
    std::fs::write(&matrix, "model,cost,person,car\nsmall,10,0.5,0.4\nlarge,100,0.9,0.8\n").unwrap();
    let db = dir.path().join("plan.db");
    let mut writer = Writer::open_write(&db).unwrap();
    writer
        .ingest_paths(
            ReaderKind::ZooMatrix,
            &[matrix],
            Some("coco".into()),
            10,
            &mut |_, _| {},
        )
        .unwrap();
    drop(writer);
    let addr = start(&db, Duration::from_secs(30));
    let plan = get(addr, "/api/v1/plan?q=person%20%26%20car&max_cost=200", &[]);
    assert_eq!(plan.status, 200, "{}", plan.body);
    let body = plan.json();
    assert_eq!(body["optimal"], true);
    assert_eq!(body["assignments"].as_array().unwrap().len(), 2);
    assert!(body["cost"].as_f64().unwrap() <= 200.0);
    let none = get(addr, "/api/v1/plan?q=person%20%26%20car&max_cost=5", &[]);
    assert_eq!(none.status, 422);
    assert!(none.json()["error"]
        .as_str()
        .unwrap()
        .contains("cheapest plan costs 10"));
    assert_eq!(get(addr, "/api/v1/plan?q=(person&max_cost=5", &[]).status, 400);
}
