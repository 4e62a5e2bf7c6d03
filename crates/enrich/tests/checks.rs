//! The contradiction checks that the shared data gives no example of, on small records of our own.

mod common;

use macaroni_enrich::quality::quality;
use macaroni_format::{id, Evaluation, MetricRef, Model, Provenance, Record, Relation, RelationKind};
use macaroni_store::{SourceBatch, Store};
use serde_json::json;

const NOW: &str = "2026-11-27T00:00:00Z";

fn model(repo: &str, license: &str) -> Record {
    Record::Model(Model {
        id: id::hf_model(repo),
        provenance: Provenance::declared("huggingface", &format!("/cards/{repo}/README.md"), NOW),
        license: Some(license.into()),
        ..Model::default()
    })
}

fn store_with(records: Vec<Record>) -> Store {
    let mut store = Store::open_in_memory().unwrap();
    let batches: Vec<SourceBatch> = records
        .into_iter()
        .map(|r| SourceBatch {
            uri: r.provenance().source.uri.clone(),
            records: vec![r],
        })
        .collect();
    store.apply(&batches, NOW).unwrap();
    store
}

#[test]
fn a_permissive_fine_tune_of_a_restricted_base_is_flagged() {
    let prov = Provenance::declared("huggingface", "/cards/acme/chat-mit/README.md", NOW);
    let store = store_with(vec![
        model("meta-llama/Llama-2-7b-hf", "llama2"),
        model("acme/chat-mit", "MIT"),
        model("acme/chat-llama2", "llama2"),
        Record::Relation(Relation::new(
            "hf:acme/chat-mit",
            RelationKind::FineTunedFrom,
            "hf:meta-llama/Llama-2-7b-hf",
            prov.clone(),
        )),
        Record::Relation(Relation::new(
            "hf:acme/chat-llama2",
            RelationKind::FineTunedFrom,
            "hf:meta-llama/Llama-2-7b-hf",
            prov,
        )),
    ]);
    let report = quality(&store).unwrap();
    let flags: Vec<_> = report
        .flags
        .iter()
        .filter(|f| f.check == "license-more-permissive-than-base")
        .collect();
    assert_eq!(flags.len(), 1, "{flags:?}");
    assert_eq!(flags[0].subject, "hf:acme/chat-mit");
    assert!(
        flags[0].detail.contains("mit (permissive)") && flags[0].detail.contains("llama2 (restricted)"),
        "{}",
        flags[0].detail
    );
    assert!(flags[0].files.iter().any(|f| f.ends_with("acme/chat-mit/README.md")));
}

#[test]
fn values_outside_the_metric_range_are_flagged() {
    let evaluation = |metric: &str, value: f64| {
        Record::Evaluation(Evaluation {
            id: format!("eval:hf:acme/m#{metric}/{value}"),
            provenance: Provenance::declared("huggingface", "/cards/acme/m/README.md", NOW),
            model: "hf:acme/m".into(),
            metric: MetricRef {
                metric_type: Some(metric.into()),
                ..MetricRef::default()
            },
            value: json!(value),
            numeric_value: Some(value),
            ..Evaluation::default()
        })
    };
    let store = store_with(vec![
        evaluation("accuracy", 0.91),
        evaluation("accuracy", 91.0),
        evaluation("accuracy", 910.0),
        evaluation("f1", -0.2),
        evaluation("wer", 120.0),
        evaluation("perplexity", 0.5),
    ]);
    let report = quality(&store).unwrap();
    let flagged: Vec<&str> = report
        .flags
        .iter()
        .filter(|f| f.check == "evaluation-value-out-of-range")
        .map(|f| f.subject.as_str())
        .collect();
    // Accuracy on either scale is fine, 910 is not; negative F1 is not; WER may pass 100;
    // perplexity cannot be below 1.
    assert_eq!(
        flagged,
        vec![
            "eval:hf:acme/m#accuracy/910",
            "eval:hf:acme/m#f1/-0.2",
            "eval:hf:acme/m#perplexity/0.5"
        ]
    );
}

#[test]
fn vocabulary_aliases_are_unambiguous() {
    let enricher = macaroni_enrich::Enricher::builtin().unwrap();
    for (name, resolver) in [
        ("datasets", &enricher.datasets),
        ("tasks", &enricher.tasks),
        ("metrics", &enricher.metrics),
        ("licenses", &enricher.licenses),
        ("architectures", &enricher.architectures),
    ] {
        assert!(resolver.conflicts().is_empty(), "{name}: {:?}", resolver.conflicts());
    }
}

