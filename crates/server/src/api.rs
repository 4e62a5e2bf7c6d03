//! `/api/v1`: the Macaroni API. Each handler reads its parameters, calls one facade method and
//! returns its typed result as JSON.

use std::hash::{Hash, Hasher};
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use macaroni_format::RelationKind;
use macaroni_query::{Comparison, LineageOptions, LineageResult};
use macaroni_repo::{
    AsOfDoc, CommonAncestor, EntityDoc, Facets, Instant, ModelHit, ParetoFront, QualityReport, SearchPage,
    SearchRequest, StatsDoc,
};
use macaroni_store::Limits;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::error::{ApiError, ErrorBody, Params};
use crate::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Macaroni API",
        description = "One queryable repository of machine-learning model metadata: search, entities with provenance, history, lineage, comparison, Pareto selection and read-only SQL. The Hugging Face Hub's read routes (/api/models, /api/datasets, /{repo}/resolve/{revision}/README.md) are served too; see docs/API.md.",
        license(name = "Apache-2.0")
    ),
    paths(
        search,
        facets,
        entity,
        as_of,
        lineage,
        common_ancestors,
        compare,
        leaderboard,
        select,
        stats,
        quality,
        model_quality,
        sql,
        crate::hub::list_models,
        crate::hub::model_info,
        crate::hub::list_datasets,
        crate::hub::dataset_info
    ),
    components(schemas(
        ErrorBody,
        SearchPage,
        ModelHit,
        macaroni_repo::SnippetPart,
        Facets,
        EntityDoc,
        AsOfDoc,
        SqlRows,
        Health,
        LineageResult,
        macaroni_query::Edge,
        CommonAncestor,
        Comparison,
        macaroni_query::ModelSummary,
        macaroni_query::BenchmarkRow,
        ParetoFront,
        macaroni_repo::Leaderboard,
        macaroni_repo::LeaderboardSection,
        macaroni_repo::LeaderboardRow,
        macaroni_repo::LeaderboardOrder,
        macaroni_repo::ObjectiveDoc,
        macaroni_repo::FrontPoint,
        StatsDoc,
        macaroni_repo::StorageCounts,
        QualityReport,
        macaroni_repo::ModelQuality,
        macaroni_enrich::quality::Distribution,
        macaroni_enrich::quality::Flag,
        macaroni_repo::hub::HubModel,
        macaroni_repo::hub::HubDataset,
        macaroni_repo::hub::Sibling
    ))
)]
pub struct ApiDoc;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1", get(health))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/search", get(search))
        .route("/api/v1/facets", get(facets))
        .route("/api/v1/entity", get(entity))
        .route("/api/v1/entity/as-of", get(as_of))
        .route("/api/v1/lineage", get(lineage))
        .route("/api/v1/common-ancestors", get(common_ancestors))
        .route("/api/v1/compare", get(compare))
        .route("/api/v1/leaderboard", get(leaderboard))
        .route("/api/v1/select", get(select))
        .route("/api/v1/stats", get(stats))
        .route("/api/v1/quality", get(quality))
        .route("/api/v1/entity/quality", get(model_quality))
        .route("/api/v1/sql", get(sql))
        .route("/api/v1/plan", get(plan))
}

/// What answers at `/api/v1`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    pub name: String,
    pub version: String,
    pub openapi: String,
}

async fn health() -> Json<Health> {
    Json(Health {
        name: "macaroni".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        openapi: "/api/v1/openapi.json".into(),
    })
}

async fn openapi() -> Response {
    let mut doc = ApiDoc::openapi();
    doc.openapi = utoipa::openapi::OpenApiVersion::Version31;
    Json(doc).into_response()
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// A query in the search language (docs/QUERY.md); empty matches every model.
    #[serde(default)]
    pub q: String,
    /// Results to skip (the `next_offset` of the previous page).
    #[serde(default)]
    pub offset: usize,
    /// Results per page (1–10,000); default the query's `limit:`, else 50.
    pub limit: Option<usize>,
}

/// Models matching a query, one page, with the total and a `Link` header to the next page.
#[utoipa::path(get, path = "/api/v1/search", params(SearchParams),
    responses((status = 200, body = SearchPage), (status = 400, description = "malformed query", body = ErrorBody),
              (status = 503, description = "past the deadline", body = ErrorBody)))]
async fn search(State(state): State<AppState>, Params(params): Params<SearchParams>) -> Result<Response, ApiError> {
    let request = SearchRequest {
        query: params.q.clone(),
        offset: params.offset,
        limit: params.limit,
    };
    let page = state.pool.run(move |repo| repo.search(&request)).await?;
    let mut response = Json(&page).into_response();
    if let Some(next) = page.next_offset {
        let link = format!(
            "</api/v1/search?{}>; rel=\"next\"",
            encode(&[
                ("q", &params.q),
                ("offset", &next.to_string()),
                ("limit", &page.limit.to_string())
            ])
        );
        if let Ok(value) = HeaderValue::from_str(&link) {
            response.headers_mut().insert(header::LINK, value);
        }
    }
    Ok(response)
}

