//! The `macaroni` binary end to end: the contract external checks rely on, idempotent ingest,
//! history, export/import round trips and bad input.

mod common;

use std::path::{Path, PathBuf};

use common::{json, macaroni, ok};
use serde_json::Value;

fn shared() -> Option<PathBuf> {
    macaroni_sources::shared_data_or_skip()
}

fn counts(report: &Value, change: &str) -> u64 {
    ["entities", "relations", "evaluations"]
        .iter()
        .map(|c| report["counts"][c][change].as_u64().unwrap())
        .sum()
}

#[test]
fn reingesting_the_same_folder_adds_and_updates_nothing() {
    let Some(data) = shared() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    for (reader, folder) in [
        ("hf-cards", "hf-model-cards"),
        ("pytorch-hub", "pytorch-hub"),
        ("hf-api", "hf-api-models/responses"),
    ] {
        let path = data.join(folder);
        let first = json(&ok(macaroni(
            &db,
            &["ingest", reader, path.to_str().unwrap(), "--format", "json"],
        )));
        assert!(counts(&first, "added") > 0, "{reader}: nothing added");
        let again = json(&ok(macaroni(
            &db,
            &["ingest", reader, path.to_str().unwrap(), "--format", "json"],
        )));
        assert_eq!(counts(&again, "added"), 0, "{reader}");
        assert_eq!(counts(&again, "updated"), 0, "{reader}");
        assert_eq!(counts(&again, "removed"), 0, "{reader}");
        assert_eq!(counts(&again, "unchanged"), counts(&first, "added"), "{reader}");
    }
}

