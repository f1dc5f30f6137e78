//! The home timeline: posts of the accounts the caller follows, newest first, paginated
//! by keyset on the post id (the cursor is the last id of the previous page), so deep
//! pages cost the same as the first and concurrent posting never shifts a page.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};

use super::posts::{POST_SELECT, PostView, post_from_row, with_media};
use crate::platform::app::App;
use crate::platform::auth::AuthUser;
use crate::platform::error::{ApiError, ApiQuery};

const DEFAULT_LIMIT: u32 = 20;
const MAX_LIMIT: u32 = 100;

#[derive(Debug, Deserialize)]
pub struct Page {
    limit: Option<u32>,
    cursor: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Timeline {
    pub posts: Vec<PostView>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// `GET /api/timeline?limit=N&cursor=C` → 200 `{posts, next_cursor}`; 400 for a bad
/// cursor or a limit outside 1..=100.
pub async fn timeline(
    State(app): State<App>,
    AuthUser(viewer): AuthUser,
    ApiQuery(page): ApiQuery<Page>,
) -> Result<Json<Timeline>, ApiError> {
    let limit = page.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::BadRequest(format!("limit must be between 1 and {MAX_LIMIT}")));
    }
    let before = match page.cursor.as_deref() {
        None | Some("") => i64::MAX,
        Some(cursor) => cursor
            .parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .ok_or_else(|| ApiError::BadRequest(format!("invalid cursor `{cursor}`")))?,
    };
    let posts = app
        .db
        .read(move |conn| {
            let sql = format!(
                "{POST_SELECT} JOIN follows f ON f.followee_id = p.author_id \
                 WHERE f.follower_id = ?1 AND p.id < ?2 ORDER BY p.id DESC LIMIT ?3"
            );
            let posts: Vec<PostView> = conn
                .prepare_cached(&sql)?
                .query_map(rusqlite::params![viewer, before, limit], post_from_row)?
                .collect::<Result<_, _>>()?;
            posts.into_iter().map(|post| with_media(conn, post)).collect::<Result<Vec<_>, _>>()
        })
        .await?;
    let full_page = posts.len() == limit as usize;
    let next_cursor = posts.last().filter(|_| full_page).map(|post| post.id.to_string());
    Ok(Json(Timeline { posts, next_cursor }))
}
