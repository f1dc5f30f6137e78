//! The social graph: follow and unfollow. Both are idempotent, so a retried request
//! (as a load tester under errors produces) does not fail or double-count.

use axum::Json;
use axum::extract::State;
use serde::Serialize;

use crate::platform::app::App;
use crate::platform::auth::AuthUser;
use crate::platform::db::{exists, now_ms};
use crate::platform::error::{ApiError, ApiPath};

#[derive(Debug, Serialize)]
pub struct Following {
    pub following: bool,
}

/// `POST /api/users/{id}/follow` → 200 `{following: true}`; 404 unknown user, 422 self.
pub async fn follow(
    State(app): State<App>,
    AuthUser(follower): AuthUser,
    ApiPath(followee): ApiPath<i64>,
) -> Result<Json<Following>, ApiError> {
    if follower == followee {
        return Err(ApiError::unprocessable("you cannot follow yourself"));
    }
    app.db
        .write(move |conn| {
            if !exists(conn, "users", followee)? {
                return Err(ApiError::not_found("user"));
            }
            conn.prepare_cached(
                "INSERT OR IGNORE INTO follows (follower_id, followee_id, created_at_ms) \
                 VALUES (?1, ?2, ?3)",
            )?
            .execute(rusqlite::params![follower, followee, now_ms()])?;
            Ok(())
        })
        .await?;
    Ok(Json(Following { following: true }))
}

/// `DELETE /api/users/{id}/follow` → 200 `{following: false}`; 404 unknown user.
pub async fn unfollow(
    State(app): State<App>,
    AuthUser(follower): AuthUser,
    ApiPath(followee): ApiPath<i64>,
) -> Result<Json<Following>, ApiError> {
    app.db
        .write(move |conn| {
            if !exists(conn, "users", followee)? {
                return Err(ApiError::not_found("user"));
            }
            conn.prepare_cached("DELETE FROM follows WHERE follower_id = ?1 AND followee_id = ?2")?
                .execute([follower, followee])?;
            Ok(())
        })
        .await?;
    Ok(Json(Following { following: false }))
}
