//! Canonical entities from the vocabularies, and links from raw names to them.

use std::collections::{BTreeMap, BTreeSet};

use macaroni_format::{
    id, Architecture, Dataset, Kind, License, Method, Metric, Provenance, Record, Relation, RelationKind, Source, Task,
};
use macaroni_store::{SourceBatch, Store};
use serde_json::Value;

use crate::{is_enrichment_source, EnrichError, EnrichReport, Enricher, Resolution, Unresolved};

/// A relation as some source stated it.
#[derive(Debug, Clone)]
pub(crate) struct SourceRelation {
    pub subject: String,
    pub relation: RelationKind,
    pub object: String,
    pub raw: Option<String>,
    pub confidence: f64,
    pub method: Method,
    pub uri: String,
}

/// What enrichment and quality need to know about a model, merged over its sources.
#[derive(Debug, Clone, Default)]
pub(crate) struct ModelFacts {
    pub zoo: Option<String>,
    pub license: Option<String>,
    pub architecture: Option<String>,
    /// Attribute names some source states.
    pub fields: BTreeSet<String>,
    pub uris: BTreeSet<String>,
}

/// An evaluation value with its metric as written.
#[derive(Debug, Clone)]
pub(crate) struct EvaluationFacts {
    pub id: String,
    pub model: String,
    pub metric: Option<String>,
    pub value: Option<f64>,
    pub uri: String,
}

/// The part of the store enrichment reads, from the zoo sources only.
#[derive(Debug, Default)]
pub(crate) struct Snapshot {
    pub relations: Vec<SourceRelation>,
    pub models: BTreeMap<String, ModelFacts>,
    pub evaluations: Vec<EvaluationFacts>,
}

impl Snapshot {
    pub(crate) fn read(store: &Store) -> Result<Snapshot, EnrichError> {
        let mut snapshot = Snapshot::default();
        for kind in [Kind::Relation, Kind::Model, Kind::Evaluation] {
            store.export_each(Some(kind), |record| {
                snapshot.add(record);
                Ok(())
            })?;
        }
        Ok(snapshot)
    }

    /// The part of the store around one model: its statements, relations and evaluations, and
    /// the statements and relations of the models it derives from (their licenses and presence).
    pub(crate) fn around(store: &Store, model: &str) -> Result<Snapshot, EnrichError> {
        let mut snapshot = Snapshot::default();
        let mut ids = vec![model.to_string()];
        ids.extend(store.ids_about(model)?);
        store.export_entities(&ids, |record| {
            snapshot.add(record);
            Ok(())
        })?;
        let bases: BTreeSet<String> = (snapshot.relations.iter())
            .filter(|r| r.subject == model && r.relation.is_lineage())
            .map(|r| r.object.clone())
            .collect();
        let mut around_bases = Vec::new();
        for base in bases {
            around_bases.extend(store.ids_about(&base)?);
            around_bases.push(base);
        }
        store.export_entities(&around_bases, |record| {
            // A base's evaluations say nothing about this model.
            if !matches!(record, Record::Evaluation(_)) {
                snapshot.add(record);
            }
            Ok(())
        })?;
        Ok(snapshot)
    }

    fn add(&mut self, record: Record) {
        match record {
            Record::Relation(r) if !is_enrichment_source(&r.provenance.source.uri) => {
                self.relations.push(SourceRelation {
                    raw: r.attributes.get("raw").and_then(Value::as_str).map(str::to_string),
                    subject: r.subject,
                    relation: r.relation,
                    object: r.object,
                    confidence: r.provenance.confidence,
                    method: r.provenance.method,
                    uri: r.provenance.source.uri,
                });
            }
            Record::Model(ref m) => {
                let facts = self.models.entry(m.id.clone()).or_default();
                facts.zoo = facts.zoo.take().or(m.zoo.clone());
                facts.license = facts.license.take().or(m.license.clone());
                facts.architecture = facts.architecture.take().or(m.architecture.clone());
                facts.fields.extend(record.attributes().keys().cloned());
                facts.uris.insert(m.provenance.source.uri.clone());
            }
            Record::Evaluation(e) => self.evaluations.push(EvaluationFacts {
                metric: e.metric.metric_type.or(e.metric.name),
                value: e.numeric_value,
                model: e.model,
                id: e.id,
                uri: e.provenance.source.uri,
            }),
            _ => {}
        }
    }
}

fn vocab_provenance(file: &str, now: &str) -> Provenance {
    Provenance {
        source: Source {
            zoo: "macaroni-vocab".into(),
            uri: format!("vocab:{file}"),
            revision: None,
        },
        method: Method::Declared,
        observed_at: now.to_string(),
        confidence: 1.0,
        evidence: None,
    }
}

