//! Counts of what the repository holds, in the one shape the CLI and the API both print.

use std::collections::BTreeMap;

use macaroni_format::Kind;
use serde::Serialize;
use utoipa::ToSchema;

use crate::{Repo, Result};

/// How much history and how many sources lie behind the counts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StorageCounts {
    pub sources: i64,
    pub statements_current: i64,
    pub statements_closed: i64,
    pub facts_current: i64,
    pub facts_history: i64,
    pub schema_version: i64,
}

/// Entities per kind (every kind named, zeros included), relations per type, models per zoo.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatsDoc {
    /// `model`, `dataset`, `evaluation`, ... → current entities of that kind.
    #[serde(flatten)]
    pub kinds: BTreeMap<String, i64>,
    pub relations_by_type: BTreeMap<String, i64>,
    pub models_by_zoo: BTreeMap<String, i64>,
    pub storage: StorageCounts,
}

impl Repo {
    pub fn stats(&self) -> Result<StatsDoc> {
        let stats = self.store.stats()?;
        let kinds = Kind::ALL
            .iter()
            .map(|k| {
                (
                    k.as_str().to_string(),
                    stats.kinds.get(k.as_str()).copied().unwrap_or(0),
                )
            })
            .collect();
        Ok(StatsDoc {
            kinds,
            relations_by_type: stats.relations,
            models_by_zoo: stats.zoos,
            storage: StorageCounts {
                sources: stats.sources,
                statements_current: stats.statements_current,
                statements_closed: stats.statements_closed,
                facts_current: stats.facts_current,
                facts_history: stats.facts_history,
                schema_version: stats.schema_version,
            },
        })
    }
}