/// `application/x-www-form-urlencoded` pairs, for links.
pub(crate) fn encode(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FacetParams {
    /// A query in the search language; empty counts every model.
    #[serde(default)]
    pub q: String,
}

/// How the matching models spread over tasks, licenses, libraries, zoos, datasets and sizes.
#[utoipa::path(get, path = "/api/v1/facets", params(FacetParams),
    responses((status = 200, body = Facets), (status = 400, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn facets(State(state): State<AppState>, Params(params): Params<FacetParams>) -> Result<Json<Facets>, ApiError> {
    Ok(Json(state.pool.run(move |repo| repo.facets(&params.q)).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EntityParams {
    /// The entity id, e.g. `hf:google-bert/bert-base-uncased` or `dataset:imagenet-1k`.
    pub id: String,
    /// Also list every version of every attribute.
    #[serde(default)]
    pub history: bool,
}

/// One entity: merged attributes with the provenance of each, statements, relations both ways,
/// evaluations, costs. Answers `If-None-Match` with 304 when unchanged.
#[utoipa::path(get, path = "/api/v1/entity", params(EntityParams),
    responses((status = 200, body = EntityDoc), (status = 304, description = "unchanged since the ETag given"),
              (status = 400, description = "malformed parameters", body = ErrorBody),
              (status = 404, description = "unknown id, with the nearest ids", body = ErrorBody),
              (status = 503, description = "past the deadline", body = ErrorBody)))]
async fn entity(
    State(state): State<AppState>,
    headers: HeaderMap,
    Params(params): Params<EntityParams>,
) -> Result<Response, ApiError> {
    let doc = state
        .pool
        .run(move |repo| repo.entity(&params.id, params.history))
        .await?;
    let body = serde_json::to_vec(&doc).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(with_etag(&headers, body))
}

/// A JSON body with a strong `ETag`, or 304 when the client holds it already.
fn with_etag(headers: &HeaderMap, body: Vec<u8>) -> Response {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    body.hash(&mut hasher);
    let etag = format!("\"{:016x}-{:x}\"", hasher.finish(), body.len());
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag || tag.trim() == "*"));
    let etag_value = HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"0\""));
    if matches {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag_value)]).into_response();
    }
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/json")),
            (header::ETAG, etag_value),
        ],
        body,
    )
        .into_response()
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AsOfParams {
    pub id: String,
    /// RFC 3339 (`2026-01-31T12:00:00Z`) or a date (`2026-01-31`).
    pub at: String,
}

/// The merged record as it stood at an instant.
#[utoipa::path(get, path = "/api/v1/entity/as-of", params(AsOfParams),
    responses((status = 200, body = AsOfDoc), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 503, body = ErrorBody)))]
async fn as_of(State(state): State<AppState>, Params(params): Params<AsOfParams>) -> Result<Json<AsOfDoc>, ApiError> {
    let at = Instant::parse(&params.at)?;
    Ok(Json(state.pool.run(move |repo| repo.as_of(&params.id, at)).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LineageParams {
    pub id: String,
    /// `down` (descendants, the default) or `up` (ancestors).
    #[serde(default)]
    pub direction: Option<String>,
    /// Lineage relations to follow, comma-separated (default: all).
    #[serde(default)]
    pub relations: Option<String>,
    /// Levels at most (default 10).
    #[serde(default)]
    pub depth: Option<u32>,
}

fn lineage_options(up: bool, relations: Option<&str>, depth: Option<u32>) -> Result<LineageOptions, ApiError> {
    let relations = relations
        .unwrap_or_default()
        .split(',')
        .filter(|r| !r.trim().is_empty())
        .map(|r| {
            RelationKind::parse(r.trim())
                .filter(|k| k.is_lineage())
                .ok_or_else(|| ApiError::BadRequest(format!("`{r}` is not a lineage relation")))
        })
        .collect::<Result<_, _>>()?;
    Ok(LineageOptions {
        up,
        relations,
        max_depth: depth.unwrap_or(10).min(64),
    })
}

/// Ancestors or descendants of a model, as DAG edges.
#[utoipa::path(get, path = "/api/v1/lineage", params(LineageParams),
    responses((status = 200, body = LineageResult), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 503, body = ErrorBody)))]
