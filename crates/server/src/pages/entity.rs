//! The page of one entity (model, dataset, license, ...): merged attributes with the provenance
//! of each, the sanitised card, evaluations, costs, relations both ways, the lineage graph,
//! history and an as-of view.

use axum::extract::State;
use macaroni_format::{Provenance, Record};
use macaroni_query::LineageOptions;
use macaroni_repo::{EntityDoc, Instant, ModelQuality};
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::Value;

use super::{card, entity_href, entity_link, lineage_svg, page, trusted, PageError};
use crate::error::Params;
use crate::AppState;

#[derive(Debug, Deserialize)]
pub struct EntityQuery {
    pub id: String,
    #[serde(default)]
    pub history: bool,
    /// Show the entity as it stood then (RFC 3339 or a date).
    #[serde(default)]
    pub as_of: Option<String>,
}

/// Levels of ancestors and of descendants drawn on a model page.
const LINEAGE_DEPTH: u32 = 3;

pub async fn model(State(state): State<AppState>, Params(query): Params<EntityQuery>) -> Result<Markup, PageError> {
    if let Some(at) = query.as_of.as_deref().filter(|t| !t.trim().is_empty()) {
        let at = Instant::parse(at)?;
        let id = query.id.clone();
        let doc = state.pool.run(move |repo| repo.as_of(&id, at)).await?;
        let json = format!(
            "/api/v1/entity/as-of?{}",
            crate::api::encode(&[("id", &doc.id), ("at", &doc.as_of)])
        );
        let body = html! {
            h1 { (doc.id) }
            p { "As it stood at " strong { (doc.as_of) } ". " a href=(entity_href(&doc.id)) { "Now" } }
            (attributes(&doc.merged, None))
        };
        return Ok(page(&doc.id, Some(&json), body));
    }
    let id = query.id.clone();
    let with_history = query.history;
    let (doc, ancestors, descendants, best, quality) = state
        .pool
        .run(move |repo| {
            let doc = repo.entity(&id, with_history)?;
            let best = repo.best_values(&evaluation_keys(&doc.evaluations))?;
            let (mut up, mut down, mut quality) = (None, None, None);
            if doc.kind == "model" {
                quality = Some(repo.model_quality(&id)?);
                let options = |up| LineageOptions {
                    up,
                    relations: Vec::new(),
                    max_depth: LINEAGE_DEPTH,
                };
                up = Some(repo.lineage(&id, &options(true))?);
                down = Some(repo.lineage(&id, &options(false))?);
            }
            Ok((doc, up, down, best, quality))
        })
        .await?;
    let json = format!(
        "/api/v1/entity?{}",
        crate::api::encode(&[("id", &doc.id), ("history", &doc.history.is_some().to_string())])
    );
    let graph = match (&ancestors, &descendants) {
        (Some(up), Some(down)) if !up.edges.is_empty() || !down.edges.is_empty() => {
            Some(lineage_svg::draw(&doc.id, up, down))
        }
        _ => None,
    };
    let body = html! {
        h1 { (doc.id) " " small.kind { (doc.kind) } }
        @if doc.kind == "dataset" {
            p { a href=(format!("/dataset?{}", crate::api::encode(&[("id", &doc.id)]))) { "Leaderboard of this dataset" } }
        }
        section {
            h2 { "Attributes" }
            (attributes(&doc.merged, Some(&doc)))
        }
        @if let Some(svg) = graph {
            section.lineage {
                h2 { "Lineage" }
                p.note { "Ancestors above, descendants below (up to " (LINEAGE_DEPTH) " levels); click a model to open it." }
                (trusted(svg))
            }
        }
        (same_model_elsewhere(&doc))
        @if let Some(q) = &quality { (quality_section(q)) }
        (evaluations(&doc.evaluations, &best))
        (costs(&doc.costs))
        (relations("Relations", &doc.outgoing, true))
        (relations("Referenced by", &doc.incoming, false))
        (card_section(&doc.merged))
        (sources(&doc))
        (history(&doc))
    };
    Ok(page(&doc.id, Some(&json), body))
}

