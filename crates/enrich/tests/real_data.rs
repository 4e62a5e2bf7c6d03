//! Enrichment on the real zoo files in ../shared/data: one store with every reader's output,
//! built once, then resolved, linked and checked.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use macaroni_enrich::{enrich, quality::quality, Enricher, Resolution};
use macaroni_format::{Kind, Record, RelationKind};
use macaroni_sources::{collect_files, read_document, ReadContext};
use macaroni_store::{Change, SourceBatch, Store};

const NOW: &str = "2026-11-27T00:00:00Z";

/// Ingests every reader's folder of ../shared/data into a database file, and enriches it.
fn build(data: &Path, db: &Path) {
    let mut store = Store::open(db).unwrap();
    let plan = macaroni_sources::SHARED_DATA_LAYOUT;
    let ctx = ReadContext {
        observed_at: NOW.into(),
        label_taxonomy: None,
    };
    for (reader, folders) in plan {
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
    enrich(&mut store, NOW).unwrap();
}

/// The enriched database of all shared data, built once for this test binary.
fn database() -> Option<&'static Path> {
    static DB: OnceLock<Option<(tempfile::TempDir, PathBuf)>> = OnceLock::new();
    DB.get_or_init(|| {
        let data = macaroni_sources::shared_data_or_skip()?;
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("all.db");
        build(&data, &db);
        Some((dir, db))
    })
    .as_ref()
    .map(|(_, db)| db.as_path())
}

#[test]
fn every_dataset_name_used_by_three_or_more_files_resolves() {
    let Some(db) = database() else { return };
    let mut store = Store::open(db).unwrap();
    let report = enrich(&mut store, NOW).unwrap();
    let frequent: Vec<_> = report
        .unresolved
        .iter()
        .filter(|u| u.namespace == "dataset" && u.files >= 3)
        .collect();
    assert!(frequent.is_empty(), "unresolved: {frequent:?}");
    // The report is not vacuous: names were resolved, and rare unknown names are listed.
    let resolved: usize = report
        .resolved
        .iter()
        .filter(|((ns, _), _)| ns == "dataset")
        .map(|(_, n)| n)
        .sum();
    assert!(resolved > 100, "{resolved}");
    assert!(report.unresolved.iter().any(|u| u.namespace == "dataset"));
}

