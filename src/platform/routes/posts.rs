//! Posts and what hangs off them: creating posts (with media), reading one post with its
//! latest comments, commenting, liking. Like and comment counters are updated in the
//! same transaction as the row they count, so they never drift.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::check_text;
use crate::platform::app::App;
use crate::platform::auth::AuthUser;
use crate::platform::db::{exists, now_ms};
use crate::platform::error::{ApiError, ApiJson, ApiPath};

pub const POST_MAX_CHARS: usize = 500;
pub const COMMENT_MAX_CHARS: usize = 500;
pub const MEDIA_PER_POST_MAX: usize = 4;
/// Comments included when reading one post.
const LATEST_COMMENTS: i64 = 10;

#[derive(Debug, Deserialize)]
pub struct NewPost {
    text: String,
    #[serde(default)]
    media_ids: Vec<i64>,
}

#[derive(Debug, Deserialize)]
pub struct NewComment {
    text: String,
}

#[derive(Debug, Serialize)]
pub struct Created {
    pub id: i64,
}

/// A post as timelines and `GET /api/posts/{id}` show it.
#[derive(Debug, Serialize)]
pub struct PostView {
    pub id: i64,
    pub author_id: i64,
    pub author_handle: String,
    pub text: String,
    pub media_ids: Vec<i64>,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub comment_count: i64,
    pub like_count: i64,
}

#[derive(Debug, Serialize)]
pub struct CommentView {
    pub id: i64,
    pub author_id: i64,
    pub author_handle: String,
    pub text: String,
    pub created_at: String,
}

#[derive(Debug, Serialize)]
pub struct PostDetail {
    #[serde(flatten)]
    pub post: PostView,
    /// Newest first, at most ten.
    pub latest_comments: Vec<CommentView>,
}

