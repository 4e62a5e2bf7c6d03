//! Crash consistency of the writing commands: `macaroni ingest` and `macaroni import` killed
//! with SIGKILL at random moments, then run again to the end, leave exactly what an
//! uninterrupted run leaves (every batch is one transaction; a resumed run restates the rest).

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{macaroni, ok};
use serde_json::Value;

/// The export without the times a run stamps (when a fact was observed differs between runs).
fn dump(db: &Path) -> Vec<String> {
    let text = ok(macaroni(db, &["export", "--format", "jsonl"]));
    let mut lines: Vec<String> = text
        .lines()
        .map(|line| {
            let mut record: Value = serde_json::from_str(line).unwrap();
            if let Some(p) = record.get_mut("provenance").and_then(Value::as_object_mut) {
                p.remove("observed_at");
            }
            record.to_string()
        })
        .collect();
    lines.sort();
    lines
}

fn spawn(db: &Path, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_macaroni"))
        .arg("--db")
        .arg(db)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Runs `args` killed up to twice at random moments within `window`, then to the end; returns
/// how many runs were killed before they finished.
fn crash_then_finish(db: &Path, args: &[&str], window: u64, seed: &mut u64) -> usize {
    let mut kills = 0;
    for _ in 0..2 {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        let mut child = spawn(db, args);
        std::thread::sleep(Duration::from_millis(20 + *seed % window.max(20)));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            kills += 1;
        }
        child.wait().unwrap();
    }
    assert!(
        spawn(db, args).wait().unwrap().success(),
        "{args:?} failed after the crashes"
    );
    kills
}

#[test]
fn ingest_and_import_killed_at_random_moments_end_as_an_uninterrupted_run() {
    let Some(data) = macaroni_sources::shared_data_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let cards = data.join("hf-model-cards");
    let ingest = [
        "ingest",
        "hf-cards",
        cards.to_str().unwrap(),
        "--batch",
        "5",
        "--no-enrich",
    ];
    let reference = dir.path().join("reference.db");
    // How long an uninterrupted ingest takes, to kill inside that window.
    let started = Instant::now();
    assert!(spawn(&reference, &ingest).wait().unwrap().success());
    let window = started.elapsed().as_millis() as u64;
    let expected = dump(&reference);
    assert!(expected.len() > 500, "{} records", expected.len());

    let mut seed: u64 = 0x5851_F42D_4C95_7F2D;
    let (mut kills, mut trial) = (0, 0);
    while kills < 8 && trial < 16 {
        trial += 1;
        let db = dir.path().join(format!("ingest-{trial}.db"));
        kills += crash_then_finish(&db, &ingest, window, &mut seed);
        assert_eq!(dump(&db), expected, "trial {trial}: the resumed ingest differs");
    }
    assert!(kills >= 8, "only {kills} ingests were killed mid-run in {trial} trials");

    // An import is one transaction: killed, it leaves the database as it was; run again, whole.
    let bundle = dir.path().join("bundle.jsonl");
    std::fs::write(&bundle, ok(macaroni(&reference, &["export", "--format", "jsonl"]))).unwrap();
    let import = ["import", bundle.to_str().unwrap()];
    let started = Instant::now();
    assert!(spawn(&dir.path().join("timing.db"), &import).wait().unwrap().success());
    let window = started.elapsed().as_millis() as u64;
    let (mut kills, mut trial) = (0, 0);
    while kills < 4 && trial < 12 {
        trial += 1;
        let db = dir.path().join(format!("import-{trial}.db"));
        kills += crash_then_finish(&db, &import, window, &mut seed);
        assert_eq!(dump(&db), expected, "trial {trial}: the resumed import differs");
    }
    assert!(kills >= 4, "only {kills} imports were killed mid-run in {trial} trials");
}

#[test]
fn a_reader_during_an_ingest_sees_every_batch_whole_or_not_at_all() {
    let Some(data) = macaroni_sources::shared_data_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("busy.db");
    ok(macaroni(&db, &["quickstart"]));
    let cards = data.join("hf-model-cards");
    let mut writer = spawn(&db, &["ingest", "hf-cards", cards.to_str().unwrap(), "--batch", "3"]);
    // Statements whose entity has no derived row, evaluations of unknown models: both are
    // written in the same transaction as what they refer to, so a reader never sees either.
    let torn = "SELECT (SELECT COUNT(*) FROM statements s WHERE s.valid_to IS NULL
                        AND NOT EXISTS (SELECT 1 FROM entities e WHERE e.id = s.entity_id))
                     + (SELECT COUNT(*) FROM evaluations v WHERE NOT EXISTS (SELECT 1 FROM entities e WHERE e.id = v.model_id)
                        AND EXISTS (SELECT 1 FROM statements s WHERE s.entity_id = v.model_id)) AS torn";
    let mut reads = 0;
    let mut models_seen = Vec::new();
    while writer.try_wait().unwrap().is_none() || reads == 0 {
        let out = macaroni(&db, &["sql", torn, "--format", "json"]);
        assert!(out.status.success(), "{}", common::stderr(&out));
        let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(rows[0]["torn"], 0, "read {reads} saw a half-written batch");
        let stats: Value = serde_json::from_str(&ok(macaroni(&db, &["stats", "--format", "json"]))).unwrap();
        models_seen.push(stats["model"].as_u64().unwrap());
        reads += 1;
    }
    assert!(writer.wait().unwrap().success());
    // What readers saw only grew, batch by batch.
    assert!(models_seen.windows(2).all(|w| w[0] <= w[1]), "{models_seen:?}");
}
