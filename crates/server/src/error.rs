//! Errors as HTTP answers: a status that means what happened and a JSON body
//! `{error, position?, suggestions?}`.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use macaroni_repo::RepoError;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Repo(#[from] RepoError),
    #[error("the URL is {0} bytes long; at most {max} are accepted", max = crate::MAX_URL_BYTES)]
    UriTooLong(usize),
    #[error("{0}")]
    BadRequest(String),
    #[error("no such route: {0} (see /api/v1/openapi.json)")]
    NoRoute(String),
    #[error("the server is shutting down")]
    ShuttingDown,
    #[error("{0}")]
    Startup(String),
    #[error("internal error: {0}")]
    Internal(String),
}

/// The body of every error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong, in words.
    pub error: String,
    /// For a malformed query: the character offset of the problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<usize>,
    /// For an unknown id: the nearest ids that exist.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suggestions: Vec<String>,
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Repo(RepoError::NotFound { .. }) | ApiError::NoRoute(_) => StatusCode::NOT_FOUND,
            ApiError::Repo(RepoError::Usage { .. }) | ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Repo(RepoError::Denied(_)) => StatusCode::FORBIDDEN,
            ApiError::Repo(RepoError::Timeout(_)) | ApiError::ShuttingDown => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::UriTooLong(_) => StatusCode::URI_TOO_LONG,
            ApiError::Repo(RepoError::NoPlan(_)) => StatusCode::UNPROCESSABLE_ENTITY,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let (position, suggestions) = match &self {
            ApiError::Repo(RepoError::Usage { position, .. }) => (*position, Vec::new()),
            ApiError::Repo(RepoError::NotFound { suggestions, .. }) => (None, suggestions.clone()),
            _ => (None, Vec::new()),
        };
        let body = ErrorBody {
            error: self.to_string(),
            position,
            suggestions,
        };
        let mut response = (status, Json(body)).into_response();
        // The Hub's clients tell a missing repository from a missing file by this header.
        if status == StatusCode::NOT_FOUND {
            response
                .headers_mut()
                .insert("x-error-code", HeaderValue::from_static("RepoNotFound"));
        }
        response
    }
}

/// Query-string parameters read like axum's `Query`, but a malformed string is our JSON 400
/// (`{error}`), not a plain-text rejection.
pub struct Params<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for Params<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Params(value)),
            Err(rejection) => Err(ApiError::BadRequest(rejection.body_text())),
        }
    }
}
