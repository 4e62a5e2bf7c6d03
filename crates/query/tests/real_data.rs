//! The search language on the real zoo files: every expected answer is computed here from the
//! files (CSV rows, YAML fields, API JSON), never from Macaroni's own output.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use macaroni_query::{search, sql};
use macaroni_sources::{collect_files, read_document, ReadContext, SHARED_DATA_LAYOUT};
use macaroni_store::{Limits, ReadOnly, SourceBatch, Store};
use serde_json::Value;

const NOW: &str = "2026-11-27T00:00:00Z";

fn database() -> Option<&'static Path> {
    static DB: OnceLock<Option<(tempfile::TempDir, PathBuf)>> = OnceLock::new();
    DB.get_or_init(|| {
        let data = macaroni_sources::shared_data_or_skip()?;
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("all.db");
        let mut store = Store::open(&db).unwrap();
        let ctx = ReadContext {
            observed_at: NOW.into(),
            label_taxonomy: None,
        };
        for (reader, folders) in SHARED_DATA_LAYOUT {
            let roots: Vec<PathBuf> = folders.iter().map(|f| data.join(f)).collect();
            let (files, _) = collect_files(reader, &roots);
            let batches: Vec<SourceBatch> = files
                .iter()
                .filter_map(|(root, path)| read_document(root, path).ok())
                .map(|doc| SourceBatch {
                    records: reader.read(&doc, &ctx).records,
                    uri: doc.uri,
                })
                .collect();
            store.apply(&batches, NOW).unwrap();
        }
        macaroni_enrich::enrich(&mut store, NOW).unwrap();
        Some((dir, db))
    })
    .as_ref()
    .map(|(_, db)| db.as_path())
}

fn ids(query: &str) -> BTreeSet<String> {
    let store = ReadOnly::open(database().unwrap()).unwrap();
    let rows =
        search(&store, &format!("{query} limit:10000"), Limits::unbounded()).unwrap_or_else(|e| panic!("{query}: {e}"));
    rows.objects()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

/// Equal sets, or a failure that lists only the differences.
fn assert_same(actual: &BTreeSet<String>, expected: &BTreeSet<String>, what: &str) {
    let missing: Vec<_> = expected.difference(actual).take(10).collect();
    let extra: Vec<_> = actual.difference(expected).take(10).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{what}: missing {missing:?}, unexpected {extra:?}"
    );
}

fn data() -> PathBuf {
    macaroni_sources::shared_data_dir().unwrap()
}

/// (model id, parameters, top-1 on ImageNet) from the model-index blocks of timm's docs, with
/// percentages as written ("85.2%").
fn timm_doc_results() -> Vec<(String, Option<f64>, f64)> {
    let mut out = Vec::new();
    let (docs, _) = collect_files(macaroni_sources::ReaderKind::ModelIndex, &[data().join("timm/hfdocs")]);
    for (_, path) in docs {
        let text = std::fs::read_to_string(&path).unwrap();
        let Some(block) = text
            .split("<!--")
            .find(|b| b.trim_start().starts_with("Type: model-index"))
        else {
            continue;
        };
        let doc: Value = serde_saphyr::from_str(block.split("-->").next().unwrap()).unwrap();
        for model in doc["Models"].as_array().cloned().unwrap_or_default() {
            let params = model["Metadata"]["Parameters"].as_f64();
            for result in model["Results"].as_array().cloned().unwrap_or_default() {
                let top1 = &result["Metrics"]["Top 1 Accuracy"];
                let value = top1
                    .as_f64()
                    .or_else(|| top1.as_str().and_then(|t| t.trim_end_matches('%').parse().ok()));
                if let (true, Some(value)) = (result["Dataset"] == "ImageNet", value) {
                    out.push((format!("timm:{}", model["Name"].as_str().unwrap()), params, value));
                }
            }
        }
    }
    out
}

/// Rows of a timm results CSV as (model, column → cell).
fn csv_rows(file: &str) -> Vec<std::collections::HashMap<String, String>> {
    let text = std::fs::read_to_string(data().join("timm/results").join(file)).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            header
                .iter()
                .map(|h| h.to_string())
                .zip(l.split(',').map(str::to_string))
                .collect()
        })
        .collect()
}