#[test]
fn a_changed_card_is_updated_and_the_old_value_kept() {
    let Some(data) = shared() else { return };
    let original = data.join("hf-model-cards/huggingface_hub-fixtures/sample_simple_model_index.md");
    let text = std::fs::read_to_string(original).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let card_dir = dir.path().join("cards/acme/cool-model");
    std::fs::create_dir_all(&card_dir).unwrap();
    let card = card_dir.join("README.md");
    std::fs::write(&card, &text).unwrap();
    let db = dir.path().join("m.db");
    let cards = dir.path().join("cards");

    ok(macaroni(&db, &["ingest", "hf-cards", cards.to_str().unwrap()]));
    std::thread::sleep(std::time::Duration::from_millis(20));
    let between = utc_now();
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(
        &card,
        text.replace("license: mit", "license: apache-2.0")
            .replace("value: 0.66", "value: 0.71"),
    )
    .unwrap();
    let report = json(&ok(macaroni(
        &db,
        &["ingest", "hf-cards", cards.to_str().unwrap(), "--format", "json"],
    )));
    assert_eq!(report["counts"]["entities"]["updated"], 1);
    assert_eq!(report["counts"]["evaluations"]["updated"], 1);
    assert_eq!(counts(&report, "added"), 1, "the new licensed_under relation");
    assert_eq!(counts(&report, "removed"), 1, "the old licensed_under relation");

    let shown = json(&ok(macaroni(
        &db,
        &["show", "hf:acme/cool-model", "--history", "--format", "json"],
    )));
    assert_eq!(shown["merged"]["license"], "apache-2.0");
    let licenses: Vec<&Value> = shown["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["field"] == "license")
        .collect();
    assert_eq!(licenses.len(), 2);
    assert_eq!(licenses[0]["value"], "mit");
    assert!(licenses[0]["valid_to"].is_string());

    let before = json(&ok(macaroni(
        &db,
        &["show", "hf:acme/cool-model", "--as-of", &between, "--format", "json"],
    )));
    assert_eq!(before["merged"]["license"], "mit");
}

fn utc_now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[test]
fn export_import_export_gives_the_same_bundle() {
    let Some(data) = shared() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    for (reader, folder) in [
        ("hf-cards", "hf-model-cards"),
        ("hf-api", "hf-api-models/responses"),
        ("tfhub", "tfhub.dev/assets/docs/google/models/imagenet"),
        ("tfhub", "tfhub.dev/tags"),
        ("pytorch-hub", "pytorch-hub"),
        ("timm", "timm/results/results-imagenet.csv"),
        ("model-index", "mmpretrain"),
    ] {
        ok(macaroni(&db, &["ingest", reader, data.join(folder).to_str().unwrap()]));
    }
    let first = ok(macaroni(&db, &["export", "--format", "jsonl"]));
    let bundle = dir.path().join("bundle.jsonl");
    std::fs::write(&bundle, &first).unwrap();
    let copy = dir.path().join("b.db");
    ok(macaroni(&copy, &["import", bundle.to_str().unwrap()]));
    let second = ok(macaroni(&copy, &["export", "--format", "jsonl"]));
    assert!(first.lines().count() > 5000, "{}", first.lines().count());
    assert!(first == second, "bundles differ");

    // The export contract: every line has id and kind; evaluations carry the documented fields.
    let mut kinds = std::collections::BTreeSet::new();
    for line in first.lines() {
        let record = json(line);
        assert!(record["id"].is_string() && record["kind"].is_string(), "{line}");
        kinds.insert(record["kind"].as_str().unwrap().to_string());
        if record["kind"] == "evaluation" {
            assert!(record["model"].is_string());
            for key in ["type", "name"] {
                assert!(record["task"].get(key).is_some(), "task.{key}: {line}");
            }
            for key in ["id", "name", "type", "config", "split", "revision", "args"] {
                assert!(record["dataset"].get(key).is_some(), "dataset.{key}: {line}");
            }
            for key in ["type", "name", "config"] {
                assert!(record["metric"].get(key).is_some(), "metric.{key}: {line}");
            }
            assert!(record.get("value").is_some() && record.get("verified").is_some());
            assert!(record["provenance"]["source"].is_object() && record["provenance"]["method"].is_string());
        }
    }
    for kind in [
        "model",
        "evaluation",
        "relation",
        "dataset",
        "task",
        "publisher",
        "paper",
        "training_run",
    ] {
        assert!(kinds.contains(kind), "no {kind} exported");
    }

    // Stats: counts per kind, equal on both sides.
    let stats_a = json(&ok(macaroni(&db, &["stats", "--format", "json"])));
    let stats_b = json(&ok(macaroni(&copy, &["stats", "--format", "json"])));
    assert_eq!(stats_a["model"], stats_b["model"]);
    assert_eq!(stats_a["evaluation"], stats_b["evaluation"]);
    let exported_evals = first.lines().filter(|l| l.contains("\"kind\":\"evaluation\"")).count() as u64;
    assert!(stats_a["evaluation"].as_u64().unwrap() <= exported_evals);
    assert!(stats_a["evaluation"].as_u64().unwrap() > 1000);
}

/// Current statements and evaluations, as `stats` counts them.
fn held(db: &Path) -> (u64, u64) {
    let stats = json(&ok(macaroni(db, &["stats", "--format", "json"])));
    (
        stats["storage"]["statements_current"].as_u64().unwrap(),
        stats["evaluation"].as_u64().unwrap(),
    )
}

#[test]
fn a_partial_bundle_adds_and_closes_nothing_and_replace_refuses_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("q.db");
    ok(macaroni(&db, &["quickstart"]));
    let before = held(&db);
    assert!(before.1 > 10, "{before:?}");
    // A bundle of the models only, and the whole bundle cut after its first half.
    let models = ok(macaroni(&db, &["export", "--format", "jsonl", "--kind", "model"]));
    let whole = ok(macaroni(&db, &["export", "--format", "jsonl"]));
    let lines: Vec<&str> = whole.lines().collect();
    let cut = lines[..lines.len() / 2].join("\n");
    for (name, text) in [("models.jsonl", models.as_str()), ("cut.jsonl", cut.as_str())] {
        let bundle = dir.path().join(name);
        std::fs::write(&bundle, text).unwrap();
        let report = json(&ok(macaroni(
            &db,
            &["import", bundle.to_str().unwrap(), "--format", "json"],
        )));
        assert_eq!(counts(&report, "removed"), 0, "{name}: {report}");
        assert_eq!(held(&db), before, "{name} changed what is held");
        // Replacing with it is refused (exit 2), naming what would be lost, and changes nothing.
        let refused = macaroni(&db, &["import", bundle.to_str().unwrap(), "--replace"]);
        assert_eq!(refused.status.code(), Some(2), "{name}: {}", common::stderr(&refused));
        assert!(
            common::stderr(&refused).contains("--replace would close every"),
            "{}",
            common::stderr(&refused)
        );
        assert_eq!(held(&db), before);
    }
    // The whole bundle replaces without a change; a source's statement left out of it is closed.
    let bundle = dir.path().join("whole.jsonl");
    std::fs::write(&bundle, &whole).unwrap();
    let report = json(&ok(macaroni(
        &db,
        &["import", bundle.to_str().unwrap(), "--replace", "--format", "json"],
    )));
    assert_eq!(counts(&report, "removed"), 0, "{report}");
    let evaluations: Vec<&str> = whole
        .lines()
        .filter(|l| l.contains("\"kind\":\"evaluation\""))
        .collect();
    let dropped = evaluations[0];
    let fewer: String = whole
        .lines()
        .filter(|l| *l != dropped)
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&bundle, fewer).unwrap();
    let report = json(&ok(macaroni(
        &db,
        &["import", bundle.to_str().unwrap(), "--replace", "--format", "json"],
    )));
    assert_eq!(counts(&report, "removed"), 1, "{report}");
}

