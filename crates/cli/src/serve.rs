//! `macaroni serve`: starts the HTTP server (`macaroni-server`) and prints where it listens.

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use macaroni_server::{serve, ServerOptions};

/// How `macaroni serve` was asked to run.
pub struct ServeRequest {
    pub bind: SocketAddr,
    pub query_timeout: Duration,
    pub connections: usize,
    /// Access logs as JSON lines instead of text.
    pub log_json: bool,
    pub hub_page_size: usize,
    pub cache: bool,
}

pub fn run(db: &Path, request: ServeRequest) -> anyhow::Result<ExitCode> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if request.log_json {
        logs.json().try_init()
    } else {
        logs.try_init()
    };
    let ServeRequest {
        bind,
        query_timeout,
        connections,
        hub_page_size,
        cache,
        ..
    } = request;
    let mut options = ServerOptions::new(db.to_path_buf(), bind);
    options.query_timeout = query_timeout;
    options.connections = connections;
    options.hub_page_size = hub_page_size.max(1);
    options.cache = cache;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(serve(options, |bound| {
        say!(
            "Serving {} at http://{bound}/ (API: http://{bound}/api/v1, OpenAPI: http://{bound}/api/v1/openapi.json)",
            db.display()
        );
        // Scripts wait for this line; make sure it is out before the first request.
        let _ = std::io::stdout().flush();
    }))?;
    Ok(ExitCode::SUCCESS)
}
