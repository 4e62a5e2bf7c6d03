//! `macaroni enrich` and `macaroni quality`.

use std::path::Path;
use std::process::ExitCode;

use macaroni_enrich::{quality::QualityReport, EnrichReport};
use macaroni_repo::{EnrichDoc, Repo, RepoError, Writer};
use macaroni_store::{Category, Change};

use crate::output::{self, Format};

/// One line for the end of an ingest.
pub fn summary_line(report: &EnrichReport) -> String {
    let s = &report.summary;
    format!(
        "Enrichment: {} links added, {} removed, {} unchanged; {} names resolved, {} unresolved, {} placeholders (macaroni enrich --report).",
        s.count(Category::Relations, Change::Added),
        s.count(Category::Relations, Change::Removed),
        s.count(Category::Relations, Change::Unchanged),
        report.resolved.values().sum::<usize>(),
        report.unresolved.len(),
        report.placeholders.len()
    )
}

pub fn enrich(db: &Path, show_report: bool, format: Format) -> anyhow::Result<ExitCode> {
    // Enrichment works on what is stored: a missing database is a mistake, not an empty one.
    if !db.is_file() {
        return Err(RepoError::Missing(db.to_path_buf()).into());
    }
    let report = Writer::open_write(db)?.enrich()?;
    if format == Format::Json {
        println!("{}", serde_json::to_string_pretty(&EnrichDoc::of(&report))?);
        return Ok(ExitCode::SUCCESS);
    }
    say!("{}", summary_line(&report));
    let rows = report
        .resolved
        .iter()
        .map(|((ns, rule), n)| vec![ns.clone(), rule.clone(), n.to_string()])
        .collect();
    say!("{}", output::table(&["namespace", "rule", "names"], rows));
    if show_report {
        let rows: Vec<Vec<String>> = report
            .unresolved
            .iter()
            .map(|u| vec![u.namespace.clone(), u.raw.clone(), u.files.to_string()])
            .collect();
        if format == Format::Csv {
            output::print_csv(&["namespace", "raw", "files"], &rows)?;
        } else {
            say!("Unresolved names ({}), most used first:", rows.len());
            say!("{}", output::table(&["namespace", "raw name", "files"], rows));
            let placeholders: Vec<String> = report
                .placeholders
                .iter()
                .map(|p| format!("{} ({} files)", p.raw, p.files))
                .collect();
            say!("Placeholders, not linked: {}", placeholders.join(", "));
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn quality(db: &Path, format: Format, limit: usize) -> anyhow::Result<ExitCode> {
    let report = Repo::open_read(db)?.quality()?;
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        Format::Csv => {
            let rows: Vec<Vec<String>> = report
                .flags
                .iter()
                .map(|f| {
                    vec![
                        f.check.to_string(),
                        f.subject.clone(),
                        f.detail.clone(),
                        f.files.join(" "),
                    ]
                })
                .collect();
            output::print_csv(&["check", "subject", "detail", "files"], &rows)?;
        }
        Format::Table => print_quality(&report, limit),
    }
    Ok(ExitCode::SUCCESS)
}

fn print_quality(report: &QualityReport, limit: usize) {
    let weights: Vec<String> = macaroni_enrich::quality::FIELDS
        .iter()
        .map(|(f, w)| format!("{f} ×{w}"))
        .collect();
    say!("Completeness per zoo (weighted fields: {})", weights.join(", "));
    let rows = report
        .completeness
        .iter()
        .map(|(zoo, d)| {
            vec![
                zoo.clone(),
                d.models.to_string(),
                format!("{:.2}", d.mean),
                format!("{:.2}", d.p10),
                format!("{:.2}", d.median),
                format!("{:.2}", d.p90),
                format!("{:?}", d.buckets),
            ]
        })
        .collect();
    say!(
        "{}",
        output::table(&["zoo", "models", "mean", "p10", "median", "p90", "per fifth"], rows)
    );
    let mut checks: std::collections::BTreeMap<&str, Vec<_>> = std::collections::BTreeMap::new();
    for flag in &report.flags {
        checks.entry(flag.check).or_default().push(flag);
    }
    for (check, flags) in checks {
        say!("\n{check}: {}", flags.len());
        for flag in flags.iter().take(limit) {
            say!("  {}: {}", flag.subject, flag.detail);
            for file in flag.files.iter().take(2) {
                say!("    {file}");
            }
        }
        if flags.len() > limit {
            say!(
                "  … and {} more (--limit, or --format json for all)",
                flags.len() - limit
            );
        }
    }
}