#[test]
fn a_card_whose_front_matter_breaks_keeps_what_it_said_before() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db");
    let card = dir.path().join("cards/acme/tuned/README.md");
    std::fs::create_dir_all(card.parent().unwrap()).unwrap();
    let good = "---\nlicense: mit\nbase_model: google-bert/bert-base-uncased\nmodel-index:\n- name: tuned\n  results:\n  - task: {type: text-classification}\n    dataset: {name: SST-2, type: sst2}\n    metrics:\n    - {type: accuracy, value: 0.91}\n---\n# tuned\n\nA fine-tune.\n";
    std::fs::write(&card, good).unwrap();
    let folder = dir.path().join("cards");
    ok(macaroni(&db, &["ingest", "hf-cards", folder.to_str().unwrap()]));
    let before = json(&ok(macaroni(&db, &["show", "hf:acme/tuned", "--format", "json"])));
    assert_eq!(before["merged"]["license"], "mit");
    let evaluations = before["evaluations"].as_array().unwrap().len();
    assert_eq!(evaluations, 1);
    // One tab makes the YAML invalid: the prose is still read, nothing stated before is lost.
    std::fs::write(&card, good.replace("license: mit", "license:\tmit\n\tbad: [")).unwrap();
    let report = json(&ok(macaroni(
        &db,
        &["ingest", "hf-cards", folder.to_str().unwrap(), "--format", "json"],
    )));
    let warnings = report["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w["kind"] == "yaml-error" && w["file"].as_str().unwrap().ends_with("README.md")),
        "{warnings:?}"
    );
    assert_eq!(counts(&report, "removed"), 0, "{report}");
    let after = json(&ok(macaroni(&db, &["show", "hf:acme/tuned", "--format", "json"])));
    assert_eq!(after["merged"]["license"], "mit");
    assert_eq!(after["evaluations"].as_array().unwrap().len(), evaluations);
    let relations = |doc: &Value| doc["outgoing"].as_array().unwrap().len();
    assert_eq!(relations(&after), relations(&before));
    // Fixed again, the card is read whole, and a field it drops is then closed as usual.
    std::fs::write(&card, good.replace("license: mit\n", "")).unwrap();
    ok(macaroni(&db, &["ingest", "hf-cards", folder.to_str().unwrap()]));
    let fixed = json(&ok(macaroni(&db, &["show", "hf:acme/tuned", "--format", "json"])));
    assert!(fixed["merged"].get("license").is_none(), "{}", fixed["merged"]);
}

