//! Long fuzz runs: the checks of the proptest targets driven by a plain random generator in a
//! tight loop, millions of executions per target, one thread per core. Prints, per target,
//! the executions and the first failing input (as escaped text) if any; exits 1 on a failure.
//!
//! ```sh
//! cargo run --release -p macaroni-fuzz --bin fuzz-long -- 10000000   # executions in all
//! ```

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use macaroni_fuzz::{
    apply, bundle_seed, check_bundle, check_plan, check_reader, check_search, check_store, context, empty_repository,
    reader_seeds, shared_data, Edit, PLAN_SEEDS, QUERY_SEEDS,
};
use macaroni_sources::{Document, ReaderKind};

/// One execution of a target on a mutated input: `Err` says what property failed.
type Check = Box<dyn Fn(&[u8]) -> Result<(), String> + Send + Sync>;

/// A target: its name, its share of the executions, its seeds, and its check.
struct Target {
    name: String,
    share: f64,
    seeds: Vec<Vec<u8>>,
    check: Check,
}

fn main() -> ExitCode {
    let total: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000_000);
    let Some(data) = shared_data() else {
        eprintln!("the long run needs ../shared/data (or MACARONI_SHARED_DATA)");
        return ExitCode::from(2);
    };
    let dir = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(err) => {
            eprintln!("no temporary directory: {err}");
            return ExitCode::from(2);
        }
    };
    let targets = match targets(&data, dir.path()) {
        Ok(t) => t,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::from(2);
        }
    };
    let failed = AtomicBool::new(false);
    let started = Instant::now();
    let shares: f64 = targets.iter().map(|t| t.share).sum();
    let mut done = 0u64;
    for (i, target) in targets.iter().enumerate() {
        let runs = ((total as f64) * target.share / shares).ceil() as u64;
        let begun = Instant::now();
        // Two workers, each with its own generator.
        let failure = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..2u64)
                .map(|w| {
                    let failed = &failed;
                    scope.spawn(move || {
                        run(
                            target,
                            runs / 2 + w * (runs % 2),
                            0x9E37_79B9 ^ (i as u64) << 8 ^ w,
                            failed,
                        )
                    })
                })
                .collect();
            workers.into_iter().find_map(|h| h.join().ok().flatten())
        });
        done += runs;
        println!(
            "{:<28} {:>10} executions in {:>7.1} s{}",
            target.name,
            runs,
            begun.elapsed().as_secs_f64(),
            failure.as_ref().map_or(String::new(), |f| format!("  FAILED: {f}"))
        );
    }
    println!("{done} executions in all, {:.1} s", started.elapsed().as_secs_f64());
    if failed.load(Ordering::Relaxed) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Runs `runs` executions of a target; the first failure is returned (with its input).
fn run(target: &Target, runs: u64, seed: u64, failed: &AtomicBool) -> Option<String> {
    let mut state = seed | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..runs {
        let pick = (next() as usize) % target.seeds.len();
        let edits: Vec<Edit> = (0..next() % 8).map(|_| Edit::random(&mut next)).collect();
        let input = apply(&target.seeds[pick], &edits, &target.seeds);
        if let Err(reason) = (target.check)(&input) {
            failed.store(true, Ordering::Relaxed);
            let shown: String = String::from_utf8_lossy(&input).chars().take(2000).collect();
            return Some(format!("{reason}\n  input: {shown:?}"));
        }
    }
    None
}

fn targets(data: &std::path::Path, dir: &std::path::Path) -> Result<Vec<Target>, String> {
    let mut targets = Vec::new();
    for reader in ReaderKind::ALL {
        let docs = reader_seeds(reader, data);
        let Some(first) = docs.first() else { continue };
        let (uri, relative_path) = (first.uri.clone(), first.relative_path.clone());
        let seeds = docs.into_iter().map(|d| d.bytes).collect();
        let ctx = context();
        // Shares balance the time per target: a timm seed is a CSV of a thousand rows (~2 ms a
        // read), a card or a JSON page takes tens of microseconds.
        let share = match reader {
            ReaderKind::Timm => 0.006,
            ReaderKind::ZooMatrix => 0.03,
            _ => 0.06,
        };
        targets.push(Target {
            name: format!("reader {}", reader.name()),
            share,
            seeds,
            check: Box::new(move |bytes| {
                let doc = Document {
                    uri: uri.clone(),
                    relative_path: relative_path.clone(),
                    bytes: bytes.to_vec(),
                };
                check_reader(reader, &doc, &ctx)
            }),
        });
    }
    for reader in [ReaderKind::HfCards, ReaderKind::Timm] {
        let docs = reader_seeds(reader, data);
        let Some(first) = docs.first() else { continue };
        let (uri, relative_path) = (first.uri.clone(), first.relative_path.clone());
        let seeds = docs.into_iter().map(|d| d.bytes).collect();
        let ctx = context();
        targets.push(Target {
            name: format!("store {}", reader.name()),
            share: if reader == ReaderKind::Timm { 0.0001 } else { 0.002 },
            seeds,
            check: Box::new(move |bytes| {
                let doc = Document {
                    uri: uri.clone(),
                    relative_path: relative_path.clone(),
                    bytes: bytes.to_vec(),
                };
                check_store(reader, &doc, &ctx)
            }),
        });
    }
    let db = dir.to_path_buf();
    // One read-only connection per worker thread: a connection is not shared across threads.
    thread_local! {
        static SEARCH: std::cell::RefCell<Option<macaroni_store::ReadOnly>> = const { std::cell::RefCell::new(None) };
    }
    empty_repository(&db)?;
    let db_file = db.join("empty.db");
    targets.push(Target {
        name: "search language".into(),
        share: 0.3,
        seeds: QUERY_SEEDS.iter().map(|q| q.as_bytes().to_vec()).collect(),
        check: Box::new(move |bytes| {
            SEARCH.with(|cell| {
                let mut cell = cell.borrow_mut();
                if cell.is_none() {
                    *cell = Some(macaroni_store::ReadOnly::open(&db_file).map_err(|e| e.to_string())?);
                }
                match cell.as_ref() {
                    Some(store) => check_search(store, &String::from_utf8_lossy(bytes)),
                    None => Err("no connection".into()),
                }
            })
        }),
    });
    targets.push(Target {
        name: "inference-query language".into(),
        share: 0.15,
        seeds: PLAN_SEEDS.iter().map(|q| q.as_bytes().to_vec()).collect(),
        check: Box::new(|bytes| check_plan(&String::from_utf8_lossy(bytes))),
    });
    targets.push(Target {
        name: "bundle importer".into(),
        share: 0.006,
        seeds: vec![bundle_seed(data)],
        check: Box::new(check_bundle),
    });
    Ok(targets)
}
