//! `macaroni ingest`: read files with a reader and store what they say.
//!
//! Parsing runs on a second thread while the main thread writes, so both cores work; files are
//! committed in batches, each batch one transaction.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressStyle};
use macaroni_sources::{collect_files, read_document, Document, ReadContext, ReaderKind, Warning};
use macaroni_store::{ApplySummary, Category, Change, SourceBatch, Store};
use serde_json::json;

use crate::output::{self, Format};

/// What one ingest run did.
#[derive(Debug, Default)]
pub struct IngestReport {
    pub files: usize,
    pub records: usize,
    pub bytes: u64,
    pub summary: ApplySummary,
    pub warnings: Vec<Warning>,
    pub elapsed: Duration,
    pub enrichment: Option<macaroni_enrich::EnrichReport>,
}

/// How `macaroni ingest` was asked to run.
pub struct Options {
    pub strict: bool,
    pub batch: usize,
    pub format: Format,
    pub enrich: bool,
    /// The label set of label columns, for `zoo-matrix` and `label-stats`.
    pub label_taxonomy: Option<String>,
}

pub fn run(db: &Path, reader: &str, paths: &[PathBuf], options: Options) -> anyhow::Result<ExitCode> {
    let Some(reader) = ReaderKind::parse(reader) else {
        let names: Vec<&str> = ReaderKind::ALL.iter().map(|r| r.name()).collect();
        bail!("unknown reader `{reader}`; choose one of: {}", names.join(", "));
    };
    let mut store = Store::open(db).with_context(|| format!("opening {}", db.display()))?;
    let (files, walk_warnings) = collect_files(reader, paths);
    let total = files.len() as u64;
    let documents = files.into_iter().map(|(root, path)| read_document(&root, &path));
    let mut report = ingest_documents(
        &mut store,
        reader,
        options.label_taxonomy.clone(),
        documents,
        total,
        options.batch.max(1),
        true,
    )?;
    report.warnings.splice(0..0, walk_warnings);
    if options.enrich {
        report.enrichment = Some(crate::enrich::run_enrichment(&mut store)?);
    }
    print_report(reader.name(), &report, options.format)?;
    Ok(if options.strict && !report.warnings.is_empty() {
        ExitCode::from(4)
    } else {
        ExitCode::SUCCESS
    })
}

/// Parses documents on a worker thread and applies them to the store in batches of `batch`.
pub fn ingest_documents<I>(
    store: &mut Store,
    reader: ReaderKind,
    label_taxonomy: Option<String>,
    documents: I,
    total: u64,
    batch: usize,
    show_progress: bool,
) -> anyhow::Result<IngestReport>
where
    I: Iterator<Item = Result<Document, Warning>> + Send,
{
    let started = Instant::now();
    let ctx = ReadContext {
        observed_at: crate::now(),
        label_taxonomy,
    };
    let now = ctx.observed_at.clone();
    let bar = progress_bar(total, show_progress);
    let mut report = IngestReport::default();
    let (sender, receiver) = mpsc::sync_channel::<Result<(SourceBatch, u64, Vec<Warning>), Warning>>(256);

    std::thread::scope(|scope| -> anyhow::Result<()> {
        let ctx = &ctx;
        scope.spawn(move || {
            for document in documents {
                let parsed = document.map(|doc| {
                    let out = reader.read(&doc, ctx);
                    let batch = SourceBatch {
                        uri: doc.uri,
                        records: out.records,
                    };
                    (batch, doc.bytes.len() as u64, out.warnings)
                });
                if sender.send(parsed).is_err() {
                    break; // the writer stopped on an error
                }
            }
        });
        let mut pending = Vec::with_capacity(batch);
        for parsed in receiver {
            report.files += 1;
            bar.inc(1);
            match parsed {
                Ok((source, bytes, warnings)) => {
                    report.records += source.records.len();
                    report.bytes += bytes;
                    report.warnings.extend(warnings);
                    pending.push(source);
                }
                Err(warning) => report.warnings.push(warning),
            }
            if pending.len() >= batch {
                report.summary.merge(&store.apply(&pending, &now)?);
                pending.clear();
            }
        }
        if !pending.is_empty() {
            report.summary.merge(&store.apply(&pending, &now)?);
        }
        Ok(())
    })?;
    bar.finish_and_clear();
    report.elapsed = started.elapsed();
    Ok(report)
}

