//! Accounts: signup and login (the CPU-heavy routes of a signup surge) and profiles.
//!
//! Request bodies deliberately do not implement `Debug`, so a password cannot reach a log
//! line through a stray `?body`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};

use crate::platform::access_log::{UserKey, user_key};
use crate::platform::app::App;
use crate::platform::auth::{AuthUser, create_session, token_hash};
use crate::platform::db::{is_unique_violation, now_ms};
use crate::platform::error::{ApiError, ApiJson, ApiPath};

const HANDLE_CHARS: std::ops::RangeInclusive<usize> = 3..=30;
const PASSWORD_CHARS: std::ops::RangeInclusive<usize> = 8..=1_024;
const EMAIL_MAX_CHARS: usize = 254;

#[derive(Deserialize)]
pub struct SignupBody {
    handle: String,
    email: String,
    password: String,
}

#[derive(Deserialize)]
pub struct LoginBody {
    handle: String,
    password: String,
}

/// Answer to signup and login.
#[derive(Debug, Serialize)]
pub struct Session {
    pub id: i64,
    pub token: String,
}

/// `POST /api/signup` → 201 `{id, token}`; 409 when the handle is taken.
pub async fn signup(
    State(app): State<App>,
    ApiJson(body): ApiJson<SignupBody>,
) -> Result<(StatusCode, axum::Extension<UserKey>, Json<Session>), ApiError> {
    check_handle(&body.handle)?;
    let email = body.email.trim().to_string();
    if !email.contains('@') || email.chars().count() > EMAIL_MAX_CHARS {
        return Err(ApiError::unprocessable("email must contain @ and be at most 254 characters"));
    }
    if !PASSWORD_CHARS.contains(&body.password.chars().count()) {
        return Err(ApiError::unprocessable("password must be 8 to 1024 characters"));
    }
    // Fail fast on a taken handle before paying for a hash; the UNIQUE constraint below
    // still decides races between two signups for the same handle.
    let handle = body.handle.clone();
    if app.db.read(move |conn| user_id_by_handle(conn, &handle)).await?.is_some() {
        return Err(handle_taken(&body.handle));
    }
    let password_hash = app.hashing.hash(body.password).await?;
    let handle = body.handle;
    let (id, token) = app
        .db
        .write(move |conn| {
            let tx = conn.transaction()?;
            let inserted = tx
                .prepare_cached(
                    "INSERT INTO users (handle, email, password_hash, created_at_ms) \
                     VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(rusqlite::params![handle, email, password_hash, now_ms()]);
            match inserted {
                Err(e) if is_unique_violation(&e) => return Err(handle_taken(&handle)),
                other => other?,
            };
            let id = tx.last_insert_rowid();
            let token = create_session(&tx, id)?;
            tx.commit()?;
            Ok((id, token))
        })
        .await?;
    let hash = token_hash(&token);
    app.sessions.insert(hash, id);
    // For the access log: the signup is keyed like the requests its token will sign.
    Ok((StatusCode::CREATED, axum::Extension(user_key(&hash)), Json(Session { id, token })))
}

/// `POST /api/login` → 200 `{id, token}`; 401 on an unknown handle or wrong password.
pub async fn login(
    State(app): State<App>,
    ApiJson(body): ApiJson<LoginBody>,
) -> Result<Json<Session>, ApiError> {
    let (id, token) = authenticate(&app, body.handle, body.password).await?;
    Ok(Json(Session { id, token }))
}

/// Checks a handle and password and opens a session: `(user id, token)`; 401 when they
/// do not match (JSON login and the cookie session alike).
pub async fn authenticate(app: &App, handle: String, password: String) -> Result<(i64, String), ApiError> {
    let account = app
        .db
        .read(move |conn| {
            Ok(conn
                .prepare_cached("SELECT id, password_hash FROM users WHERE handle = ?1")?
                .query_row([handle], |row| Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?)))
                .optional()?)
        })
        .await?;
    let (id, stored) = match account {
        Some((id, stored)) => (Some(id), Some(stored)),
        None => (None, None),
    };
    // An unknown handle still pays for a verification, so timing does not reveal it.
    let verified = app.hashing.verify(password, stored).await?;
    let Some(id) = id.filter(|_| verified) else {
        return Err(ApiError::Unauthorized("wrong handle or password"));
    };
    let token = app.db.write(move |conn| create_session(conn, id)).await?;
    app.sessions.insert(token_hash(&token), id);
    Ok((id, token))
}

/// A profile with its counters.
#[derive(Debug, Serialize)]
pub struct Profile {
    pub id: i64,
    pub handle: String,
    pub followers: i64,
    pub following: i64,
    pub posts: i64,
    /// Whether the caller follows this user.
    pub followed_by_you: bool,
}

/// `GET /api/users/{id}` → 200 profile; 404 when unknown.
pub async fn view_user(
    State(app): State<App>,
    AuthUser(viewer): AuthUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Profile>, ApiError> {
    let profile = app
        .db
        .read(move |conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT u.id, u.handle, \
                       (SELECT COUNT(*) FROM follows WHERE followee_id = u.id), \
                       (SELECT COUNT(*) FROM follows WHERE follower_id = u.id), \
                       (SELECT COUNT(*) FROM posts WHERE author_id = u.id), \
                       EXISTS(SELECT 1 FROM follows WHERE follower_id = ?2 AND followee_id = u.id) \
                     FROM users u WHERE u.id = ?1",
                )?
                .query_row([id, viewer], |row| {
                    Ok(Profile {
                        id: row.get(0)?,
                        handle: row.get(1)?,
                        followers: row.get(2)?,
                        following: row.get(3)?,
                        posts: row.get(4)?,
                        followed_by_you: row.get(5)?,
                    })
                })
                .optional()?)
        })
        .await?;
    profile.map(Json).ok_or_else(|| ApiError::not_found("user"))
}

fn check_handle(handle: &str) -> Result<(), ApiError> {
    let valid = HANDLE_CHARS.contains(&handle.chars().count())
        && handle.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid {
        Ok(())
    } else {
        Err(ApiError::unprocessable("handle must be 3 to 30 characters of A-Z, a-z, 0-9 or _"))
    }
}

fn handle_taken(handle: &str) -> ApiError {
    ApiError::Conflict(format!("handle `{handle}` is taken"))
}

fn user_id_by_handle(conn: &rusqlite::Connection, handle: &str) -> Result<Option<i64>, ApiError> {
    Ok(conn
        .prepare_cached("SELECT id FROM users WHERE handle = ?1")?
        .query_row([handle], |row| row.get(0))
        .optional()?)
}
