//! Quality: how complete each model's metadata is, and which facts contradict each other.
//!
//! Completeness is a weighted share of [`FIELDS`]. The checks flag, naming the files involved:
//! a derivative whose license is more permissive than its base's, an evaluation value outside its
//! metric's range, a dataset name no rule resolves, a base model missing from the repository, and
//! lineage cycles.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use macaroni_format::{id, RelationKind};
use macaroni_store::Store;
use serde::Serialize;

use crate::link::{ModelFacts, Snapshot, SourceRelation};
use crate::{EnrichError, Enricher, Resolution};

/// The fields completeness is measured over, with their weights.
pub const FIELDS: [(&str, u32); 9] = [
    ("license", 2),
    ("task", 2),
    ("training data", 2),
    ("evaluation", 2),
    ("description", 1),
    ("library", 1),
    ("parameters", 1),
    ("paper", 1),
    ("publisher", 1),
];

/// Completeness scores of one zoo's models.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Distribution {
    pub models: usize,
    pub mean: f64,
    pub p10: f64,
    pub median: f64,
    pub p90: f64,
    /// Models per score bucket: [0, 0.2), [0.2, 0.4), [0.4, 0.6), [0.6, 0.8), [0.8, 1].
    pub buckets: [usize; 5],
}

/// One contradiction or gap, with the files that state the facts involved.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Flag {
    pub check: &'static str,
    pub subject: String,
    pub detail: String,
    pub files: Vec<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QualityReport {
    pub completeness: BTreeMap<String, Distribution>,
    pub flags: Vec<Flag>,
}

pub fn quality(store: &Store) -> Result<QualityReport, EnrichError> {
    let enricher = Enricher::builtin()?;
    let snapshot = Snapshot::read(store)?;
    let mut flags = Vec::new();
    flags.extend(license_contradictions(&enricher, &snapshot));
    flags.extend(values_out_of_range(&enricher, &snapshot));
    flags.extend(unknown_datasets(&enricher, &snapshot));
    flags.extend(missing_bases(&snapshot));
    flags.extend(lineage_cycles(&snapshot));
    flags.extend(declared_versus_extracted(&snapshot));
    Ok(QualityReport {
        completeness: completeness(&snapshot),
        flags,
    })
}

fn by_subject(snapshot: &Snapshot) -> HashMap<&str, Vec<&SourceRelation>> {
    let mut map: HashMap<&str, Vec<&SourceRelation>> = HashMap::new();
    for r in &snapshot.relations {
        map.entry(r.subject.as_str()).or_default().push(r);
    }
    map
}

/// Each model's completeness score in [0, 1].
pub(crate) fn scores(snapshot: &Snapshot) -> BTreeMap<String, f64> {
    let relations = by_subject(snapshot);
    let evaluated: BTreeSet<&str> = snapshot.evaluations.iter().map(|e| e.model.as_str()).collect();
    snapshot
        .models
        .iter()
        .map(|(model, facts)| {
            let rels = relations.get(model.as_str()).map(Vec::as_slice).unwrap_or(&[]);
            let present = present_fields(facts, rels, evaluated.contains(model.as_str()));
            (model.clone(), score(&present))
        })
        .collect()
}

/// The [`FIELDS`] a model's facts and relations fill.
fn present_fields(facts: &ModelFacts, relations: &[&SourceRelation], evaluated: bool) -> BTreeSet<&'static str> {
    let has_rel = |kind: RelationKind| relations.iter().any(|r| r.relation == kind);
    let has = |field: &str| facts.fields.contains(field);
    let present = |name: &str| match name {
        "license" => has("license") || has_rel(RelationKind::LicensedUnder),
        "task" => has("task") || has_rel(RelationKind::ImplementsTask),
        "training data" => has_rel(RelationKind::TrainedOn),
        "evaluation" => evaluated,
        "description" => has("description") || has("card_text"),
        "library" => has("library") || has_rel(RelationKind::BuiltWith),
        "parameters" => has("parameters"),
        "paper" => has_rel(RelationKind::DescribedIn),
        "publisher" => has_rel(RelationKind::PublishedBy),
        _ => false,
    };
    FIELDS
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| present(name))
        .collect()
}

