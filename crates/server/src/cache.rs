//! Answers of recent API requests, served again while the database is unchanged.
//!
//! Popular questions (the first page of a task, a facet count, a Hub listing) are asked over and
//! over; answering them from memory turns a database read of milliseconds into a lookup. The
//! cache is emptied as soon as the database file or its write-ahead log changes (size or
//! modification time, two `stat` calls per request), so an ingest or crawl is seen by the very
//! next request. Only successful `GET`s (pages and JSON; not card files) are kept, without conditional headers,
//! bodies up to [`MAX_BODY`]. Past [`MAX_ENTRIES`] or [`MAX_BYTES`] the oldest entry not asked
//! for since its last chance is evicted (the "second chance" clock): answers asked for again and
//! again stay while one-off ones pass through.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub const MAX_ENTRIES: usize = 4_096;
pub const MAX_BYTES: usize = 64 * 1024 * 1024;
pub const MAX_BODY: usize = 1024 * 1024;

/// What identifies one state of the database on disk.
type Generation = [Option<(u64, SystemTime)>; 2];

struct Entry {
    headers: HeaderMap,
    body: Bytes,
    /// Asked for since it was last passed over for eviction.
    referenced: std::sync::atomic::AtomicBool,
}

#[derive(Default)]
struct Entries {
    generation: Option<Generation>,
    map: HashMap<String, Entry>,
    order: VecDeque<String>,
    bytes: usize,
}

pub struct ResponseCache {
    db: PathBuf,
    wal: PathBuf,
    entries: Mutex<Entries>,
}

fn stamp(path: &Path) -> Option<(u64, SystemTime)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.len(), meta.modified().ok()?))
}

impl ResponseCache {
    pub fn new(db: &Path) -> ResponseCache {
        let mut wal = db.as_os_str().to_owned();
        wal.push("-wal");
        ResponseCache {
            db: db.to_path_buf(),
            wal: PathBuf::from(wal),
            entries: Mutex::new(Entries::default()),
        }
    }

    fn generation(&self) -> Generation {
        [stamp(&self.db), stamp(&self.wal)]
    }

    fn get(&self, key: &str) -> Option<(HeaderMap, Bytes)> {
        let now = self.generation();
        let mut entries = self.entries.lock().ok()?;
        if entries.generation != Some(now) {
            *entries = Entries {
                generation: Some(now),
                ..Entries::default()
            };
            return None;
        }
        let entry = entries.map.get(key)?;
        entry.referenced.store(true, std::sync::atomic::Ordering::Relaxed);
        Some((entry.headers.clone(), entry.body.clone()))
    }

    fn put(&self, key: String, headers: HeaderMap, body: Bytes, generation: Generation) {
        let Ok(mut entries) = self.entries.lock() else { return };
        // Read before a write that landed meanwhile: keep nothing.
        if entries.generation != Some(generation) || entries.map.contains_key(&key) {
            return;
        }
        entries.bytes += body.len();
        entries.order.push_back(key.clone());
        entries.map.insert(
            key,
            Entry {
                headers,
                body,
                referenced: std::sync::atomic::AtomicBool::new(false),
            },
        );
        while entries.map.len() > MAX_ENTRIES || entries.bytes > MAX_BYTES {
            let Some(oldest) = entries.order.pop_front() else { break };
            let second_chance = (entries.map.get(&oldest))
                .is_some_and(|e| e.referenced.swap(false, std::sync::atomic::Ordering::Relaxed));
            if second_chance {
                entries.order.push_back(oldest);
            } else if let Some(gone) = entries.map.remove(&oldest) {
                entries.bytes -= gone.body.len();
            }
        }
    }
}

/// Whether a request may be answered from (and stored in) the cache.
fn cacheable(request: &Request) -> bool {
    let path = request.uri().path();
    // Pages too: a home page or a popular search is worth keeping. Model cards as files are
    // not (they are large and asked for once).
    request.method() == Method::GET
        && !path.contains("/resolve/")
        && !request.headers().contains_key(header::IF_NONE_MATCH)
        && !request.headers().contains_key(header::RANGE)
}

pub async fn layer(State(cache): State<std::sync::Arc<ResponseCache>>, request: Request, next: Next) -> Response {
    if !cacheable(&request) {
        return next.run(request).await;
    }
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let key = format!("{host} {}", request.uri());
    if let Some((headers, body)) = cache.get(&key) {
        let mut response = (StatusCode::OK, body).into_response();
        *response.headers_mut() = headers;
        return response;
    }
    let generation = cache.generation();
    let response = next.run(request).await;
    if response.status() != StatusCode::OK {
        return response;
    }
    let (parts, body) = response.into_parts();
    // Only bodies whose whole size is known and small are read into memory; others stream on.
    let small = HttpBody::size_hint(&body).exact().is_some_and(|n| n <= MAX_BODY as u64);
    if !small {
        return Response::from_parts(parts, body);
    }
    match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(bytes) => {
            cache.put(key, parts.headers.clone(), bytes.clone(), generation);
            Response::from_parts(parts, Body::from(bytes))
        }
        Err(err) => crate::ApiError::Internal(format!("reading an answer: {err}")).into_response(),
    }
}