#[test]
fn evaluation_predicates_match_the_results_table() {
    if database().is_none() {
        return;
    }
    let rows = csv_rows("results-imagenet.csv");
    let expected: BTreeSet<String> = rows
        .iter()
        .filter(|r| r["top1"].parse::<f64>().unwrap() >= 85.0)
        .map(|r| format!("timm:{}", r["model"]))
        .collect();
    assert!(expected.len() > 20);
    // timm's docs carry model-index blocks too: `Top 1 Accuracy` on `ImageNet`, written as "85.2%".
    let mut expected = expected;
    expected.extend(
        timm_doc_results()
            .into_iter()
            .filter(|(_, _, top1)| *top1 >= 85.0)
            .map(|(id, _, _)| id),
    );
    // ImageNet-1k validation only: ImageNet-ReaL, -A and -V2 rows are other datasets.
    assert_same(&ids("zoo:timm top1@imagenet-1k>=85"), &expected, "top1 >= 85");
    // The same threshold written as a fraction.
    assert_same(&ids("zoo:timm top1@imagenet-1k>=0.85"), &expected, "top1 >= 0.85");
    let real: BTreeSet<String> = csv_rows("results-imagenet-real.csv")
        .iter()
        .filter(|r| r["top1"].parse::<f64>().unwrap() >= 90.0)
        .map(|r| format!("timm:{}", r["model"]))
        .collect();
    assert_same(&ids("top1@imagenet-real>=90"), &real, "ImageNet-ReaL top1 >= 90");
}

#[test]
fn numbers_with_units_and_boolean_operators() {
    if database().is_none() {
        return;
    }
    let rows = csv_rows("results-imagenet.csv");
    let number = |r: &std::collections::HashMap<String, String>, c: &str| r[c].replace(',', "").parse::<f64>().ok();
    let small_and_good: BTreeSet<String> = rows
        .iter()
        .filter(|r| number(r, "param_count").is_some_and(|p| p < 5.0) && number(r, "top1").is_some_and(|t| t >= 75.0))
        .map(|r| format!("timm:{}", r["model"]))
        .collect();
    let mut small_and_good = small_and_good;
    small_and_good.extend(
        timm_doc_results()
            .into_iter()
            .filter(|(_, params, top1)| params.is_some_and(|p| p < 5e6) && *top1 >= 75.0)
            .map(|(id, _, _)| id),
    );
    assert!(!small_and_good.is_empty());
    assert_same(
        &ids("zoo:timm params<5M top1@imagenet-1k>=75"),
        &small_and_good,
        "params<5M top1>=75",
    );
    // OR of two disjoint conditions is their union; NOT removes.
    let tiny: BTreeSet<String> = rows
        .iter()
        .filter(|r| number(r, "param_count").is_some_and(|p| p < 1.0))
        .map(|r| format!("timm:{}", r["model"]))
        .collect();
    let union: BTreeSet<String> = small_and_good.union(&tiny).cloned().collect();
    assert_same(
        &ids("zoo:timm ((params<5M top1@imagenet-1k>=75) OR (params<1M top1@imagenet-1k>0))"),
        &union,
        "OR",
    );
    let without: BTreeSet<String> = small_and_good.difference(&tiny).cloned().collect();
    assert_same(
        &ids("zoo:timm params<5M top1@imagenet-1k>=75 NOT params<1M"),
        &without,
        "NOT",
    );
}

/// TF Hub docs of one publisher, by kind and metadata lines, read from the files.
fn tfhub_models(publisher: &str, task: Option<&str>) -> usize {
    let root = data().join("tfhub.dev/assets/docs").join(publisher);
    let (files, _) = collect_files(macaroni_sources::ReaderKind::Tfhub, &[root]);
    files
        .iter()
        .filter(|(_, path)| {
            let text = std::fs::read_to_string(path).unwrap();
            let first = text.lines().next().unwrap_or("");
            let model_doc = ["Module", "Placeholder", "Collection", "Lite", "Tfjs", "Coral"]
                .iter()
                .any(|k| first.starts_with(&format!("# {k} ")));
            model_doc && task.is_none_or(|t| text.contains(&format!("<!-- task: {t} -->")))
        })
        .count()
}

