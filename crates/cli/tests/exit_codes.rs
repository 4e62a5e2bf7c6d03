//! Every exit code the README promises, each from the command a user would type, on the demo
//! zoo (built by `quickstart`, so these run without the shared data).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use common::{code, macaroni, stderr};
use serde_json::Value;

/// One demo database for all tests of this file (read commands never change it).
fn demo() -> &'static Path {
    static DB: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, path) = DB.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("demo.db");
        let out = macaroni(&path, &["quickstart"]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        (dir, path)
    });
    path
}

#[test]
fn read_commands_on_a_missing_database_fail_and_create_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nothing-here.db");
    for args in [
        vec!["stats"],
        vec!["show", "hf:x/y"],
        vec!["search", "bert"],
        vec!["sql", "SELECT 1"],
        vec!["lineage", "hf:x/y"],
        vec!["compare", "hf:x/y", "hf:x/z"],
        vec!["quality"],
        vec!["export"],
        vec!["enrich"],
        vec!["select", "bert", "--maximize", "downloads", "--minimize", "params"],
    ] {
        let out = macaroni(&missing, &args);
        assert_eq!(code(&out), 1, "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("no database at"), "{args:?}: {}", stderr(&out));
        assert!(!missing.exists(), "{args:?} created the file");
    }
}

#[test]
fn a_file_that_is_not_a_macaroni_database_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let foreign = dir.path().join("notes.db");
    std::fs::write(&foreign, "these are my notes, not a database\n").unwrap();
    let out = macaroni(&foreign, &["stats"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("not a Macaroni database"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(&foreign).unwrap(),
        "these are my notes, not a database\n"
    );
}

#[test]
fn usage_errors_exit_2_and_say_what_to_fix() {
    let db = demo();
    let cases: [(&[&str], &str); 9] = [
        (&["search", "params<<3"], "^"),
        (&["search", "created>=202é"], "^"),
        (&["sql", "SELEC * FROM models"], "syntax error"),
        (&["sql", "DELETE FROM models"], "not allowed"),
        (
            &["select", "task:image-classification", "--maximize", "downloads"],
            "two or three objectives",
        ),
        (&["ingest", "no-such-reader", "."], "choose one of"),
        (
            &["show", "hf:deepset/roberta-base-squad2", "--as-of", "yesterday"],
            "is not a time",
        ),
        (
            &["lineage", "hf:meta-llama/Llama-2-7b-hf", "--relation", "cousin_of"],
            "not a lineage relation",
        ),
        (&["export", "--kind", "gadget"], "unknown kind"),
    ];
    for (args, says) in cases {
        let out = macaroni(db, args);
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    }
    // clap's own usage errors keep the same code.
    assert_eq!(code(&macaroni(db, &["search"])), 2);
}

#[test]
fn unknown_ids_exit_5_with_the_nearest_ids() {
    let db = demo();
    let show = macaroni(db, &["show", "hf:deepset/roberta-base-squad"]);
    assert_eq!(code(&show), 5);
    assert!(
        stderr(&show).contains("did you mean hf:deepset/roberta-base-squad2"),
        "{}",
        stderr(&show)
    );
    for args in [
        vec!["lineage", "hf:does/not-exist"],
        vec![
            "lineage",
            "hf:does/not-exist",
            "--common-with",
            "hf:meta-llama/Llama-2-7b-hf",
        ],
        vec!["compare", "timm:resnet50.a1_in1k", "timm:no-such-net"],
        vec!["show", "hf:deepset/roberta-base-squad2", "--as-of", "2001-01-01"],
    ] {
        let out = macaroni(db, &args);
        assert_eq!(code(&out), 5, "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("no entity with id"), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn an_unknown_zoo_gets_a_hint_and_successes_exit_0() {
    let db = demo();
    let out = macaroni(db, &["search", "zoo:hugginface", "--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("did you mean huggingface"), "{}", stderr(&out));
    let page: Value = serde_json::from_slice(
        &macaroni(db, &["search", "zoo:huggingface", "--limit", "3", "--format", "json"]).stdout,
    )
    .unwrap();
    assert_eq!(page["hits"].as_array().unwrap().len(), 3);
    assert!(page["total"].as_u64().unwrap() > 3);
    assert_eq!(page["next_offset"], 3);
    // The second page continues the first without overlap.
    let next: Value = serde_json::from_slice(
        &macaroni(
            db,
            &[
                "search",
                "zoo:huggingface",
                "--limit",
                "3",
                "--offset",
                "3",
                "--format",
                "json",
            ],
        )
        .stdout,
    )
    .unwrap();
    let first: Vec<&Value> = page["hits"].as_array().unwrap().iter().map(|h| &h["id"]).collect();
    assert!(next["hits"]
        .as_array()
        .unwrap()
        .iter()
        .all(|h| !first.contains(&&h["id"])));
}

#[test]
fn strict_ingest_with_warnings_exits_4() {
    let dir = tempfile::tempdir().unwrap();
    let cards = dir.path().join("cards/acme/broken");
    std::fs::create_dir_all(&cards).unwrap();
    std::fs::write(cards.join("README.md"), "---\nlicense: [mit\n---\n# Broken\n").unwrap();
    let db = dir.path().join("strict.db");
    let out = macaroni(
        &db,
        &[
            "ingest",
            "hf-cards",
            dir.path().join("cards").to_str().unwrap(),
            "--strict",
        ],
    );
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    let relaxed = macaroni(&db, &["ingest", "hf-cards", dir.path().join("cards").to_str().unwrap()]);
    assert_eq!(code(&relaxed), 0);
}

#[test]
fn no_plan_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let matrix = dir.path().join("matrix.csv");
    // Two models, two labels, per-label accuracies and a cost: the zoo-matrix reader's layout.
    std::fs::write(&matrix, "model,cost,person,car\nsmall,10,0.5,0.4\nlarge,100,0.9,0.8\n").unwrap();
    let db = dir.path().join("plan.db");
    let out = macaroni(
        &db,
        &["ingest", "zoo-matrix", matrix.to_str().unwrap(), "--taxonomy", "coco"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let found = macaroni(&db, &["plan", "person & car", "--max-cost", "200"]);
    assert_eq!(code(&found), 0, "{}", stderr(&found));
    let none = macaroni(&db, &["plan", "person & car", "--max-cost", "5"]);
    assert_eq!(code(&none), 3, "{}", stderr(&none));
    assert!(
        stderr(&none).contains("the cheapest plan costs 10"),
        "{}",
        stderr(&none)
    );
}

#[test]
fn serve_refuses_a_missing_database_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none.db");
    let out = macaroni(&missing, &["serve", "--bind", "127.0.0.1:0"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("no database at"), "{}", stderr(&out));
    assert!(!missing.exists());

    let mut child = Command::new(env!("CARGO_BIN_EXE_macaroni"))
        .arg("--db")
        .arg(demo())
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line).unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap()
        .to_string();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    std::io::Write::write_all(
        &mut stream,
        b"GET /api/v1/stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    let mut answer = String::new();
    std::io::Read::read_to_string(&mut stream, &mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // SAFETY: sends a signal to the child this test started and still owns.
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) }, 0);
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}