/// The weighted share of [`FIELDS`] present.
fn score(present: &BTreeSet<&'static str>) -> f64 {
    let total: u32 = FIELDS.iter().map(|(_, w)| w).sum();
    let got: u32 = FIELDS
        .iter()
        .filter(|(name, _)| present.contains(name))
        .map(|(_, w)| w)
        .sum();
    f64::from(got) / f64::from(total)
}

/// One model's completeness and the flags that concern it or its evaluations.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ModelQuality {
    pub model: String,
    /// Weighted share of the fields present, in [0, 1].
    pub completeness: f64,
    /// Fields of the completeness measure no source states, heaviest first.
    pub missing: Vec<&'static str>,
    pub flags: Vec<Flag>,
}

/// The quality of one model, from the records around it (its own, its relations and
/// evaluations, and its bases'): the same checks as [`quality`], at the cost of one model.
pub fn model_quality(store: &Store, model: &str) -> Result<ModelQuality, EnrichError> {
    let enricher = Enricher::shared()?;
    let snapshot = Snapshot::around(store, model)?;
    let relations: Vec<&SourceRelation> = snapshot.relations.iter().filter(|r| r.subject == model).collect();
    let evaluated = snapshot.evaluations.iter().any(|e| e.model == model);
    let present = snapshot
        .models
        .get(model)
        .map(|facts| present_fields(facts, &relations, evaluated))
        .unwrap_or_default();
    let mut missing: Vec<(&'static str, u32)> = FIELDS
        .iter()
        .copied()
        .filter(|(name, _)| !present.contains(name))
        .collect();
    missing.sort_by_key(|(_, weight)| std::cmp::Reverse(*weight));
    // The model's own statements; its bases' are needed only for their licenses.
    let own = Snapshot {
        relations: relations.iter().map(|r| (*r).clone()).collect(),
        models: snapshot.models.clone(),
        evaluations: snapshot.evaluations.clone(),
    };
    let mut flags: Vec<Flag> = license_contradictions(enricher, &snapshot)
        .into_iter()
        .filter(|f| f.subject == model)
        .collect();
    flags.extend(values_out_of_range(enricher, &own));
    flags.extend(missing_bases(&own));
    flags.extend(declared_versus_extracted(&own));
    flags.extend(unknown_datasets(enricher, &own));
    if store.in_lineage_cycle(model)? {
        flags.push(Flag {
            check: "lineage-cycle",
            subject: model.to_string(),
            detail: format!("{model} is among its own ancestors"),
            files: snapshot
                .models
                .get(model)
                .map(|f| f.uris.iter().cloned().collect())
                .unwrap_or_default(),
        });
    }
    Ok(ModelQuality {
        model: model.to_string(),
        completeness: score(&present),
        missing: missing.into_iter().map(|(name, _)| name).collect(),
        flags,
    })
}

fn completeness(snapshot: &Snapshot) -> BTreeMap<String, Distribution> {
    let scores = scores(snapshot);
    let mut per_zoo: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for (model, score) in scores {
        let zoo = snapshot
            .models
            .get(&model)
            .and_then(|f| f.zoo.clone())
            .unwrap_or_else(|| "unknown".into());
        per_zoo.entry(zoo).or_default().push(score);
    }
    per_zoo
        .into_iter()
        .map(|(zoo, mut values)| {
            values.sort_by(f64::total_cmp);
            let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
            let mut buckets = [0; 5];
            for v in &values {
                buckets[((v * 5.0) as usize).min(4)] += 1;
            }
            let distribution = Distribution {
                models: values.len(),
                mean: values.iter().sum::<f64>() / values.len() as f64,
                p10: at(0.1),
                median: at(0.5),
                p90: at(0.9),
                buckets,
            };
            (zoo, distribution)
        })
        .collect()
}

/// The license class a model declares, through the license vocabulary.
fn license_class<'a>(enricher: &'a Enricher, raw: &str) -> Option<(&'a str, &'a str)> {
    let Resolution::Canonical { ids, .. } = enricher.licenses.resolve(raw) else {
        return None;
    };
    let entry = enricher.vocabulary.license(ids.first()?)?;
    (entry.class != "unknown").then_some((entry.id.as_str(), entry.class.as_str()))
}