/// `POST /api/posts` `{text, media_ids?}` → 201 `{id}`; 422 for bad text or a media id
/// that does not exist or belongs to someone else.
pub async fn create(
    State(app): State<App>,
    AuthUser(author): AuthUser,
    ApiJson(body): ApiJson<NewPost>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    check_text("text", &body.text, POST_MAX_CHARS)?;
    if body.media_ids.len() > MEDIA_PER_POST_MAX {
        return Err(ApiError::unprocessable(format!("at most {MEDIA_PER_POST_MAX} media per post")));
    }
    let id = app
        .db
        .write(move |conn| {
            let tx = conn.transaction()?;
            for &media_id in &body.media_ids {
                let owned: bool = tx
                    .prepare_cached("SELECT EXISTS(SELECT 1 FROM media WHERE id = ?1 AND owner_id = ?2)")?
                    .query_row([media_id, author], |row| row.get(0))?;
                if !owned {
                    return Err(ApiError::unprocessable(format!(
                        "media {media_id} does not exist or is not yours"
                    )));
                }
            }
            tx.prepare_cached("INSERT INTO posts (author_id, text, created_at_ms) VALUES (?1, ?2, ?3)")?
                .execute(rusqlite::params![author, body.text, now_ms()])?;
            let id = tx.last_insert_rowid();
            for (position, media_id) in body.media_ids.iter().enumerate() {
                tx.prepare_cached(
                    "INSERT INTO post_media (post_id, position, media_id) VALUES (?1, ?2, ?3)",
                )?
                .execute(rusqlite::params![id, position, media_id])?;
            }
            tx.commit()?;
            Ok(id)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// `GET /api/posts/{id}` → the post, its counters and latest comments; 404 when unknown.
pub async fn view(
    State(app): State<App>,
    AuthUser(_): AuthUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<PostDetail>, ApiError> {
    let detail = app
        .db
        .read(move |conn| {
            let Some(post) = conn
                .prepare_cached(&format!("{POST_SELECT} WHERE p.id = ?1"))?
                .query_row([id], post_from_row)
                .optional()?
            else {
                return Ok(None);
            };
            let post = with_media(conn, post)?;
            let latest_comments = conn
                .prepare_cached(
                    "SELECT c.id, c.author_id, u.handle, c.text, c.created_at_ms \
                     FROM comments c JOIN users u ON u.id = c.author_id \
                     WHERE c.post_id = ?1 ORDER BY c.id DESC LIMIT ?2",
                )?
                .query_map([id, LATEST_COMMENTS], |row| {
                    Ok(CommentView {
                        id: row.get(0)?,
                        author_id: row.get(1)?,
                        author_handle: row.get(2)?,
                        text: row.get(3)?,
                        created_at: rfc3339(row.get(4)?),
                    })
                })?
                .collect::<Result<_, _>>()?;
            Ok(Some(PostDetail { post, latest_comments }))
        })
        .await?;
    detail.map(Json).ok_or_else(|| ApiError::not_found("post"))
}

/// `POST /api/posts/{id}/comments` `{text}` → 201 `{id}`; 404 when the post is unknown.
pub async fn comment(
    State(app): State<App>,
    AuthUser(author): AuthUser,
    ApiPath(post_id): ApiPath<i64>,
    ApiJson(body): ApiJson<NewComment>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    check_text("text", &body.text, COMMENT_MAX_CHARS)?;
    let id = app
        .db
        .write(move |conn| {
            let tx = conn.transaction()?;
            if !exists(&tx, "posts", post_id)? {
                return Err(ApiError::not_found("post"));
            }
            tx.prepare_cached(
                "INSERT INTO comments (post_id, author_id, text, created_at_ms) \
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(rusqlite::params![post_id, author, body.text, now_ms()])?;
            let id = tx.last_insert_rowid();
            tx.prepare_cached("UPDATE posts SET comment_count = comment_count + 1 WHERE id = ?1")?
                .execute([post_id])?;
            tx.commit()?;
            Ok(id)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Debug, Serialize)]
pub struct Likes {
    pub likes: i64,
}

/// `POST /api/posts/{id}/like` → 200 `{likes}`; liking twice counts once.
pub async fn like(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    ApiPath(post_id): ApiPath<i64>,
) -> Result<Json<Likes>, ApiError> {
    let likes = app
        .db
        .write(move |conn| {
            let tx = conn.transaction()?;
            if !exists(&tx, "posts", post_id)? {
                return Err(ApiError::not_found("post"));
            }
            let added = tx
                .prepare_cached("INSERT OR IGNORE INTO likes (post_id, user_id) VALUES (?1, ?2)")?
                .execute([post_id, user])?;
            if added > 0 {
                tx.prepare_cached("UPDATE posts SET like_count = like_count + 1 WHERE id = ?1")?
                    .execute([post_id])?;
            }
            let likes = tx
                .prepare_cached("SELECT like_count FROM posts WHERE id = ?1")?
                .query_row([post_id], |row| row.get(0))?;
            tx.commit()?;
            Ok(likes)
        })
        .await?;
    Ok(Json(Likes { likes }))
}

/// The columns [`post_from_row`] reads; callers append WHERE/ORDER BY.
pub const POST_SELECT: &str = "SELECT p.id, p.author_id, u.handle, p.text, p.created_at_ms, \
     p.comment_count, p.like_count FROM posts p JOIN users u ON u.id = p.author_id";

/// A post from a [`POST_SELECT`] row, without its media ids yet.
pub fn post_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<PostView> {
    Ok(PostView {
        id: row.get(0)?,
        author_id: row.get(1)?,
        author_handle: row.get(2)?,
        text: row.get(3)?,
        created_at: rfc3339(row.get(4)?),
        comment_count: row.get(5)?,
        like_count: row.get(6)?,
        media_ids: Vec::new(),
    })
}

/// Fills in the post's media ids, in upload order.
pub fn with_media(conn: &Connection, mut post: PostView) -> Result<PostView, ApiError> {
    post.media_ids = conn
        .prepare_cached("SELECT media_id FROM post_media WHERE post_id = ?1 ORDER BY position")?
        .query_map([post.id], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(post)
}

/// Unix milliseconds as RFC 3339 UTC (`2025-01-31T12:00:00.123Z`).
pub fn rfc3339(unix_ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(unix_ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}