/// The canonical entities, one source per vocabulary file.
pub(crate) fn vocabulary_batches(enricher: &Enricher, now: &str) -> Vec<SourceBatch> {
    let v = &enricher.vocabulary;
    let batch = |file: &str, records: Vec<Record>| SourceBatch {
        uri: format!("vocab:{file}"),
        records,
    };
    let prov = |file: &str| vocab_provenance(file, now);
    let datasets = v
        .datasets
        .iter()
        .map(|d| {
            let mut extra = BTreeMap::new();
            extra.insert("aliases".to_string(), Value::from(d.aliases.clone()));
            if let Some(parent) = &d.parent {
                extra.insert("part_of".to_string(), Value::from(id::dataset(parent)));
            }
            Record::Dataset(Dataset {
                id: id::dataset(&d.id),
                provenance: prov("datasets.yaml"),
                name: Some(d.name.clone()),
                homepage: d.homepage.clone(),
                license: d.license.clone(),
                modality: d.modality.clone(),
                tasks: d.task.iter().map(|t| id::task(t)).collect(),
                configs: d.configs.clone(),
                splits: d.splits.clone(),
                extra,
                ..Dataset::default()
            })
        })
        .collect();
    let tasks = v
        .tasks
        .iter()
        .map(|t| {
            Record::Task(Task {
                id: id::task(&t.id),
                provenance: prov("tasks.yaml"),
                name: Some(t.name.clone()),
                modality: t.modality.clone(),
                parent: t.parent.as_deref().map(id::task),
                ..Task::default()
            })
        })
        .collect();
    let metrics = v
        .metrics
        .iter()
        .map(|m| {
            let scale = if m.percent_only {
                Some("0-100")
            } else if m.fraction {
                Some("0-1 or 0-100")
            } else {
                None
            };
            Record::Metric(Metric {
                id: id::metric(&m.id),
                provenance: prov("metrics.yaml"),
                name: Some(m.name.clone()),
                higher_is_better: Some(m.higher_is_better),
                scale: scale.map(str::to_string),
                ..Metric::default()
            })
        })
        .collect();
    let licenses = v
        .licenses
        .iter()
        .map(|l| {
            Record::License(License {
                id: id::license(&l.id),
                provenance: prov("licenses.yaml"),
                name: Some(l.name.clone()),
                spdx: l.spdx.clone(),
                class: Some(l.class.clone()),
                ..License::default()
            })
        })
        .collect();
    let architectures = v
        .architectures
        .iter()
        .map(|a| {
            Record::Architecture(Architecture {
                id: id::architecture(&a.id),
                provenance: prov("architectures.yaml"),
                name: Some(a.name.clone()),
                family: Some(a.name.clone()),
            })
        })
        .collect();
    vec![
        batch("datasets.yaml", datasets),
        batch("tasks.yaml", tasks),
        batch("metrics.yaml", metrics),
        batch("licenses.yaml", licenses),
        batch("architectures.yaml", architectures),
    ]
}

/// The namespace a relation's object is resolved in, for the relations that point at vocabulary.
fn vocabulary_namespace(relation: RelationKind) -> Option<&'static str> {
    match relation {
        RelationKind::TrainedOn | RelationKind::EvaluatedOn => Some("dataset"),
        RelationKind::ImplementsTask => Some("task"),
        RelationKind::LicensedUnder => Some("license"),
        RelationKind::UsesArchitecture => Some("arch"),
        _ => None,
    }
}

fn enrich_provenance(now: &str, confidence: f64, evidence: String) -> Provenance {
    Provenance {
        source: Source {
            zoo: "macaroni-enrich".into(),
            uri: "enrich:links".into(),
            revision: None,
        },
        method: Method::Inferred,
        observed_at: now.to_string(),
        confidence: crate::round_confidence(confidence),
        evidence: Some(evidence),
    }
}

/// Tallies per raw name: resolution and the files that use it.
#[derive(Default)]
struct Tally {
    files: BTreeMap<(String, String), BTreeSet<String>>,
}