fn model_license(snapshot: &Snapshot, model: &str) -> Option<String> {
    snapshot.models.get(model).and_then(|f| f.license.clone()).or_else(|| {
        snapshot
            .relations
            .iter()
            .find(|r| r.subject == model && r.relation == RelationKind::LicensedUnder)
            .map(|r| {
                r.raw
                    .clone()
                    .unwrap_or_else(|| r.object.trim_start_matches("license:").to_string())
            })
    })
}

fn files_of(snapshot: &Snapshot, models: &[&str]) -> Vec<String> {
    let mut files: BTreeSet<String> = BTreeSet::new();
    for model in models {
        if let Some(facts) = snapshot.models.get(*model) {
            files.extend(facts.uris.iter().cloned());
        }
    }
    files.into_iter().collect()
}

fn license_contradictions(enricher: &Enricher, snapshot: &Snapshot) -> Vec<Flag> {
    let mut flags = Vec::new();
    let mut seen = BTreeSet::new();
    for r in snapshot.relations.iter().filter(|r| r.relation.is_lineage()) {
        let (Some(derived), Some(base)) = (model_license(snapshot, &r.subject), model_license(snapshot, &r.object))
        else {
            continue;
        };
        let (Some((derived_id, derived_class)), Some((base_id, base_class))) =
            (license_class(enricher, &derived), license_class(enricher, &base))
        else {
            continue;
        };
        let v = &enricher.vocabulary;
        if v.class_rank(derived_class) > v.class_rank(base_class) && seen.insert((r.subject.clone(), r.object.clone()))
        {
            flags.push(Flag {
                check: "license-more-permissive-than-base",
                subject: r.subject.clone(),
                detail: format!(
                    "{derived_id} ({derived_class}) but {} {} which is {base_id} ({base_class})",
                    r.relation.as_str(),
                    r.object
                ),
                files: files_of(snapshot, &[&r.subject, &r.object]),
            });
        }
    }
    flags
}

fn values_out_of_range(enricher: &Enricher, snapshot: &Snapshot) -> Vec<Flag> {
    let mut flags = Vec::new();
    for e in &snapshot.evaluations {
        let (Some(raw), Some(value)) = (&e.metric, e.value) else {
            continue;
        };
        let Resolution::Canonical { ids, .. } = enricher.metrics.resolve(raw) else {
            continue;
        };
        let Some(metric) = ids.first().and_then(|m| enricher.vocabulary.metric(m)) else {
            continue;
        };
        let (low, high) = match metric.range {
            Some((low, high)) => (low, high),
            // Fractions may be written as 0–1 or as percentages; error rates may pass 100 %.
            None if metric.fraction || metric.percent_only => {
                (Some(0.0), if metric.unbounded_above { None } else { Some(100.0) })
            }
            None => (None, None),
        };
        let below = low.is_some_and(|l| value < l);
        let above = high.is_some_and(|h| value > h);
        if below || above {
            let bound = |b: Option<f64>| b.map_or("∞".to_string(), |v| v.to_string());
            flags.push(Flag {
                check: "evaluation-value-out-of-range",
                subject: e.id.clone(),
                detail: format!(
                    "{raw} = {value}, outside [{}, {}] for {}",
                    bound(low),
                    bound(high),
                    metric.name
                ),
                files: vec![e.uri.clone()],
            });
        }
    }
    flags
}

