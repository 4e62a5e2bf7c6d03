//! The working pages: compare models, the Pareto front as a scatter plot, inference plans, and the
//! read-only SQL console.

use std::fmt::Write;
use std::time::Duration;

use axum::extract::State;
use macaroni_repo::plan::{PlanAnswer, PlanRequest};
use macaroni_repo::{ParetoFront, RepoError};
use macaroni_store::Limits;
use maud::{html, Markup};
use serde::Deserialize;

use super::{entity_href, entity_link, human, page, trusted, PageError};
use crate::error::Params;
use crate::AppState;

/// A usage error becomes a message on the page; anything else an error page.
fn usage_or_fail<T>(outcome: Result<T, RepoError>) -> Result<Result<T, String>, PageError> {
    match outcome {
        Ok(value) => Ok(Ok(value)),
        Err(RepoError::Usage { message, .. }) => Ok(Err(message)),
        Err(RepoError::NoPlan(message)) => Ok(Err(message)),
        Err(RepoError::Denied(message)) => Ok(Err(format!("not allowed: {message}"))),
        Err(RepoError::Timeout(limit)) => Ok(Err(format!("stopped after {limit:?}; narrow the question"))),
        Err(other) => Err(other.into()),
    }
}

fn problem(message: &str) -> Markup {
    html! { div.error role="alert" { p { (message) } } }
}

#[derive(Debug, Deserialize)]
pub struct CompareQuery {
    /// Model ids separated by commas or spaces.
    #[serde(default)]
    pub ids: String,
    #[serde(default)]
    pub all: bool,
}

pub async fn compare(State(state): State<AppState>, Params(query): Params<CompareQuery>) -> Result<Markup, PageError> {
    let ids: Vec<String> = query
        .ids
        .split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let form = html! {
        form.stack action="/compare" method="get" {
            label { "Models (ids, separated by commas or spaces)" textarea name="ids" rows="3" { (query.ids) } }
            label.check { input type="checkbox" name="all" value="true" checked[query.all]; " every benchmark, not only shared ones" }
            button type="submit" { "Compare" }
        }
    };
    if ids.len() < 2 {
        let body = html! { h1 { "Compare models" } (form) p.note { "Give two or more ids, e.g. timm:resnet50.a1_in1k, timm:convnext_tiny.fb_in1k." } };
        return Ok(page("Compare", None, body));
    }
    let all = query.all;
    let json = format!(
        "/api/v1/compare?{}",
        crate::api::encode(&[("ids", &ids.join(",")), ("all", &all.to_string())])
    );
    let outcome = state.pool.run(move |repo| Ok(repo.compare(&ids, all))).await?;
    let number = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v}"));
    let result = match usage_or_fail(outcome)? {
        Err(message) => problem(&message),
        Ok(c) => html! {
            table.compare {
                thead { tr { th { "benchmark" } @for m in &c.models { th { (entity_link(&m.id)) } } } }
                tbody {
                    tr { th scope="row" { "parameters" } @for m in &c.models { td.num { (m.parameters.map(|p| human(p as i64)).unwrap_or_default()) } } }
                    tr { th scope="row" { "license" } @for m in &c.models { td { (m.license.clone().unwrap_or_default()) } } }
                    tr { th scope="row" { "throughput / s" } @for m in &c.models { td.num { (number(m.throughput)) } } }
                    @for b in &c.benchmarks {
                        tr {
                            th scope="row" {
                                a href=(format!("/dataset?{}", crate::api::encode(&[("id", &b.dataset)]))) { (b.dataset) }
                                " " (b.metric) @if let Some(s) = &b.split { " · " (s) } " " (if b.higher_is_better { "↑" } else { "↓" })
                            }
                            @for (i, v) in b.values.iter().enumerate() {
                                td.num.best[b.best == Some(i)] { (number(*v)) }
                            }
                        }
                    }
                }
            }
            p.note { (c.benchmarks.len()) " benchmark(s); the best of each row is marked." }
        },
    };
    let body = html! { h1 { "Compare models" } (form) (result) };
    Ok(page("Compare", Some(&json), body))
}