/// Links every raw vocabulary reference to its canonical entity.
pub(crate) fn links(enricher: &Enricher, snapshot: &Snapshot, now: &str, report: &mut EnrichReport) -> SourceBatch {
    let mut records: BTreeMap<String, Record> = BTreeMap::new();
    let mut tally = Tally::default();
    let mut outcomes: BTreeMap<(String, String), Resolution> = BTreeMap::new();
    let references = relation_references(snapshot)
        .chain(model_references(snapshot))
        .chain(metric_references(snapshot));
    for reference in references {
        let Some(resolver) = enricher.resolver_for(reference.namespace) else {
            continue;
        };
        let key = (reference.namespace.to_string(), reference.raw.clone());
        tally
            .files
            .entry(key.clone())
            .or_default()
            .insert(reference.uri.clone());
        let resolution = outcomes
            .entry(key)
            .or_insert_with(|| resolver.resolve(&reference.raw))
            .clone();
        let Resolution::Canonical { ids, rule, confidence } = resolution else {
            continue;
        };
        let evidence = format!("`{}` resolved by rule {rule}", reference.raw);
        for canonical_key in ids {
            let canonical = format!("{}:{canonical_key}", reference.namespace);
            // A reference already written with the canonical id needs no second edge.
            if let (Some(subject), Some(kind)) = (&reference.subject, reference.relation) {
                if *subject != canonical && reference.object != canonical {
                    let relation = Relation::new(
                        subject,
                        kind,
                        &canonical,
                        enrich_provenance(now, confidence * reference.confidence, evidence.clone()),
                    )
                    .with_attribute("raw", reference.raw.as_str())
                    .with_attribute("rule", rule)
                    .with_attribute("resolved_from", reference.object.as_str());
                    records.insert(relation.id.clone(), Record::Relation(relation));
                }
            }
            if reference.object != canonical {
                let same = Relation::new(
                    &reference.object,
                    RelationKind::SameAs,
                    &canonical,
                    enrich_provenance(now, confidence, evidence.clone()),
                )
                .with_attribute("raw", reference.raw.as_str())
                .with_attribute("rule", rule);
                records.insert(same.id.clone(), Record::Relation(same));
            }
        }
    }
    for ((namespace, raw), resolution) in &outcomes {
        let files = tally
            .files
            .get(&(namespace.clone(), raw.clone()))
            .map_or(0, BTreeSet::len);
        let entry = Unresolved {
            namespace: namespace.clone(),
            raw: raw.clone(),
            files,
        };
        match resolution {
            Resolution::Canonical { rule, .. } => {
                *report
                    .resolved
                    .entry((namespace.clone(), rule.to_string()))
                    .or_default() += 1;
            }
            Resolution::Placeholder => report.placeholders.push(entry),
            Resolution::Unresolved => report.unresolved.push(entry),
        }
    }
    report
        .unresolved
        .sort_by(|a, b| b.files.cmp(&a.files).then(a.raw.cmp(&b.raw)));
    SourceBatch {
        uri: "enrich:links".into(),
        records: records.into_values().collect(),
    }
}

/// A raw vocabulary name used somewhere.
struct Reference {
    namespace: &'static str,
    raw: String,
    /// The id the source used for it (`dataset:imagenet-ilsvrc-2012-cls`).
    object: String,
    /// The entity that refers to it, and how, when the reference is a relation.
    subject: Option<String>,
    relation: Option<RelationKind>,
    confidence: f64,
    uri: String,
}

fn relation_references(snapshot: &Snapshot) -> impl Iterator<Item = Reference> + '_ {
    snapshot.relations.iter().filter_map(|r| {
        let namespace = vocabulary_namespace(r.relation)?;
        if id::namespace(&r.object) != namespace {
            return None;
        }
        let key = r.object.split_once(':').map_or("", |(_, k)| k);
        Some(Reference {
            namespace,
            raw: r.raw.clone().unwrap_or_else(|| key.to_string()),
            object: r.object.clone(),
            subject: Some(r.subject.clone()),
            relation: Some(r.relation),
            confidence: r.confidence,
            uri: r.uri.clone(),
        })
    })
}

/// Architectures stated only as a model attribute (HF `config.architectures`, model-index collections).
fn model_references(snapshot: &Snapshot) -> impl Iterator<Item = Reference> + '_ {
    snapshot.models.iter().filter_map(|(model, facts)| {
        let raw = facts.architecture.clone()?;
        Some(Reference {
            namespace: "arch",
            object: id::architecture(&raw),
            raw,
            subject: Some(model.clone()),
            relation: Some(RelationKind::UsesArchitecture),
            confidence: 1.0,
            uri: facts.uris.iter().next().cloned().unwrap_or_default(),
        })
    })
}

/// Metrics as evaluations write them: linked by `same_as` from `metric:<raw>`.
fn metric_references(snapshot: &Snapshot) -> impl Iterator<Item = Reference> + '_ {
    snapshot.evaluations.iter().filter_map(|e| {
        let raw = e.metric.clone()?;
        Some(Reference {
            namespace: "metric",
            object: id::metric(&raw),
            raw,
            subject: None,
            relation: None,
            confidence: 1.0,
            uri: e.uri.clone(),
        })
    })
}
