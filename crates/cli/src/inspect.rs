//! `macaroni show` and `macaroni stats`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use macaroni_format::{Kind, Record};
use macaroni_store::Store;
use serde_json::{json, Value};

use crate::output::{self, cell, short, Format};

pub fn show(db: &Path, id: &str, format: Format, history: bool, as_of: Option<&str>) -> anyhow::Result<ExitCode> {
    let store = Store::open(db).with_context(|| format!("opening {}", db.display()))?;
    if let Some(at) = as_of {
        let Some(record) = store.merged_as_of(id, at)? else {
            eprintln!("{id} did not exist at {at}");
            return Ok(ExitCode::from(5));
        };
        match format {
            Format::Json => println!("{}", serde_json::to_string_pretty(&record)?),
            _ => print_attributes(&record),
        }
        return Ok(ExitCode::SUCCESS);
    }
    let Some(view) = store.view(id)? else {
        eprintln!("no entity with id {id}");
        return Ok(ExitCode::from(5));
    };
    let versions = if history { store.history(id)? } else { Vec::new() };
    if format == Format::Json {
        let mut body = json!({
            "id": view.id,
            "kind": view.kind,
            "merged": view.merged,
            "statements": view.statements,
            "outgoing": view.outgoing,
            "incoming": view.incoming,
            "evaluations": view.evaluations,
            "costs": view.costs,
        });
        if history {
            body["history"] = serde_json::to_value(&versions)?;
        }
        println!("{}", serde_json::to_string_pretty(&body)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("{}  ({})", view.id, view.kind);
    print_attributes(&view.merged);
    println!("\nSources ({}):", view.statements.len());
    for statement in &view.statements {
        let p = statement.provenance();
        println!(
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
        println!("\nCost measurements ({}):", view.costs.len());
        for cost in &view.costs {
            let attrs = cost.attributes();
            let get = |k: &str| attrs.get(k).map(cell).unwrap_or_default();
            println!(
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
    if history {
        println!("\nHistory:");
        for v in versions {
            println!(
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

fn print_attributes(record: &Record) {
    for (key, value) in record.attributes() {
        let text = match key.as_str() {
            "card_text" => format!("{} characters", value.as_str().map_or(0, |s| s.chars().count())),
            _ => short(&cell(&value), 100),
        };
        println!("  {key}: {text}");
    }
}

fn print_relations(title: &str, relations: &[Record], outgoing: bool) {
    if relations.is_empty() {
        return;
    }
    println!("\n{title} ({}):", relations.len());
    for record in relations {
        if let Record::Relation(r) = record {
            let other = if outgoing { &r.object } else { &r.subject };
            println!(
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
    println!("\nEvaluations ({}):", rows.len());
    println!(
        "{}",
        output::table(&["dataset", "split", "metric", "value", "method"], rows)
    );
}

pub fn stats(db: &Path, format: Format) -> anyhow::Result<ExitCode> {
    let store = Store::open(db).with_context(|| format!("opening {}", db.display()))?;
    let stats = store.stats()?;
    let per_kind: Vec<(String, i64)> = Kind::ALL
        .iter()
        .map(|k| {
            (
                k.as_str().to_string(),
                stats.kinds.get(k.as_str()).copied().unwrap_or(0),
            )
        })
        .collect();
    match format {
        Format::Json => {
            let mut body = serde_json::Map::new();
            for (kind, n) in &per_kind {
                body.insert(kind.clone(), json!(n));
            }
            body.insert("relations_by_type".into(), json!(stats.relations));
            body.insert("models_by_zoo".into(), json!(stats.zoos));
            body.insert(
                "storage".into(),
                json!({
                    "sources": stats.sources,
                    "statements_current": stats.statements_current,
                    "statements_closed": stats.statements_closed,
                    "facts_current": stats.facts_current,
                    "facts_history": stats.facts_history,
                    "schema_version": stats.schema_version,
                }),
            );
            println!("{}", serde_json::to_string_pretty(&Value::Object(body))?);
        }
        Format::Csv => {
            let rows: Vec<Vec<String>> = per_kind.iter().map(|(k, n)| vec![k.clone(), n.to_string()]).collect();
            output::print_csv(&["kind", "count"], &rows)?;
        }
        Format::Table => {
            let rows = per_kind
                .into_iter()
                .filter(|(_, n)| *n > 0)
                .map(|(k, n)| vec![k, n.to_string()])
                .collect();
            println!("{}", output::table(&["kind", "count"], rows));
            let rows = stats
                .relations
                .iter()
                .map(|(k, n)| vec![k.clone(), n.to_string()])
                .collect();
            println!("{}", output::table(&["relation", "count"], rows));
            let rows = stats.zoos.iter().map(|(k, n)| vec![k.clone(), n.to_string()]).collect();
            println!("{}", output::table(&["zoo", "models"], rows));
            println!(
                "{} sources, {} current statements ({} closed), {} current facts, {} historical versions; schema v{}",
                stats.sources,
                stats.statements_current,
                stats.statements_closed,
                stats.facts_current,
                stats.facts_history,
                stats.schema_version
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
