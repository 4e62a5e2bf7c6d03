//! Read-only access for queries: user SQL (`macaroni sql`) and the SQL the query layer compiles.
//!
//! The connection is opened read-only, `query_only` is on, and an authorizer allows nothing but
//! reading: no writes, no ATTACH, no PRAGMA, no schema changes (extension loading is not compiled
//! in). Each query runs under a deadline (a progress handler interrupts it) and returns at most a
//! given number of rows; SQL length and expression depth are capped by SQLite limits.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::limits::Limit;
use rusqlite::types::{Value as SqlRaw, ValueRef};
use rusqlite::{Connection, OpenFlags};
use serde_json::Value;

use crate::{Result, StoreError};

/// A parameter of a compiled query.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
}

impl From<&SqlValue> for SqlRaw {
    fn from(value: &SqlValue) -> SqlRaw {
        match value {
            SqlValue::Null => SqlRaw::Null,
            SqlValue::Integer(i) => SqlRaw::Integer(*i),
            SqlValue::Real(r) => SqlRaw::Real(*r),
            SqlValue::Text(t) => SqlRaw::Text(t.clone()),
        }
    }
}

/// Bounds on one query.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_rows: usize,
    pub timeout: Duration,
    /// Bytes of result values held at most (text and blobs by length, numbers as 8): rows past
    /// it are left out, as past `max_rows`, so that a few huge values cannot exhaust memory.
    pub max_bytes: usize,
}

/// Result bytes a query holds at most unless asked otherwise.
pub const DEFAULT_MAX_BYTES: usize = 64 * 1024 * 1024;