fn progress_bar(total: u64, wanted: bool) -> ProgressBar {
    if !wanted || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template("{spinner} {bar:40} {pos}/{len} files  {per_sec}  eta {eta}") {
        bar.set_style(style);
    }
    bar
}

const CATEGORIES: [Category; 3] = [Category::Entities, Category::Relations, Category::Evaluations];
const CHANGES: [(Change, &str); 4] = [
    (Change::Added, "added"),
    (Change::Updated, "updated"),
    (Change::Unchanged, "unchanged"),
    (Change::Removed, "removed"),
];

/// Warnings grouped by kind: (count, first few files).
fn grouped_warnings(warnings: &[Warning]) -> BTreeMap<&'static str, Vec<&Warning>> {
    let mut groups: BTreeMap<&'static str, Vec<&Warning>> = BTreeMap::new();
    for warning in warnings {
        groups.entry(warning.kind.as_str()).or_default().push(warning);
    }
    groups
}

pub fn print_report(label: &str, report: &IngestReport, format: Format) -> anyhow::Result<()> {
    if format == Format::Json {
        let counts: serde_json::Map<String, serde_json::Value> = CATEGORIES
            .iter()
            .map(|c| {
                let per_change: serde_json::Map<String, serde_json::Value> = CHANGES
                    .iter()
                    .map(|(ch, name)| (name.to_string(), json!(report.summary.count(*c, *ch))))
                    .collect();
                (c.as_str().to_string(), serde_json::Value::Object(per_change))
            })
            .collect();
        let warnings: Vec<_> = report
            .warnings
            .iter()
            .map(|w| json!({"file": w.file, "kind": w.kind.as_str(), "message": w.message}))
            .collect();
        let body = json!({
            "reader": label,
            "files": report.files,
            "records": report.records,
            "bytes": report.bytes,
            "seconds": report.elapsed.as_secs_f64(),
            "counts": counts,
            "warnings": warnings,
            "enrichment": report.enrichment.as_ref().map(|e| json!({
                "links_added": e.summary.count(Category::Relations, Change::Added),
                "links_removed": e.summary.count(Category::Relations, Change::Removed),
                "unresolved": e.unresolved.len(),
            })),
        });
        println!("{}", serde_json::to_string_pretty(&body)?);
        return Ok(());
    }
    println!(
        "Read {} files with {} in {:.2} s: {} records.",
        report.files,
        label,
        report.elapsed.as_secs_f64(),
        report.records
    );
    let rows: Vec<Vec<String>> = CATEGORIES
        .iter()
        .map(|c| {
            let mut row = vec![c.as_str().to_string()];
            row.extend(CHANGES.iter().map(|(ch, _)| report.summary.count(*c, *ch).to_string()));
            row
        })
        .collect();
    let header = ["", "added", "updated", "unchanged", "removed"];
    if format == Format::Csv {
        return output::print_csv(&header, &rows);
    }
    println!("{}", output::table(&header, rows));
    if let Some(enrichment) = &report.enrichment {
        println!("{}", crate::enrich::summary_line(enrichment));
    }
    if report.warnings.is_empty() {
        println!("No warnings.");
        return Ok(());
    }
    println!("Warnings ({}):", report.warnings.len());
    for (kind, group) in grouped_warnings(&report.warnings) {
        println!("  {kind}: {}", group.len());
        for warning in group.iter().take(3) {
            println!("    {}: {}", warning.file, warning.message);
        }
        if group.len() > 3 {
            println!("    … and {} more", group.len() - 3);
        }
    }
    Ok(())
}
