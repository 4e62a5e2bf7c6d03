//! `macaroni export` and `macaroni import`: JSON Lines bundles of every current statement.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context};
use macaroni_format::{read_bundle, write_bundle, Kind, Record};
use macaroni_store::{SourceBatch, Store};

use crate::ingest::{print_report, IngestReport};
use crate::output::Format;

pub fn export(db: &Path, format: &str, kind: Option<&str>, output: Option<&Path>) -> anyhow::Result<ExitCode> {
    if format != "jsonl" {
        bail!("unsupported export format `{format}`; use --format jsonl");
    }
    let kind = match kind {
        Some(text) => Some(Kind::parse(text).with_context(|| format!("unknown kind `{text}`"))?),
        None => None,
    };
    let store = Store::open(db).with_context(|| format!("opening {}", db.display()))?;
    let mut out: Box<dyn Write> = match output {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };
    let mut write_error = None;
    store.export_each(kind, |record| {
        if write_error.is_none() {
            if let Err(err) = write_bundle(&mut out, std::iter::once(&record)) {
                write_error = Some(err);
            }
        }
        Ok(())
    })?;
    if let Some(err) = write_error {
        // A closed pipe (`| head`) is not a failure of the export.
        if !matches!(&err, macaroni_format::BundleError::Io(e) if e.kind() == std::io::ErrorKind::BrokenPipe) {
            return Err(err.into());
        }
    }
    match out.flush() {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(ExitCode::SUCCESS),
    }
}

pub fn import(db: &Path, bundle: &Path, format: Format) -> anyhow::Result<ExitCode> {
    let file = File::open(bundle).with_context(|| format!("opening {}", bundle.display()))?;
    let records = read_bundle(BufReader::new(file)).with_context(|| format!("reading {}", bundle.display()))?;
    let mut store = Store::open(db).with_context(|| format!("opening {}", db.display()))?;
    let started = std::time::Instant::now();
    let record_count = records.len();
    let summary = store.apply(&by_source(records), &crate::now())?;
    let report = IngestReport {
        files: 1,
        records: record_count,
        summary,
        elapsed: started.elapsed(),
        ..IngestReport::default()
    };
    print_report("import", &report, format)?;
    Ok(ExitCode::SUCCESS)
}

/// Each source's records together: importing a source replaces what the database held from it.
fn by_source(records: Vec<Record>) -> Vec<SourceBatch> {
    let mut grouped: BTreeMap<String, Vec<Record>> = BTreeMap::new();
    for record in records {
        grouped
            .entry(record.provenance().source.uri.clone())
            .or_default()
            .push(record);
    }
    grouped
        .into_iter()
        .map(|(uri, records)| SourceBatch { uri, records })
        .collect()
}