impl Limits {
    /// No deadline and no row cap: for reference queries in tests and for work a person waits
    /// on knowingly (benchmarks), never for requests from users.
    pub fn unbounded() -> Limits {
        Limits {
            max_rows: usize::MAX,
            timeout: Duration::MAX,
            max_bytes: usize::MAX,
        }
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_rows: 10_000,
            timeout: Duration::from_secs(5),
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

/// Rows of a query as JSON values, column names first.
#[derive(Debug, Clone, Default)]
pub struct Rows {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
    /// More rows existed than `max_rows` or `max_bytes` allowed.
    pub truncated: bool,
}

impl Rows {
    /// Each row as an object keyed by column name.
    pub fn objects(&self) -> Vec<serde_json::Map<String, Value>> {
        self.rows
            .iter()
            .map(|row| self.columns.iter().cloned().zip(row.iter().cloned()).collect())
            .collect()
    }
}

pub struct ReadOnly {
    conn: Connection,
    /// Milliseconds since `epoch` after which the running query is interrupted.
    deadline_ms: Arc<AtomicU64>,
    epoch: Instant,
}

/// Longest SQL text accepted, and deepest expression: generous for real queries, small enough that
/// a hostile one cannot exhaust memory. The depth is SQLite's own default: it also bounds the
/// nesting of subqueries, and a search of 256 terms with a lineage chain reached 200 (found by
/// the search fuzz target).
const MAX_SQL_BYTES: i32 = 1_000_000;
const MAX_EXPRESSION_DEPTH: i32 = 1_000;

impl ReadOnly {
    /// Opens an existing Macaroni database; a missing or foreign file is an error, never created.
    pub fn open(path: &Path) -> Result<ReadOnly> {
        let mut conn = crate::open_existing(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        conn.pragma_update(None, "query_only", true)?;
        conn.set_limit(Limit::SQLITE_LIMIT_LENGTH, MAX_SQL_BYTES)?;
        conn.set_limit(Limit::SQLITE_LIMIT_SQL_LENGTH, MAX_SQL_BYTES)?;
        conn.set_limit(Limit::SQLITE_LIMIT_EXPR_DEPTH, MAX_EXPRESSION_DEPTH)?;
        conn.set_limit(Limit::SQLITE_LIMIT_ATTACHED, 0)?;
        conn.authorizer(Some(authorize))?;
        let epoch = Instant::now();
        let deadline_ms = Arc::new(AtomicU64::new(u64::MAX));
        let watched = Arc::clone(&deadline_ms);
        conn.progress_handler(
            10_000,
            Some(move || epoch.elapsed().as_millis() as u64 > watched.load(Ordering::Relaxed)),
        )?;
        Ok(ReadOnly {
            conn,
            deadline_ms,
            epoch,
        })
    }

    /// Runs one statement with parameters under the limits.
    pub fn query(&self, sql: &str, params: &[SqlValue], limits: Limits) -> Result<Rows> {
        let deadline_ms = self
            .epoch
            .elapsed()
            .checked_add(limits.timeout)
            .map_or(u64::MAX, |deadline| {
                u64::try_from(deadline.as_millis()).unwrap_or(u64::MAX)
            });
        self.deadline_ms.store(deadline_ms, Ordering::Relaxed);
        let outcome = self.run(sql, params, limits);
        self.deadline_ms.store(u64::MAX, Ordering::Relaxed);
        outcome.map_err(|err| match err {
            StoreError::Sqlite(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::OperationInterrupted) => {
                StoreError::Timeout(limits.timeout)
            }
            StoreError::Sqlite(e)
                if e.sqlite_error_code() == Some(rusqlite::ErrorCode::AuthorizationForStatementDenied) =>
            {
                StoreError::Denied(e.to_string())
            }
            other => other,
        })
    }

    fn run(&self, sql: &str, params: &[SqlValue], limits: Limits) -> Result<Rows> {
        let mut stmt = self.conn.prepare(sql)?;
        if !stmt.readonly() {
            return Err(StoreError::Denied("only statements that read are allowed".into()));
        }
        let columns: Vec<String> = stmt.column_names().map(str::to_string).collect();
        let raw: Vec<SqlRaw> = params.iter().map(SqlRaw::from).collect();
        let mut rows = stmt.query(rusqlite::params_from_iter(raw.iter()))?;
        let mut out = Rows {
            columns,
            ..Rows::default()
        };
        let mut bytes = 0usize;
        while let Some(row) = rows.next()? {
            if out.rows.len() == limits.max_rows {
                out.truncated = true;
                break;
            }
            // Sized before anything is copied: a row that would pass the byte cap is not read.
            let mut size = 0usize;
            for i in 0..out.columns.len() {
                size = size.saturating_add(match row.get_ref(i)? {
                    ValueRef::Text(t) | ValueRef::Blob(t) => t.len(),
                    _ => 8,
                });
            }
            bytes = bytes.saturating_add(size);
            if bytes > limits.max_bytes {
                out.truncated = true;
                break;
            }
            let values = (0..out.columns.len())
                .map(|i| row.get_ref(i).map(json_value))
                .collect::<rusqlite::Result<_>>()?;
            out.rows.push(values);
        }
        Ok(out)
    }
}

fn json_value(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::from(i),
        ValueRef::Real(r) => serde_json::Number::from_f64(r)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::String(format!("<blob, {} bytes>", b.len())),
    }
}

/// Pragmas that read without changing anything.
const READING_PRAGMAS: [&str; 5] = ["data_version", "table_info", "table_xinfo", "index_list", "index_info"];

/// Reading is allowed; everything else is refused before the statement runs.
fn authorize(context: AuthContext<'_>) -> Authorization {
    match context.action {
        AuthAction::Select | AuthAction::Read { .. } | AuthAction::Function { .. } | AuthAction::Recursive => {
            Authorization::Allow
        }
        // Pragmas that only report (FTS5 itself asks for data_version); none of these can set anything.
        AuthAction::Pragma { pragma_name, .. }
            if READING_PRAGMAS.contains(&pragma_name.to_ascii_lowercase().as_str()) =>
        {
            Authorization::Allow
        }
        _ => Authorization::Deny,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> (tempfile::TempDir, ReadOnly) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.db");
        crate::Store::open(&path).unwrap();
        let ro = ReadOnly::open(&path).unwrap();
        (dir, ro)
    }

    #[test]
    fn reads_and_refuses_everything_else() {
        let (_dir, ro) = fixture();
        let rows = ro
            .query("SELECT 1 + ?1 AS two", &[SqlValue::Integer(1)], Limits::default())
            .unwrap();
        assert_eq!(rows.objects()[0]["two"], 2);
        for hostile in [
            "DELETE FROM models",
            "DROP TABLE models",
            "INSERT INTO models (id) VALUES ('x')",
            "ATTACH DATABASE '/tmp/x.db' AS x",
            "PRAGMA query_only = 0",
            "PRAGMA writable_schema = 1",
            "CREATE TABLE t (x)",
            "SELECT load_extension('x')",
        ] {
            assert!(
                ro.query(hostile, &[], Limits::default()).is_err(),
                "{hostile} was allowed"
            );
        }
    }

    #[test]
    fn long_queries_time_out_and_rows_are_capped() {
        let (_dir, ro) = fixture();
        let endless = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n";
        let limits = Limits {
            max_rows: 10,
            timeout: Duration::from_millis(200),
            ..Limits::default()
        };
        assert!(matches!(ro.query(endless, &[], limits), Err(StoreError::Timeout(_))));
        let many = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT 100) SELECT i FROM n";
        let rows = ro.query(many, &[], limits).unwrap();
        assert_eq!(rows.rows.len(), 10);
        assert!(rows.truncated);
    }
    #[test]
    fn results_stop_at_the_byte_cap_before_the_values_are_copied() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("bytes.db");
        drop(crate::Store::open(&db).unwrap());
        let ro = ReadOnly::open(&db).unwrap();
        // 10,000 rows of 1 MB each: 10 GB if held whole.
        let huge = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT 10000) SELECT i, zeroblob(1000000) || '' AS big FROM n";
        let limits = Limits {
            max_bytes: 8 * 1024 * 1024,
            ..Limits::unbounded()
        };
        let rows = ro.query(huge, &[], limits).unwrap();
        assert!(rows.truncated);
        assert_eq!(rows.rows.len(), 8, "8 rows of 1 MB fit in 8 MiB");
        let held: usize = rows.rows.iter().map(|r| r[1].as_str().map_or(0, str::len)).sum();
        assert!(held <= limits.max_bytes);
    }
}