async fn lineage(
    State(state): State<AppState>,
    Params(params): Params<LineageParams>,
) -> Result<Json<LineageResult>, ApiError> {
    let up = match params.direction.as_deref() {
        None | Some("down") => false,
        Some("up") => true,
        Some(other) => return Err(ApiError::BadRequest(format!("direction is up or down, not `{other}`"))),
    };
    let options = lineage_options(up, params.relations.as_deref(), params.depth)?;
    let result = state.pool.run(move |repo| repo.lineage(&params.id, &options)).await?;
    Ok(Json(result))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CommonParams {
    pub first: String,
    pub second: String,
    #[serde(default)]
    pub relations: Option<String>,
    #[serde(default)]
    pub depth: Option<u32>,
}

/// The ancestors two models share.
#[utoipa::path(get, path = "/api/v1/common-ancestors", params(CommonParams),
    responses((status = 200, body = Vec<CommonAncestor>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 503, body = ErrorBody)))]
async fn common_ancestors(
    State(state): State<AppState>,
    Params(params): Params<CommonParams>,
) -> Result<Json<Vec<CommonAncestor>>, ApiError> {
    let options = lineage_options(true, params.relations.as_deref(), params.depth)?;
    let shared = state
        .pool
        .run(move |repo| repo.common_ancestors(&params.first, &params.second, &options))
        .await?;
    Ok(Json(shared))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CompareParams {
    /// Two or more model ids, comma-separated.
    pub ids: String,
    /// Every benchmark, not only those two or more models share.
    #[serde(default)]
    pub all: bool,
}

/// Models side by side on the benchmarks they share, best marked, with size, license and throughput.
#[utoipa::path(get, path = "/api/v1/compare", params(CompareParams),
    responses((status = 200, body = Comparison), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 503, body = ErrorBody)))]
