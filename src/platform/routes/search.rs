//! Post search: the newest posts whose text contains a query, for custom `search` actions.
//!
//! Bounded both ways: a query of 1..=64 characters, at most 50 results, and only the
//! newest [`SCAN_POSTS`] posts are scanned (a substring match cannot use an index, so the
//! cost of a search stays flat however big the database grows).

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};

use super::posts::{POST_SELECT, PostView, post_from_row, with_media};
use crate::platform::app::App;
use crate::platform::auth::AuthUser;
use crate::platform::error::{ApiError, ApiQuery};

const DEFAULT_LIMIT: u32 = 20;
const MAX_LIMIT: u32 = 50;
const MAX_QUERY_CHARS: usize = 64;
/// How many of the newest posts a search looks through.
const SCAN_POSTS: i64 = 10_000;

#[derive(Debug, Deserialize)]
pub struct Query {
    q: String,
    limit: Option<u32>,
}

#[derive(Debug, Serialize)]
pub struct Results {
    pub posts: Vec<PostView>,
}

/// `GET /api/search?q=TEXT&limit=N` → 200 `{posts}`, newest first; 422 for an empty or
/// over-long query, 400 for a limit outside 1..=50.
pub async fn search(
    State(app): State<App>,
    AuthUser(_viewer): AuthUser,
    ApiQuery(query): ApiQuery<Query>,
) -> Result<Json<Results>, ApiError> {
    super::check_text("q", &query.q, MAX_QUERY_CHARS)?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::BadRequest(format!("limit must be between 1 and {MAX_LIMIT}")));
    }
    // `%`, `_` and the escape itself match literally.
    let escaped: String = query
        .q
        .chars()
        .flat_map(|c| if matches!(c, '%' | '_' | '\\') { vec!['\\', c] } else { vec![c] })
        .collect();
    let pattern = format!("%{escaped}%");
    let posts = app
        .db
        .read(move |conn| {
            let sql = format!(
                "{POST_SELECT} WHERE p.id > (SELECT COALESCE(MAX(id), 0) FROM posts) - ?1 \
                 AND p.text LIKE ?2 ESCAPE '\\' ORDER BY p.id DESC LIMIT ?3"
            );
            let posts: Vec<PostView> = conn
                .prepare_cached(&sql)?
                .query_map(rusqlite::params![SCAN_POSTS, pattern, limit], post_from_row)?
                .collect::<Result<_, _>>()?;
            posts.into_iter().map(|post| with_media(conn, post)).collect::<Result<Vec<_>, _>>()
        })
        .await?;
    Ok(Json(Results { posts }))
}
