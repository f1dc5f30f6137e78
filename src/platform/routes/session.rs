//! Cookie sessions, the way browser-facing platforms log in: `POST /api/session` with a
//! form-urlencoded handle and password answers `Set-Cookie: sid=…; HttpOnly`, and the
//! authenticated routes accept that cookie instead of a bearer token (see
//! [`crate::platform::auth::AuthUser`]). The cookie's value is a session token like the
//! bearer tokens, stored only as its digest.

use axum::Form;
use axum::Json;
use axum::extract::State;
use axum::http::HeaderValue;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::platform::app::App;
use crate::platform::auth::SESSION_COOKIE;
use crate::platform::error::ApiError;

/// The login form. No `Debug`, so the password cannot reach a log line.
#[derive(Deserialize)]
pub struct LoginForm {
    handle: String,
    password: String,
}

/// `POST /api/session` (form `handle`, `password`) → 200 `{id}` with the session cookie;
/// 401 on an unknown handle or a wrong password.
pub async fn login(
    State(app): State<App>,
    form: Result<Form<LoginForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, ApiError> {
    let Form(form) =
        form.map_err(|e| ApiError::unprocessable(format!("the login form: {}", e.body_text())))?;
    let (id, token) = super::accounts::authenticate(&app, form.handle, form.password).await?;
    let cookie = format!("{SESSION_COOKIE}={token}; HttpOnly; Path=/; SameSite=Lax");
    let cookie = HeaderValue::from_str(&cookie).map_err(|e| ApiError::Internal(format!("cookie: {e}")))?;
    Ok(([(SET_COOKIE, cookie)], Json(serde_json::json!({ "id": id }))).into_response())
}
