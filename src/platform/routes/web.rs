//! The HTML front door, the way server-rendered platforms (Django, Rails) work: a login
//! page carrying a CSRF token in a hidden input, form POSTs answered with `302 Found` and a
//! `Location`, and a minimal Django-like CSRF check.
//!
//! CSRF is the double-submit kind Django uses: `GET /web/login` sets a `csrftoken` cookie
//! (kept if the browser already has one) and renders the same token into the form's hidden
//! `csrf` input; every form POST must carry the cookie and echo it, in the `csrf` field or
//! the `X-CSRFToken` header, or it is refused with 403. Nothing is stored server-side.
//!
//! - `GET /web/login` → 200 HTML form.
//! - `POST /web/login` (form `handle`, `password`, `csrf`) → 302 `Location: /web/` with
//!   the session cookie (`sid`, like `POST /api/session`).
//! - `POST /web/posts` (form `text`, `csrf`; the session cookie) → 302 `Location: /posts/ID`.

use axum::Form;
use axum::extract::State;
use axum::http::header::{CONTENT_TYPE, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::check_text;
use super::posts::POST_MAX_CHARS;
use crate::platform::app::App;
use crate::platform::auth::{AuthUser, SESSION_COOKIE, random_token};
use crate::platform::db::now_ms;
use crate::platform::error::ApiError;

/// The CSRF cookie's name, Django's.
pub const CSRF_COOKIE: &str = "csrftoken";
/// The header a script echoes the token in, Django's.
const CSRF_HEADER: &str = "x-csrftoken";

/// The login form. No `Debug`, so the password cannot reach a log line.
#[derive(Deserialize)]
pub struct LoginForm {
    handle: String,
    password: String,
    #[serde(default)]
    csrf: Option<String>,
}

#[derive(Deserialize)]
pub struct PostForm {
    text: String,
    #[serde(default)]
    csrf: Option<String>,
}

/// `GET /web/login` → the login page, with the CSRF cookie and the same token hidden in
/// the form.
pub async fn login_page(headers: HeaderMap) -> Result<Response, ApiError> {
    // A token already set is kept, as Django keeps it: open tabs' forms stay valid.
    let token = cookie(&headers, CSRF_COOKIE)
        .filter(|t| t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .map_or_else(random_token, str::to_string);
    let page = format!(
        "<!doctype html><title>Log in</title><form method=\"post\" action=\"/web/login\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{token}\">\
         <input name=\"handle\"><input name=\"password\" type=\"password\">\
         <button>Log in</button></form>"
    );
    let cookie = header_value(&format!("{CSRF_COOKIE}={token}; Path=/; SameSite=Lax"))?;
    let html = HeaderValue::from_static("text/html; charset=utf-8");
    Ok(([(SET_COOKIE, cookie), (CONTENT_TYPE, html)], page).into_response())
}

/// `POST /web/login` → 302 to `/web/` with the session cookie; 403 without a matching
/// CSRF token; 401 on a wrong handle or password.
pub async fn login(
    State(app): State<App>,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, ApiError> {
    let Form(form) =
        form.map_err(|e| ApiError::unprocessable(format!("the login form: {}", e.body_text())))?;
    check_csrf(&headers, form.csrf.as_deref())?;
    let (_, token) = super::accounts::authenticate(&app, form.handle, form.password).await?;
    let cookie = header_value(&format!("{SESSION_COOKIE}={token}; HttpOnly; Path=/; SameSite=Lax"))?;
    Ok(found("/web/", Some(cookie)))
}

/// `POST /web/posts` → 302 to `/posts/ID`; 403 without a matching CSRF token.
pub async fn create_post(
    State(app): State<App>,
    AuthUser(author): AuthUser,
    headers: HeaderMap,
    form: Result<Form<PostForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, ApiError> {
    let Form(form) =
        form.map_err(|e| ApiError::unprocessable(format!("the post form: {}", e.body_text())))?;
    check_csrf(&headers, form.csrf.as_deref())?;
    check_text("text", &form.text, POST_MAX_CHARS)?;
    let id = app
        .db
        .write(move |conn| {
            conn.prepare_cached("INSERT INTO posts (author_id, text, created_at_ms) VALUES (?1, ?2, ?3)")?
                .execute(rusqlite::params![author, form.text, now_ms()])?;
            Ok(conn.last_insert_rowid())
        })
        .await?;
    Ok(found(&format!("/posts/{id}"), None))
}

/// The CSRF cookie must be present and echoed by the form field or the header.
fn check_csrf(headers: &HeaderMap, field: Option<&str>) -> Result<(), ApiError> {
    let cookie = cookie(headers, CSRF_COOKIE).ok_or(ApiError::Forbidden("CSRF cookie not set"))?;
    let echoed = field.or_else(|| headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()));
    match echoed {
        Some(token) if token == cookie => Ok(()),
        Some(_) => Err(ApiError::Forbidden("CSRF token incorrect")),
        None => Err(ApiError::Forbidden("CSRF token missing")),
    }
}

/// The value of cookie `name` in the request's `Cookie` headers, if set and not empty.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    (headers.get_all(axum::http::header::COOKIE).iter())
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, value)| *n == name && !value.is_empty())
        .map(|(_, value)| value)
}

fn header_value(text: &str) -> Result<HeaderValue, ApiError> {
    HeaderValue::from_str(text).map_err(|e| ApiError::Internal(format!("header: {e}")))
}

/// A `302 Found` to `location`, with a cookie to set when there is one.
fn found(location: &str, set_cookie: Option<HeaderValue>) -> Response {
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(location) = HeaderValue::from_str(location) {
        response.headers_mut().insert(LOCATION, location);
    }
    if let Some(cookie) = set_cookie {
        response.headers_mut().insert(SET_COOKIE, cookie);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(cookie: &str, header: Option<&str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("cookie", cookie.parse().expect("cookie"));
        if let Some(token) = header {
            headers.insert(CSRF_HEADER, token.parse().expect("header"));
        }
        headers
    }

    #[test]
    fn csrf_needs_the_cookie_echoed() {
        let set = headers("sid=s; csrftoken=tok", None);
        assert!(check_csrf(&set, Some("tok")).is_ok());
        assert!(check_csrf(&headers("csrftoken=tok", Some("tok")), None).is_ok(), "by header");
        assert!(matches!(check_csrf(&set, Some("other")), Err(ApiError::Forbidden("CSRF token incorrect"))));
        assert!(matches!(check_csrf(&set, None), Err(ApiError::Forbidden("CSRF token missing"))));
        assert!(matches!(check_csrf(&headers("sid=s", None), Some("tok")), Err(ApiError::Forbidden(_))));
    }
}
