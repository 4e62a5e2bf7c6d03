//! Enrichment: turns raw records into a linked graph.
//!
//! - **Vocabularies** (`vocab/*.yaml`): canonical datasets, tasks, metrics, licenses and
//!   architecture families, written into the store as entities of their own.
//! - **Resolvers** map each raw name a zoo wrote (`imagenet-ilsvrc-2012-cls`, `ImageNet-1k`,
//!   `Apache 2.0`) to a canonical id with a rule and a confidence; what no rule matches is reported,
//!   never guessed.
//! - **Links**: for every relation to a raw name, an inferred relation to the canonical entity, with
//!   the raw value, the rule and the confidence as evidence; `same_as` from the raw id to the
//!   canonical one.
//! - **Lineage** from naming conventions (timm pretrained tags) and `same_as` across zoos.
//! - **Quality**: completeness per model and contradiction checks ([`quality`]).
//!
//! It reads and writes only through the store's typed API (records in, records out) and never
//! parses zoo files. Its output is a set of sources (`vocab:*`, `enrich:*`) that the store diffs
//! like any other, so running it twice changes nothing.

mod lineage;
mod link;
pub mod quality;
pub mod resolve;
pub mod vocab;

use std::collections::BTreeMap;

use macaroni_store::{ApplySummary, SourceBatch, Store, StoreError};

pub use resolve::{Resolution, Resolver};
pub use vocab::Vocabulary;

#[derive(Debug, thiserror::Error)]
pub enum EnrichError {
    #[error("vocabulary {file}: {message}")]
    Vocabulary { file: &'static str, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The vocabulary with a resolver per kind.
pub struct Enricher {
    pub vocabulary: Vocabulary,
    pub datasets: Resolver,
    pub tasks: Resolver,
    pub metrics: Resolver,
    pub licenses: Resolver,
    pub architectures: Resolver,
}

impl Enricher {
    pub fn builtin() -> Result<Enricher, EnrichError> {
        let vocabulary = Vocabulary::builtin()?;
        let mut datasets = Resolver::default();
        for d in &vocabulary.datasets {
            datasets.add(&d.id, &d.aliases, &d.loose_aliases);
        }
        datasets.add_combinations(&vocabulary.combinations);
        datasets.add_placeholders(&vocabulary.placeholders);
        let build = |entries: Vec<(&String, &Vec<String>)>| {
            let mut resolver = Resolver::default();
            for (id, aliases) in entries {
                resolver.add(id, aliases, &[]);
            }
            resolver
        };
        let tasks = build(vocabulary.tasks.iter().map(|t| (&t.id, &t.aliases)).collect());
        let mut metrics = build(vocabulary.metrics.iter().map(|m| (&m.id, &m.aliases)).collect());
        metrics.add_prefixes(&vocabulary.metric_prefixes);
        metrics.add_placeholders(&vocabulary.metric_placeholders);
        let licenses = build(vocabulary.licenses.iter().map(|l| (&l.id, &l.aliases)).collect());
        let mut architectures = build(vocabulary.architectures.iter().map(|a| (&a.id, &a.aliases)).collect());
        architectures.add_placeholders(&vocabulary.architecture_placeholders);
        Ok(Enricher {
            vocabulary,
            datasets,
            tasks,
            metrics,
            licenses,
            architectures,
        })
    }

    /// The built-in vocabularies, parsed once per process (queries call this on every search).
    pub fn shared() -> Result<&'static Enricher, EnrichError> {
        static SHARED: std::sync::OnceLock<Result<Enricher, String>> = std::sync::OnceLock::new();
        match SHARED.get_or_init(|| Enricher::builtin().map_err(|e| e.to_string())) {
            Ok(enricher) => Ok(enricher),
            Err(message) => Err(EnrichError::Vocabulary {
                file: "built-in vocabularies",
                message: message.clone(),
            }),
        }
    }

    /// The vocabulary entry of a metric named raw (`top1`, `WER`) or by id (`metric:wer`).
    pub fn metric_entry(&self, metric: &str) -> Option<&vocab::MetricEntry> {
        let raw = metric.strip_prefix("metric:").unwrap_or(metric);
        match self.metrics.resolve(raw) {
            Resolution::Canonical { ids, .. } => ids.first().and_then(|m| self.vocabulary.metric(m)),
            _ => None,
        }
    }

    /// Whether a bigger value of `metric` is better; metrics outside the vocabulary are taken as such.
    pub fn higher_is_better(&self, metric: &str) -> bool {
        self.metric_entry(metric).is_none_or(|m| m.higher_is_better)
    }

    /// The resolver for the namespace of an id (`dataset`, `task`, `license`, `arch`, `metric`).
    pub fn resolver_for(&self, namespace: &str) -> Option<&Resolver> {
        match namespace {
            "dataset" => Some(&self.datasets),
            "task" => Some(&self.tasks),
            "license" => Some(&self.licenses),
            "arch" => Some(&self.architectures),
            "metric" => Some(&self.metrics),
            _ => None,
        }
    }
}

/// A raw name that no rule resolved, with how many source files use it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Unresolved {
    pub namespace: String,
    pub raw: String,
    pub files: usize,
}

/// What one enrichment run did.
#[derive(Debug, Default)]
pub struct EnrichReport {
    /// (namespace, rule) → number of distinct raw names resolved by it.
    pub resolved: BTreeMap<(String, String), usize>,
    pub unresolved: Vec<Unresolved>,
    /// Raw names recognised as placeholders ("multiple", "imagefolder").
    pub placeholders: Vec<Unresolved>,
    pub summary: ApplySummary,
}

/// Runs every enrichment step over the store's current records and writes the result.
pub fn enrich(store: &mut Store, now: &str) -> Result<EnrichReport, EnrichError> {
    let enricher = Enricher::builtin()?;
    let mut report = EnrichReport::default();
    let snapshot = link::Snapshot::read(store)?;
    let mut batches: Vec<SourceBatch> = link::vocabulary_batches(&enricher, now);
    batches.push(link::links(&enricher, &snapshot, now, &mut report));
    batches.push(lineage::lineage(&enricher, &snapshot, now));
    report.summary = store.apply(&batches, now)?;
    Ok(report)
}

/// Source uris written by enrichment; their statements are never read back as input.
pub(crate) fn is_enrichment_source(uri: &str) -> bool {
    uri.starts_with("enrich:") || uri.starts_with("vocab:")
}

/// Confidences are products of rule weights; four decimals say all they mean.
pub(crate) fn round_confidence(confidence: f64) -> f64 {
    (confidence * 10_000.0).round() / 10_000.0
}
