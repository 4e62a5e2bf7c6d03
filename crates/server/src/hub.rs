//! The Hugging Face Hub's read routes, so that `huggingface_hub` (`HfApi(endpoint=...)`:
//! `list_models`, `model_info`, `list_datasets`, `dataset_info`, `ModelCard.load`) works against
//! Macaroni. The facade (`macaroni_repo::hub`) decides ids and fields; this module only reads the
//! Hub's parameters and writes the Hub's headers (`Link` paging, `X-Repo-Commit`, `ETag`).

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use macaroni_repo::hub::{HubDataset, HubListRequest, HubModel, HubPage};

use crate::api::encode;
use crate::error::{ApiError, ErrorBody};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/models", get(list_models))
        .route("/api/models/{*repo}", get(model_info))
        .route("/api/datasets", get(list_datasets))
        .route("/api/datasets/{*repo}", get(dataset_info))
        .route("/{owner}/{name}/resolve/{revision}/{*file}", get(resolve_in_namespace))
        .route("/{name}/resolve/{revision}/{*file}", get(resolve_at_root))
}

/// The query string's pairs, repeated keys kept (`filter=a&filter=b`).
fn pairs(raw: Option<&str>) -> Result<Vec<(String, String)>, ApiError> {
    serde_urlencoded::from_str(raw.unwrap_or_default())
        .map_err(|e| ApiError::BadRequest(format!("unreadable query string: {e}")))
}

fn flag(value: &str) -> bool {
    matches!(value.to_ascii_lowercase().as_str(), "" | "1" | "true" | "yes")
}

fn number<T: std::str::FromStr>(key: &str, value: &str) -> Result<T, ApiError> {
    value
        .parse()
        .map_err(|_| ApiError::BadRequest(format!("`{key}` must be a number, not `{value}`")))
}

/// The Hub's listing parameters; unknown ones are ignored, as the Hub does.
fn list_request(pairs: &[(String, String)], page_size: usize) -> Result<HubListRequest, ApiError> {
    let mut request = HubListRequest {
        page_size: Some(page_size),
        ..HubListRequest::default()
    };
    for (key, value) in pairs {
        match key.as_str() {
            "search" => request.search = Some(value.clone()),
            "author" => request.author = Some(value.clone()),
            "filter" => request
                .filter
                .extend(value.split(',').filter(|f| !f.is_empty()).map(str::to_string)),
            "pipeline_tag" => request.pipeline_tag = Some(value.clone()),
            "library" => request.library = Some(value.clone()),
            "sort" => request.sort = Some(value.clone()),
            "direction" => request.direction = Some(number(key, value)?),
            "limit" => request.limit = Some(number(key, value)?),
            "cursor" => request.offset = number(key, value)?,
            "full" | "cardData" => request.card_data |= flag(value),
            "expand" | "expand[]" => request.card_data |= value == "cardData",
            _ => {}
        }
    }
    Ok(request)
}

/// A `Link: <...>; rel="next"` to the same listing from `next`, absolute as Hub clients need.
fn next_link(headers: &HeaderMap, path: &str, pairs: &[(String, String)], next: usize) -> Option<HeaderValue> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let mut kept: Vec<(&str, &str)> = pairs
        .iter()
        .filter(|(k, _)| k != "cursor")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let cursor = next.to_string();
    kept.push(("cursor", &cursor));
    HeaderValue::from_str(&format!("<http://{host}{path}?{}>; rel=\"next\"", encode(&kept))).ok()
}

/// The Hub's model listing (`GET /api/models`): parameters `search`, `author`, `filter`,
/// `pipeline_tag`, `library`, `sort`, `direction`, `limit`, `full`, `cardData`, `expand`;
/// pages follow the `Link` header.
#[utoipa::path(get, path = "/api/models",
    params(("search" = Option<String>, Query, description = "full text"),
           ("author" = Option<String>, Query, description = "publisher (organisation or user)"),
           ("filter" = Option<String>, Query, description = "tag; `dataset:x`, `license:x`, `language:x`; repeatable"),
           ("pipeline_tag" = Option<String>, Query), ("library" = Option<String>, Query),
           ("sort" = Option<String>, Query, description = "downloads, likes, lastModified, createdAt"),
           ("direction" = Option<i32>, Query, description = "-1 descending (default), 1 ascending"),
           ("limit" = Option<usize>, Query), ("cursor" = Option<usize>, Query, description = "from the Link header"),
           ("full" = Option<bool>, Query), ("cardData" = Option<bool>, Query)),
    responses((status = 200, body = Vec<HubModel>), (status = 400, body = ErrorBody)))]
