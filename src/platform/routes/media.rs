//! Media uploads: raw image bytes in the body, written to a file under `<data>/media`,
//! with a row recording owner, type and size.
//!
//! Files rather than BLOBs keep multi-megabyte writes out of the WAL and off the single
//! writer connection, as real platforms keep media in object storage: the database write
//! stays small, and only the file write scales with the upload.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::rejection::BytesRejection;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rusqlite::OptionalExtension;
use serde::Serialize;

use crate::platform::app::App;
use crate::platform::auth::AuthUser;
use crate::platform::db::now_ms;
use crate::platform::error::{ApiError, ApiPath};

#[derive(Debug, Serialize)]
pub struct Uploaded {
    pub id: i64,
    pub bytes: usize,
}

/// `POST /api/media` with a raster image (png, jpeg, gif, webp) or `application/octet-stream` body → 201
/// `{id, bytes}`; 413 beyond the limit, 415 for other types, 422 when empty.
pub async fn upload(
    State(app): State<App>,
    AuthUser(owner): AuthUser,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Uploaded>), ApiError> {
    let content_type = accepted_content_type(&headers)?;
    store(&app, owner, content_type, body?).await
}

/// `POST /api/media/form`: the same upload as a browser form sends it, `multipart/form-data`
/// with the image in a part named `file` (its own content type checked like a raw upload's).
pub async fn upload_form(
    State(app): State<App>,
    AuthUser(owner): AuthUser,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<Uploaded>), ApiError> {
    let bad = |e: String| ApiError::unprocessable(format!("the multipart body: {e}"));
    let mut multipart = multipart.map_err(|e| bad(e.body_text()))?;
    while let Some(field) = multipart.next_field().await.map_err(|e| bad(e.body_text()))? {
        if field.name() != Some("file") {
            continue;
        }
        let mut headers = HeaderMap::new();
        if let Some(value) = field.content_type().and_then(|t| HeaderValue::from_str(t).ok()) {
            headers.insert(CONTENT_TYPE, value);
        }
        let content_type = accepted_content_type(&headers)?;
        let bytes = field.bytes().await.map_err(|e| bad(e.body_text()))?;
        return store(&app, owner, content_type, bytes).await;
    }
    Err(ApiError::unprocessable("the multipart body has no part named `file`"))
}

/// Writes an upload's bytes and records them → 201 `{id, bytes}`; 422 when empty.
async fn store(
    app: &App,
    owner: i64,
    content_type: String,
    body: Bytes,
) -> Result<(StatusCode, Json<Uploaded>), ApiError> {
    if body.is_empty() {
        return Err(ApiError::unprocessable("the media body is empty"));
    }
    let file_name = format!("{:032x}.bin", rand::random::<u128>());
    let path = app.media_dir.join(&file_name);
    tokio::fs::write(&path, &body)
        .await
        .map_err(|e| ApiError::Internal(format!("writing {}: {e}", path.display())))?;
    let bytes = body.len();
    let size = i64::try_from(bytes).unwrap_or(i64::MAX);
    let inserted = app
        .db
        .write(move |conn| {
            conn.prepare_cached(
                "INSERT INTO media (owner_id, content_type, bytes, file_name, created_at_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(rusqlite::params![owner, content_type, size, file_name, now_ms()])?;
            Ok(conn.last_insert_rowid())
        })
        .await;
    match inserted {
        Ok(id) => Ok((StatusCode::CREATED, Json(Uploaded { id, bytes }))),
        Err(error) => {
            // No row points at the file, so it would never be served: remove it.
            let _ = tokio::fs::remove_file(&path).await;
            Err(error)
        }
    }
}

/// `GET /api/media/{id}` → the stored bytes with their Content-Type.
pub async fn download(
    State(app): State<App>,
    AuthUser(_): AuthUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    let row = app
        .db
        .read(move |conn| {
            Ok(conn
                .prepare_cached("SELECT content_type, file_name FROM media WHERE id = ?1")?
                .query_row([id], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))
                .optional()?)
        })
        .await?;
    let (content_type, file_name) = row.ok_or_else(|| ApiError::not_found("media"))?;
    let path = app.media_dir.join(file_name);
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|e| ApiError::Internal(format!("reading {}: {e}", path.display())))?;
    let content_type =
        HeaderValue::from_str(&content_type).unwrap_or(HeaderValue::from_static("application/octet-stream"));
    // `nosniff`: browsers take the stored raster type as given and never run the bytes
    // as a document or script.
    let nosniff = (axum::http::header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    Ok(([(CONTENT_TYPE, content_type), nosniff], bytes).into_response())
}

/// Media types an upload may declare: raster images only (an `image/svg+xml` can carry
/// scripts that run when the file is opened from the platform's origin).
const RASTER_TYPES: [&str; 5] =
    ["image/png", "image/jpeg", "image/gif", "image/webp", "application/octet-stream"];

fn accepted_content_type(headers: &HeaderMap) -> Result<String, ApiError> {
    let value =
        headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").trim().to_ascii_lowercase();
    let essence = value.split(';').next().unwrap_or("").trim();
    if RASTER_TYPES.contains(&essence) {
        Ok(essence.to_string())
    } else {
        Err(ApiError::UnsupportedMediaType(format!(
            "media must be sent as one of {}",
            RASTER_TYPES.join(", ")
        )))
    }
}
