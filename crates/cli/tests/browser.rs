//! The web pages in a real browser: headless Chromium (Debian's `chromium` and
//! `chromium-driver`, driven by Selenium from the virtual environment of `.ci/run`) against a
//! running `macaroni serve` over the demo zoo, the real cards of the shared data, and hostile cards
//! of our own making that try every way we know to run code in a reader's browser.
//!
//! Without `MACARONI_PYTHON` or Chromium the test skips with a message, except under `CI=true`.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::{json, Value};

use common::macaroni;

/// Hostile cards: (folder under `hostile/`, README.md).
const HOSTILE: [(&str, &str); 4] = [
    (
        "script-body",
        "---\nlicense: mit\n---\n# Hostile card text survives\n<script>window.__pwned = true; document.title = 'pwned'</script>\n<img src=x onerror=\"window.__pwned = true\">\n<svg><script>window.__pwned = true</script><circle onload=\"window.__pwned = true\"/></svg>\n[a link](javascript:window.__pwned=true) [data](data:text/html,<script>window.__pwned=true</script>)\n<iframe src=\"javascript:window.__pwned=true\"></iframe>\n<form action=\"http://evil.test/\"><input name=x><button>go</button></form>\n<style>body { display: none }</style>\n<a href=\"https://example.test\" onclick=\"window.__pwned = true\" style=\"position:fixed\">plain link</a>\n<object data=\"x.swf\"></object><embed src=\"x.swf\">\n",
    ),
    (
        "html-in-yaml",
        "---\nlicense: \"<img src=x onerror='window.__pwned = true'>\"\ntags: [\"<script>window.__pwned = true</script>\", \"<b onmouseover='window.__pwned = true'>bold</b>\"]\npipeline_tag: \"<svg onload=window.__pwned=true>\"\nmodel-index:\n- name: \"<script>window.__pwned=true</script>\"\n  results:\n  - task: {type: text-classification}\n    dataset: {name: \"<img src=x onerror=window.__pwned=true>\", type: \"<i>glue</i>\"}\n    metrics:\n    - {type: \"<script>x</script>accuracy\", value: 0.5}\n---\n# Hostile card text survives\nYAML values with markup.\n",
    ),
    (
        "css-and-entities",
        "---\nlicense: apache-2.0\n---\n# Hostile card text survives\n<div style=\"background:url(javascript:window.__pwned=true)\">styled</div>\n<a href=\"&#106;avascript:window.__pwned=true\">entity link</a>\n<a href=\" javascript:window.__pwned=true\">spaced link</a>\n<meta http-equiv=\"refresh\" content=\"0;url=javascript:window.__pwned=true\">\n<base href=\"http://evil.test/\">\n<link rel=\"stylesheet\" href=\"http://evil.test/x.css\">\n",
    ),
    (
        "x\"><img src=x onerror=window.__pwned=true>",
        "---\nlicense: mit\n---\n# Hostile card text survives\nAn id with markup in it.\n",
    ),
];

fn python_and_browser() -> Option<PathBuf> {
    let python = std::env::var_os("MACARONI_PYTHON").map(PathBuf::from);
    let chromium = Path::new("/usr/bin/chromedriver").exists() && Path::new("/usr/bin/chromium").exists();
    match (python, chromium) {
        (Some(python), true) => Some(python),
        _ if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("MACARONI_PYTHON and Debian's chromium + chromium-driver are needed (.ci/run installs them)")
        }
        _ => {
            eprintln!("skipped: needs MACARONI_PYTHON (with selenium) and /usr/bin/chromium, /usr/bin/chromedriver (.ci/run installs them)");
            None
        }
    }
}

struct Server(Child, String);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(db: &Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_macaroni"))
        .arg("--db")
        .arg(db)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("starting macaroni serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the serving line");
    let url = (line.split_whitespace().find(|w| w.starts_with("http://")))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .trim_end_matches('/')
        .to_string();
    Server(child, url)
}

