//! Crawl throughput against the local fixture server (no network: the upper bound a crawl can
//! reach), first crawl and an unchanged re-crawl, with requests per model.
//!
//! cargo run --release -p macaroni-crawl --example crawl_bench -- ../shared/data 40

#[path = "../tests/fixture/mod.rs"]
mod fixture;

use std::sync::Arc;
use std::time::Duration;

use macaroni_crawl::{crawl, Fetcher, Politeness};
use macaroni_store::Store;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let data = args
        .next()
        .map(std::path::PathBuf::from)
        .or_else(macaroni_sources::shared_data_dir);
    let Some(data) = data else {
        return Err("give the ../shared/data folder as the first argument".into());
    };
    let copies: usize = args.next().and_then(|c| c.parse().ok()).unwrap_or(40);
    let zoo = Arc::new(fixture::zoo_with_copies(&data, fixture::Faults::default(), copies));
    let models = zoo.models.len();
    let addr = fixture::serve(zoo);
    let dir = std::env::temp_dir().join(format!("macaroni-crawl-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let db = dir.join("bench.db");
    println!("fixture: {models} models with cards, page size 100, 4 card downloads in flight, no rate limit");
    for pass in ["first crawl", "unchanged re-crawl"] {
        let mut store = Store::open(&db)?;
        let options = fixture::options(addr, 100);
        let politeness = Politeness {
            min_interval: Duration::ZERO,
            ..Politeness::default()
        };
        let fetcher = Fetcher::new(&options.endpoint, None, politeness)?;
        let report = crawl(&mut store, &fetcher, &options, &mut |_| {})?;
        let traffic = fetcher.traffic();
        println!(
            "{pass}: {} models in {:.2} s = {:.0} models/s; {} requests = {:.3} per model; {} stored, {} unchanged, {} cards",
            report.models_listed,
            report.elapsed_secs,
            report.models_listed as f64 / report.elapsed_secs,
            traffic.requests,
            traffic.requests as f64 / report.models_listed.max(1) as f64,
            report.models_stored,
            report.models_unchanged,
            report.cards_fetched
        );
    }
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
