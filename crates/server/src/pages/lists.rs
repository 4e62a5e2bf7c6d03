//! The home page, search results with facets and paging, and a dataset's leaderboard.

use axum::extract::State;
use macaroni_repo::{FacetCount, Leaderboard, LeaderboardOrder, LeaderboardRequest, RepoError, SearchRequest};
use maud::{html, Markup};
use serde::Deserialize;

use super::{entity_link, human, page, search_href, PageError};
use crate::error::Params;
use crate::AppState;

/// Queries offered on the home page.
const EXAMPLES: [&str; 6] = [
    "task:image-classification top1@imagenet-1k>=80 params<30M",
    "task:text-classification license:permissive sort:downloads",
    "\"question answering\" OR task:question-answering",
    "descendant-of(hf:meta-llama/Llama-2-7b-hf)",
    "zoo:timm sort:params:asc",
    "library:transformers language:de",
];

pub async fn home(State(state): State<AppState>) -> Result<Markup, PageError> {
    let summary = state.pool.run(|repo| repo.summary(10)).await?;
    let count = |kind: &str| summary.kinds.get(kind).copied().unwrap_or(0);
    let body = html! {
        h1 { "Machine-learning models from every zoo, in one place" }
        p.lead {
            (human(count("model"))) " models, " (human(count("dataset"))) " datasets, "
            (human(count("evaluation"))) " evaluations and " (human(count("relation"))) " typed relations, each fact with its source."
        }
        form.big-search action="/search" method="get" role="search" {
            input type="search" name="q" aria-label="Search models" autofocus placeholder="task:image-classification params<30M license:permissive";
            button type="submit" { "Search" }
        }
        p { "Try: " @for (i, q) in EXAMPLES.iter().enumerate() { @if i > 0 { " · " } a href=(search_href(q)) { code { (q) } } } }
        div.columns {
            section {
                h2 { "Models per zoo" }
                table {
                    tbody { @for (zoo, n) in &summary.models_by_zoo {
                        tr { td { a href=(search_href(&format!("zoo:{zoo}"))) { (zoo) } } td.num { (human(*n)) } }
                    } }
                }
            }
            section {
                h2 { "Most evaluated datasets" }
                table {
                    thead { tr { th { "dataset" } th.num { "evaluations" } } }
                    tbody { @for d in &summary.top_datasets {
                        tr {
                            td { a href=(format!("/dataset?{}", crate::api::encode(&[("id", &d.id)]))) { (d.name.clone().unwrap_or_else(|| d.id.clone())) } }
                            td.num { (human(d.evaluations as i64)) }
                        }
                    } }
                }
            }
        }
    };
    Ok(page("Home", Some("/api/v1/stats"), body))
}

#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub offset: usize,
}

/// Results per page.
const PAGE: usize = 25;
/// Matches the facets of a results page are counted over (the JSON API counts up to 100,000).
const PAGE_FACET_CAP: usize = 10_000;

