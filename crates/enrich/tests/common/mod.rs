//! Shared by the enrichment tests.

use std::collections::BTreeSet;

use macaroni_enrich::quality::{model_quality, quality};
use macaroni_format::{Kind, Record, RelationKind};
use macaroni_store::Store;

/// Every model's own quality names exactly the flags the whole-repository check finds for it:
/// those about the model or its evaluations, the missing bases and unknown datasets it names,
/// and the lineage cycles it is part of. Returns how many flags were matched.
pub fn assert_model_quality_agrees(store: &Store) -> usize {
    let report = quality(store).unwrap();
    let mut models = Vec::new();
    store
        .export_each(Some(Kind::Model), |record| {
            models.push(record.id().to_string());
            Ok(())
        })
        .unwrap();
    models.dedup();
    let mut matched = 0;
    for model in &models {
        let about: Vec<String> = store.ids_about(model).unwrap();
        let mut named = BTreeSet::new();
        store
            .export_entities(&about, |record| {
                if let Record::Relation(r) = record {
                    let names_base = r.relation.is_lineage();
                    let names_dataset = matches!(r.relation, RelationKind::TrainedOn | RelationKind::EvaluatedOn);
                    if names_base || names_dataset {
                        named.insert((names_base, r.object));
                    }
                }
                Ok(())
            })
            .unwrap();
        let expected: BTreeSet<(String, String)> = (report.flags.iter())
            .filter(|f| match f.check {
                "base-model-missing" => named.contains(&(true, f.subject.clone())),
                "unknown-dataset" => named.contains(&(false, f.subject.clone())),
                "lineage-cycle" => f.detail.split(['→', ' ']).any(|part| part == model),
                _ => &f.subject == model || about.contains(&f.subject),
            })
            .map(|f| (f.check.to_string(), f.subject.clone()))
            .collect();
        let own = model_quality(store, model).unwrap();
        let got: BTreeSet<(String, String)> = (own.flags.iter())
            .map(|f| {
                // A cycle is reported once for the whole loop, under one of its members.
                let subject = if f.check == "lineage-cycle" {
                    expected
                        .iter()
                        .find(|(check, _)| check == "lineage-cycle")
                        .map_or(f.subject.clone(), |(_, s)| s.clone())
                } else {
                    f.subject.clone()
                };
                (f.check.to_string(), subject)
            })
            .collect();
        assert_eq!(got, expected, "flags of {model}");
        assert!((0.0..=1.0).contains(&own.completeness), "{model}: {}", own.completeness);
        matched += expected.len();
    }
    matched
}