#[test]
fn bad_input_gives_warnings_not_panics_and_keeps_stored_data() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let cards = dir.path().join("cards");
    std::fs::create_dir_all(cards.join("good/model")).unwrap();
    std::fs::write(
        cards.join("good/model/README.md"),
        "---\nlicense: mit\n---\n# good model\n",
    )
    .unwrap();
    ok(macaroni(&db, &["ingest", "hf-cards", cards.to_str().unwrap()]));

    std::fs::write(
        cards.join("broken-yaml.md"),
        "---\nlicense: [mit\n---\n# Broken\n\nBody text survives.\n",
    )
    .unwrap();
    std::fs::write(
        cards.join("latin1.md"),
        b"---\nlicense: mit\n---\n# Caf\xe9\n".as_slice(),
    )
    .unwrap();
    std::fs::write(
        cards.join("hostile.md"),
        "---\nlicense: mit\n---\n# <script>alert(1)</script>\n<img src=x onerror=alert(1)>\n| a | b\n|--\n```unclosed\n",
    )
    .unwrap();
    std::fs::write(cards.join("huge.md"), vec![b'a'; 17 * 1024 * 1024]).unwrap();
    std::fs::write(
        cards.join("deep.md"),
        format!("---\nx: {}{}\n---\n", "[".repeat(5000), "]".repeat(5000)),
    )
    .unwrap();

    let report = json(&ok(macaroni(
        &db,
        &["ingest", "hf-cards", cards.to_str().unwrap(), "--format", "json"],
    )));
    let warnings = report["warnings"].as_array().unwrap();
    let kinds: Vec<&str> = warnings.iter().map(|w| w["kind"].as_str().unwrap()).collect();
    for (kind, file) in [
        ("yaml-error", "broken-yaml.md"),
        ("invalid-utf8", "latin1.md"),
        ("too-large", "huge.md"),
        ("yaml-error", "deep.md"),
    ] {
        assert!(
            warnings
                .iter()
                .any(|w| w["kind"] == kind && w["file"].as_str().unwrap().ends_with(file)),
            "no {kind} warning for {file}: {kinds:?}"
        );
    }
    // The good card is still there, unchanged; the broken card's markdown was read.
    assert_eq!(counts(&report, "removed"), 0);
    let good = json(&ok(macaroni(&db, &["show", "hf:good/model", "--format", "json"])));
    assert_eq!(good["merged"]["license"], "mit");
    let broken = json(&ok(macaroni(&db, &["show", "hf:local/Broken", "--format", "json"])));
    assert!(broken["merged"]["card_text"]
        .as_str()
        .unwrap()
        .contains("Body text survives"));

    // --strict turns warnings into exit code 4.
    let strict = macaroni(&db, &["ingest", "hf-cards", cards.to_str().unwrap(), "--strict"]);
    assert_eq!(strict.status.code(), Some(4));
    // An unknown id is exit code 5, an unknown reader a usage error (2) that names the readers.
    assert_eq!(macaroni(&db, &["show", "hf:no/such-model"]).status.code(), Some(5));
    let unknown = macaroni(&db, &["ingest", "no-such-reader", cards.to_str().unwrap()]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("unknown reader"));
}

#[test]
fn quickstart_builds_the_demo_zoo() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let out = ok(macaroni(&db, &["quickstart"]));
    assert!(out.contains("Try next"));
    let stats = json(&ok(macaroni(&db, &["stats", "--format", "json"])));
    assert!(stats["model"].as_u64().unwrap() >= 40, "{stats}");
    assert!(stats["evaluation"].as_u64().unwrap() >= 20, "{stats}");
    // Lineage across the demo: the GPTQ quantisation of Llama 2 chat.
    let gptq = json(&ok(macaroni(
        &db,
        &["show", "hf:TheBloke/Llama-2-7B-Chat-GPTQ", "--format", "json"],
    )));
    let outgoing = gptq["outgoing"].as_array().unwrap();
    assert!(outgoing
        .iter()
        .any(|r| r["relation"] == "quantized_from" && r["object"] == "hf:meta-llama/Llama-2-7b-chat-hf"));
    // Running it again changes nothing.
    ok(macaroni(&db, &["quickstart"]));
    let again = json(&ok(macaroni(&db, &["stats", "--format", "json"])));
    assert_eq!(again["storage"]["facts_history"], 0);
    assert_eq!(again["model"], stats["model"]);
}