fn unknown_datasets(enricher: &Enricher, snapshot: &Snapshot) -> Vec<Flag> {
    let mut by_raw: BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
    for r in &snapshot.relations {
        if !matches!(r.relation, RelationKind::TrainedOn | RelationKind::EvaluatedOn)
            || id::namespace(&r.object) != "dataset"
        {
            continue;
        }
        let raw = r
            .raw
            .clone()
            .unwrap_or_else(|| r.object.trim_start_matches("dataset:").to_string());
        if enricher.datasets.resolve(&raw) == Resolution::Unresolved {
            let entry = by_raw.entry(raw).or_default();
            entry.0.insert(r.subject.clone());
            entry.1.insert(r.uri.clone());
        }
    }
    by_raw
        .into_iter()
        .map(|(raw, (models, files))| Flag {
            check: "unknown-dataset",
            subject: format!("dataset:{}", id::slug(&raw)),
            detail: format!(
                "`{raw}` is claimed by {} model(s) and matches no known dataset",
                models.len()
            ),
            files: files.into_iter().collect(),
        })
        .collect()
}

/// Namespaces of model ids (bases outside these are not expected to be in the repository).
fn is_model_id(id: &str) -> bool {
    matches!(
        macaroni_format::id::namespace(id),
        "hf" | "tfhub" | "timm" | "pytorch-hub" | "mmpretrain"
    )
}

fn missing_bases(snapshot: &Snapshot) -> Vec<Flag> {
    let mut missing: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for r in snapshot.relations.iter().filter(|r| r.relation.is_lineage()) {
        if is_model_id(&r.object) && !snapshot.models.contains_key(&r.object) {
            missing.entry(r.object.as_str()).or_default().insert(r.uri.as_str());
        }
    }
    missing
        .into_iter()
        .map(|(base, files)| Flag {
            check: "base-model-missing",
            subject: base.to_string(),
            detail: format!(
                "named as a base model by {} file(s) but not in the repository",
                files.len()
            ),
            files: files.into_iter().map(str::to_string).collect(),
        })
        .collect()
}

/// A base model that prose names but the declared metadata contradicts: both are kept (the
/// declared one wins in the merged view), and the disagreement is flagged here.
fn declared_versus_extracted(snapshot: &Snapshot) -> Vec<Flag> {
    use macaroni_format::Method;
    let name = |id: &str| {
        id.trim_start_matches("hf:")
            .rsplit('/')
            .next()
            .unwrap_or("")
            .to_lowercase()
    };
    /// One model's bases by how they were obtained, and the files that name them.
    #[derive(Default)]
    struct Bases<'a> {
        declared: BTreeSet<&'a str>,
        extracted: BTreeSet<&'a str>,
        files: BTreeSet<&'a str>,
    }
    let mut by_model: BTreeMap<&str, Bases> = BTreeMap::new();
    for r in snapshot.relations.iter().filter(|r| r.relation.is_lineage()) {
        let entry = by_model.entry(r.subject.as_str()).or_default();
        match r.method {
            Method::Declared | Method::Inferred | Method::Imported => entry.declared.insert(r.object.as_str()),
            Method::TextPattern | Method::ParsedTable => entry.extracted.insert(r.object.as_str()),
        };
        entry.files.insert(r.uri.as_str());
    }
    by_model
        .into_iter()
        .filter_map(
            |(
                model,
                Bases {
                    declared,
                    extracted,
                    files,
                },
            )| {
                let declared_names: BTreeSet<String> = declared.iter().map(|d| name(d)).collect();
                let disagreeing: Vec<&str> = extracted
                    .iter()
                    .copied()
                    .filter(|e| !declared_names.contains(&name(e)))
                    .collect();
                (!declared.is_empty() && !disagreeing.is_empty()).then(|| Flag {
                    check: "declared-vs-extracted-base",
                    subject: model.to_string(),
                    detail: format!(
                        "declared base {} but the text names {}",
                        declared.iter().copied().collect::<Vec<_>>().join(", "),
                        disagreeing.join(", ")
                    ),
                    files: files.into_iter().map(str::to_string).collect(),
                })
            },
        )
        .collect()
}

