//! `macaroni serve`: starts the HTTP server (`macaroni-server`) and prints where it listens.

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use macaroni_server::{serve, ServerOptions};

pub fn run(db: &Path, bind: SocketAddr, query_timeout: Duration, connections: usize) -> anyhow::Result<ExitCode> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
    let mut options = ServerOptions::new(db.to_path_buf(), bind);
    options.query_timeout = query_timeout;
    options.connections = connections;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(serve(options, |bound| {
        println!(
            "Serving {} at http://{bound}/ (API: http://{bound}/api/v1, OpenAPI: http://{bound}/api/v1/openapi.json)",
            db.display()
        );
        // Scripts wait for this line; make sure it is out before the first request.
        let _ = std::io::stdout().flush();
    }))?;
    Ok(ExitCode::SUCCESS)
}
