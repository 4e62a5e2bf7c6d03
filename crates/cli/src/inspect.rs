//! `macaroni show` and `macaroni stats`.

use std::path::Path;
use std::process::ExitCode;

use std::collections::BTreeMap;

use macaroni_format::{Provenance, Record};
use macaroni_repo::{Instant, Repo};

use crate::output::{self, cell, short, Format};

pub fn show(db: &Path, id: &str, format: Format, history: bool, as_of: Option<&str>) -> anyhow::Result<ExitCode> {
    let repo = Repo::open_read(db)?;
    if let Some(at) = as_of {
        let doc = repo.as_of(id, Instant::parse(at)?)?;
        match format {
            Format::Json => println!("{}", serde_json::to_string_pretty(&doc)?),
            _ => {
                say!("{}  as of {}", doc.id, doc.as_of);
                print_attributes(&doc.merged, None);
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let view = repo.entity(id, history)?;
    if format == Format::Json {
        println!("{}", serde_json::to_string_pretty(&view)?);
        return Ok(ExitCode::SUCCESS);
    }
    say!("{}  ({})", view.id, view.kind);
    // With several sources, say which one each value comes from.
    let sources = (view.statements.len() > 1).then_some(&view.attribute_sources);
    print_attributes(&view.merged, sources);
    say!("\nSources ({}):", view.statements.len());
    for statement in &view.statements {
        let p = statement.provenance();
        say!(
            "  {} [{} {} {:.2}] {}",
            p.source.zoo,
            p.method.as_str(),
            p.observed_at,
            p.confidence,
            p.source.uri
        );
    }
    print_relations("Relations", &view.outgoing, true);
    print_relations("Referenced by", &view.incoming, false);
    print_evaluations(&view.evaluations);
    if !view.costs.is_empty() {
        say!("\nCost measurements ({}):", view.costs.len());
        for cost in &view.costs {
            let attrs = cost.attributes();
            let get = |k: &str| attrs.get(k).map(cell).unwrap_or_default();
            say!(
                "  {} {} {} batch {} → {} items/s, {} GMACs, {} FLOPs",
                get("phase"),
                get("hardware"),
                get("precision"),
                get("batch_size"),
                get("throughput"),
                get("gmacs"),
                get("flops")
            );
        }
    }
    if let Some(versions) = &view.history {
        say!("\nHistory:");
        for v in versions {
            say!(
                "  {} = {}  [{} → {}] {} {}",
                v.field,
                short(&v.value.to_string(), 60),
                v.valid_from,
                v.valid_to.as_deref().unwrap_or("now"),
                v.method,
                v.source
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The merged attributes, each with the method of the statement it comes from when known.
fn print_attributes(record: &Record, sources: Option<&BTreeMap<String, Provenance>>) {
    for (key, value) in record.attributes() {
        let text = match key.as_str() {
            "card_text" => format!("{} characters", value.as_str().map_or(0, |s| s.chars().count())),
            _ => short(&cell(&value), 100),
        };
        match sources.and_then(|s| s.get(&key)) {
            Some(p) => say!("  {key}: {text}  [{} {}]", p.method.as_str(), p.source.uri),
            None => say!("  {key}: {text}"),
        }
    }
}

fn print_relations(title: &str, relations: &[Record], outgoing: bool) {
    if relations.is_empty() {
        return;
    }
    say!("\n{title} ({}):", relations.len());
    for record in relations {
        if let Record::Relation(r) = record {
            let other = if outgoing { &r.object } else { &r.subject };
            say!(
                "  {} {}  [{} {:.2}]",
                r.relation.as_str(),
                other,
                r.provenance.method.as_str(),
                r.provenance.confidence
            );
        }
    }
}

fn print_evaluations(evaluations: &[Record]) {
    if evaluations.is_empty() {
        return;
    }
    let rows: Vec<Vec<String>> = evaluations
        .iter()
        .filter_map(|record| match record {
            Record::Evaluation(e) => Some(vec![
                e.dataset.name.clone().or(e.dataset.id.clone()).unwrap_or_default(),
                e.dataset.split.as_ref().map(cell).unwrap_or_default(),
                e.metric
                    .name
                    .clone()
                    .or(e.metric.metric_type.clone())
                    .unwrap_or_default(),
                cell(&e.value),
                e.provenance.method.as_str().to_string(),
            ]),
            _ => None,
        })
        .collect();
    say!("\nEvaluations ({}):", rows.len());
    say!(
        "{}",
        output::table(&["dataset", "split", "metric", "value", "method"], rows)
    );
}

pub fn stats(db: &Path, format: Format) -> anyhow::Result<ExitCode> {
    let stats = Repo::open_read(db)?.stats()?;
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&stats)?),
        Format::Csv => {
            let rows: Vec<Vec<String>> = stats
                .kinds
                .iter()
                .map(|(k, n)| vec![k.clone(), n.to_string()])
                .collect();
            output::print_csv(&["kind", "count"], &rows)?;
        }
        Format::Table => {
            let rows = (stats.kinds.iter())
                .filter(|(_, n)| **n > 0)
                .map(|(k, n)| vec![k.clone(), n.to_string()])
                .collect();
            say!("{}", output::table(&["kind", "count"], rows));
            let rows = (stats.relations_by_type.iter())
                .map(|(k, n)| vec![k.clone(), n.to_string()])
                .collect();
            say!("{}", output::table(&["relation", "count"], rows));
            let rows = (stats.models_by_zoo.iter())
                .map(|(k, n)| vec![k.clone(), n.to_string()])
                .collect();
            say!("{}", output::table(&["zoo", "models"], rows));
            let s = &stats.storage;
            say!(
                "{} sources, {} current statements ({} closed), {} current facts, {} historical versions; schema v{}",
                s.sources,
                s.statements_current,
                s.statements_closed,
                s.facts_current,
                s.facts_history,
                s.schema_version
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