pub async fn search(State(state): State<AppState>, Params(query): Params<SearchQuery>) -> Result<Markup, PageError> {
    let text = query.q.clone();
    let request = SearchRequest {
        query: text.clone(),
        offset: query.offset,
        limit: Some(PAGE),
    };
    let outcome = state
        .pool
        .run(move |repo| match repo.search(&request) {
            Ok(results) => Ok(Ok((results, repo.facets_over(&request.query, PAGE_FACET_CAP)?))),
            Err(err @ RepoError::Usage { .. }) => Ok(Err(err)),
            Err(err) => Err(err),
        })
        .await?;
    let json = format!(
        "/api/v1/search?{}",
        crate::api::encode(&[("q", &text), ("offset", &query.offset.to_string())])
    );
    let body = match outcome {
        Err(RepoError::Usage { message, position }) => html! {
            h1 { "Search" }
            (query_box(&text))
            div.error role="alert" {
                p { "This query cannot be read: " (message) }
                @if let Some(at) = position {
                    pre { (text) "\n" (" ".repeat(at.min(text.chars().count()))) "^" }
                }
            }
            p { "Fields (" code { "task:" } ", " code { "license:" } ", " code { "zoo:" } ", ...), numbers (" code { "params<30M" } "), metrics (" code { "top1@imagenet-1k>=80" } "), lineage and AND/OR/NOT: docs/QUERY.md." }
        },
        Err(other) => return Err(other.into()),
        Ok((results, facets)) => {
            let first = if results.hits.is_empty() { 0 } else { results.offset + 1 };
            let of = if results.total_exact {
                human(results.total as i64)
            } else {
                format!("more than {}", human(results.total as i64))
            };
            html! {
                h1 { "Search" }
                (query_box(&text))
                @for hint in &results.hints { p.hint { (hint) } }
                div.results {
                    aside.facets {
                        @if !facets.complete { p.note { "Counted over the first " (human(PAGE_FACET_CAP as i64)) " matches." } }
                        (facet("Zoo", "zoo", &facets.zoo, &text))
                        (facet("Task", "task", &facets.task, &text))
                        (facet("License", "license", &facets.license, &text))
                        (facet("Library", "library", &facets.library, &text))
                        (facet("Training dataset", "dataset", &facets.dataset, &text))
                        (size_facet(&facets.parameters, &text))
                    }
                    section {
                        p.count { (first) "–" (results.offset + results.hits.len()) " of " (of) " models" }
                        nav.sorts aria-label="Sort" {
                            "Sort: "
                            @for (label, sort) in SORTS { a href=(search_href(&with_sort(&text, sort))) { (label) } " " }
                        }
                        @if results.hits.is_empty() { p { "No model matches." } } @else {
                            table.hits {
                                thead { tr { th { "model" } th { "zoo" } th { "task" } th { "license" } th.num { "parameters" } th.num { "downloads" } } }
                                tbody { @for hit in &results.hits {
                                    tr {
                                        td {
                                            (entity_link(&hit.id))
                                            @if let Some(parts) = &hit.snippet {
                                                p.snippet { @for part in parts { @if part.hit { mark { (part.text) } } @else { (part.text) } } }
                                            }
                                        }
                                        td { (hit.zoo.clone().unwrap_or_default()) }
                                        td { (hit.task.clone().unwrap_or_default()) }
                                        td { (hit.license.clone().unwrap_or_default()) }
                                        td.num { (hit.parameters.map(human).unwrap_or_default()) }
                                        td.num { (hit.downloads.map(human).unwrap_or_default()) }
                                    }
                                } }
                            }
                        }
                        nav.pages {
                            @if results.offset > 0 {
                                a rel="prev" href=(format!("/search?{}", crate::api::encode(&[("q", &text), ("offset", &results.offset.saturating_sub(PAGE).to_string())]))) { "← Previous" }
                            }
                            @if let Some(next) = results.next_offset {
                                a rel="next" href=(format!("/search?{}", crate::api::encode(&[("q", &text), ("offset", &next.to_string())]))) { "Next →" }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(page("Search", Some(&json), body))
}

/// Orders offered above the results: (label, `sort:` term; empty for the query's own).
const SORTS: [(&str, &str); 6] = [
    ("relevance / downloads", ""),
    ("downloads", "sort:downloads"),
    ("likes", "sort:likes"),
    ("newest", "sort:created"),
    ("smallest", "sort:params:asc"),
    ("name", "sort:name"),
];

/// The query with its `sort:` term replaced by `sort` (removed when empty).
fn with_sort(text: &str, sort: &str) -> String {
    let mut words: Vec<&str> = text.split_whitespace().filter(|w| !w.starts_with("sort:")).collect();
    if !sort.is_empty() {
        words.push(sort);
    }
    words.join(" ")
}

fn query_box(text: &str) -> Markup {
    html! {
        form.big-search action="/search" method="get" role="search" {
            input type="search" name="q" value=(text) aria-label="Search models";
            button type="submit" { "Search" }
        }
    }
}

/// The query with one more term, as a link target.
fn refined(text: &str, term: &str) -> String {
    let query = if text.trim().is_empty() {
        term.to_string()
    } else {
        format!("{} {term}", text.trim())
    };
    search_href(&query)
}

/// A field value as the search language writes it (quoted when it holds a space).
fn term(field: &str, value: &str) -> String {
    let value = value.trim_start_matches(&format!("{field}:")).to_string();
    if value.contains(char::is_whitespace) {
        format!("{field}:\"{value}\"")
    } else {
        format!("{field}:{value}")
    }
}

fn facet(title: &str, field: &str, counts: &[FacetCount], text: &str) -> Markup {
    html! {
        @if counts.iter().any(|c| c.value.is_some()) {
            details open {
                summary { (title) }
                ul { @for c in counts { @if let Some(value) = &c.value {
                    li { a href=(refined(text, &term(field, value))) { (value.trim_start_matches(&format!("{field}:"))) } " " span.n { (human(c.count as i64)) } }
                } } }
            }
        }
    }
}

fn size_facet(counts: &[FacetCount], text: &str) -> Markup {
    let bound = |bucket: &str| -> Option<&'static str> {
        Some(match bucket {
            "<1M" => "params<1M",
            "1M-10M" => "params>=1M params<10M",
            "10M-100M" => "params>=10M params<100M",
            "100M-1B" => "params>=100M params<1B",
            "1B-10B" => "params>=1B params<10B",
            ">=10B" => "params>=10B",
            _ => return None,
        })
    };
    html! {
        @if counts.iter().any(|c| c.value.is_some()) {
            details open {
                summary { "Parameters" }
                ul { @for c in counts { @if let Some(b) = c.value.as_deref().and_then(|v| bound(v).map(|q| (v, q))) {
                    li { a href=(refined(text, b.1)) { (b.0) } " " span.n { (human(c.count as i64)) } }
                } } }
            }
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct DatasetQuery {
    pub id: String,
    /// Search-language filter on the models.
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub sort: LeaderboardOrder,
    /// Rows per section (default 100, at most 1,000).
    #[serde(default)]
    pub limit: usize,
}

impl DatasetQuery {
    pub fn request(&self) -> LeaderboardRequest {
        LeaderboardRequest {
            dataset: self.id.clone(),
            filter: self.q.clone(),
            order: self.sort,
            limit: self.limit,
        }
    }
}

/// Sortable leaderboard columns: (header, order it sorts by).
const BOARD_COLUMNS: [(&str, Option<LeaderboardOrder>); 7] = [
    ("#", Some(LeaderboardOrder::Value)),
    ("model", Some(LeaderboardOrder::Model)),
    ("value", Some(LeaderboardOrder::Value)),
    ("parameters", Some(LeaderboardOrder::Parameters)),
    ("license", Some(LeaderboardOrder::License)),
    ("task", None),
    ("zoo", None),
];

/// License classes offered as one-click filters (the classes of the license vocabulary).
const LICENSE_CLASSES: [&str; 3] = ["permissive", "copyleft", "non-commercial"];

/// One-click refinements of the leaderboard's filter: license classes and the tasks of the
/// models shown, most frequent first.
fn narrowing(board: &Leaderboard) -> Markup {
    let mut tasks: Vec<(String, usize)> = Vec::new();
    for row in board.sections.iter().flat_map(|s| &s.rows) {
        if let Some(task) = &row.task {
            match tasks.iter_mut().find(|(t, _)| t == task) {
                Some((_, n)) => *n += 1,
                None => tasks.push((task.clone(), 1)),
            }
        }
    }
    tasks.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let with = |extra: &str| {
        let filter = format!("{} {extra}", board.filter.trim());
        board_href(board, filter.trim(), board.order, 0)
    };
    let terms: Vec<String> = (LICENSE_CLASSES.iter().map(|c| format!("license:{c}")))
        .chain(tasks.iter().take(5).map(|(t, _)| term("task", t)))
        .filter(|t| !board.filter.split_whitespace().any(|w| w == t))
        .collect();
    html! {
        @if !terms.is_empty() {
            p.narrow { "Only: " @for (i, t) in terms.iter().enumerate() { @if i > 0 { " · " } a href=(with(t)) { code { (t) } } } }
        }
    }
}

fn board_href(board: &Leaderboard, filter: &str, order: LeaderboardOrder, limit: usize) -> String {
    let sort = serde_json::to_value(order)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let limit = limit.to_string();
    let mut pairs = vec![("id", board.dataset.as_str()), ("sort", sort.as_str())];
    if !filter.is_empty() {
        pairs.push(("q", filter));
    }
    if limit != "0" {
        pairs.push(("limit", limit.as_str()));
    }
    format!("/dataset?{}", crate::api::encode(&pairs))
}

pub async fn dataset(State(state): State<AppState>, Params(query): Params<DatasetQuery>) -> Result<Markup, PageError> {
    let request = query.request();
    let board = state.pool.run(move |repo| repo.leaderboard(&request)).await?;
    let json = format!(
        "/api/v1/leaderboard?{}",
        crate::api::encode(&[("id", &board.dataset), ("q", &board.filter)])
    );
    let shown: usize = board.sections.iter().map(|s| s.rows.len()).sum();
    let body = html! {
        h1 { "Leaderboard: " (board.dataset) }
        p { (entity_link(&board.dataset)) " · " (plural(board.sections.len(), "section")) " (one per metric, config and split), " (plural(shown, "row")) " shown" }
        form.inline action="/dataset" method="get" {
            input type="hidden" name="id" value=(board.dataset);
            label { "Only models matching " input type="search" name="q" value=(board.filter) placeholder="license:permissive params<100M"; }
            button type="submit" { "Filter" }
        }
        (narrowing(&board))
        @if board.sections.is_empty() { p { "No model has a numeric result on this dataset" @if !board.filter.is_empty() { " among those matching the filter" } "." } }
        @for section in &board.sections {
            section {
                h2 {
                    (section.metric) @if let Some(c) = &section.config { " · " (c) } @if let Some(s) = &section.split { " · " (s) }
                    " " small { (if section.higher_is_better { "higher is better" } else { "lower is better" }) }
                }
                @if section.rows.len() < section.models {
                    p.note { (section.rows.len()) " of " (human(section.models as i64)) " models shown. "
                        a href=(board_href(&board, &board.filter, board.order, (query.limit.max(100) * 10).min(1000))) { "Show more" } }
                }
                table.leaderboard {
                    thead { tr { @for (header, order) in BOARD_COLUMNS {
                        @let class = matches!(header, "#" | "value" | "parameters").then_some("num");
                        @match order {
                            Some(order) if order == board.order && header != "#" => th class=[class] aria-sort=(if order == LeaderboardOrder::Value && !section.higher_is_better { "ascending" } else if order == LeaderboardOrder::Value { "descending" } else { "ascending" }) { (header) " ▾" },
                            Some(order) => th class=[class] { a href=(board_href(&board, &board.filter, order, query.limit)) title=(format!("Sort by {header}")) { (header) } },
                            None => th class=[class] { (header) },
                        }
                    } } }
                    tbody {
                        @for row in &section.rows {
                            tr {
                                td.num { (row.rank) }
                                td { (entity_link(&row.model)) }
                                td.num { (format!("{:.4}", row.value).trim_end_matches('0').trim_end_matches('.')) }
                                td.num { (row.parameters.map(human).unwrap_or_default()) }
                                td { (row.license.clone().unwrap_or_default()) }
                                td { (row.task.clone().unwrap_or_default()) }
                                td { (row.zoo.clone().unwrap_or_default()) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(page(&format!("Leaderboard {}", board.dataset), Some(&json), body))
}

/// `1 row`, `2 rows`.
fn plural(n: usize, noun: &str) -> String {
    format!("{} {noun}{}", human(n as i64), if n == 1 { "" } else { "s" })
}
