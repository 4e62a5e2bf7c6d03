//! The embedded store: one SQLite file holding Macaroni records with their history.
//!
//! It owns the schema and every SQL statement; callers hand it [`Record`]s and get records, typed
//! views and counts back. It never parses zoo files (that is `macaroni-sources`) and knows nothing
//! of the command line.
//!
//! Layout, in two layers:
//! - **statements** and **facts** are the truth: what each source said, attribute by attribute,
//!   with validity intervals. Re-reading a source diffs against what it said last time: an
//!   unchanged fact is left alone, a changed one is closed and a new version opened, so "as of
//!   date D" stays answerable.
//! - **entities, models, datasets, evaluations, relations, cost_measurements, training_runs** and
//!   the FTS5 table **search** are derived from the current facts: the best value per attribute
//!   (declared over extracted, then confidence, then recency). They are rebuilt for the entities
//!   each write touches, inside the same transaction.

mod apply;
mod closure;
mod crawl_state;
mod derive;
mod files;
mod inference;
mod read;
mod readonly;
mod rows;
mod schema;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use macaroni_format::Record;
use rusqlite::Connection;

pub use apply::{ApplySummary, Category, Change};
pub use crawl_state::{Checkpoint, CrawlItem};
pub use files::Fingerprint;
pub use inference::{InferenceCost, LabelPredictor};
pub use read::{EntityView, FactVersion, Stats};
pub use readonly::{Limits, ReadOnly, Rows, SqlValue};
pub use rusqlite::{Error as SqliteError, ErrorCode as SqliteErrorCode};
pub use schema::SCHEMA_VERSION;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored JSON is invalid: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the database has schema version {found}, newer than this program's {supported}; upgrade macaroni")]
    NewerSchema { found: i64, supported: i64 },
    #[error("the database has schema version {found}, older than this program's {supported}; run a writing command once (e.g. `macaroni enrich`) to upgrade it")]
    OlderSchema { found: i64, supported: i64 },
    #[error("no database at {0}; build one first (e.g. `macaroni quickstart` or `macaroni ingest ...`)")]
    Missing(std::path::PathBuf),
    #[error("{path} is not a Macaroni database: {reason}")]
    Foreign { path: std::path::PathBuf, reason: String },
    #[error("stored record {id} is invalid: {message}")]
    Corrupt { id: String, message: String },
    #[error("not allowed on a read-only query: {0}")]
    Denied(String),
    #[error("the query ran longer than {0:?} and was stopped")]
    Timeout(std::time::Duration),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Everything one source (a file, a URL) says now. Applying it replaces what that source said
/// before: new facts are added, changed ones versioned, vanished ones closed.
#[derive(Debug, Clone)]
pub struct SourceBatch {
    pub uri: String,
    pub records: Vec<Record>,
}

const WRITE_STATEMENT_CACHE: usize = 128;

pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (or creates) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store> {
        let conn = Connection::open(path)?;
        Store::init(conn)
    }

    /// Opens an existing database for reading only: it never creates a file, never migrates,
    /// and refuses a missing file, a file that is not a Macaroni database, or another schema
    /// version, each with its own error.
    pub fn open_read_only(path: &Path) -> Result<Store> {
        let conn = open_existing(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        conn.pragma_update(None, "query_only", true)?;
        Ok(Store { conn })
    }

    pub fn open_in_memory() -> Result<Store> {
        Store::init(Connection::open_in_memory()?)
    }

    fn init(mut conn: Connection) -> Result<Store> {
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        use_wal(&conn)?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // A write runs about forty distinct statements per entity; rusqlite's default cache of
        // sixteen would evict and compile most of them again for every entity.
        conn.set_prepared_statement_cache_capacity(WRITE_STATEMENT_CACHE);
        schema::migrate(&mut conn)?;
        Ok(Store { conn })
    }

    /// Applies several sources in one transaction: all of them land, or none. Each batch is
    /// all its source says now: what the source said before and no longer says is closed.
    pub fn apply(&mut self, batches: &[SourceBatch], now: &str) -> Result<ApplySummary> {
        self.apply_keeping(batches, &BTreeSet::new(), now)
    }

    /// [`Store::apply`], except that the sources in `partial` stated only part of what they
    /// hold (a file that failed to parse in part, an additive import): what they said before
    /// and do not repeat stays current.
    pub fn apply_keeping(
        &mut self,
        batches: &[SourceBatch],
        partial: &BTreeSet<String>,
        now: &str,
    ) -> Result<ApplySummary> {
        self.apply_files(batches, partial, &HashMap::new(), now)
    }

    /// [`Store::apply_keeping`] for sources read from files: each source in `fingerprints` that
    /// was read whole keeps its file's fingerprint, so that [`Store::unchanged_file`] can tell
    /// the next ingest to skip it. Every other source written loses its fingerprint.
    pub fn apply_files(
        &mut self,
        batches: &[SourceBatch],
        partial: &BTreeSet<String>,
        fingerprints: &HashMap<String, Fingerprint>,
        now: &str,
    ) -> Result<ApplySummary> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let summary = apply::apply(&tx, batches, partial, fingerprints, now)?;
        tx.commit()?;
        Ok(summary)
    }

    /// If the file at `uri` was last written with `fingerprint` and nothing has written its
    /// source since: its current statements per category. `None` means it must be read again.
    pub fn unchanged_file(&self, uri: &str, fingerprint: &Fingerprint) -> Result<Option<BTreeMap<Category, usize>>> {
        files::unchanged(&self.conn, uri, fingerprint)
    }

    /// The kinds of the current statements each of `sources` made (what a replacing import
    /// must state again).
    pub fn kinds_by_source(&self, sources: &[&str]) -> Result<BTreeMap<String, BTreeSet<String>>> {
        let mut stmt = self.conn.prepare(
            "SELECT DISTINCT s.kind FROM statements s JOIN sources src ON src.id = s.source_id
             WHERE src.uri = ?1 AND s.valid_to IS NULL",
        )?;
        let mut out = BTreeMap::new();
        for uri in sources {
            let kinds = stmt.query_map([uri], |row| row.get(0))?;
            out.insert(uri.to_string(), kinds.collect::<rusqlite::Result<_>>()?);
        }
        Ok(out)
    }

    /// Refreshes the query planner's statistics (after a large load).
    pub fn analyze(&self) -> Result<()> {
        self.conn.execute_batch("ANALYZE")?;
        Ok(())
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self.conn.query_row("PRAGMA user_version", [], |row| row.get(0))?)
    }
}

/// Opens a file that must already be a readable Macaroni database (see [`Store::open_read_only`]).
/// Switches the file to write-ahead logging. On a file another program is creating at the same
/// moment, SQLite answers "locked" at once rather than wait (two lock upgrades would deadlock),
/// so the switch is retried for as long as the busy timeout allows.
fn use_wal(conn: &Connection) -> Result<()> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return Ok(other?),
        }
    }
}

pub(crate) fn open_existing(path: &Path, flags: rusqlite::OpenFlags) -> Result<Connection> {
    if !path.is_file() {
        return Err(StoreError::Missing(path.to_path_buf()));
    }
    let conn = Connection::open_with_flags(path, flags | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    schema::check_readable(&conn, path)?;
    Ok(conn)
}
