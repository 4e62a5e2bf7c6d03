//! The web pages at `/`: server-rendered HTML (maud, which escapes every value it is given) over
//! the same facade calls as the JSON API. Pages need no JavaScript; each links to its JSON twin.
//! Card markdown is rendered with pulldown-cmark and then sanitised with ammonia, so nothing a
//! card says can run in the reader's browser; a strict Content-Security-Policy backs that up.

mod card;
mod entity;
mod lineage_svg;
mod lists;
mod tools;

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::error::ApiError;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(lists::home))
        .route("/search", get(lists::search))
        .route("/model", get(entity::model))
        .route("/entity", get(entity::model))
        .route("/dataset", get(lists::dataset))
        .route("/compare", get(tools::compare))
        .route("/select", get(tools::select))
        .route("/plan", get(tools::plan))
        .route("/sql", get(tools::sql))
        .route("/sql.csv", get(tools::sql_csv))
        .route("/static/style.css", get(style))
}

/// No script at all, styles and images from this server only, forms post here only, no framing.
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; \
                   frame-ancestors 'none'; base-uri 'none'";

/// On every answer, pages and JSON alike.
pub(crate) async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        include_str!("style.css"),
    )
        .into_response()
}

/// A page: the frame around `body`, with a link to the JSON the page shows.
pub(crate) fn page(title: &str, json_twin: Option<&str>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Macaroni" }
                link rel="stylesheet" href="/static/style.css";
            }
            body {
                header.top {
                    a.brand href="/" { "Macaroni" }
                    form.search action="/search" method="get" role="search" {
                        input type="search" name="q" aria-label="Search models" placeholder="task:image-classification params<30M license:permissive";
                        button type="submit" { "Search" }
                    }
                    nav {
                        a href="/compare" { "Compare" }
                        a href="/select" { "Pareto" }
                        a href="/plan" { "Plan" }
                        a href="/sql" { "SQL" }
                    }
                }
                main { (body) }
                footer {
                    @if let Some(json) = json_twin {
                        a href=(json) { "This page as JSON" }
                        " · "
                    }
                    a href="/api/v1/openapi.json" { "API" }
                }
            }
        }
    }
}

/// An error as a page, with the status the API would give.
pub(crate) struct PageError(pub ApiError);

impl From<ApiError> for PageError {
    fn from(err: ApiError) -> PageError {
        PageError(err)
    }
}

impl From<macaroni_repo::RepoError> for PageError {
    fn from(err: macaroni_repo::RepoError) -> PageError {
        PageError(ApiError::Repo(err))
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let suggestions = match &self.0 {
            ApiError::Repo(macaroni_repo::RepoError::NotFound { suggestions, .. }) => suggestions.clone(),
            _ => Vec::new(),
        };
        let title = if status == StatusCode::NOT_FOUND {
            "Not found"
        } else {
            "Cannot show this"
        };
        let body = html! {
            h1 { (title) }
            p.error { (self.0.to_string()) }
            @if !suggestions.is_empty() {
                p { "Did you mean:" }
                ul { @for id in &suggestions { li { a href=(entity_href(id)) { (id) } } } }
            }
        };
        (status, page(title, None, body)).into_response()
    }
}

/// Where an entity's page is.
pub(crate) fn entity_href(id: &str) -> String {
    format!("/model?{}", crate::api::encode(&[("id", id)]))
}

/// A link to an entity by its id.
pub(crate) fn entity_link(id: &str) -> Markup {
    html! { a href=(entity_href(id)) { (id) } }
}

/// A search link for a query.
pub(crate) fn search_href(query: &str) -> String {
    format!("/search?{}", crate::api::encode(&[("q", query)]))
}

/// Numbers people read: 1.2B, 30M, 850k.
pub(crate) fn human(n: i64) -> String {
    let abs = n.unsigned_abs() as f64;
    let (value, unit) = match abs {
        a if a >= 1e9 => (n as f64 / 1e9, "B"),
        a if a >= 1e6 => (n as f64 / 1e6, "M"),
        a if a >= 1e4 => (n as f64 / 1e3, "k"),
        _ => return n.to_string(),
    };
    let text = format!("{value:.1}");
    format!("{}{unit}", text.trim_end_matches(".0"))
}

/// Already-safe HTML (sanitised card bodies, generated SVG).
pub(crate) fn trusted(html: String) -> PreEscaped<String> {
    PreEscaped(html)
}
