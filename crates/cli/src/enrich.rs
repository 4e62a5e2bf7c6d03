//! `macaroni enrich` and `macaroni quality`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use macaroni_enrich::{quality::QualityReport, EnrichReport};
use macaroni_store::{Category, Change, Store};
use serde_json::json;

use crate::output::{self, Format};

/// Runs enrichment and returns its report (used by `ingest` and `quickstart` too).
pub fn run_enrichment(store: &mut Store) -> anyhow::Result<EnrichReport> {
    Ok(macaroni_enrich::enrich(store, &crate::now())?)
}

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
    let mut store = Store::open(db).with_context(|| format!("opening {}", db.display()))?;
    let report = run_enrichment(&mut store)?;
    if format == Format::Json {
        let resolved: Vec<_> = report
            .resolved
            .iter()
            .map(|((namespace, rule), n)| json!({"namespace": namespace, "rule": rule, "names": n}))
            .collect();
        let body = json!({
            "links": {
                "added": report.summary.count(Category::Relations, Change::Added),
                "updated": report.summary.count(Category::Relations, Change::Updated),
                "unchanged": report.summary.count(Category::Relations, Change::Unchanged),
                "removed": report.summary.count(Category::Relations, Change::Removed),
            },
            "resolved": resolved,
            "unresolved": report.unresolved,
            "placeholders": report.placeholders,
        });
        println!("{}", serde_json::to_string_pretty(&body)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("{}", summary_line(&report));
    let rows = report
        .resolved
        .iter()
        .map(|((ns, rule), n)| vec![ns.clone(), rule.clone(), n.to_string()])
        .collect();
    println!("{}", output::table(&["namespace", "rule", "names"], rows));
    if show_report {
        let rows: Vec<Vec<String>> = report
            .unresolved
            .iter()
            .map(|u| vec![u.namespace.clone(), u.raw.clone(), u.files.to_string()])
            .collect();
        if format == Format::Csv {
            output::print_csv(&["namespace", "raw", "files"], &rows)?;
        } else {
            println!("Unresolved names ({}), most used first:", rows.len());
            println!("{}", output::table(&["namespace", "raw name", "files"], rows));
            let placeholders: Vec<String> = report
                .placeholders
                .iter()
                .map(|p| format!("{} ({} files)", p.raw, p.files))
                .collect();
            println!("Placeholders, not linked: {}", placeholders.join(", "));
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn quality(db: &Path, format: Format, limit: usize) -> anyhow::Result<ExitCode> {
    let store = Store::open(db).with_context(|| format!("opening {}", db.display()))?;
    let report = macaroni_enrich::quality::quality(&store)?;
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
    println!("Completeness per zoo (weighted fields: {})", weights.join(", "));
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
    println!(
        "{}",
        output::table(&["zoo", "models", "mean", "p10", "median", "p90", "per fifth"], rows)
    );
    let mut checks: std::collections::BTreeMap<&str, Vec<_>> = std::collections::BTreeMap::new();
    for flag in &report.flags {
        checks.entry(flag.check).or_default().push(flag);
    }
    for (check, flags) in checks {
        println!("\n{check}: {}", flags.len());
        for flag in flags.iter().take(limit) {
            println!("  {}: {}", flag.subject, flag.detail);
            for file in flag.files.iter().take(2) {
                println!("    {file}");
            }
        }
        if flags.len() > limit {
            println!(
                "  … and {} more (--limit, or --format json for all)",
                flags.len() - limit
            );
        }
    }
}