#[test]
fn field_filters_match_the_tfhub_docs() {
    if database().is_none() {
        return;
    }
    assert_eq!(
        ids("zoo:tfhub publisher:deepmind").len(),
        tfhub_models("deepmind", None)
    );
    let with_task = tfhub_models("google", Some("image-feature-vector"));
    assert!(with_task > 10);
    // TF Hub's image-feature-vector is the taxonomy's image-feature-extraction.
    assert_eq!(
        ids("zoo:tfhub publisher:google task:image-feature-extraction").len(),
        with_task
    );
    assert_eq!(
        ids("zoo:tfhub publisher:google task:image-feature-vector").len(),
        with_task
    );
}

#[test]
fn dataset_filter_matches_the_mmpretrain_metafiles() {
    if database().is_none() {
        return;
    }
    // Models whose own or collection metadata lists ImageNet-1k as training data.
    let mut expected = BTreeSet::new();
    let (files, _) = collect_files(macaroni_sources::ReaderKind::ModelIndex, &[data().join("mmpretrain")]);
    for (_, path) in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let Ok(doc) = serde_saphyr::from_str::<Value>(&text) else {
            continue;
        };
        let collections = doc["Collections"].as_array().cloned().unwrap_or_default();
        for model in doc["Models"].as_array().cloned().unwrap_or_default() {
            let collection = collections.iter().find(|c| c["Name"] == model["In Collection"]);
            let data = match &model["Metadata"]["Training Data"] {
                Value::Null => collection
                    .map(|c| c["Metadata"]["Training Data"].clone())
                    .unwrap_or(Value::Null),
                other => other.clone(),
            };
            let names: Vec<String> = match data {
                Value::String(s) => vec![s],
                Value::Array(items) => items.iter().filter_map(|i| i.as_str().map(str::to_string)).collect(),
                _ => vec![],
            };
            if names.iter().any(|n| n == "ImageNet-1k") {
                expected.insert(format!("mmpretrain:{}", model["Name"].as_str().unwrap()));
            }
        }
    }
    assert!(expected.len() > 100);
    assert_same(
        &ids("zoo:mmpretrain dataset:imagenet-1k"),
        &expected,
        "trained on ImageNet-1k",
    );
    assert_eq!(
        ids("zoo:mmpretrain dataset:ImageNet"),
        expected,
        "a loose spelling resolves too"
    );
}

#[test]
fn common_ancestors_follow_the_api_base_model_tags() {
    if database().is_none() {
        return;
    }
    // Models grouped by the base model their API record tags.
    let mut by_base: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for entry in std::fs::read_dir(data().join("hf-api-models/responses")).unwrap() {
        let api: Value = serde_json::from_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap()).unwrap();
        for tag in api["tags"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            if let Some(base) = tag
                .strip_prefix("base_model:")
                .and_then(|t| t.split_once(':'))
                .map(|(_, b)| b)
            {
                let model = format!("hf:{}", api["id"].as_str().unwrap());
                by_base.entry(format!("hf:{base}")).or_default().push(model);
            }
        }
    }
    let store = ReadOnly::open(database().unwrap()).unwrap();
    let options = macaroni_query::LineageOptions {
        up: true,
        relations: Vec::new(),
        max_depth: 5,
    };
    let mut checked = 0;
    for (base, models) in &by_base {
        for model in models {
            // A model and its base: the base itself is the nearest shared ancestor.
            let shared = macaroni_query::common_ancestors(&store, model, base, &options, Limits::unbounded()).unwrap();
            let nearest = shared.first().unwrap();
            assert_eq!(
                (nearest.id.as_str(), nearest.depth_from_first, nearest.depth_from_second),
                (base.as_str(), 1, 0)
            );
            checked += 1;
        }
        // Two walks from the same model meet at every step: itself, then its base one hop up on both.
        for model in models {
            let shared = macaroni_query::common_ancestors(&store, model, model, &options, Limits::unbounded()).unwrap();
            assert_eq!((shared[0].id.as_str(), shared[0].depth_from_first), (model.as_str(), 0));
            assert!(shared
                .iter()
                .any(|c| &c.id == base && c.depth_from_first == 1 && c.depth_from_second == 1));
        }
    }
    assert!(checked >= 3, "{checked}");
    // Unrelated models share nothing.
    let shared = macaroni_query::common_ancestors(
        &store,
        "hf:no-such/model",
        "hf:another/missing",
        &options,
        Limits::unbounded(),
    )
    .unwrap();
    assert!(shared.is_empty());
}

