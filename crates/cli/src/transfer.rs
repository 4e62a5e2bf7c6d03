//! `macaroni export` and `macaroni import`: JSON Lines bundles of every current statement.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use macaroni_format::{write_bundle, Kind};
use macaroni_repo::{ImportMode, Repo, RepoError, Writer};

use crate::ingest::print_report;
use crate::output::Format;

pub fn export(db: &Path, format: &str, kind: Option<&str>, output: Option<&Path>) -> anyhow::Result<ExitCode> {
    if format != "jsonl" {
        return Err(RepoError::usage(format!("unsupported export format `{format}`; use --format jsonl")).into());
    }
    let kind = match kind {
        Some(text) => Some(Kind::parse(text).ok_or_else(|| {
            let kinds: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
            RepoError::usage(format!("unknown kind `{text}`; choose one of: {}", kinds.join(", ")))
        })?),
        None => None,
    };
    let repo = Repo::open_read(db)?;
    let mut out: Box<dyn Write> = match output {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };
    let mut write_error = None;
    repo.export_each(kind, |record| {
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

pub fn import(db: &Path, bundle: &Path, replace: bool, format: Format) -> anyhow::Result<ExitCode> {
    let mode = if replace { ImportMode::Replace } else { ImportMode::Add };
    let report = Writer::open_write(db)?
        .import_file(bundle, mode)
        .with_context(|| format!("importing {}", bundle.display()))?;
    print_report("import", &report, format)?;
    Ok(ExitCode::SUCCESS)
}