fn ingest(db: &Path, reader: &str, path: &Path) {
    let out = macaroni(db, &["ingest", reader, path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_person_can_search_click_and_read_and_no_card_runs_code() {
    let Some(python) = python_and_browser() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("browser.db");
    assert!(macaroni(&db, &["quickstart"]).status.success());
    let shared = macaroni_sources::shared_data_or_skip();
    if let Some(data) = &shared {
        ingest(&db, "hf-cards", &data.join("hf-model-cards"));
        let matrix = data.join("zlizy-optimizer/model_stats_ap.csv");
        let out = macaroni(
            &db,
            &["ingest", "zoo-matrix", matrix.to_str().unwrap(), "--taxonomy", "coco"],
        );
        assert!(out.status.success(), "{}", common::stderr(&out));
    }
    let cards = dir.path().join("cards");
    let mut hostile_ids = Vec::new();
    for (name, text) in HOSTILE {
        let folder = cards.join("hostile").join(name);
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("README.md"), text).unwrap();
        hostile_ids.push(format!("hf:hostile/{name}"));
    }
    ingest(&db, "hf-cards", &cards);
    let server = serve(&db);
    let questions = json!({
        "query": "task:image-classification",
        "lineage_model": "hf:meta-llama/Llama-2-7b-chat-hf",
        "compare": ["timm:resnet50.a1_in1k", "timm:convnext_tiny.fb_in1k"],
        "sql": "SELECT zoo, COUNT(*) AS n FROM models GROUP BY zoo ORDER BY zoo",
        "dataset": "dataset:imagenet-1k",
        "select": "q=task:image-classification&maximize=top1@imagenet-1k&minimize=params",
        "hostile": hostile_ids,
        "walkthrough": shared.is_some(),
        "plan": shared.as_ref().map(|_| "(bottle | tv) & chair"),
    });
    let questions_path = dir.path().join("questions.json");
    std::fs::write(&questions_path, questions.to_string()).unwrap();
    let shots = std::env::var_os("MACARONI_SCREENSHOTS").map_or_else(|| dir.path().join("shots"), PathBuf::from);
    std::fs::create_dir_all(&shots).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/browser.py");
    let out = Command::new(&python)
        .arg(&script)
        .arg(&server.1)
        .arg(&questions_path)
        .arg(&shots)
        .output()
        .expect("running python");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let seen: Value = serde_json::from_slice(&out.stdout).unwrap();

    // The search typed on the home page lists what `macaroni search` finds, in its order.
    let page = common::ok_json(macaroni(
        &db,
        &[
            "search",
            "task:image-classification",
            "--limit",
            "25",
            "--format",
            "json",
        ],
    ));
    let expected: Vec<&str> = page["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    let hits: Vec<&str> = seen["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap())
        .collect();
    assert_eq!(hits, expected);
    assert!(
        seen["count_line"]
            .as_str()
            .unwrap()
            .contains(&format!("of {}", page["total"])),
        "{}",
        seen["count_line"]
    );
    // The facet clicked refined the query and the results.
    let facet = seen["facet"].as_str().unwrap();
    assert_eq!(seen["refined_query"], format!("task:image-classification zoo:{facet}"));
    let refined = common::ok_json(macaroni(
        &db,
        &[
            "search",
            &format!("task:image-classification zoo:{facet}"),
            "--limit",
            "25",
            "--format",
            "json",
        ],
    ));
    let refined_ids: Vec<&str> = refined["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    let refined_hits: Vec<&str> = seen["refined_hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap())
        .collect();
    assert_eq!(refined_hits, refined_ids);
    // The first result opened on its page.
    assert_eq!(
        seen["model_title"].as_str().unwrap().split_whitespace().next(),
        refined_ids.first().copied()
    );
    assert!(seen["attribute_rows"].as_u64().unwrap() >= 3);
    // The lineage graph links the model's base and its quantisations.
    let nodes: Vec<&str> = seen["lineage_nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    for id in [
        "hf:meta-llama/Llama-2-7b-chat-hf",
        "hf:meta-llama/Llama-2-7b-hf",
        "hf:TheBloke/Llama-2-7B-Chat-GPTQ",
    ] {
        assert!(nodes.contains(&id), "{id} not in {nodes:?}");
    }
    assert_eq!(seen["compare_columns"], json!(questions["compare"]));
    assert!(seen["compare_rows"].as_u64().unwrap() >= 4, "{}", seen["compare_rows"]);
    let cells: Vec<&str> = seen["sql_cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(cells.contains(&"timm") && cells.contains(&"huggingface"), "{cells:?}");
    assert!(!seen["leaderboard_models"].as_array().unwrap().is_empty());
    assert!(seen["pareto_points"].as_u64().unwrap() >= 2);
    assert!(
        seen["error_box"].as_str().unwrap().contains('^'),
        "{}",
        seen["error_box"]
    );

    if shared.is_some() {
        walkthrough_answers_the_sst2_question(&db, &seen["walkthrough"]);
        plan_pages_show_the_plan_and_its_front(&db, &seen);
    }

    for page in seen["hostile"].as_array().unwrap() {
        let id = page["id"].as_str().unwrap();
        assert_eq!(page["alert"], false, "{id}: an alert opened");
        assert_eq!(page["pwned"], false, "{id}: a script ran");
        assert_eq!(page["scripts"], 0, "{id}: active elements survived");
        assert_eq!(page["handlers"], 0, "{id}: event handlers or script URLs survived");
        assert!(
            page["card_text"]
                .as_str()
                .unwrap()
                .contains("Hostile card text survives"),
            "{id}: {}",
            page["card_text"]
        );
        assert!(
            page["title"].as_str().unwrap().starts_with(id),
            "{id}: the id is shown as text, got {}",
            page["title"]
        );
    }
}

/// "Which text-classification models under a permissive license score best on SST-2, and where
/// do they come from?" — what the clicks showed, checked against the command line.
fn walkthrough_answers_the_sst2_question(db: &Path, walk: &Value) {
    const MODEL: &str = "hf:distilbert/distilbert-base-uncased-finetuned-sst-2-english";
    assert_eq!(walk["task_facet"], true, "{walk}");
    // Each full-text hit shows where the words were found, marked.
    let marked: Vec<&str> = (walk["marked"].as_array().unwrap().iter())
        .filter_map(Value::as_str)
        .collect();
    assert!(
        !marked.is_empty() && marked.iter().all(|m| ["sst", "2"].contains(&m.to_lowercase().as_str())),
        "{marked:?}"
    );
    assert_eq!(walk["query"], "sst-2 task:text-classification");
    assert!(walk["model"].as_str().unwrap().starts_with(MODEL), "{walk}");
    assert!(walk["quality"].as_str().unwrap().contains("% complete"), "{walk}");
    assert!(walk["board"].as_str().unwrap().ends_with("dataset:glue"), "{walk}");
    assert_eq!(walk["filter"], "license:permissive task:text-classification");
    // The SST-2 section lists, best first, the models the same filter finds on the command line.
    let sections = walk["sections"].as_object().unwrap();
    let (title, rows) = (sections.iter())
        .find(|(title, _)| title.contains("sst2"))
        .unwrap_or_else(|| panic!("no SST-2 section in {sections:?}"));
    let rows = rows.as_array().unwrap();
    assert_eq!(rows[0][1], MODEL, "{title}: {rows:?}");
    let board = common::ok_json(macaroni(
        db,
        &["sql", "SELECT DISTINCT model_id FROM evaluation_scores WHERE dataset_id = 'dataset:glue' AND dataset_config = 'sst2'", "--format", "json"],
    ));
    let permissive = common::ok_json(macaroni(
        db,
        &[
            "search",
            "license:permissive task:text-classification",
            "--limit",
            "1000",
            "--format",
            "json",
        ],
    ));
    let allowed: Vec<&str> = (permissive["hits"].as_array().unwrap().iter())
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = (board.as_array().unwrap().iter())
        .filter_map(|r| r["model_id"].as_str())
        .filter(|id| allowed.contains(id))
        .collect();
    let shown: Vec<&str> = rows.iter().map(|r| r[1].as_str().unwrap()).collect();
    let mut sorted_expected = expected.clone();
    sorted_expected.sort();
    let mut sorted_shown = shown.clone();
    sorted_shown.sort();
    assert_eq!(sorted_shown, sorted_expected);
    assert!(
        walk["sorted_url"].as_str().unwrap().contains("sort=parameters"),
        "{walk}"
    );
    // Where it comes from: the card file it was read from, and the model it was fine-tuned from.
    assert!(walk["best"].as_str().unwrap().starts_with(MODEL), "{walk}");
    let sources = walk["sources"].as_str().unwrap();
    assert!(
        sources.contains("distilbert-base-uncased-finetuned-sst-2-english"),
        "{sources}"
    );
    let lineage: Vec<&str> = (walk["lineage"].as_array().unwrap().iter())
        .filter_map(Value::as_str)
        .collect();
    assert!(
        lineage.contains(&"hf:distilbert/distilbert-base-uncased"),
        "{lineage:?}"
    );
}

fn plan_pages_show_the_plan_and_its_front(db: &Path, seen: &Value) {
    let cli = common::ok_json(macaroni(
        db,
        &["plan", "(bottle | tv) & chair", "--max-cost", "150", "--format", "json"],
    ));
    let accuracy = cli["accuracy"].as_f64().unwrap();
    let lead = seen["plan_lead"].as_str().unwrap();
    assert!(lead.contains(&format!("{accuracy:.4}")), "{lead} vs {cli}");
    assert!(seen["plan_rows"].as_u64().unwrap() >= 3, "{seen}");
    assert!(seen["plan_front_points"].as_u64().unwrap() >= 2, "{seen}");
    assert!(
        seen["plan_from_point"].as_str().unwrap().starts_with("Accuracy"),
        "{seen}"
    );
}