#[test]
fn lineage_and_full_text_match_the_api_records() {
    if database().is_none() {
        return;
    }
    // Every API record that tags a base model must be found among that base's descendants.
    let dir = data().join("hf-api-models/responses");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let api: Value = serde_json::from_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap()).unwrap();
        for tag in api["tags"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            let parts: Vec<&str> = tag.splitn(3, ':').collect();
            if parts.len() == 3 && parts[0] == "base_model" {
                let found = ids(&format!("descendant-of(hf:{}, any, 1)", parts[2]));
                assert!(found.contains(&format!("hf:{}", api["id"].as_str().unwrap())), "{tag}");
                // The base need not be in the repository; the lineage walk reports the edge anyway.
                let store = ReadOnly::open(database().unwrap()).unwrap();
                let options = macaroni_query::LineageOptions {
                    up: true,
                    relations: Vec::new(),
                    max_depth: 1,
                };
                let up = macaroni_query::lineage(
                    &store,
                    &format!("hf:{}", api["id"].as_str().unwrap()),
                    &options,
                    Limits::unbounded(),
                )
                .unwrap();
                assert!(up.edges.iter().any(|e| e.id == format!("hf:{}", parts[2])), "{tag}");
                checked += 1;
            }
        }
    }
    assert!(checked >= 3, "{checked}");
    // A quoted phrase: every card model found has it in its text, and the count matches the cards.
    let store = ReadOnly::open(database().unwrap()).unwrap();
    let found = ids("zoo:huggingface \"fine-tuned version of\"");
    assert!(found.len() >= 10);
    for id in &found {
        let rows = sql(
            &store,
            &format!("SELECT 1 FROM models WHERE id = '{}'", id.replace('\'', "''")),
            Limits::unbounded(),
        )
        .unwrap();
        assert_eq!(rows.rows.len(), 1);
    }
}

#[test]
fn hostile_queries_are_harmless_and_bounded() {
    let Some(db) = database() else { return };
    let store = ReadOnly::open(db).unwrap();
    let limits = Limits {
        max_rows: 100,
        ..Limits::unbounded()
    };
    let before = sql(&store, "SELECT COUNT(*) AS n FROM models", limits).unwrap().rows[0][0].clone();
    for hostile in [
        "'; DROP TABLE models; --",
        "\"); DELETE FROM models; --",
        "zoo:'timm' OR '1'='1'",
        "id:x' OR 1=1 --",
    ] {
        // Parsed as text or field values, bound as parameters: runs, matches nothing harmful.
        let _ = search(&store, hostile, limits);
    }
    assert_eq!(
        sql(&store, "SELECT COUNT(*) AS n FROM models", limits).unwrap().rows[0][0],
        before
    );
    let huge = "bert ".repeat(300_000);
    assert!(search(&store, &huge, limits).is_err());
    let deep = format!("{}zoo:timm{}", "(".repeat(10_000), ")".repeat(10_000));
    assert!(search(&store, &deep, limits).is_err());
    let wide = vec!["zoo:timm"; 5_000].join(" OR ");
    assert!(search(&store, &wide, limits).is_err());
}