#[test]
fn plan_answers_a_coco_query_with_the_json_contract_and_meaningful_exit_codes() {
    let Some(data) = shared() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("plan.db");
    let zoo = data.join("zlizy-optimizer");
    let matrix = zoo.join("model_stats_ap.csv");
    let stats = zoo.join("coco_selectivity.csv");
    ok(macaroni(
        &db,
        &["ingest", "zoo-matrix", matrix.to_str().unwrap(), "--taxonomy", "coco"],
    ));
    ok(macaroni(
        &db,
        &["ingest", "label-stats", stats.to_str().unwrap(), "--taxonomy", "coco"],
    ));

    let query = "(bottle | tv) & chair";
    let plan = json(&ok(macaroni(
        &db,
        &["plan", query, "--max-cost", "150", "--format", "json"],
    )));
    assert_eq!(plan["optimal"], true);
    assert!(plan["cost"].as_f64().unwrap() <= 150.0);
    let assignments = plan["assignments"].as_array().unwrap();
    let predicates: Vec<&str> = assignments.iter().map(|a| a["predicate"].as_str().unwrap()).collect();
    assert_eq!(predicates, ["bottle", "tv", "chair"]);
    // The chosen models really predict their labels with the stated accuracy: read the matrix.
    let mut reader = csv::Reader::from_path(&matrix).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let mut total = 0.0;
    let mut seen = Vec::new();
    for a in assignments {
        let model = a["model"]
            .as_str()
            .unwrap()
            .trim_start_matches("matrix:model_stats_ap/");
        let row = rows.iter().find(|r| &r[0] == model).unwrap();
        let column = header
            .iter()
            .position(|h| h == a["predicate"].as_str().unwrap())
            .unwrap();
        assert_eq!(row[column].parse::<f64>().unwrap(), a["accuracy"].as_f64().unwrap());
        if !seen.contains(&model) {
            seen.push(model);
            total += row[header.iter().position(|h| h == "cost").unwrap()]
                .parse::<f64>()
                .unwrap();
        }
    }
    assert_eq!(plan["cost"].as_f64().unwrap(), total);

    // With ordering, the expected cost is below the total and every step says how often it runs.
    let ordered = json(&ok(macaroni(
        &db,
        &["plan", query, "--min-accuracy", "0.5", "--order", "--format", "json"],
    )));
    assert!(ordered["cost"].as_f64().unwrap() < ordered["total_cost"].as_f64().unwrap());
    assert_eq!(ordered["order"][0]["runs_on"], 1.0);

    // No plan costs 1: exit 3 with the cheapest cost named. A syntax error: exit 2 with a position.
    let none = macaroni(&db, &["plan", query, "--max-cost", "1"]);
    assert_eq!(none.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&none.stderr).contains("the cheapest plan costs"));
    let bad = macaroni(&db, &["plan", "(bottle | tv", "--max-cost", "100"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("at position 12"));
    let unknown = macaroni(&db, &["plan", "bottle & unicorn", "--max-cost", "100"]);
    assert_eq!(unknown.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("unicorn"));

    let front = json(&ok(macaroni(&db, &["plan", query, "--pareto", "--format", "json"])));
    let points = front["points"].as_array().unwrap();
    assert!(points.len() > 2);
    assert!(points.windows(2).all(|w| w[1]["cost"].as_f64() < w[0]["cost"].as_f64()));
}

#[path = "../../crawl/tests/fixture/mod.rs"]
mod fixture;