/// Strongly connected components of the lineage graph with more than one node, or a self-loop.
fn lineage_cycles(snapshot: &Snapshot) -> Vec<Flag> {
    let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut files: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for r in snapshot.relations.iter().filter(|r| r.relation.is_lineage()) {
        edges.entry(r.subject.as_str()).or_default().insert(r.object.as_str());
        files.entry(r.subject.as_str()).or_default().insert(r.uri.as_str());
    }
    strongly_connected(&edges)
        .into_iter()
        .filter(|c| c.len() > 1 || edges.get(c[0]).is_some_and(|targets| targets.contains(c[0])))
        .map(|cycle| Flag {
            check: "lineage-cycle",
            subject: cycle[0].to_string(),
            detail: format!("lineage loops through {}", cycle.join(" → ")),
            files: cycle
                .iter()
                .flat_map(|m| files.get(m).into_iter().flatten())
                .map(|f| f.to_string())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
        })
        .collect()
}

/// Tarjan's algorithm, iterative so that long chains cannot overflow the stack.
fn strongly_connected<'a>(edges: &BTreeMap<&'a str, BTreeSet<&'a str>>) -> Vec<Vec<&'a str>> {
    let nodes: BTreeSet<&str> = edges
        .iter()
        .flat_map(|(s, t)| std::iter::once(*s).chain(t.iter().copied()))
        .collect();
    let mut tarjan = Tarjan {
        edges,
        index: HashMap::new(),
        low: HashMap::new(),
        on_stack: BTreeSet::new(),
        stack: Vec::new(),
        components: Vec::new(),
    };
    for start in nodes {
        if !tarjan.index.contains_key(start) {
            tarjan.run_from(start);
        }
    }
    tarjan.components
}

struct Tarjan<'a, 'e> {
    edges: &'e BTreeMap<&'a str, BTreeSet<&'a str>>,
    index: HashMap<&'a str, usize>,
    low: HashMap<&'a str, usize>,
    on_stack: BTreeSet<&'a str>,
    stack: Vec<&'a str>,
    components: Vec<Vec<&'a str>>,
}

impl<'a> Tarjan<'a, '_> {
    /// Numbers a node, puts it on the stack and returns its successors still to visit.
    fn open(&mut self, node: &'a str) -> Vec<&'a str> {
        let number = self.index.len();
        self.index.insert(node, number);
        self.low.insert(node, number);
        self.stack.push(node);
        self.on_stack.insert(node);
        self.edges
            .get(node)
            .map(|t| t.iter().rev().copied().collect())
            .unwrap_or_default()
    }

    fn lower(&mut self, node: &'a str, to: usize) {
        if let Some(low) = self.low.get_mut(node) {
            *low = (*low).min(to);
        }
    }

    fn run_from(&mut self, start: &'a str) {
        let mut work = vec![(start, self.open(start))];
        while let Some((node, pending)) = work.last_mut() {
            let node = *node;
            if let Some(next) = pending.pop() {
                match self.index.get(next).copied() {
                    None => {
                        let successors = self.open(next);
                        work.push((next, successors));
                    }
                    Some(number) if self.on_stack.contains(next) => self.lower(node, number),
                    Some(_) => {}
                }
                continue;
            }
            work.pop();
            let node_low = self.low[node];
            if let Some((parent, _)) = work.last() {
                self.lower(parent, node_low);
            }
            if node_low == self.index[node] {
                let mut component = Vec::new();
                while let Some(member) = self.stack.pop() {
                    self.on_stack.remove(member);
                    component.push(member);
                    if member == node {
                        break;
                    }
                }
                component.reverse();
                self.components.push(component);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_cycles_and_self_loops_only() {
        let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        edges.entry("a").or_default().insert("b");
        edges.entry("b").or_default().insert("c");
        edges.entry("c").or_default().insert("a");
        edges.entry("d").or_default().insert("a");
        edges.entry("e").or_default().insert("e");
        let mut big: Vec<Vec<&str>> = strongly_connected(&edges).into_iter().filter(|c| c.len() > 1).collect();
        big.iter_mut().for_each(|c| c.sort());
        assert_eq!(big, vec![vec!["a", "b", "c"]]);
        assert!(strongly_connected(&edges).contains(&vec!["e"]));
    }
}