fn cell(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn provenance_line(p: &Provenance) -> Markup {
    html! {
        span.method { (p.method.as_str()) }
        " " span.confidence title="confidence" { (format!("{:.2}", p.confidence)) }
        " · " span.uri { (p.source.uri) }
        @if let Some(evidence) = &p.evidence { " · " q.evidence { (evidence) } }
        " · " time { (p.observed_at) }
    }
}

fn attributes(record: &Record, doc: Option<&EntityDoc>) -> Markup {
    html! {
        table.attributes {
            thead { tr { th { "attribute" } th { "value" } @if doc.is_some() { th { "from" } } } }
            tbody {
                @for (key, value) in record.attributes() {
                    @if key != "card_text" {
                        tr {
                            th scope="row" { (key) }
                            td { (cell(&value)) }
                            @if let Some(doc) = doc {
                                td.provenance {
                                    @if let Some(p) = doc.attribute_sources.get(&key) { (provenance_line(p)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn card_section(record: &Record) -> Markup {
    let text = match record {
        Record::Model(m) => m.card_text.as_deref(),
        Record::Dataset(d) => d.card_text.as_deref(),
        _ => None,
    };
    html! {
        @if let Some(text) = text {
            section.card {
                h2 { "Card" }
                article { (trusted(card::render(text))) }
            }
        }
    }
}

/// The (dataset id, metric id) of an evaluation, as the store derives them.
fn evaluation_key(e: &macaroni_format::Evaluation) -> Option<(String, String)> {
    let metric = e.metric.metric_type.as_deref().or(e.metric.name.as_deref())?;
    Some((e.dataset.id.clone()?, macaroni_format::id::metric(metric)))
}

fn evaluation_keys(records: &[Record]) -> Vec<(String, String)> {
    let mut keys: Vec<(String, String)> = records
        .iter()
        .filter_map(|r| match r {
            Record::Evaluation(e) => evaluation_key(e),
            _ => None,
        })
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// Completeness and the contradictions found, with the files they come from.
fn quality_section(q: &ModelQuality) -> Markup {
    let percent = (q.completeness * 100.0).round();
    html! {
        section.quality {
            h2 { "Quality" }
            p {
                meter min="0" max="100" value=(percent) aria-label="completeness" {}
                " " strong { (percent) " % complete" }
                @if !q.missing.is_empty() { " — no source states: " (q.missing.join(", ")) }
                " " a href=(format!("/api/v1/entity/quality?{}", crate::api::encode(&[("id", &q.model)]))) { "JSON" }
            }
            @if q.flags.is_empty() {
                p.note { "No contradiction found." }
            } @else {
                ul.flags { @for f in &q.flags {
                    li {
                        strong.check { (f.check) } ": " (f.detail)
                        @if !f.files.is_empty() { br; small { "in " (f.files.join(", ")) } }
                    }
                } }
            }
        }
    }
}

/// The same model in other zoos (`same_as`, either way).
fn same_model_elsewhere(doc: &EntityDoc) -> Markup {
    let others: Vec<&str> = (doc.outgoing.iter().map(|r| (r, true)))
        .chain(doc.incoming.iter().map(|r| (r, false)))
        .filter_map(|(r, outgoing)| match r {
            Record::Relation(rel) if rel.relation == macaroni_format::RelationKind::SameAs => Some(if outgoing {
                rel.object.as_str()
            } else {
                rel.subject.as_str()
            }),
            _ => None,
        })
        .collect();
    html! {
        @if !others.is_empty() {
            section {
                h2 { "The same model elsewhere" }
                ul { @for id in others { li { (entity_link(id)) } } }
            }
        }
    }
}

fn evaluations(records: &[Record], best: &std::collections::BTreeMap<(String, String), f64>) -> Markup {
    let mut rows: Vec<&macaroni_format::Evaluation> = records
        .iter()
        .filter_map(|r| match r {
            Record::Evaluation(e) => Some(e),
            _ => None,
        })
        .collect();
    rows.sort_by(|a, b| {
        (a.dataset.id.as_deref(), a.metric.metric_type.as_deref())
            .cmp(&(b.dataset.id.as_deref(), b.metric.metric_type.as_deref()))
    });
    html! {
        @if !rows.is_empty() {
            section.evaluations {
                h2 { "Evaluations (" (rows.len()) ")" }
                table.evaluations {
                    thead { tr { th { "dataset" } th { "config" } th { "split" } th { "metric" } th.num { "value" } th { "best in the repository" } th { "from" } } }
                    tbody {
                        @for e in rows {
                            tr {
                                td {
                                    @match &e.dataset.id {
                                        Some(id) => a href=(format!("/dataset?{}", crate::api::encode(&[("id", id)]))) { (e.dataset.name.clone().unwrap_or_else(|| id.clone())) },
                                        None => (e.dataset.name.clone().unwrap_or_default()),
                                    }
                                }
                                td { (e.dataset.config.as_ref().map(cell).unwrap_or_default()) }
                                td { (e.dataset.split.as_ref().map(cell).unwrap_or_default()) }
                                td { (e.metric.name.clone().or(e.metric.metric_type.clone()).unwrap_or_default()) }
                                td.num { (cell(&e.value)) }
                                @let top = evaluation_key(e).and_then(|k| best.get(&k).copied());
                                td.num.best[top.is_some() && top == e.numeric_value] {
                                    @match top {
                                        Some(v) if Some(v) == e.numeric_value => "this model",
                                        Some(v) => (v),
                                        None => "",
                                    }
                                }
                                td.provenance { (provenance_line(&e.provenance)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn costs(records: &[Record]) -> Markup {
    html! {
        @if !records.is_empty() {
            section {
                h2 { "Cost measurements (" (records.len()) ")" }
                table {
                    thead { tr { th { "phase" } th { "hardware" } th { "precision" } th.num { "batch" } th.num { "items/s" } th.num { "GMACs" } } }
                    tbody {
                        @for record in records {
                            @let a = record.attributes();
                            @let get = |k: &str| a.get(k).map(cell).unwrap_or_default();
                            tr {
                                td { (get("phase")) } td { (get("hardware")) } td { (get("precision")) }
                                td.num { (get("batch_size")) } td.num { (get("throughput")) } td.num { (get("gmacs")) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn relations(title: &str, records: &[Record], outgoing: bool) -> Markup {
    let relations: Vec<&macaroni_format::Relation> = records
        .iter()
        .filter_map(|r| match r {
            Record::Relation(r) => Some(r),
            _ => None,
        })
        .collect();
    html! {
        @if !relations.is_empty() {
            section {
                h2 { (title) " (" (relations.len()) ")" }
                ul.relations {
                    @for r in relations {
                        li {
                            span.relation { (r.relation.as_str()) } " "
                            (entity_link(if outgoing { &r.object } else { &r.subject }))
                            " " span.provenance { (r.provenance.method.as_str()) " " (format!("{:.2}", r.provenance.confidence)) }
                        }
                    }
                }
            }
        }
    }
}

fn sources(doc: &EntityDoc) -> Markup {
    html! {
        section.sources {
            h2 { "Sources (" (doc.statements.len()) ")" }
            ul { @for s in &doc.statements { li { span.zoo { (s.provenance().source.zoo) } " " (provenance_line(s.provenance())) } } }
        }
    }
}

fn history(doc: &EntityDoc) -> Markup {
    html! {
        section {
            h2 { "History" }
            form.inline action="/model" method="get" {
                input type="hidden" name="id" value=(doc.id);
                label { "As of " input type="text" name="as_of" placeholder="2026-01-31 or 2026-01-31T12:00:00Z"; }
                button type="submit" { "Show" }
            }
            @match &doc.history {
                None => p { a href=(format!("{}&history=true", entity_href(&doc.id))) { "Every version of every attribute" } },
                Some(versions) => table {
                    thead { tr { th { "field" } th { "value" } th { "from" } th { "to" } th { "source" } } }
                    tbody {
                        @for v in versions {
                            tr {
                                td { (v.field) } td { (cell(&v.value)) } td { (v.valid_from) }
                                td { (v.valid_to.as_deref().unwrap_or("now")) } td.uri { (v.method) " " (v.source) }
                            }
                        }
                    }
                },
            }
        }
    }
}
