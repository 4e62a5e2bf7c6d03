//! `macaroni search`, `sql`, `lineage`, `compare` and `select`: thin shells over the facade.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use macaroni_format::RelationKind;
use macaroni_query::LineageOptions;
use macaroni_repo::{Repo, RepoError, SearchRequest};
use macaroni_store::{Limits, Rows};

use crate::output::{self, cell, Format};

fn open(db: &Path, limits: Limits) -> anyhow::Result<Repo> {
    Ok(Repo::open_read(db)?.with_limits(limits))
}

/// A malformed query is the user's to fix: show where, under the query text, and exit 2.
pub fn in_query(err: RepoError, text: &str) -> anyhow::Error {
    match err {
        RepoError::Usage {
            message,
            position: Some(at),
        } => {
            let parse = macaroni_query::ParseError { at, message };
            anyhow::Error::new(RepoError::usage(parse.pointer(text)))
        }
        other => other.into(),
    }
}

fn print_rows(rows: &Rows, format: Format) -> anyhow::Result<()> {
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&rows.objects())?),
        Format::Csv => {
            let header: Vec<&str> = rows.columns.iter().map(String::as_str).collect();
            let cells: Vec<Vec<String>> = rows.rows.iter().map(|r| r.iter().map(cell).collect()).collect();
            output::print_csv(&header, &cells)?;
        }
        Format::Table => {
            let header: Vec<&str> = rows.columns.iter().map(String::as_str).collect();
            let cells = rows
                .rows
                .iter()
                .map(|r| r.iter().map(|v| output::short(&cell(v), 60)).collect())
                .collect();
            say!("{}", output::table(&header, cells));
            say!(
                "{} row(s){}",
                rows.rows.len(),
                if rows.truncated {
                    ", truncated (--max-rows, or 64 MiB of values)"
                } else {
                    ""
                }
            );
        }
    }
    if rows.truncated && format != Format::Table {
        esay!("warning: more rows than --max-rows or 64 MiB of values allow; output truncated");
    }
    Ok(())
}

