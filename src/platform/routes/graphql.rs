//! A small GraphQL endpoint, `POST /graphql`, for profiles that speak GraphQL: it answers
//! two operations of a tiny fixed subset, `feed` (the newest posts) and `createPost(text)`.
//!
//! Not a GraphQL implementation: the operation is recognised by its first field, and a
//! query outside the subset is answered like GraphQL servers answer any bad query — 200
//! with `{"errors": [...]}` — which is what a profile's `fail_if: /errors` is there to catch.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use super::check_text;
use super::posts::POST_MAX_CHARS;
use crate::platform::app::App;
use crate::platform::auth::AuthUser;
use crate::platform::db::now_ms;
use crate::platform::error::{ApiError, ApiJson};

/// Posts `feed` returns.
const FEED_POSTS: i64 = 20;

#[derive(Debug, Deserialize)]
pub struct Operation {
    query: String,
    #[serde(default)]
    variables: Option<Value>,
}

/// `POST /graphql` `{query, variables}` → 200 `{data}`, or 200 `{errors}` for a query
/// outside the subset or bad variables.
pub async fn execute(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    ApiJson(operation): ApiJson<Operation>,
) -> Result<Json<Value>, ApiError> {
    let answer = match first_field(&operation.query) {
        Some("feed") => feed(&app).await?,
        Some("createPost") => {
            let text = operation.variables.as_ref().and_then(|v| v.get("text")).and_then(Value::as_str);
            match text.map(|t| (t, check_text("text", t, POST_MAX_CHARS))) {
                Some((text, Ok(()))) => create_post(&app, user, text.to_string()).await?,
                Some((_, Err(e))) => errors(&e.to_string()),
                None => errors("createPost needs the variable `text` (a string)"),
            }
        }
        Some(other) => {
            errors(&format!("Cannot query field `{other}`: this endpoint knows feed and createPost"))
        }
        None => errors("Syntax error: expected an operation such as `{ feed { id text } }`"),
    };
    Ok(Json(answer))
}

/// The first field of the operation's selection set: `query Q($x: T) { feed { … } }` →
/// `feed`. `None` when the text does not look like an operation.
fn first_field(query: &str) -> Option<&str> {
    let head = query.trim_start();
    let keyword_ok = head.starts_with('{') || head.starts_with("query") || head.starts_with("mutation");
    let (_, selection) = query.split_once('{')?;
    let name: &str =
        selection.trim_start().split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next()?;
    (keyword_ok && !name.is_empty() && query.matches('{').count() == query.matches('}').count())
        .then_some(name)
}

fn errors(message: &str) -> Value {
    json!({ "errors": [{ "message": message }] })
}

async fn feed(app: &App) -> Result<Value, ApiError> {
    let posts = app
        .db
        .read(|conn| {
            let mut statement =
                conn.prepare_cached("SELECT id, author_id, text FROM posts ORDER BY id DESC LIMIT ?1")?;
            let rows = statement.query_map([FEED_POSTS], |row| {
                Ok(json!({ "id": row.get::<_, i64>(0)?, "authorId": row.get::<_, i64>(1)?, "text": row.get::<_, String>(2)? }))
            })?;
            Ok(rows.collect::<Result<Vec<Value>, _>>()?)
        })
        .await?;
    Ok(json!({ "data": { "feed": posts } }))
}

async fn create_post(app: &App, author: i64, text: String) -> Result<Value, ApiError> {
    let id = app
        .db
        .write(move |conn| {
            conn.prepare_cached("INSERT INTO posts (author_id, text, created_at_ms) VALUES (?1, ?2, ?3)")?
                .execute(rusqlite::params![author, text, now_ms()])?;
            Ok(conn.last_insert_rowid())
        })
        .await?;
    Ok(json!({ "data": { "createPost": { "id": id } } }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_are_known_by_their_first_field() {
        assert_eq!(first_field("{ feed { id text } }"), Some("feed"));
        assert_eq!(first_field("query Feed { feed { id } }"), Some("feed"));
        assert_eq!(
            first_field("mutation Post($text: String!) { createPost(text: $text) { id } }"),
            Some("createPost")
        );
        assert_eq!(first_field("{ nope { id } }"), Some("nope"));
        assert_eq!(first_field("{ feed { id }"), None, "unbalanced braces");
        assert_eq!(first_field("hello"), None);
    }
}