#[test]
fn crawl_huggingface_stores_pages_resumes_nothing_twice_and_dry_runs_store_nothing() {
    let Some(data) = shared() else { return };
    let zoo = std::sync::Arc::new(fixture::zoo(&data, fixture::Faults::default()));
    let addr = fixture::serve(zoo.clone());
    let endpoint = format!("http://{addr}");
    let dir = tempfile::tempdir().unwrap();
    let crawl = |db: &Path, extra: &[&str]| {
        let mut args = vec![
            "crawl",
            "huggingface",
            "--endpoint",
            &endpoint,
            "--with-cards",
            "--rate",
            "1000",
            "--page-size",
            "7",
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        json(&ok(macaroni(db, &args)))
    };
    let dry = dir.path().join("dry.db");
    let report = crawl(&dry, &["--dry-run"]);
    assert_eq!(report["models_listed"], zoo.models.len());
    let models = |db: &Path| {
        let rows = json(&ok(macaroni(
            db,
            &[
                "sql",
                "SELECT COUNT(*) AS n FROM models WHERE zoo = 'huggingface'",
                "--format",
                "json",
            ],
        )));
        rows[0]["n"].as_u64().unwrap()
    };
    assert_eq!(models(&dry), 0, "a dry run stored models");

    let db = dir.path().join("crawl.db");
    let first = crawl(&db, &[]);
    assert_eq!(first["models_stored"], zoo.models.len());
    assert_eq!(first["cards_fetched"], zoo.models.len());
    assert!(first["failures"].as_array().unwrap().is_empty());
    assert_eq!(models(&db), zoo.models.len() as u64);
    let second = crawl(&db, &[]);
    assert_eq!(second["models_unchanged"], zoo.models.len());
    assert_eq!(second["cards_fetched"], 0);
    // One request per listing page and nothing else.
    assert_eq!(second["requests"], zoo.models.len().div_ceil(7));

    let limited = dir.path().join("limited.db");
    let report = crawl(&limited, &["--limit", "10"]);
    assert_eq!(report["models_listed"], 10);
    assert_eq!(models(&limited), 10);
}

#[test]
fn two_ingests_started_together_on_a_new_database_both_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let cards = dir.path().join("cards");
    for (folder, license) in [("a", "mit"), ("b", "apache-2.0")] {
        for i in 0..30 {
            let card = cards.join(folder).join(format!("org-{folder}/m{i}/README.md"));
            std::fs::create_dir_all(card.parent().unwrap()).unwrap();
            std::fs::write(&card, format!("---\nlicense: {license}\n---\n# m{i}\n")).unwrap();
        }
    }
    for attempt in 0..6 {
        let db = dir.path().join(format!("race-{attempt}.db"));
        let start = |folder: &str| {
            std::process::Command::new(env!("CARGO_BIN_EXE_macaroni"))
                .arg("--db")
                .arg(&db)
                .args([
                    "ingest",
                    "hf-cards",
                    cards.join(folder).to_str().unwrap(),
                    "--batch",
                    "1",
                ])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (first, second) = (start("a"), start("b"));
        for child in [first, second] {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "attempt {attempt}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let stats = json(&ok(macaroni(&db, &["stats", "--format", "json"])));
        assert_eq!(stats["model"], 60, "attempt {attempt}");
    }
}

#[test]
fn escape_sequences_in_cards_and_folder_names_reach_the_terminal_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    // A card whose prose clears the screen and hides a link (with broken YAML, so that it is named
    // in a warning too), and a folder name with an OSC title sequence (its id would hold control
    // characters: the card is skipped, and the warning names the folder).
    let cards = dir.path().join("cards");
    let folder = cards.join("acme").join("m");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join("README.md"),
        "---\nlicense: [mit\n---\n# m\n\nClears \u{1b}[2J the screen, \u{1b}]8;;http://evil\u{1b}\\link\u{1b}]8;;\u{1b}\\ and \u{202e}reverses.\n",
    )
    .unwrap();
    let evil = cards.join("evil\u{1b}]0;pwned\u{7}org").join("m");
    std::fs::create_dir_all(&evil).unwrap();
    std::fs::write(evil.join("README.md"), "---\nlicense: mit\n---\n# evil\n").unwrap();
    let ingest = macaroni(&db, &["ingest", "hf-cards", cards.to_str().unwrap()]);
    assert!(ingest.status.success());
    let search = macaroni(&db, &["search", "clears"]);
    let id = ok(macaroni(&db, &["search", "clears", "--format", "csv"]))
        .lines()
        .nth(1)
        .and_then(|l| l.split(',').next().map(str::to_string))
        .unwrap();
    let show = macaroni(&db, &["show", &id]);
    for (what, bytes) in [
        ("ingest stdout", &ingest.stdout),
        ("ingest stderr", &ingest.stderr),
        ("search", &search.stdout),
        ("show", &show.stdout),
    ] {
        let text = String::from_utf8_lossy(bytes);
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}') && !text.contains('\u{202e}'),
            "{what}: {text:?}"
        );
    }
    let shown = String::from_utf8_lossy(&show.stdout);
    assert!(shown.contains("\\u{1b}[2J"), "the sequence is shown as text: {shown}");
    let warned = String::from_utf8_lossy(&ingest.stdout);
    assert!(
        warned.contains("evil\\u{1b}]0;pwned"),
        "the folder is named, escaped: {warned}"
    );
    // JSON stays exact.
    let doc = json(&ok(macaroni(&db, &["show", &id, "--format", "json"])));
    assert!(doc["merged"]["card_text"].as_str().unwrap().contains("\u{1b}[2J"));
}

#[test]
fn a_small_file_of_a_million_rows_is_cut_with_a_warning_and_keeps_what_was_stored() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rows.db");
    let folder = dir.path().join("timm");
    std::fs::create_dir_all(&folder).unwrap();
    let csv = folder.join("results-imagenet.csv");
    // 12 MB, under the 16 MiB file limit: it took 17 GB of memory before rows were bounded.
    let mut text = String::from("model,top1\n");
    for i in 0..1_000_000 {
        text.push_str(&format!("m{i},{}.5\n", i % 100));
    }
    std::fs::write(&csv, &text).unwrap();
    let report = json(&ok(macaroni(
        &db,
        &["ingest", "timm", csv.to_str().unwrap(), "--format", "json"],
    )));
    let warnings = report["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w["kind"] == "truncated" && w["file"].as_str().unwrap().ends_with("results-imagenet.csv")),
        "{warnings:?}"
    );
    let stats = json(&ok(macaroni(&db, &["stats", "--format", "json"])));
    assert_eq!(stats["model"], macaroni_sources::MAX_ROWS_PER_FILE as u64);
    // The same file again, now holding a row the first read cut: nothing stored is closed.
    let report = json(&ok(macaroni(
        &db,
        &["ingest", "timm", csv.to_str().unwrap(), "--format", "json"],
    )));
    assert_eq!(counts(&report, "removed"), 0, "{report}");
}
