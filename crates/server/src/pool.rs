//! A small pool of read-only repository handles: a request borrows one for the duration of its
//! database work (on a blocking thread), and the number of handles bounds the reads running at
//! once, so a flood of requests queues instead of exhausting threads or memory.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use macaroni_repo::Repo;
use macaroni_store::Limits;
use tokio::sync::Semaphore;

use crate::ApiError;

pub struct Pool {
    path: PathBuf,
    limits: Limits,
    idle: Mutex<Vec<Repo>>,
    permits: Semaphore,
}

impl Pool {
    /// Opens one handle now, so that a missing or foreign database stops the server at start.
    pub fn open(path: &Path, size: usize, timeout: Duration) -> Result<Pool, ApiError> {
        let limits = Limits {
            timeout,
            ..Limits::default()
        };
        let first = Repo::open_read(path)?.with_limits(limits);
        Ok(Pool {
            path: path.to_path_buf(),
            limits,
            idle: Mutex::new(vec![first]),
            permits: Semaphore::new(size.max(1)),
        })
    }

    /// Runs `work` on a pooled handle on a blocking thread.
    pub async fn run<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Repo) -> macaroni_repo::Result<T> + Send + 'static,
    {
        let _permit = self.permits.acquire().await.map_err(|_| ApiError::ShuttingDown)?;
        let repo = match self.idle.lock().ok().and_then(|mut idle| idle.pop()) {
            Some(repo) => repo,
            None => Repo::open_read(&self.path)?.with_limits(self.limits),
        };
        let (repo, outcome) = tokio::task::spawn_blocking(move || {
            let outcome = work(&repo);
            (repo, outcome)
        })
        .await
        .map_err(|e| ApiError::Internal(format!("a request's worker failed: {e}")))?;
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(repo);
        }
        Ok(outcome?)
    }

    /// The limits reads run under.
    pub fn limits(&self) -> Limits {
        self.limits
    }
}
