//! Live rooms: join (creating the room on first join), leave, a member's message stream
//! over server-sent events, and sending a message.
//!
//! Rooms are addressed by name so scenarios can name them. Membership and messages are rows
//! written through the single writer (a join storm queues there, as signups do); delivery
//! is an in-memory bounded broadcast per room ([`crate::platform::live`]): a message is stored,
//! then published, so every delivered message is durable.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream, StreamExt};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast::error::RecvError;

use super::check_text;
use super::posts::{Created, rfc3339};
use crate::platform::app::App;
use crate::platform::auth::AuthUser;
use crate::platform::db::now_ms;
use crate::platform::error::{ApiError, ApiJson, ApiPath};

pub const MESSAGE_MAX_CHARS: usize = 500;
/// Room names: like handles, plus `-` (`tiktok-refugees`).
const NAME_CHARS: std::ops::RangeInclusive<usize> = 3..=30;
/// Comment lines that keep idle streams open through proxies and show the member is alive.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

#[derive(Debug, Serialize)]
pub struct Joined {
    pub room_id: i64,
    /// Members after this join.
    pub members: i64,
}

#[derive(Debug, Serialize)]
pub struct Left {
    pub members: i64,
}

#[derive(Debug, Deserialize)]
pub struct NewMessage {
    text: String,
}

/// A message as the stream delivers it (`event: message`).
#[derive(Debug, Serialize)]
pub struct MessageView {
    pub id: i64,
    pub author_id: i64,
    pub text: String,
    /// RFC 3339, UTC, when the platform stored it.
    pub sent_at: String,
}

fn check_name(name: &str) -> Result<(), ApiError> {
    let valid = NAME_CHARS.contains(&name.chars().count())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if valid {
        Ok(())
    } else {
        Err(ApiError::unprocessable("room name must be 3 to 30 characters of A-Z, a-z, 0-9, _ or -"))
    }
}

fn room_id(conn: &Connection, name: &str) -> Result<Option<i64>, ApiError> {
    Ok(conn
        .prepare_cached("SELECT id FROM rooms WHERE name = ?1")?
        .query_row([name], |r| r.get(0))
        .optional()?)
}

fn is_member(conn: &Connection, room: i64, user: i64) -> Result<bool, ApiError> {
    Ok(conn
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM room_members WHERE room_id = ?1 AND user_id = ?2)")?
        .query_row([room, user], |row| row.get(0))?)
}

fn members(conn: &Connection, room: i64) -> Result<i64, ApiError> {
    Ok(conn
        .prepare_cached("SELECT COUNT(*) FROM room_members WHERE room_id = ?1")?
        .query_row([room], |row| row.get(0))?)
}

/// The room's id when it exists and `user` is a member: 404 unknown room, 403 not a member.
async fn member_room(app: &App, name: String, user: i64) -> Result<i64, ApiError> {
    check_name(&name)?;
    app.db
        .read(move |conn| {
            let room = room_id(conn, &name)?.ok_or_else(|| ApiError::not_found("room"))?;
            if !is_member(conn, room, user)? {
                return Err(ApiError::Forbidden("join the room first"));
            }
            Ok(room)
        })
        .await
}

/// `POST /api/rooms/{name}/join` → 200 `{room_id, members}`; creates the room on first join;
/// joining twice is one membership.
pub async fn join(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    ApiPath(name): ApiPath<String>,
) -> Result<Json<Joined>, ApiError> {
    check_name(&name)?;
    let joined = app
        .db
        .write(move |conn| {
            let tx = conn.transaction()?;
            let now = now_ms();
            tx.prepare_cached("INSERT OR IGNORE INTO rooms (name, created_at_ms) VALUES (?1, ?2)")?
                .execute(rusqlite::params![name, now])?;
            let room = room_id(&tx, &name)?.ok_or_else(|| ApiError::Internal("room vanished".into()))?;
            tx.prepare_cached(
                "INSERT OR IGNORE INTO room_members (room_id, user_id, joined_at_ms) VALUES (?1, ?2, ?3)",
            )?
            .execute(rusqlite::params![room, user, now])?;
            let joined = Joined { room_id: room, members: members(&tx, room)? };
            tx.commit()?;
            Ok(joined)
        })
        .await?;
    Ok(Json(joined))
}

/// `POST /api/rooms/{name}/leave` → 200 `{members}`; 404 unknown room; leaving twice is fine.
pub async fn leave(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    ApiPath(name): ApiPath<String>,
) -> Result<Json<Left>, ApiError> {
    check_name(&name)?;
    let left = app
        .db
        .write(move |conn| {
            let room = room_id(conn, &name)?.ok_or_else(|| ApiError::not_found("room"))?;
            conn.prepare_cached("DELETE FROM room_members WHERE room_id = ?1 AND user_id = ?2")?
                .execute([room, user])?;
            Ok(Left { members: members(conn, room)? })
        })
        .await?;
    Ok(Json(left))
}

/// `GET /api/rooms/{name}/events` → `text/event-stream`: a `ready` event at once (so a
/// client can time the connection), then one `message` event per message as JSON
/// `{id, author_id, text, sent_at}`, and `lagged` `{missed}` when the member fell more than
/// the room's buffer behind. Members only (403), known rooms only (404).
pub async fn events(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    ApiPath(name): ApiPath<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let room = member_room(&app, name, user).await?;
    let receiver = app.live.subscribe(room).ok_or(ApiError::Unavailable("the server is shutting down"))?;
    let ready = stream::once(async move { Ok(Event::default().event("ready").data(room.to_string())) });
    let messages = stream::unfold(receiver, |mut receiver| async move {
        let event = match receiver.recv().await {
            Ok(json) => Event::default().event("message").data(json.as_ref()),
            Err(RecvError::Lagged(missed)) => {
                Event::default().event("lagged").data(format!("{{\"missed\":{missed}}}"))
            }
            Err(RecvError::Closed) => return None,
        };
        Some((Ok(event), receiver))
    });
    Ok(Sse::new(ready.chain(messages)).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
}

/// `POST /api/rooms/{name}/messages` `{text}` → 201 `{id}`; stored, then delivered to every
/// member's open stream. Members only.
pub async fn send(
    State(app): State<App>,
    AuthUser(author): AuthUser,
    ApiPath(name): ApiPath<String>,
    ApiJson(body): ApiJson<NewMessage>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    check_text("text", &body.text, MESSAGE_MAX_CHARS)?;
    let room = member_room(&app, name, author).await?;
    let (id, sent_at_ms, text) = app
        .db
        .write(move |conn| {
            let now = now_ms();
            conn.prepare_cached(
                "INSERT INTO room_messages (room_id, author_id, text, created_at_ms) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(rusqlite::params![room, author, body.text, now])?;
            Ok((conn.last_insert_rowid(), now, body.text))
        })
        .await?;
    let view = MessageView { id, author_id: author, text, sent_at: rfc3339(sent_at_ms) };
    let json = serde_json::to_string(&view).map_err(|e| ApiError::Internal(e.to_string()))?;
    app.live.publish(room, Arc::from(json));
    Ok((StatusCode::CREATED, Json(Created { id })))
}