#[derive(Debug, Deserialize)]
pub struct SelectQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub maximize: String,
    #[serde(default)]
    pub minimize: String,
}

pub async fn select(State(state): State<AppState>, Params(query): Params<SelectQuery>) -> Result<Markup, PageError> {
    let form = html! {
        form.stack action="/select" method="get" {
            label { "Models matching" input type="search" name="q" value=(query.q) placeholder="task:image-classification"; }
            label { "Maximise" input type="text" name="maximize" value=(query.maximize) placeholder="top1@imagenet-1k"; }
            label { "Minimise" input type="text" name="minimize" value=(query.minimize) placeholder="params"; }
            button type="submit" { "Find the Pareto front" }
        }
    };
    let objectives = macaroni_repo::objectives(&query.maximize, &query.minimize);
    if objectives.is_empty() {
        let body = html! { h1 { "Pareto front" } (form) p.note { "Objectives: params, size, downloads, likes, or metric@dataset." } };
        return Ok(page("Pareto front", None, body));
    }
    let json = format!(
        "/api/v1/select?{}",
        crate::api::encode(&[
            ("q", &query.q),
            ("maximize", &query.maximize),
            ("minimize", &query.minimize)
        ])
    );
    let text = query.q.clone();
    let outcome = state.pool.run(move |repo| Ok(repo.select(&text, &objectives))).await?;
    let result = match usage_or_fail(outcome)? {
        Err(message) => problem(&message),
        Ok(front) => html! {
            @if front.objectives.len() == 2 { (trusted(front_scatter(&front))) }
            table {
                thead { tr { th { "model" } @for o in &front.objectives { th.num { (o.name) " (" (if o.maximize { "max" } else { "min" }) ")" } } } }
                tbody { @for p in &front.points {
                    tr { td { (entity_link(&p.id)) } @for o in &front.objectives { td.num { (p.values.get(&o.name).map(|v| format!("{v}")).unwrap_or_default()) } } }
                } }
            }
            p.note { (front.points.len()) " model(s) on the front." }
        },
    };
    let body = html! { h1 { "Pareto front" } (form) (result) };
    Ok(page("Pareto front", Some(&json), body))
}

/// A point of a scatter plot: where it links, its tooltip, and its coordinates.
struct Dot {
    href: String,
    title: String,
    x: f64,
    y: f64,
}

/// The front of a search's models on two objectives.
fn front_scatter(front: &ParetoFront) -> String {
    let (x_name, y_name) = (&front.objectives[1].name, &front.objectives[0].name);
    let dots: Vec<Dot> = (front.points.iter())
        .filter_map(|p| {
            let (x, y) = (*p.values.get(x_name)?, *p.values.get(y_name)?);
            Some(Dot {
                href: entity_href(&p.id),
                title: format!("{} ({x}, {y})", p.id),
                x,
                y,
            })
        })
        .collect();
    scatter(&dots, x_name, y_name, "Pareto front")
}

