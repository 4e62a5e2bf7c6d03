//! `macaroni ingest`: read files with a reader and store what they say (the pipeline is the
//! facade's `Writer::ingest_paths`), with a progress bar and a report.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};
use macaroni_repo::reports::{CATEGORIES, CHANGES};
use macaroni_repo::{IngestReport, RepoError, Writer};
use macaroni_sources::{ReaderKind, Warning};

use crate::output::{self, Format};

/// How `macaroni ingest` was asked to run.
pub struct Options {
    pub strict: bool,
    pub batch: usize,
    pub format: Format,
    pub enrich: bool,
    /// The label set of label columns, for `zoo-matrix` and `label-stats`.
    pub label_taxonomy: Option<String>,
    /// Parse files unchanged since the last ingest too.
    pub reparse: bool,
}

pub fn run(db: &Path, reader: &str, paths: &[PathBuf], options: Options) -> anyhow::Result<ExitCode> {
    let Some(reader) = ReaderKind::parse(reader) else {
        let names: Vec<&str> = ReaderKind::ALL.iter().map(|r| r.name()).collect();
        return Err(RepoError::usage(format!(
            "unknown reader `{reader}`; choose one of: {}",
            names.join(", ")
        ))
        .into());
    };
    let mut writer = Writer::open_write(db)?;
    writer.reparse_all(options.reparse);
    let bar = progress_bar(true);
    let mut report = writer.ingest_paths(
        reader,
        paths,
        options.label_taxonomy.clone(),
        options.batch,
        &mut progress(&bar),
    )?;
    bar.finish_and_clear();
    if options.enrich {
        report.enrichment = Some(writer.enrich()?);
    }
    print_report(reader.name(), &report, options.format)?;
    Ok(if options.strict && !report.warnings.is_empty() {
        ExitCode::from(4)
    } else {
        ExitCode::SUCCESS
    })
}

/// Runs the facade's pipeline over documents, with a progress bar when `show_progress`.
pub fn ingest_documents<I>(
    writer: &mut Writer,
    reader: ReaderKind,
    label_taxonomy: Option<String>,
    documents: I,
    total: u64,
    batch: usize,
    show_progress: bool,
) -> anyhow::Result<IngestReport>
where
    I: Iterator<Item = Result<macaroni_sources::Document, Warning>> + Send,
{
    let bar = progress_bar(show_progress);
    let report = writer.ingest_documents(reader, label_taxonomy, documents, total, batch, &mut progress(&bar))?;
    bar.finish_and_clear();
    Ok(report)
}

/// Advances `bar` as files are done.
pub fn progress(bar: &ProgressBar) -> impl FnMut(u64, u64) + '_ {
    move |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    }
}

/// A bar on standard error, hidden when that is not a terminal (or not `wanted`).
pub fn progress_bar(wanted: bool) -> ProgressBar {
    if !wanted || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    if let Ok(style) = ProgressStyle::with_template("{spinner} {bar:40} {pos}/{len} files  {per_sec}  eta {eta}") {
        bar.set_style(style);
    }
    bar
}

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
        println!("{}", serde_json::to_string_pretty(&report.to_doc(label))?);
        return Ok(());
    }
    say!(
        "Read {} files with {} in {:.2} s: {} records.",
        report.files,
        label,
        report.elapsed.as_secs_f64(),
        report.records
    );
    if report.unchanged_files > 0 {
        say!(
            "{} of the files are unchanged since they were last read and were not parsed again (--reparse parses them).",
            report.unchanged_files
        );
    }
    let rows: Vec<Vec<String>> = CATEGORIES
        .iter()
        .map(|c| {
            let mut row = vec![c.as_str().to_string()];
            row.extend(
                CHANGES
                    .iter()
                    .map(|(change, _)| report.summary.count(*c, *change).to_string()),
            );
            row
        })
        .collect();
    let header = ["", "added", "updated", "unchanged", "removed"];
    if format == Format::Csv {
        return output::print_csv(&header, &rows);
    }
    say!("{}", output::table(&header, rows));
    if let Some(enrichment) = &report.enrichment {
        say!("{}", crate::enrich::summary_line(enrichment));
    }
    if report.warnings.is_empty() {
        say!("No warnings.");
        return Ok(());
    }
    say!("Warnings ({}):", report.warnings.len());
    for (kind, group) in grouped_warnings(&report.warnings) {
        say!("  {kind}: {}", group.len());
        for warning in group.iter().take(3) {
            say!("    {}: {}", warning.file, warning.message);
        }
        if group.len() > 3 {
            say!("    … and {} more", group.len() - 3);
        }
    }
    Ok(())
}