async fn compare(
    State(state): State<AppState>,
    Params(params): Params<CompareParams>,
) -> Result<Json<Comparison>, ApiError> {
    let ids: Vec<String> = params
        .ids
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let comparison = state.pool.run(move |repo| repo.compare(&ids, params.all)).await?;
    Ok(Json(comparison))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LeaderboardParams {
    /// A dataset id (`dataset:imagenet-1k`); a raw id enrichment linked shows its canonical dataset.
    pub id: String,
    /// Search language narrowing the models (`license:permissive params<100M`).
    #[serde(default)]
    pub q: String,
    /// Row order within each section: `value` (best first, the default), `parameters`, `model`, `license`.
    #[serde(default)]
    #[param(value_type = Option<String>)]
    pub sort: macaroni_repo::LeaderboardOrder,
    /// Rows per section (default 100, at most 1,000).
    #[serde(default)]
    pub limit: usize,
}

/// A dataset's leaderboard: each model's best value per metric, config and split, ranked in the
/// metric's direction.
#[utoipa::path(get, path = "/api/v1/leaderboard", params(LeaderboardParams),
    responses((status = 200, body = macaroni_repo::Leaderboard), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn leaderboard(
    State(state): State<AppState>,
    Params(params): Params<LeaderboardParams>,
) -> Result<Json<macaroni_repo::Leaderboard>, ApiError> {
    let request = macaroni_repo::LeaderboardRequest {
        dataset: params.id,
        filter: params.q,
        order: params.sort,
        limit: params.limit,
    };
    Ok(Json(state.pool.run(move |repo| repo.leaderboard(&request)).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SelectParams {
    #[serde(default)]
    pub q: String,
    /// Objectives to maximise, comma-separated (`top1@imagenet-1k`, `downloads`).
    #[serde(default)]
    pub maximize: String,
    /// Objectives to minimise, comma-separated (`params`, `size`).
    #[serde(default)]
    pub minimize: String,
}

/// The Pareto front of a search's models on two or three objectives.
#[utoipa::path(get, path = "/api/v1/select", params(SelectParams),
    responses((status = 200, body = ParetoFront), (status = 400, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn select(
    State(state): State<AppState>,
    Params(params): Params<SelectParams>,
) -> Result<Json<ParetoFront>, ApiError> {
    let objectives = macaroni_repo::objectives(&params.maximize, &params.minimize);
    Ok(Json(
        state.pool.run(move |repo| repo.select(&params.q, &objectives)).await?,
    ))
}

/// Counts of entities per kind, relations per type, models per zoo, and history size.
#[utoipa::path(get, path = "/api/v1/stats", responses((status = 200, body = StatsDoc), (status = 503, body = ErrorBody)))]
async fn stats(State(state): State<AppState>) -> Result<Json<StatsDoc>, ApiError> {
    Ok(Json(state.pool.run(|repo| repo.stats()).await?))
}

/// Completeness per zoo and the contradictions found, with the files that state them.
#[utoipa::path(get, path = "/api/v1/quality", responses((status = 200, body = QualityReport), (status = 503, body = ErrorBody)))]
async fn quality(State(state): State<AppState>) -> Result<Json<QualityReport>, ApiError> {
    Ok(Json(state.pool.run(|repo| repo.quality()).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ModelQualityParams {
    /// A model id (`hf:google-bert/bert-base-uncased`).
    pub id: String,
}

/// One model's completeness, the fields no source states, and the contradictions that concern it
/// or its evaluations (each with the files involved).
#[utoipa::path(get, path = "/api/v1/entity/quality", params(ModelQualityParams),
    responses((status = 200, body = macaroni_repo::ModelQuality), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn model_quality(
    State(state): State<AppState>,
    Params(params): Params<ModelQualityParams>,
) -> Result<Json<macaroni_repo::ModelQuality>, ApiError> {
    Ok(Json(state.pool.run(move |repo| repo.model_quality(&params.id)).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SqlParams {
    /// One read-only SELECT over the documented tables and views (docs/STORE.md).
    pub q: String,
    /// Rows at most (default and maximum 1,000).
    pub max_rows: Option<usize>,
}

/// Rows of a read-only SQL query.
#[derive(Debug, Serialize, ToSchema)]
pub struct SqlRows {
    pub columns: Vec<String>,
    #[schema(value_type = Vec<Vec<Object>>)]
    pub rows: Vec<Vec<serde_json::Value>>,
    /// More rows existed than `max_rows` or than 16 MiB of values allow.
    pub truncated: bool,
}

/// Rows answered at most by `/api/v1/sql`, and the bytes of values it holds at most.
const SQL_MAX_ROWS: usize = 1_000;
const SQL_MAX_BYTES: usize = 16 * 1024 * 1024;

/// Read-only SQL on the same guarded connection as `macaroni sql`: writes, ATTACH, PRAGMA are
/// refused (403); a query past its deadline is stopped (503).
#[utoipa::path(get, path = "/api/v1/sql", params(SqlParams),
    responses((status = 200, body = SqlRows), (status = 400, description = "SQL error", body = ErrorBody),
              (status = 403, description = "not a read", body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn sql(State(state): State<AppState>, Params(params): Params<SqlParams>) -> Result<Json<SqlRows>, ApiError> {
    let limits = Limits {
        max_rows: params.max_rows.unwrap_or(SQL_MAX_ROWS).clamp(1, SQL_MAX_ROWS),
        timeout: state.pool.limits().timeout.min(Duration::from_secs(5)),
        // One answer stays a few megabytes however large the values selected.
        max_bytes: SQL_MAX_BYTES,
    };
    let rows = state.pool.run(move |repo| repo.sql(&params.q, limits)).await?;
    Ok(Json(SqlRows {
        columns: rows.columns,
        rows: rows.rows,
        truncated: rows.truncated,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlanParams {
    /// Labels joined with `&`, `|`, `~` and parentheses, e.g. `(bottle | tv) & chair`.
    pub q: String,
    /// Maximise accuracy among plans costing at most this.
    pub max_cost: Option<f64>,
    /// Minimise cost among plans at least this accurate (0..1).
    pub min_accuracy: Option<f64>,
    /// Charge models under short-circuit evaluation in the best execution order.
    #[serde(default)]
    pub order: bool,
    /// The Pareto front of plans on accuracy and cost instead of one plan.
    #[serde(default)]
    pub pareto: bool,
    /// The label taxonomy, when the repository holds several.
    pub taxonomy: Option<String>,
}

/// Search time of one plan at most.
const PLAN_TIME_LIMIT: Duration = Duration::from_secs(10);

/// Chooses (and orders) the models that answer an inference query (docs/OPTIMIZER.md); 422 when
/// no plan satisfies the constraint.
#[utoipa::path(get, path = "/api/v1/plan", params(PlanParams),
    responses((status = 200, body = macaroni_repo::plan::PlanAnswer), (status = 400, body = ErrorBody),
              (status = 422, description = "no plan satisfies the constraint", body = ErrorBody),
              (status = 503, body = ErrorBody)))]
async fn plan(
    State(state): State<AppState>,
    Params(params): Params<PlanParams>,
) -> Result<Json<macaroni_repo::plan::PlanAnswer>, ApiError> {
    let request = macaroni_repo::plan::PlanRequest {
        query: params.q,
        max_cost: params.max_cost,
        min_accuracy: params.min_accuracy,
        ordered: params.order,
        pareto: params.pareto,
        taxonomy: params.taxonomy,
        label_stats: None,
        time_limit: PLAN_TIME_LIMIT,
        relative_gap: macaroni_optimize::exact::DEFAULT_RELATIVE_GAP,
    };
    Ok(Json(state.pool.run(move |repo| repo.plan(&request)).await?))
}
