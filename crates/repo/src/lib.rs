//! The one door to a Macaroni repository, for every interface: the command line, the HTTP
//! server and the crawler.
//!
//! It owns the connections (a read-only pair for reads, the writer for ingest), turns requests
//! into calls on the store, the query layer, enrichment and the optimiser, and hands back typed,
//! serialisable results (`SearchPage`, `EntityDoc`, `HubModel`, ...) and typed errors
//! ([`RepoError`]): `NotFound` with the nearest ids, `Usage` with a position, `Timeout`, `Denied`.
//! Interfaces above it parse a request, call one method, and render the result; they hold no
//! SQL, no JSON shaping of records and no connection handling. It never parses zoo files (the
//! readers do) and writes only through the store's typed calls.
//!
//! Reads never create, migrate or change a file: [`Repo::open_read`] refuses a missing or
//! foreign file, and every read runs on SQLite's read-only connections under a time limit.

mod browse;
mod entity;
mod error;
mod facets;
pub mod hub;
mod instant;
mod pareto;
pub mod plan;
pub mod reports;
mod search;
mod snippet;
mod stats;
mod suggest;
mod write;

use std::path::{Path, PathBuf};

use macaroni_format::{Kind, Record};
use macaroni_query::{Comparison, LineageOptions, LineageResult, Objective};
use macaroni_store::{Limits, ReadOnly, Rows, Store};

pub use browse::{
    DatasetCount, Leaderboard, LeaderboardOrder, LeaderboardRequest, LeaderboardRow, LeaderboardSection, Summary,
    TableDoc,
};
pub use entity::{AsOfDoc, EntityDoc};
pub use error::{RepoError, Result};
pub use facets::{FacetCount, Facets};
pub use instant::Instant;
pub use macaroni_enrich::quality::{ModelQuality, QualityReport};
pub use macaroni_query::{CommonAncestor, Edge};
pub use macaroni_store::FactVersion;
pub use pareto::{objectives, FrontPoint, ObjectiveDoc, ParetoFront};
pub use reports::{EnrichDoc, IngestDoc};
pub use search::{ModelHit, SearchPage, SearchRequest};
pub use snippet::SnippetPart;
pub use stats::{StatsDoc, StorageCounts};
pub use write::{ImportMode, IngestReport, Writer};

/// A repository opened for reading.
pub struct Repo {
    path: PathBuf,
    /// Typed reads of records, history and counts.
    store: Store,
    /// The guarded connection compiled queries and user SQL run on.
    query: ReadOnly,
    limits: Limits,
}

impl Repo {
    /// Opens an existing repository read-only. Never creates or migrates the file: a missing
    /// file is [`RepoError::Missing`], another kind of file or schema [`RepoError::Unreadable`].
    pub fn open_read(path: &Path) -> Result<Repo> {
        Ok(Repo {
            path: path.to_path_buf(),
            store: Store::open_read_only(path)?,
            query: ReadOnly::open(path)?,
            limits: Limits::default(),
        })
    }

    /// The time and row limits every later read of this handle runs under.
    pub fn with_limits(mut self, limits: Limits) -> Repo {
        self.limits = limits;
        self
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Whether an entity with this id exists now.
    pub fn exists(&self, id: &str) -> Result<bool> {
        Ok(self.store.kind_of(id)?.is_some())
    }

    /// `Ok` when `id` exists, else `NotFound` with the nearest ids.
    pub fn require(&self, id: &str) -> Result<()> {
        if self.exists(id)? {
            Ok(())
        } else {
            Err(self.not_found(id))
        }
    }

    fn not_found(&self, id: &str) -> RepoError {
        RepoError::NotFound {
            id: id.to_string(),
            suggestions: suggest::nearest_ids(&self.query, id, self.limits),
        }
    }

    /// Ancestors (`options.up`) or descendants of a model.
    pub fn lineage(&self, id: &str, options: &LineageOptions) -> Result<LineageResult> {
        self.require(id)?;
        Ok(macaroni_query::lineage(&self.query, id, options, self.limits)?)
    }

    /// The ancestors two models share, nearest first.
    pub fn common_ancestors(&self, first: &str, second: &str, options: &LineageOptions) -> Result<Vec<CommonAncestor>> {
        self.require(first)?;
        self.require(second)?;
        Ok(macaroni_query::common_ancestors(
            &self.query,
            first,
            second,
            options,
            self.limits,
        )?)
    }

    /// The benchmarks the models share (all of them with `all`), side by side.
    pub fn compare(&self, ids: &[String], all: bool) -> Result<Comparison> {
        if ids.len() < 2 {
            return Err(RepoError::usage("compare needs at least two model ids"));
        }
        for id in ids {
            self.require(id)?;
        }
        Ok(macaroni_query::compare(&self.query, ids, all, self.limits)?)
    }

    /// The Pareto front of the models a search matches, on two or three objectives.
    pub fn select(&self, query: &str, objectives: &[Objective]) -> Result<ParetoFront> {
        if !(2..=3).contains(&objectives.len()) {
            return Err(RepoError::usage(
                "give two or three objectives (--maximize / --minimize), e.g. --maximize top1@imagenet-1k --minimize params",
            ));
        }
        let points = macaroni_query::pareto(&self.query, query, objectives, self.limits)?;
        Ok(ParetoFront::new(query, objectives, points))
    }

    /// Read-only SQL over the documented tables and views, under `limits`. SQLite's complaints
    /// about the statement (empty, syntax, no such table) are usage errors: the text is the
    /// user's.
    pub fn sql(&self, text: &str, limits: Limits) -> Result<Rows> {
        match macaroni_query::sql(&self.query, text, limits) {
            Err(macaroni_query::QueryError::Store(macaroni_store::StoreError::Sqlite(err)))
                if matches!(
                    err.sqlite_error_code(),
                    None | Some(macaroni_store::SqliteErrorCode::Unknown)
                ) =>
            {
                Err(RepoError::usage(err.to_string()))
            }
            other => Ok(other?),
        }
    }

    /// One model's completeness, the fields it lacks and the flags that concern it.
    pub fn model_quality(&self, id: &str) -> Result<ModelQuality> {
        self.require(id)?;
        Ok(macaroni_enrich::quality::model_quality(&self.store, id)?)
    }

    /// Completeness per zoo and the contradictions found.
    pub fn quality(&self) -> Result<QualityReport> {
        Ok(macaroni_enrich::quality::quality(&self.store)?)
    }

    /// Calls `each` with every current statement (of one kind), in a stable order.
    pub fn export_each(
        &self,
        kind: Option<Kind>,
        each: impl FnMut(Record) -> macaroni_store::Result<()>,
    ) -> Result<usize> {
        Ok(self.store.export_each(kind, each)?)
    }
}

/// The time stamped on facts written now: RFC 3339, UTC, milliseconds.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
