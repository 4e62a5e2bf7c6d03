//! What a write did, as documents the CLI and the server print as they are: statement changes
//! per category, warnings with the file they concern, and what enrichment linked.

use std::collections::BTreeMap;

use macaroni_enrich::{EnrichReport, Unresolved};
use macaroni_store::{ApplySummary, Category, Change};
use serde::Serialize;
use utoipa::ToSchema;

use crate::IngestReport;

pub const CATEGORIES: [Category; 3] = [Category::Entities, Category::Relations, Category::Evaluations];
pub const CHANGES: [(Change, &str); 4] = [
    (Change::Added, "added"),
    (Change::Updated, "updated"),
    (Change::Unchanged, "unchanged"),
    (Change::Removed, "removed"),
];

/// Statements added, updated, unchanged and removed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct ChangeCounts {
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub removed: usize,
}

impl ChangeCounts {
    pub fn of(summary: &ApplySummary, category: Category) -> ChangeCounts {
        ChangeCounts {
            added: summary.count(category, Change::Added),
            updated: summary.count(category, Change::Updated),
            unchanged: summary.count(category, Change::Unchanged),
            removed: summary.count(category, Change::Removed),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WarningDoc {
    pub file: String,
    pub kind: String,
    pub message: String,
}

/// One line's worth of what enrichment did after an ingest.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EnrichmentSummary {
    pub links_added: usize,
    pub links_removed: usize,
    pub unresolved: usize,
}

/// An ingest or import run.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IngestDoc {
    pub reader: String,
    pub files: usize,
    /// Files skipped because they are unchanged since they were last read.
    pub unchanged_files: usize,
    pub records: usize,
    pub bytes: u64,
    pub seconds: f64,
    /// `entities`, `relations`, `evaluations` → changes.
    pub counts: BTreeMap<String, ChangeCounts>,
    pub warnings: Vec<WarningDoc>,
    pub enrichment: Option<EnrichmentSummary>,
}

impl IngestReport {
    pub fn to_doc(&self, reader: &str) -> IngestDoc {
        IngestDoc {
            reader: reader.to_string(),
            files: self.files,
            unchanged_files: self.unchanged_files,
            records: self.records,
            bytes: self.bytes,
            seconds: self.elapsed.as_secs_f64(),
            counts: (CATEGORIES.iter())
                .map(|c| (c.as_str().to_string(), ChangeCounts::of(&self.summary, *c)))
                .collect(),
            warnings: (self.warnings.iter())
                .map(|w| WarningDoc {
                    file: w.file.clone(),
                    kind: w.kind.as_str().to_string(),
                    message: w.message.clone(),
                })
                .collect(),
            enrichment: self.enrichment.as_ref().map(|e| EnrichmentSummary {
                links_added: e.summary.count(Category::Relations, Change::Added),
                links_removed: e.summary.count(Category::Relations, Change::Removed),
                unresolved: e.unresolved.len(),
            }),
        }
    }
}

/// Names resolved by one rule of one namespace.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RuleCount {
    pub namespace: String,
    pub rule: String,
    pub names: usize,
}

/// An enrichment run.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EnrichDoc {
    pub links: ChangeCounts,
    pub resolved: Vec<RuleCount>,
    #[schema(value_type = Vec<Object>)]
    pub unresolved: Vec<Unresolved>,
    #[schema(value_type = Vec<Object>)]
    pub placeholders: Vec<Unresolved>,
}

impl EnrichDoc {
    pub fn of(report: &EnrichReport) -> EnrichDoc {
        EnrichDoc {
            links: ChangeCounts::of(&report.summary, Category::Relations),
            resolved: (report.resolved.iter())
                .map(|((namespace, rule), n)| RuleCount {
                    namespace: namespace.clone(),
                    rule: rule.clone(),
                    names: *n,
                })
                .collect(),
            unresolved: report.unresolved.clone(),
            placeholders: report.placeholders.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CrawlFailure {
    pub model: String,
    pub reason: String,
}

/// A crawl of the Hub's API.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CrawlDoc {
    pub endpoint: String,
    pub dry_run: bool,
    pub resumed: bool,
    pub pages: usize,
    pub models_listed: usize,
    pub models_stored: usize,
    pub models_unchanged: usize,
    pub cards_fetched: usize,
    pub cards_unchanged: usize,
    pub cards_missing: usize,
    pub failures: Vec<CrawlFailure>,
    pub requests: u64,
    pub retries: u64,
    pub bytes: u64,
    pub seconds: f64,
}

impl CrawlDoc {
    pub fn of(
        options: &macaroni_crawl::HfOptions,
        report: &macaroni_crawl::CrawlReport,
        traffic: macaroni_crawl::Traffic,
    ) -> CrawlDoc {
        CrawlDoc {
            endpoint: options.endpoint.clone(),
            dry_run: options.dry_run,
            resumed: report.resumed,
            pages: report.pages,
            models_listed: report.models_listed,
            models_stored: report.models_stored,
            models_unchanged: report.models_unchanged,
            cards_fetched: report.cards_fetched,
            cards_unchanged: report.cards_unchanged,
            cards_missing: report.cards_missing,
            failures: (report.failures.iter())
                .map(|(model, reason)| CrawlFailure {
                    model: model.clone(),
                    reason: reason.clone(),
                })
                .collect(),
            requests: traffic.requests,
            retries: traffic.retries,
            bytes: traffic.bytes,
            seconds: report.elapsed_secs,
        }
    }
}
