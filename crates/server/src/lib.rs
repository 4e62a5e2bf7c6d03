//! `macaroni serve`: the repository over HTTP.
//!
//! Handlers are thin: they read the request's parameters, call one method of the facade
//! (`macaroni-repo`) on a read-only connection taken from a small pool, and send its typed result
//! as JSON, or render it as a page (`pages`: server-side HTML, no JavaScript). There is no SQL here
//! and no shaping of records; the facade owns both. Repeated `GET`s are answered from an answer
//! cache while the database file is unchanged (`cache`). Besides the pages, two APIs:
//! - `/api/v1/...`: the Macaroni API (search with paging and facets, entities with provenance,
//!   history and as-of, lineage, compare, Pareto selection, stats, quality, read-only SQL), with
//!   its OpenAPI 3.1 document at `/api/v1/openapi.json` (docs/API.md);
//! - the Hugging Face Hub's read routes (`/api/models`, `/api/datasets`, `/{repo}/resolve/...`),
//!   so that `huggingface_hub` and other Hub clients work against Macaroni unchanged.
//!
//! Every read runs under the facade's time limit on a connection SQLite opened read-only, so no
//! request can change the store, and an ingest or crawl writing at the same time (WAL) neither
//! blocks nor breaks it. Requests have a deadline, URLs and bodies a size limit; responses are
//! gzipped on request; shutdown on SIGTERM or Ctrl-C lets requests in flight finish.

mod api;
mod cache;
mod error;
mod hub;
mod pages;
mod pool;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tower_http::LatencyUnit;
use tracing::Level;

pub use api::ApiDoc;
pub use error::ApiError;
use pool::Pool;

/// How the server runs.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    pub db: PathBuf,
    pub bind: SocketAddr,
    /// Deadline of one database read (and of SQL queries).
    pub query_timeout: Duration,
    /// Deadline of a whole request.
    pub request_timeout: Duration,
    /// Database reads running at once; more requests wait for a connection.
    pub connections: usize,
    /// Items per page of a Hub listing that names no `limit` (the Hub's own is 1,000).
    pub hub_page_size: usize,
    /// Answer repeated API requests from memory while the database is unchanged.
    pub cache: bool,
}

impl ServerOptions {
    pub fn new(db: PathBuf, bind: SocketAddr) -> ServerOptions {
        ServerOptions {
            db,
            bind,
            query_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            connections: 8,
            hub_page_size: macaroni_repo::hub::DEFAULT_PAGE,
            cache: true,
        }
    }
}

/// Longest URL accepted (path and query); longer ones get 414.
pub const MAX_URL_BYTES: usize = 8 * 1024;
/// Largest request body accepted; the API only reads, so bodies are small or absent.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

#[derive(Clone)]
pub(crate) struct AppState {
    pool: Arc<Pool>,
    hub_page_size: usize,
}

/// The application's routes and layers, for a repository that must already exist.
pub fn router(options: &ServerOptions) -> Result<Router, ApiError> {
    let pool = Pool::open(&options.db, options.connections, options.query_timeout)?;
    let state = AppState {
        pool: Arc::new(pool),
        hub_page_size: options.hub_page_size,
    };
    let cors = CorsLayer::new()
        .allow_methods([Method::GET, Method::HEAD])
        .allow_origin(Any)
        .expose_headers([axum::http::header::LINK, axum::http::header::ETAG]);
    let mut app = Router::new()
        .merge(pages::routes())
        .merge(api::routes())
        .merge(hub::routes())
        .fallback(not_found)
        .with_state(state);
    if options.cache {
        let cache = Arc::new(cache::ResponseCache::new(&options.db));
        app = app.layer(middleware::from_fn_with_state(cache, cache::layer));
    }
    Ok(app
        .layer(middleware::from_fn(pages::security_headers))
        .layer(middleware::from_fn(limit_url))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            options.request_timeout,
        ))
        .layer(CompressionLayer::new().gzip(true))
        .layer(cors)
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_request(())
                .on_response(
                    DefaultOnResponse::new()
                        .level(Level::INFO)
                        .latency_unit(LatencyUnit::Micros),
                ),
        ))
}

/// Binds, then serves until SIGTERM or Ctrl-C; `on_ready` gets the bound address (port 0 picks
/// a free one).
pub async fn serve(options: ServerOptions, on_ready: impl FnOnce(SocketAddr)) -> Result<(), ApiError> {
    let app = router(&options)?;
    let listener = tokio::net::TcpListener::bind(options.bind)
        .await
        .map_err(|e| ApiError::Startup(format!("cannot listen on {}: {e}", options.bind)))?;
    let bound = listener
        .local_addr()
        .map_err(|e| ApiError::Startup(format!("cannot read the bound address: {e}")))?;
    on_ready(bound);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| ApiError::Startup(format!("server stopped: {e}")))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing the requests in flight");
}

async fn limit_url(request: Request, next: Next) -> Response {
    let length = request.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if length > MAX_URL_BYTES {
        return ApiError::UriTooLong(length).into_response();
    }
    next.run(request).await
}

async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::NoRoute(uri.path().to_string())
}
