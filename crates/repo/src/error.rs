//! The facade's errors: what went wrong in words an interface can map to an exit code or an
//! HTTP status without looking inside.

use std::path::PathBuf;
use std::time::Duration;

use macaroni_query::QueryError;
use macaroni_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    /// No database file where one was expected; reads never create one.
    #[error("no database at {0}; build one first (e.g. `macaroni quickstart` or `macaroni ingest ...`)")]
    Missing(PathBuf),
    /// A file that is not a Macaroni database this program can read as it is.
    #[error("{0}")]
    Unreadable(StoreError),
    /// The id names nothing; `suggestions` are the nearest ids that exist.
    #[error("no entity with id {id}{}", did_you_mean(suggestions))]
    NotFound { id: String, suggestions: Vec<String> },
    /// The request is malformed: a query, an option, an SQL statement. `position` is a character
    /// offset into the text the message is about, when there is one.
    #[error("{message}")]
    Usage { message: String, position: Option<usize> },
    /// No inference plan satisfies the constraint; the message says how far off it is.
    #[error("{0}")]
    NoPlan(String),
    /// A read ran past its deadline and was stopped.
    #[error("the query ran longer than {0:?} and was stopped; narrow it or raise the time limit")]
    Timeout(Duration),
    /// The read-only guard refused a statement (a write, ATTACH, PRAGMA, ...).
    #[error("not allowed: {0}")]
    Denied(String),
    /// Anything else the store reported: I/O, a corrupt row.
    #[error(transparent)]
    Store(StoreError),
    #[error(transparent)]
    Vocabulary(#[from] macaroni_enrich::EnrichError),
    #[error(transparent)]
    Optimize(macaroni_optimize::OptimizeError),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Bundle(#[from] macaroni_format::BundleError),
}

pub type Result<T> = std::result::Result<T, RepoError>;

fn did_you_mean(suggestions: &[String]) -> String {
    if suggestions.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", suggestions.join(", "))
    }
}

impl RepoError {
    pub fn usage(message: impl Into<String>) -> RepoError {
        RepoError::Usage {
            message: message.into(),
            position: None,
        }
    }
}

impl From<StoreError> for RepoError {
    fn from(err: StoreError) -> RepoError {
        match err {
            StoreError::Missing(path) => RepoError::Missing(path),
            err @ (StoreError::Foreign { .. } | StoreError::NewerSchema { .. } | StoreError::OlderSchema { .. }) => {
                RepoError::Unreadable(err)
            }
            StoreError::Timeout(limit) => RepoError::Timeout(limit),
            StoreError::Denied(message) => RepoError::Denied(message),
            // SQLite's own complaints about a statement (syntax, unknown table or column) are the
            // user's to fix, not a failure of the repository.
            StoreError::Sqlite(macaroni_store::SqliteError::SqlInputError { msg, offset, .. }) => RepoError::Usage {
                message: msg,
                position: usize::try_from(offset).ok(),
            },
            StoreError::Sqlite(sqlite)
                if sqlite.sqlite_error_code() == Some(macaroni_store::SqliteErrorCode::Unknown) =>
            {
                RepoError::Usage {
                    message: sqlite.to_string(),
                    position: None,
                }
            }
            other => RepoError::Store(other),
        }
    }
}

impl From<macaroni_query::ParseError> for RepoError {
    fn from(parse: macaroni_query::ParseError) -> RepoError {
        RepoError::Usage {
            message: parse.message,
            position: Some(parse.at),
        }
    }
}

impl From<QueryError> for RepoError {
    fn from(err: QueryError) -> RepoError {
        match err {
            QueryError::Parse(parse) => parse.into(),
            QueryError::Store(store) => store.into(),
            QueryError::Vocabulary(vocabulary) => RepoError::Vocabulary(vocabulary),
        }
    }
}

impl From<macaroni_optimize::OptimizeError> for RepoError {
    fn from(err: macaroni_optimize::OptimizeError) -> RepoError {
        match err {
            macaroni_optimize::OptimizeError::Usage(message) => RepoError::usage(message),
            other => RepoError::Optimize(other),
        }
    }
}