#[test]
fn usual_spellings_found_in_the_files_resolve_to_one_dataset() {
    let Some(data) = macaroni_sources::shared_data_or_skip() else {
        return;
    };
    let enricher = Enricher::builtin().unwrap();
    // (a file that writes the spelling, the spelling, the canonical dataset)
    let cases = [
        (
            "tfhub.dev/assets/docs/google/models/imagenet/resnet_v2_50/classification/5.md",
            "imagenet-ilsvrc-2012-cls",
            "imagenet-1k",
        ),
        ("timm/hfdocs/source/models/dpn.mdx", "ImageNet", "imagenet-1k"),
        ("mmpretrain/configs/resnet/metafile.yml", "ImageNet-1k", "imagenet-1k"),
        ("mmpretrain/configs/resnet/metafile.yml", "CIFAR-10", "cifar-10"),
        ("tfhub.dev/tags/dataset.yaml", "coco-2017", "coco"),
        ("mmpretrain/configs/blip2/metafile.yml", "COCO", "coco"),
        ("tfhub.dev/tags/dataset.yaml", "squad-2-0", "squad_v2"),
        ("tfhub.dev/tags/dataset.yaml", "mnli", "multi_nli"),
        ("tfhub.dev/tags/dataset.yaml", "qqp", "qqp"),
        ("tfhub.dev/tags/dataset.yaml", "librispeech", "librispeech"),
        ("tfhub.dev/tags/dataset.yaml", "bookscorpus", "bookcorpus"),
        ("tfhub.dev/tags/dataset.yaml", "wikipedia", "wikipedia"),
        (
            "hf-model-cards/github-found/0131.md",
            "mozilla-foundation/common_voice_11_0",
            "common_voice",
        ),
        (
            "hf-model-cards/github-found/0131.md",
            "common_voice_11_0",
            "common_voice",
        ),
    ];
    for (file, spelling, canonical) in cases {
        let text = std::fs::read_to_string(data.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(text.contains(spelling), "{file} does not write {spelling}");
        assert_eq!(
            enricher.datasets.resolve(spelling).ids(),
            [canonical.to_string()],
            "{spelling}"
        );
    }
    // Spellings used across zoos for the same datasets.
    for (spelling, canonical) in [
        ("imagenet-1k", "imagenet-1k"),
        ("squad", "squad"),
        ("squad_v2", "squad_v2"),
        ("glue", "glue"),
        ("common_voice", "common_voice"),
        ("librispeech_asr", "librispeech"),
        ("bookcorpus", "bookcorpus"),
    ] {
        assert_eq!(
            enricher.datasets.resolve(spelling).ids(),
            [canonical.to_string()],
            "{spelling}"
        );
    }
    assert_eq!(
        enricher.datasets.resolve("wikipedia-and-bookscorpus").ids(),
        ["wikipedia".to_string(), "bookcorpus".to_string()]
    );
    assert_eq!(enricher.datasets.resolve("multiple"), Resolution::Placeholder);
}

#[test]
fn imagenet_1k_links_models_from_four_zoos_with_evidence() {
    let Some(db) = database() else { return };
    let store = Store::open(db).unwrap();
    let view = store.view("dataset:imagenet-1k").unwrap().expect("canonical dataset");
    let namespaces: BTreeSet<&str> = view
        .incoming
        .iter()
        .filter_map(|r| match r {
            Record::Relation(r) if matches!(r.relation, RelationKind::TrainedOn | RelationKind::EvaluatedOn) => {
                Some(macaroni_format::id::namespace(&r.subject))
            }
            _ => None,
        })
        .collect();
    for zoo in ["tfhub", "timm", "mmpretrain", "hf"] {
        assert!(namespaces.contains(zoo), "no {zoo} model linked: {namespaces:?}");
    }
    // Each inferred link carries the raw value, the rule and a confidence below 1.
    let mut checked = 0;
    store
        .export_each(Some(Kind::Relation), |record| {
            if let Record::Relation(r) = record {
                if r.provenance.source.uri == "enrich:links" && r.object == "dataset:imagenet-1k" {
                    assert!(
                        r.attributes.contains_key("raw") && r.attributes.contains_key("rule"),
                        "{r:?}"
                    );
                    assert!(r.provenance.confidence < 1.0 && r.provenance.evidence.is_some());
                    checked += 1;
                }
            }
            Ok(())
        })
        .unwrap();
    assert!(checked > 100, "{checked}");
}

#[test]
fn enriching_again_changes_nothing() {
    let Some(db) = database() else { return };
    let mut store = Store::open(db).unwrap();
    let report = enrich(&mut store, "2026-12-01T00:00:00Z").unwrap();
    for change in [Change::Added, Change::Updated, Change::Removed] {
        assert_eq!(report.summary.total(change), 0, "{change:?}");
    }
    // Every statement enrichment owns was found unchanged.
    let mut owned = 0;
    store
        .export_each(None, |record| {
            let uri = &record.provenance().source.uri;
            if uri.starts_with("enrich:") || uri.starts_with("vocab:") {
                owned += 1;
            }
            Ok(())
        })
        .unwrap();
    assert!(owned > 1000, "{owned}");
    assert_eq!(report.summary.total(Change::Unchanged), owned);
}

#[test]
fn flags_name_real_contradictions_and_their_files() {
    let Some(db) = database() else { return };
    let Some(data) = macaroni_sources::shared_data_or_skip() else {
        return;
    };
    let store = Store::open(db).unwrap();
    let report = quality(&store).unwrap();
    let flag = |check: &str, subject: &str| report.flags.iter().find(|f| f.check == check && f.subject == subject);

    // github-found/0020.md merges two Yi models that are not in the repository.
    let card = std::fs::read_to_string(data.join("hf-model-cards/github-found/0020.md")).unwrap();
    assert!(card.contains("01-ai/Yi-1.5-6B"));
    let missing = flag("base-model-missing", "hf:01-ai/Yi-1.5-6B").expect("missing base flagged");
    assert!(missing.files.iter().any(|f| f.ends_with("github-found/0020.md")));

    // github-found/0049.md (ModelScope style) lists "680,000 hour" among its datasets.
    let card = std::fs::read_to_string(data.join("hf-model-cards/github-found/0049.md")).unwrap();
    assert!(card.contains("680,000 hour"));
    let unknown = flag("unknown-dataset", "dataset:680-000-hour").expect("unknown dataset flagged");
    assert!(unknown.files.iter().any(|f| f.ends_with("github-found/0049.md")));

    // Bases that are in the repository are not flagged.
    assert!(
        flag("base-model-missing", "hf:facebook/bart-large").is_none()
            || store.kind_of("hf:facebook/bart-large").unwrap().is_none()
    );

    // Each model's own quality agrees with the whole-repository check, for every real model.
    assert!(common::assert_model_quality_agrees(&store) >= 2);

    // Completeness is reported for every zoo that was ingested.
    for zoo in ["huggingface", "tfhub", "timm", "pytorch-hub", "mmpretrain"] {
        let d = report
            .completeness
            .get(zoo)
            .unwrap_or_else(|| panic!("no completeness for {zoo}"));
        assert!(d.models > 0 && (0.0..=1.0).contains(&d.mean));
    }
}

#[test]
fn onnx_exports_are_the_same_as_their_timm_originals() {
    let Some(db) = database() else { return };
    let store = Store::open(db).unwrap();
    let mut links = Vec::new();
    store
        .export_each(Some(Kind::Relation), |record| {
            if let Record::Relation(r) = record {
                if r.relation == RelationKind::SameAs && r.subject.starts_with("onnx:") {
                    links.push((r.subject, r.object));
                }
            }
            Ok(())
        })
        .unwrap();
    assert!(!links.is_empty());
    for (onnx, original) in &links {
        assert!(
            store.kind_of(original).unwrap() == Some(Kind::Model),
            "{onnx} → {original} is not in the repository"
        );
        let name = original
            .trim_start_matches("timm:")
            .trim_start_matches("pytorch-hub:pytorch/vision/");
        assert!(onnx.starts_with(&format!("onnx:{name}_Opset")), "{onnx} vs {original}");
    }
}
