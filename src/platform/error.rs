//! The API's error type: every failure a handler or extractor can produce, rendered as a
//! JSON body `{"error": "..."}` with a 4xx/5xx status.
//!
//! axum's own extractor rejections answer with plain-text bodies; a load tester parsing
//! responses should never have to guess the format, so every rejection is converted here
//! (through [`ApiJson`] and the `From` impls) instead of leaking through.

use axum::Json;
use axum::extract::FromRequest;
use axum::extract::rejection::{BytesRejection, JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// A request that failed, with the status it maps to.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Malformed syntax: broken JSON, a non-numeric id, a bad query string.
    #[error("{0}")]
    BadRequest(String),
    /// Missing, unknown or malformed bearer token (or admin token).
    #[error("{0}")]
    Unauthorized(&'static str),
    /// The admin endpoint exists but refuses this caller.
    #[error("{0}")]
    Forbidden(&'static str),
    /// An unknown route, post, user or media id.
    #[error("{0}")]
    NotFound(String),
    /// A unique key already taken (a handle).
    #[error("{0}")]
    Conflict(String),
    /// A body beyond the route's limit.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// A body whose Content-Type the route does not accept.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// Well-formed input that breaks a rule: missing fields, text too long, self-follow.
    #[error("{0}")]
    Unprocessable(String),
    /// Injected by the fault layer, or the database is closing.
    #[error("{0}")]
    Unavailable(&'static str),
    /// A bug or an I/O failure; the detail goes to the log, never to the client.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn not_found(what: &str) -> Self {
        Self::NotFound(format!("{what} not found"))
    }

    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::Unprocessable(message.into())
    }

    /// Maps a rejection's status to the matching variant, keeping axum's message (which
    /// never contains the body itself, so no password can leak through it).
    fn from_rejection(status: StatusCode, message: String) -> Self {
        match status {
            StatusCode::PAYLOAD_TOO_LARGE => Self::PayloadTooLarge(message),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => Self::UnsupportedMediaType(message),
            StatusCode::UNPROCESSABLE_ENTITY => Self::Unprocessable(message),
            status if status.is_client_error() => Self::BadRequest(message),
            _ => Self::Internal(message),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let message = match &self {
            Self::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                "internal error".to_string()
            }
            other => other.to_string(),
        };
        (status, Json(serde_json::json!({ "error": message }))).into_response()
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        Self::from_rejection(rejection.status(), rejection.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        Self::from_rejection(rejection.status(), rejection.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        // axum calls a bad query string 400 already; keep it so.
        Self::from_rejection(rejection.status(), rejection.body_text())
    }
}

impl From<BytesRejection> for ApiError {
    fn from(rejection: BytesRejection) -> Self {
        Self::from_rejection(rejection.status(), rejection.body_text())
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(error: rusqlite::Error) -> Self {
        Self::Internal(format!("database: {error}"))
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(error: tokio::task::JoinError) -> Self {
        Self::Internal(format!("blocking task: {error}"))
    }
}

/// `axum::Json` whose rejection is an [`ApiError`] (a JSON body) instead of plain text.
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// `axum::extract::Path` with a JSON rejection.
#[derive(Debug, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// `axum::extract::Query` with a JSON rejection.
#[derive(Debug, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// The answer to a request no route matches.
pub async fn unknown_route() -> ApiError {
    ApiError::not_found("route")
}

/// The answer to a known path with the wrong method.
pub async fn wrong_method() -> Response {
    (StatusCode::METHOD_NOT_ALLOWED, Json(serde_json::json!({ "error": "method not allowed" })))
        .into_response()
}