#[test]
fn compare_and_pareto_front_match_the_results_table() {
    if database().is_none() {
        return;
    }
    let store = ReadOnly::open(database().unwrap()).unwrap();
    // Best top-1 per model on ImageNet-ReaL (a model is listed once per test resolution), and its size.
    let mut best: std::collections::BTreeMap<String, (f64, f64)> = Default::default();
    for r in csv_rows("results-imagenet-real.csv") {
        let (Ok(top1), Ok(params)) = (
            r["top1"].parse::<f64>(),
            r["param_count"].replace(',', "").parse::<f64>(),
        ) else {
            continue;
        };
        let entry = best
            .entry(format!("timm:{}", r["model"]))
            .or_insert((top1, params * 1e6));
        entry.0 = entry.0.max(top1);
    }
    // Compare two models: the shared ImageNet-ReaL top-1 row holds the table's values.
    let pair: Vec<String> = best.keys().take(2).cloned().collect();
    let comparison = macaroni_query::compare(&store, &pair, false, Limits::unbounded()).unwrap();
    let row = comparison
        .benchmarks
        .iter()
        .find(|b| b.dataset == "dataset:imagenet-real" && b.metric == "metric:top1-accuracy")
        .expect("shared ImageNet-ReaL row");
    assert_eq!(row.values, vec![Some(best[&pair[0]].0), Some(best[&pair[1]].0)]);
    // The Pareto front of top-1 (max) against parameters (min), recomputed from the table.
    let points: Vec<(&String, &(f64, f64))> = best.iter().collect();
    let dominated = |p: &(f64, f64)| {
        points
            .iter()
            .any(|(_, q)| q.0 >= p.0 && q.1 <= p.1 && (q.0 > p.0 || q.1 < p.1))
    };
    let expected: BTreeSet<String> = points
        .iter()
        .filter(|(_, p)| !dominated(p))
        .map(|(id, _)| (*id).clone())
        .collect();
    let objectives = [
        macaroni_query::Objective {
            name: "top1@imagenet-real".into(),
            maximize: true,
        },
        macaroni_query::Objective {
            name: "params".into(),
            maximize: false,
        },
    ];
    let front = macaroni_query::pareto(&store, "eval:imagenet-real", &objectives, Limits::unbounded()).unwrap();
    let actual: BTreeSet<String> = front.iter().map(|p| p.id.clone()).collect();
    assert!(expected.len() >= 5);
    assert_same(&actual, &expected, "Pareto front");
}

#[test]
fn as_many_ored_terms_as_the_limit_allows_run_and_match_their_union() {
    if database().is_none() {
        return;
    }
    // SQLite refused 194 or more OR'd terms ("Expression tree is too large") before the compiled
    // condition was balanced.
    let rows = csv_rows("results-imagenet.csv");
    let wanted: BTreeSet<String> = rows.iter().take(250).map(|r| format!("timm:{}", r["model"])).collect();
    let by_id = wanted
        .iter()
        .map(|id| format!("id:{id}"))
        .collect::<Vec<_>>()
        .join(" OR ");
    assert_same(&ids(&by_id), &wanted, "250 ids OR'd");
    // Words too: each OR'd word adds the models whose name holds it.
    let words: Vec<String> = (0..250)
        .map(|i| format!("nosuchword{i}"))
        .chain(["resnet50".to_string()])
        .collect();
    assert_same(&ids(&words.join(" OR ")), &ids("resnet50"), "251 words OR'd");
    // The same terms under NOT, ANDed: nothing they name is left.
    let excluded = wanted
        .iter()
        .map(|id| format!("-id:{id}"))
        .collect::<Vec<_>>()
        .join(" ");
    let rest = ids(&format!("zoo:timm {excluded}"));
    assert!(!rest.is_empty() && rest.is_disjoint(&wanted));
    // Found by the search fuzz target: a hundred negated words and a lineage chain nested
    // subqueries past the read-only connection's limit ("subqueries nested too deep").
    let negated: String = (0..250).map(|i| format!("-nosuchword{i} ")).collect();
    let chain = "descendant-of(hf:meta-llama/Llama-2-7b-hf, fine_tuned_from>quantized_from, 3)";
    assert_same(
        &ids(&format!("{negated}{chain}")),
        &ids(chain),
        "250 NOTs and a lineage chain",
    );
}