#[test]
fn prose_naming_another_base_than_the_yaml_is_flagged() {
    use macaroni_format::Method;
    let declared = Provenance::declared("huggingface", "/cards/acme/tuned/README.md", NOW);
    let extracted = declared.with_method(
        Method::TextPattern,
        0.9,
        Some("fine-tuned version of [bert-base-cased]".into()),
    );
    let store = store_with(vec![
        model("acme/tuned", "mit"),
        Record::Relation(Relation::new(
            "hf:acme/tuned",
            RelationKind::FineTunedFrom,
            "hf:google-bert/bert-base-uncased",
            declared.clone(),
        )),
        // The same base under its legacy name agrees; another model disagrees.
        Record::Relation(Relation::new(
            "hf:acme/tuned",
            RelationKind::FineTunedFrom,
            "hf:bert-base-uncased",
            extracted.clone(),
        )),
        Record::Relation(Relation::new(
            "hf:acme/tuned",
            RelationKind::FineTunedFrom,
            "hf:bert-base-cased",
            extracted,
        )),
    ]);
    let report = quality(&store).unwrap();
    let flags: Vec<_> = report
        .flags
        .iter()
        .filter(|f| f.check == "declared-vs-extracted-base")
        .collect();
    assert_eq!(flags.len(), 1);
    assert!(
        flags[0].detail.contains("hf:bert-base-cased") && !flags[0].detail.contains("hf:bert-base-uncased,"),
        "{}",
        flags[0].detail
    );
}

#[test]
fn one_models_quality_finds_what_the_whole_repository_check_finds_for_it() {
    use macaroni_format::Method;
    let prov = |repo: &str| Provenance::declared("huggingface", &format!("/cards/{repo}/README.md"), NOW);
    let relation = |subject: &str, kind: RelationKind, object: &str| {
        Record::Relation(Relation::new(&id::hf_model(subject), kind, object, prov(subject)))
    };
    let store = store_with(vec![
        // A permissive fine-tune of a restricted base.
        model("meta-llama/Llama-2-7b-hf", "llama2"),
        model("acme/chat-mit", "MIT"),
        relation(
            "acme/chat-mit",
            RelationKind::FineTunedFrom,
            "hf:meta-llama/Llama-2-7b-hf",
        ),
        // A value out of range, a base that is not in the repository, a dataset no rule knows.
        model("acme/odd", "apache-2.0"),
        Record::Evaluation(Evaluation {
            id: "eval:hf:acme/odd#accuracy".into(),
            provenance: prov("acme/odd"),
            model: "hf:acme/odd".into(),
            metric: MetricRef {
                metric_type: Some("accuracy".into()),
                ..MetricRef::default()
            },
            value: json!(910.0),
            numeric_value: Some(910.0),
            ..Evaluation::default()
        }),
        relation("acme/odd", RelationKind::FineTunedFrom, "hf:nowhere/base"),
        relation("acme/odd", RelationKind::TrainedOn, "dataset:our-private-crawl-2031"),
        // Prose naming another base than the YAML.
        model("acme/tuned", "mit"),
        relation(
            "acme/tuned",
            RelationKind::FineTunedFrom,
            "hf:google-bert/bert-base-uncased",
        ),
        Record::Relation(Relation::new(
            "hf:acme/tuned",
            RelationKind::FineTunedFrom,
            "hf:bert-base-cased",
            prov("acme/tuned").with_method(
                Method::TextPattern,
                0.9,
                Some("fine-tuned version of [bert-base-cased]".into()),
            ),
        )),
        // A lineage loop of two.
        model("acme/a", "mit"),
        model("acme/b", "mit"),
        relation("acme/a", RelationKind::FineTunedFrom, "hf:acme/b"),
        relation("acme/b", RelationKind::FineTunedFrom, "hf:acme/a"),
    ]);
    let checks: std::collections::BTreeSet<&str> = quality(&store).unwrap().flags.iter().map(|f| f.check).collect();
    assert_eq!(checks.len(), 6, "every check fires on the fixture: {checks:?}");
    assert!(common::assert_model_quality_agrees(&store) >= 6);
    let odd = macaroni_enrich::quality::model_quality(&store, "hf:acme/odd").unwrap();
    assert!(
        odd.missing.contains(&"task") && !odd.missing.contains(&"license"),
        "{:?}",
        odd.missing
    );
}