pub async fn list_models(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    listing(state, headers, raw, "/api/models", |repo, request| {
        repo.hub_models(request)
    })
    .await
}

/// One page of a Hub listing with the `Link` to the next.
async fn listing<T, F>(
    state: AppState,
    headers: HeaderMap,
    raw: Option<String>,
    path: &str,
    list: F,
) -> Result<Response, ApiError>
where
    T: serde::Serialize + Send + 'static,
    F: FnOnce(&macaroni_repo::Repo, &HubListRequest) -> macaroni_repo::Result<HubPage<T>> + Send + 'static,
{
    let pairs = pairs(raw.as_deref())?;
    let request = list_request(&pairs, state.hub_page_size)?;
    let page = state.pool.run(move |repo| list(repo, &request)).await?;
    let mut response = Json(&page.items).into_response();
    if let Some(link) = page.next_offset.and_then(|n| next_link(&headers, path, &pairs, n)) {
        response.headers_mut().insert(header::LINK, link);
    }
    Ok(response)
}

/// `owner/name` or `owner/name/revision/<rev>` (every revision reads the stored metadata).
fn repo_id(path: &str) -> &str {
    path.split_once("/revision/")
        .map_or(path, |(repo, _)| repo)
        .trim_matches('/')
}

/// One model in the Hub's shape (`GET /api/models/{repo_id}`, also `/revision/{rev}`).
#[utoipa::path(get, path = "/api/models/{repo}",
    params(("repo" = String, Path, description = "Hub id, e.g. google-bert/bert-base-uncased or macaroni.timm/resnet50.a1_in1k")),
    responses((status = 200, body = HubModel), (status = 404, body = ErrorBody)))]
pub async fn model_info(State(state): State<AppState>, Path(repo): Path<String>) -> Result<Json<HubModel>, ApiError> {
    let id = repo_id(&repo).to_string();
    Ok(Json(state.pool.run(move |repo| repo.hub_model(&id)).await?))
}

/// The Hub's dataset listing (`GET /api/datasets`): `search`, `author`, `limit`, paged by `Link`.
#[utoipa::path(get, path = "/api/datasets",
    params(("search" = Option<String>, Query), ("author" = Option<String>, Query),
           ("limit" = Option<usize>, Query), ("cursor" = Option<usize>, Query)),
    responses((status = 200, body = Vec<HubDataset>), (status = 400, body = ErrorBody)))]
pub async fn list_datasets(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    listing(state, headers, raw, "/api/datasets", |repo, request| {
        repo.hub_datasets(request)
    })
    .await
}

/// One dataset in the Hub's shape.
#[utoipa::path(get, path = "/api/datasets/{repo}", params(("repo" = String, Path)),
    responses((status = 200, body = HubDataset), (status = 404, body = ErrorBody)))]
pub async fn dataset_info(
    State(state): State<AppState>,
    Path(repo): Path<String>,
) -> Result<Json<HubDataset>, ApiError> {
    let id = repo_id(&repo).to_string();
    Ok(Json(state.pool.run(move |repo| repo.hub_dataset(&id)).await?))
}

async fn resolve_in_namespace(
    State(state): State<AppState>,
    Path((owner, name, _revision, file)): Path<(String, String, String, String)>,
) -> Result<Response, ApiError> {
    card_file(state, format!("{owner}/{name}"), file).await
}

async fn resolve_at_root(
    State(state): State<AppState>,
    Path((name, _revision, file)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    card_file(state, name, file).await
}

/// A model's `README.md` with the headers `huggingface_hub` files downloads by.
async fn card_file(state: AppState, hub_id: String, file: String) -> Result<Response, ApiError> {
    if file != "README.md" {
        let mut response = ApiError::Repo(macaroni_repo::RepoError::NotFound {
            id: format!("{hub_id}/{file}"),
            suggestions: Vec::new(),
        })
        .into_response();
        response
            .headers_mut()
            .insert("x-error-code", HeaderValue::from_static("EntryNotFound"));
        return Ok(response);
    }
    let card = state.pool.run(move |repo| repo.hub_model_card(&hub_id)).await?;
    let etag = format!("\"{}\"", card.etag);
    let headers = [
        (header::CONTENT_TYPE, "text/markdown; charset=utf-8".to_string()),
        (header::CONTENT_LENGTH, card.text.len().to_string()),
        (header::ETAG, etag.clone()),
        (header::HeaderName::from_static("x-linked-etag"), etag),
        (header::HeaderName::from_static("x-repo-commit"), card.commit),
    ];
    Ok((headers, card.text).into_response())
}
