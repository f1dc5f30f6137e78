//! Action names: the built-in name when the request evidently plays that role (a POST
//! carrying a new account's password is `signup`, an image POST is `upload_media`, a POST
//! on a picked post's `comments` is `comment`…), otherwise a custom name made of the
//! method and path. Each built-in name goes to the first request that fits it.

use std::collections::BTreeSet;

use super::generated::Action;
use super::request::{BodyDraft, PartDraft};
use super::shape;
use crate::profile::spec::Role;

/// The built-in action `action` plays, if evident. `creates_post` marks the request whose
/// answer names the posts later requests act on.
fn builtin(action: &Action, creates_post: bool) -> Option<&'static str> {
    let draft = &action.draft;
    let post = draft.method == "POST";
    let get = draft.method == "GET";
    let ends_with_target = action.shape.ends_with("{id}") || action.shape.ends_with("{id}/");
    // What the path says the request does: its last word, else any word (`/comment/{id}/publish/`).
    let words = path_words(&action.shape);
    let verb = words.last().and_then(|w| verb(w)).or_else(|| words.iter().rev().find_map(|w| verb(w)));
    let uploads = match &draft.body {
        BodyDraft::Generated { kind: "image", .. } => true,
        BodyDraft::Multipart(parts) => {
            parts.iter().any(|p| matches!(p, PartDraft::File { kind: "image", .. }))
        }
        _ => false,
    };
    if draft.account.is_signup() && post {
        return Some("signup");
    }
    if draft.account.is_login() && post {
        return Some("login");
    }
    if post && uploads && action.picks.is_none() {
        return Some("upload_media");
    }
    if creates_post && !uploads {
        return Some("create_post");
    }
    let writes = post || draft.method == "PUT";
    match (action.picks, verb) {
        (Some(Role::Post), Some("comment")) if post && carries_text(&draft.body) => Some("comment"),
        (Some(Role::Post), Some("like")) if writes => Some("like"),
        (Some(Role::Post), _) if get && ends_with_target => Some("view_post"),
        (Some(Role::User), Some("follow")) if writes => Some("follow"),
        (Some(Role::User), _) if get && ends_with_target => Some("view_user"),
        (None, Some("feed")) if get => Some("view_feed"),
        _ => None,
    }
}

/// Whether `body` sends free text (`{{text}}`): a comment does, a bookmark or a like
/// posted to a `/comment/…` path does not.
fn carries_text(body: &BodyDraft) -> bool {
    let text = |value: &str| value.contains("{{text}}");
    match body {
        BodyDraft::Json(json) | BodyDraft::Graphql { variables: Some(json), .. } => text(&json.to_string()),
        BodyDraft::Form(fields) => fields.iter().any(|(_, v)| text(v)),
        BodyDraft::Multipart(parts) => {
            parts.iter().any(|p| matches!(p, PartDraft::Value { value, .. } if text(value)))
        }
        BodyDraft::Generated { kind, .. } => *kind == "text",
        BodyDraft::None | BodyDraft::Graphql { .. } => false,
    }
}

/// The social verb a path word names.
fn verb(word: &str) -> Option<&'static str> {
    match word {
        "comment" | "comments" | "reply" | "replies" => Some("comment"),
        "like" | "likes" | "favorite" | "favourite" | "favorites" | "favourites" => Some("like"),
        "follow" | "follows" | "subscribe" => Some("follow"),
        "timeline" | "feed" | "home" => Some("feed"),
        _ => None,
    }
}

/// The literal words of a shape such as `POST /api/posts/{id}/comments`, in order.
fn path_words(shape: &str) -> Vec<String> {
    let path = shape.split_once(' ').map_or(shape, |(_, p)| p);
    path.split('/').filter(|s| !s.is_empty() && *s != "{id}").map(shape::snake).collect()
}

/// Names every action: built-in where evident (each once), custom otherwise, all unique.
/// Built-in actions have fixed roles, so their `creates`/`picks` are cleared.
pub fn assign(actions: &mut [Action], post_creator: Option<usize>) {
    let mut taken = BTreeSet::new();
    for (i, action) in actions.iter_mut().enumerate() {
        match builtin(action, post_creator == Some(i)) {
            Some(name) if !taken.contains(name) => {
                taken.insert(name.to_string());
                action.name = name.to_string();
                action.builtin = true;
                action.creates = None;
                action.picks = None;
            }
            _ => action.name = String::new(),
        }
    }
    for action in actions.iter_mut().filter(|a| a.name.is_empty()) {
        // A second way of signing up (the built-in name is taken) still adds the account.
        if action.draft.account.is_signup() && action.draft.method == "POST" && action.creates.is_none() {
            action.creates = Some(Role::User);
        }
        let (method, path) = action.shape.split_once(' ').unwrap_or(("get", &action.shape));
        let mut name = shape::action_name(method, path);
        if let BodyDraft::Graphql { query, .. } = &action.draft.body {
            name = format!("graphql_{}", shape::snake(&operation(query)));
            name.truncate(shape::MAX_NAME_CHARS);
        }
        action.name = shape::unique(name.trim_end_matches('_'), &mut taken);
    }
}

/// A GraphQL operation's name, or its first field: `mutation CreatePost($t: String)
/// { createPost… }` → `CreatePost`, `{ feed { id } }` → `feed`.
pub fn operation(query: &str) -> String {
    let words: Vec<&str> =
        query.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).filter(|w| !w.is_empty()).collect();
    match words.as_slice() {
        [kind, name, ..] if ["query", "mutation", "subscription"].contains(kind) => name.to_string(),
        [first, ..] => first.to_string(),
        [] => "operation".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graphql_operations_are_named_by_operation_or_first_field() {
        assert_eq!(
            operation("mutation CreatePost($text: String!) { createPost(text: $text) { id } }"),
            "CreatePost"
        );
        assert_eq!(operation("{ feed { id authorId text } }"), "feed");
        assert_eq!(operation(""), "operation");
        assert_eq!(path_words("POST /api/posts/{id}/comments"), ["api", "posts", "comments"]);
        assert_eq!(path_words("GET /topic/{id}/"), ["topic"]);
    }
}