pub fn search(db: &Path, request: SearchRequest, format: Format, timeout: Duration) -> anyhow::Result<ExitCode> {
    let repo = open(
        db,
        Limits {
            timeout,
            ..Limits::default()
        },
    )?;
    let page = repo.search(&request).map_err(|e| in_query(e, &request.query))?;
    for hint in &page.hints {
        esay!("hint: {hint}");
    }
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&page)?),
        Format::Csv | Format::Table => {
            let sorted = page.hits.iter().any(|h| h.sort_value.is_some());
            let mut header = vec!["id", "name", "zoo", "task", "license", "parameters", "downloads"];
            if sorted {
                header.push("sort_value");
            }
            let number = |n: Option<i64>| n.map_or(String::new(), |n| n.to_string());
            let rows: Vec<Vec<String>> = (page.hits.iter())
                .map(|h| {
                    let mut row = vec![
                        h.id.clone(),
                        h.name.clone().unwrap_or_default(),
                        h.zoo.clone().unwrap_or_default(),
                        h.task.clone().unwrap_or_default(),
                        h.license.clone().unwrap_or_default(),
                        number(h.parameters),
                        number(h.downloads),
                    ];
                    if sorted {
                        row.push(h.sort_value.as_ref().map(cell).unwrap_or_default());
                    }
                    row
                })
                .collect();
            if format == Format::Csv {
                output::print_csv(&header, &rows)?;
            } else if rows.is_empty() {
                say!("No model matches.");
            } else {
                say!("{}", output::table(&header, rows));
                let of = if page.total_exact {
                    page.total.to_string()
                } else {
                    format!("at least {}", page.total)
                };
                let shown = page.hits.len();
                let first = if shown == 0 { 0 } else { page.offset + 1 };
                say!("{first}–{} of {of} model(s)", page.offset + shown);
                if let Some(next) = page.next_offset {
                    say!("more: --offset {next} (or --limit N)");
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn sql(db: &Path, text: &str, format: Format, max_rows: usize, timeout: Duration) -> anyhow::Result<ExitCode> {
    let limits = Limits {
        max_rows,
        timeout,
        ..Limits::default()
    };
    let rows = open(db, limits)?.sql(text, limits)?;
    print_rows(&rows, format).map(|_| ExitCode::SUCCESS)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LineageFormat {
    Text,
    Json,
    Dot,
    Csv,
}

fn lineage_relations(names: &[String]) -> anyhow::Result<Vec<RelationKind>> {
    names
        .iter()
        .map(|r| {
            RelationKind::parse(r).filter(|k| k.is_lineage()).ok_or_else(|| {
                let names: Vec<&str> = (RelationKind::ALL.iter())
                    .filter(|k| k.is_lineage())
                    .map(|k| k.as_str())
                    .collect();
                RepoError::usage(format!(
                    "`{r}` is not a lineage relation; use one of {}",
                    names.join(", ")
                ))
                .into()
            })
        })
        .collect()
}

pub fn common_ancestors(
    db: &Path,
    [first, second]: [&str; 2],
    relations: &[String],
    depth: u32,
    format: LineageFormat,
) -> anyhow::Result<ExitCode> {
    if format == LineageFormat::Dot {
        return Err(RepoError::usage("--common-with prints text, json or csv, not dot").into());
    }
    let options = LineageOptions {
        up: true,
        relations: lineage_relations(relations)?,
        max_depth: depth,
    };
    let shared = open(db, Limits::default())?.common_ancestors(first, second, &options)?;
    let rows: Vec<Vec<String>> = shared
        .iter()
        .map(|c| {
            vec![
                c.id.clone(),
                c.depth_from_first.to_string(),
                c.depth_from_second.to_string(),
            ]
        })
        .collect();
    let header = ["id", "depth_from_first", "depth_from_second"];
    match format {
        LineageFormat::Json => println!("{}", serde_json::to_string_pretty(&shared)?),
        LineageFormat::Csv => output::print_csv(&header, &rows)?,
        // Dot was refused above.
        LineageFormat::Text | LineageFormat::Dot => {
            if shared.is_empty() {
                say!("{first} and {second} share no ancestor within depth {depth}");
            } else {
                say!("{}", output::table(&header, rows));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn lineage(
    db: &Path,
    id: &str,
    up: bool,
    relations: &[String],
    depth: u32,
    format: LineageFormat,
) -> anyhow::Result<ExitCode> {
    let options = LineageOptions {
        up,
        relations: lineage_relations(relations)?,
        max_depth: depth,
    };
    let result = open(db, Limits::default())?.lineage(id, &options)?;
    for cycle in &result.cycles {
        esay!(
            "warning: cycle in the data: {} {} {} leads back to {}",
            cycle.from,
            cycle.relation,
            cycle.id,
            cycle.id
        );
    }
    match format {
        LineageFormat::Json => println!("{}", serde_json::to_string_pretty(&result)?),
        LineageFormat::Csv => {
            let rows: Vec<Vec<String>> = result
                .edges
                .iter()
                .map(|e| {
                    vec![
                        e.id.clone(),
                        e.relation.clone(),
                        e.from.clone(),
                        e.depth.to_string(),
                        e.method.clone(),
                    ]
                })
                .collect();
            output::print_csv(&["id", "relation", "from", "depth", "method"], &rows)?;
        }
        LineageFormat::Dot => {
            say!("digraph lineage {{\n  rankdir=BT;\n  {:?} [shape=box];", id);
            for e in &result.edges {
                let (child, parent) = if up { (&e.from, &e.id) } else { (&e.id, &e.from) };
                say!("  {child:?} -> {parent:?} [label={:?}];", e.relation);
            }
            say!("}}");
        }
        LineageFormat::Text => {
            say!("{id}");
            for e in &result.edges {
                let arrow = if up { "→" } else { "←" };
                say!(
                    "{}{arrow} {} ({} {})",
                    "  ".repeat(e.depth as usize),
                    e.id,
                    e.relation,
                    e.method
                );
            }
            if result.edges.is_empty() {
                say!("  (no {} found)", if up { "ancestors" } else { "descendants" });
            }
            if result.truncated {
                say!("  … deeper levels not shown (--depth)");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Parses `--timeout-ms`.
pub fn timeout(ms: u64) -> Duration {
    Duration::from_millis(ms.max(1))
}

pub fn compare(db: &Path, ids: &[String], all: bool, format: Format) -> anyhow::Result<ExitCode> {
    let comparison = open(db, Limits::default())?.compare(ids, all)?;
    let number = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v}"));
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&comparison)?),
        Format::Csv | Format::Table => {
            let mut header = vec!["dataset".to_string(), "config".into(), "split".into(), "metric".into()];
            header.extend(comparison.models.iter().map(|m| m.id.clone()));
            let mut rows: Vec<Vec<String>> = Vec::new();
            for (label, pick) in [
                (
                    "parameters",
                    &(|m: &macaroni_query::ModelSummary| number(m.parameters))
                        as &dyn Fn(&macaroni_query::ModelSummary) -> String,
                ),
                ("license", &|m| m.license.clone().unwrap_or_default()),
                ("throughput/s", &|m| number(m.throughput)),
            ] {
                let mut row = vec![label.to_string(), String::new(), String::new(), String::new()];
                row.extend(comparison.models.iter().map(pick));
                rows.push(row);
            }
            for b in &comparison.benchmarks {
                let mut row = vec![
                    b.dataset.clone(),
                    b.config.clone().unwrap_or_default(),
                    b.split.clone().unwrap_or_default(),
                    format!("{} ({})", b.metric, if b.higher_is_better { "↑" } else { "↓" }),
                ];
                row.extend(b.values.iter().enumerate().map(|(i, v)| {
                    let mark = if b.best == Some(i) && format == Format::Table {
                        " *"
                    } else {
                        ""
                    };
                    format!("{}{mark}", number(*v))
                }));
                rows.push(row);
            }
            let header: Vec<&str> = header.iter().map(String::as_str).collect();
            if format == Format::Csv {
                output::print_csv(&header, &rows)?;
            } else {
                say!("{}", output::table(&header, rows));
                say!(
                    "* best per benchmark; {} shared benchmark(s){}",
                    comparison.benchmarks.len(),
                    if all { " (--all: every benchmark)" } else { "" }
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `metric@dataset`, `params`, ... with the direction given by the flag it came from.
fn objectives(maximize: &[String], minimize: &[String]) -> Vec<macaroni_query::Objective> {
    maximize
        .iter()
        .map(|name| macaroni_query::Objective {
            name: name.clone(),
            maximize: true,
        })
        .chain(minimize.iter().map(|name| macaroni_query::Objective {
            name: name.clone(),
            maximize: false,
        }))
        .collect()
}

pub fn select(
    db: &Path,
    text: &str,
    maximize: &[String],
    minimize: &[String],
    format: Format,
) -> anyhow::Result<ExitCode> {
    let objectives = objectives(maximize, minimize);
    let front = (open(db, Limits::default())?.select(text, &objectives)).map_err(|e| in_query(e, text))?;
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&front)?),
        Format::Csv | Format::Table => {
            let mut header = vec!["id".to_string()];
            header.extend(
                (front.objectives.iter()).map(|o| format!("{} ({})", o.name, if o.maximize { "max" } else { "min" })),
            );
            let rows: Vec<Vec<String>> = (front.points.iter())
                .map(|p| {
                    let values = front
                        .objectives
                        .iter()
                        .map(|o| p.values.get(&o.name).map_or(String::new(), |v| format!("{v}")));
                    std::iter::once(p.id.clone()).chain(values).collect()
                })
                .collect();
            let header: Vec<&str> = header.iter().map(String::as_str).collect();
            if format == Format::Csv {
                output::print_csv(&header, &rows)?;
            } else {
                say!("{}", output::table(&header, rows));
                say!("{} model(s) on the Pareto front", front.points.len());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