/// Points as an SVG scatter plot joined by the front's line, each point a link. Every text
/// placed in the SVG is escaped here: the plot is inserted as trusted markup.
fn scatter(dots: &[Dot], x_name: &str, y_name: &str, label: &str) -> String {
    let (w, h, pad) = (640.0, 360.0, 50.0);
    let range = |values: Vec<f64>| {
        let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if (hi - lo).abs() < f64::EPSILON {
            (lo - 1.0, hi + 1.0)
        } else {
            (lo, hi)
        }
    };
    let (x0, x1) = range(dots.iter().map(|d| d.x).collect());
    let (y0, y1) = range(dots.iter().map(|d| d.y).collect());
    let sx = |x: f64| pad + (x - x0) / (x1 - x0) * (w - 2.0 * pad);
    let sy = |y: f64| h - pad - (y - y0) / (y1 - y0) * (h - 2.0 * pad);
    let esc = |t: &str| {
        t.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let mut svg = format!(
        r#"<svg class="scatter" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{}">"#,
        esc(label)
    );
    let _ = write!(
        svg,
        r#"<line x1="{pad}" y1="{}" x2="{}" y2="{}" class="axis"/><line x1="{pad}" y1="{pad}" x2="{pad}" y2="{}" class="axis"/>"#,
        h - pad,
        w - pad,
        h - pad,
        h - pad
    );
    let _ = write!(
        svg,
        r#"<text x="{}" y="{}" class="label">{}</text><text x="10" y="20" class="label">{}</text>"#,
        w / 2.0,
        h - 10.0,
        esc(x_name),
        esc(y_name)
    );
    let _ = write!(
        svg,
        r#"<text x="{pad}" y="{}" class="tick">{}</text><text x="{}" y="{}" class="tick" text-anchor="end">{}</text>"#,
        h - pad + 16.0,
        esc(&tick(x0)),
        w - pad,
        h - pad + 16.0,
        esc(&tick(x1))
    );
    let _ = write!(
        svg,
        r#"<text x="{}" y="{}" class="tick" text-anchor="end">{}</text><text x="{}" y="{}" class="tick" text-anchor="end">{}</text>"#,
        pad - 4.0,
        h - pad,
        esc(&tick(y0)),
        pad - 4.0,
        pad + 4.0,
        esc(&tick(y1))
    );
    let mut sorted: Vec<&Dot> = dots.iter().collect();
    sorted.sort_by(|a, b| a.x.total_cmp(&b.x));
    let path: Vec<String> = sorted
        .iter()
        .map(|d| format!("{:.1},{:.1}", sx(d.x), sy(d.y)))
        .collect();
    let _ = write!(svg, r#"<polyline points="{}" class="front"/>"#, path.join(" "));
    for d in dots {
        let _ = write!(
            svg,
            r#"<a href="{}"><circle cx="{:.1}" cy="{:.1}" r="5"><title>{}</title></circle></a>"#,
            esc(&d.href),
            sx(d.x),
            sy(d.y),
            esc(&d.title)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// An axis end's value, short.
fn tick(v: f64) -> String {
    if v.abs() >= 1e4 {
        super::human(v.round() as i64)
    } else {
        format!("{v:.3}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    }
}

#[derive(Debug, Deserialize)]
pub struct PlanQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub max_cost: Option<String>,
    #[serde(default)]
    pub min_accuracy: Option<String>,
    #[serde(default)]
    pub order: bool,
    #[serde(default)]
    pub pareto: bool,
}

/// A number from a form field, where an empty field means "not given".
fn field_number(text: &Option<String>) -> Result<Option<f64>, String> {
    match text.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => t.parse().map(Some).map_err(|_| format!("`{t}` is not a number")),
    }
}

pub async fn plan(State(state): State<AppState>, Params(query): Params<PlanQuery>) -> Result<Markup, PageError> {
    let form = html! {
        form.stack action="/plan" method="get" {
            label { "Inference query (labels with & | ~ and parentheses)" input type="text" name="q" value=(query.q) placeholder="(bottle | tv) & chair"; }
            label { "Maximise accuracy with a cost of at most" input type="text" name="max_cost" value=(query.max_cost.clone().unwrap_or_default()) placeholder="150"; }
            label { "or minimise cost with an accuracy of at least" input type="text" name="min_accuracy" value=(query.min_accuracy.clone().unwrap_or_default()) placeholder="0.6"; }
            label.check { input type="checkbox" name="order" value="true" checked[query.order]; " charge models in the best execution order (short-circuit)" }
            label.check { input type="checkbox" name="pareto" value="true" checked[query.pareto]; " the Pareto front of plans instead" }
            button type="submit" { "Plan" }
        }
    };
    if query.q.trim().is_empty() {
        return Ok(page("Plan", None, html! { h1 { "Inference-query plan" } (form) }));
    }
    let numbers = field_number(&query.max_cost).and_then(|m| Ok((m, field_number(&query.min_accuracy)?)));
    let result = match numbers {
        Err(message) => problem(&message),
        Ok((max_cost, min_accuracy)) => {
            let request = PlanRequest {
                query: query.q.clone(),
                max_cost,
                min_accuracy,
                ordered: query.order,
                pareto: query.pareto,
                taxonomy: None,
                label_stats: None,
                time_limit: Duration::from_secs(5),
                relative_gap: macaroni_optimize::exact::DEFAULT_RELATIVE_GAP,
            };
            let outcome = state.pool.run(move |repo| Ok(repo.plan(&request))).await?;
            match usage_or_fail(outcome)? {
                Err(message) => problem(&message),
                Ok(PlanAnswer::Plan(report)) => html! {
                    p.lead { "Accuracy " strong { (format!("{:.4}", report.plan.accuracy)) } ", cost " strong { (format!("{:.2}", report.plan.cost)) }
                        " " (if report.optimal { "(proven optimal)" } else { "(not proven optimal)" }) }
                    p { a href=(plan_href(&query, PlanMode::Front)) { "The Pareto front of plans for this query" } }
                    @if let Some(g) = &report.greedy {
                        p { "The greedy baseline: accuracy " (format!("{:.4}", g.accuracy)) ", cost " (format!("{:.2}", g.cost))
                            @if let Some(gap) = g.gap { " (gap " (format!("{gap:.4}")) ")" } }
                    }
                    table {
                        thead { tr { th { "predicate" } th { "model" } th.num { "accuracy" } th.num { "cost" } } }
                        tbody { @for a in &report.plan.assignments {
                            tr { td { (a.predicate) } td { (entity_link(&a.model)) } td.num { (a.accuracy.map(|v| format!("{v:.4}")).unwrap_or_default()) } td.num { (a.cost) } }
                        } }
                    }
                },
                Ok(PlanAnswer::Front(front)) => html! {
                    @if front.points.len() > 1 { (trusted(plan_scatter(&query, &front))) }
                    p.note { (front.points.len()) " plan(s) on the front" @if front.truncated { " (cut at 200)" } "; click a point for its plan." }
                    table {
                        thead { tr { th.num { "accuracy" } th.num { "cost" } th { "models" } } }
                        tbody { @for p in &front.points {
                            tr { td.num { (format!("{:.4}", p.accuracy)) } td.num { (format!("{:.2}", p.cost)) }
                                td { @for a in &p.assignments { (entity_link(&a.model)) " " } } }
                        } }
                    }
                },
            }
        }
    };
    Ok(page(
        "Plan",
        None,
        html! { h1 { "Inference-query plan" } (form) (result) },
    ))
}

/// What a link to the plan page asks for.
enum PlanMode {
    /// The best plan within a cost budget.
    Budget(f64),
    Front,
}

fn plan_href(query: &PlanQuery, mode: PlanMode) -> String {
    let order = query.order.to_string();
    let mut pairs = vec![("q", query.q.clone()), ("order", order)];
    match mode {
        PlanMode::Budget(cost) => pairs.push(("max_cost", format!("{cost}"))),
        PlanMode::Front => pairs.push(("pareto", "true".into())),
    }
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    format!("/plan?{}", crate::api::encode(&pairs))
}

/// The front of plans: cost across, accuracy up; each point opens the plan for its budget.
fn plan_scatter(query: &PlanQuery, front: &macaroni_repo::plan::PlanFront) -> String {
    let dots: Vec<Dot> = (front.points.iter())
        .map(|p| Dot {
            href: plan_href(query, PlanMode::Budget(p.cost)),
            title: format!("accuracy {:.4}, cost {:.2}", p.accuracy, p.cost),
            x: p.cost,
            y: p.accuracy,
        })
        .collect();
    scatter(&dots, "cost", "accuracy", "Pareto front of plans")
}

#[derive(Debug, Deserialize)]
pub struct SqlQuery {
    #[serde(default)]
    pub q: String,
}

/// Rows the console shows, and the bytes of values it holds at most.
const SQL_ROWS: usize = 500;
const SQL_PAGE_BYTES: usize = 4 * 1024 * 1024;

pub async fn sql(State(state): State<AppState>, Params(query): Params<SqlQuery>) -> Result<Markup, PageError> {
    let form = html! {
        form.stack action="/sql" method="get" {
            label { "One read-only SELECT over the documented tables and views" textarea name="q" rows="5" spellcheck="false" { (query.q) } }
            button type="submit" { "Run" }
        }
        p.note { "Tables: models, datasets, evaluations, relations, cost_measurements, training_runs, entities, statements, facts, sources; views: evaluation_scores, lineage_edges, canonical_ids; lineage_closure. Writes are refused; at most " (SQL_ROWS) " rows, 5 s." }
    };
    let tables = state.pool.run(|repo| repo.tables()).await?;
    let schema = html! {
        details.schema {
            summary { "Tables and views (" (tables.len()) ")" }
            dl { @for t in &tables { dt { code { (t.name) } " " span.n { (t.kind) } } dd { (t.columns.join(", ")) } } }
        }
    };
    if query.q.trim().is_empty() {
        return Ok(page("SQL", None, html! { h1 { "SQL console" } (form) (schema) }));
    }
    let text = query.q.clone();
    let limits = Limits {
        max_rows: SQL_ROWS,
        timeout: Duration::from_secs(5),
        max_bytes: SQL_PAGE_BYTES,
    };
    let outcome = state.pool.run(move |repo| Ok(repo.sql(&text, limits))).await?;
    let json = format!("/api/v1/sql?{}", crate::api::encode(&[("q", &query.q)]));
    let result = match usage_or_fail(outcome)? {
        Err(message) => problem(&message),
        Ok(rows) => html! {
            p { (rows.rows.len()) " row(s)" @if rows.truncated { " (cut at " (SQL_ROWS) ")" } " · " a href=(json) { "as JSON" }
                " · " a href=(format!("/sql.csv?{}", crate::api::encode(&[("q", &query.q)]))) { "as CSV" } }
            div.scroll { table {
                thead { tr { @for c in &rows.columns { th { (c) } } } }
                tbody { @for row in &rows.rows { tr { @for v in row {
                    td { (match v { serde_json::Value::String(s) => s.clone(), serde_json::Value::Null => String::new(), other => other.to_string() }) }
                } } } }
            } }
        },
    };
    Ok(page(
        "SQL",
        Some(&json),
        html! { h1 { "SQL console" } (form) (result) (schema) },
    ))
}

/// The console's rows as a CSV download (the same limits).
pub async fn sql_csv(
    State(state): State<AppState>,
    Params(query): Params<SqlQuery>,
) -> Result<axum::response::Response, PageError> {
    use axum::response::IntoResponse;
    let limits = Limits {
        max_rows: SQL_ROWS,
        timeout: Duration::from_secs(5),
        max_bytes: SQL_PAGE_BYTES,
    };
    let text = query.q.clone();
    let rows = state.pool.run(move |repo| repo.sql(&text, limits)).await?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let cell = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    };
    let written = out
        .write_record(&rows.columns)
        .and_then(|_| rows.rows.iter().try_for_each(|r| out.write_record(r.iter().map(cell))));
    let body = match (written, out.into_inner()) {
        (Ok(()), Ok(body)) => body,
        _ => return Err(PageError(crate::ApiError::Internal("writing CSV".into()))),
    };
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"macaroni.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}
