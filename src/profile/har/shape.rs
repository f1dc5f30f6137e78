//! The shape of a recorded request: its path with ids generalised (what makes two
//! requests "the same action"), and the action name made from it.

use std::collections::BTreeSet;

/// Longest action name a profile accepts.
pub const MAX_NAME_CHARS: usize = 48;

/// Whether a path segment is an id: a number, a UUID, a long hex string, or a long
/// token mixing letters and digits (base64url ids, DIDs).
pub fn is_id(segment: &str) -> bool {
    let digits = segment.bytes().filter(u8::is_ascii_digit).count();
    let hex = segment.bytes().all(|b| b.is_ascii_hexdigit());
    let uuid = segment.len() == 36
        && segment
            .bytes()
            .enumerate()
            .all(|(i, b)| if [8, 13, 18, 23].contains(&i) { b == b'-' } else { b.is_ascii_hexdigit() });
    let opaque = segment.len() >= 16
        && digits >= 2
        && segment.bytes().any(|b| b.is_ascii_alphabetic())
        && segment.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_:.".contains(&b));
    (!segment.is_empty() && digits == segment.len())
        || uuid
        || (hex && segment.len() >= 12 && digits > 0)
        || opaque
}

/// The path of `target` (query left out) with each id segment, and each segment in
/// `known` (a value from an earlier response), written `{id}`.
pub fn generalise(target: &str, known: &dyn Fn(&str) -> bool) -> String {
    let path = target.split(['?', '#']).next().unwrap_or(target);
    let segments: Vec<&str> =
        path.split('/').map(|s| if !s.is_empty() && (is_id(s) || known(s)) { "{id}" } else { s }).collect();
    segments.join("/")
}

/// An action name from a method and a generalised path: snake_case, ids left out,
/// `camelCase` split, at most [`MAX_NAME_CHARS`], e.g. `POST /api/posts/{id}/comments`
/// → `post_api_posts_comments`.
pub fn action_name(method: &str, generalised: &str) -> String {
    let mut words = vec![method.to_ascii_lowercase()];
    for segment in generalised.split('/').filter(|s| !s.is_empty() && *s != "{id}") {
        let word = snake(segment);
        if !word.is_empty() {
            words.push(word);
        }
    }
    if words.len() == 1 {
        words.push("root".into());
    }
    truncate(&words.join("_"))
}

/// `text` in snake_case: lower-case letters and digits, words joined by `_`.
pub fn snake(text: &str) -> String {
    let mut out = String::new();
    let mut previous_lower = false;
    for c in text.chars() {
        if c.is_ascii_uppercase() && previous_lower {
            out.push('_');
        }
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
    }
    out.trim_matches('_').to_string()
}

/// At most [`MAX_NAME_CHARS`], starting with a letter, not ending with `_`.
fn truncate(name: &str) -> String {
    let mut name: String = name.chars().take(MAX_NAME_CHARS).collect();
    while name.ends_with('_') {
        name.pop();
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        name = format!("a_{name}").chars().take(MAX_NAME_CHARS).collect();
    }
    name
}

/// `name`, or `name_2`, `name_3`… when taken; the result is recorded in `taken`.
pub fn unique(name: &str, taken: &mut BTreeSet<String>) -> String {
    let mut candidate = name.to_string();
    let mut n = 2;
    while taken.contains(&candidate) {
        let suffix = format!("_{n}");
        let stem: String = name.chars().take(MAX_NAME_CHARS - suffix.len()).collect();
        candidate = format!("{}{suffix}", stem.trim_end_matches('_'));
        n += 1;
    }
    taken.insert(candidate.clone());
    candidate
}

/// The resource a path or JSON key names, singular: `posts` → `post`, `media_ids` →
/// `media`, `userId` → `user`; used to match an id to the response it came from.
pub fn resource(word: &str) -> String {
    let word = snake(word);
    let word = word.trim_end_matches("_ids").trim_end_matches("_id");
    let word = if word == "id" || word == "ids" { "" } else { word };
    let word = word.strip_suffix("ies").map(|w| format!("{w}y")).unwrap_or_else(|| word.to_string());
    match word.strip_suffix('s') {
        Some(stem) if !stem.ends_with(['s', 'u']) && !stem.is_empty() => stem.to_string(),
        _ => word,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_generalised_and_words_are_not() {
        for id in [
            "42",
            "7f9c2ba4e88f827d",
            "3fa85f64-5717-4562-b3fc-2c963f66afa6",
            "did:plc:4ahzx2ks8dmy3vrgeed0e2a5",
        ] {
            assert!(is_id(id), "{id}");
        }
        for word in ["posts", "api", "v2", "deadbeef", "timeline", "com.atproto.repo.listRecords", ""] {
            assert!(!is_id(word), "{word}");
        }
        let known = |s: &str| s == "alice";
        assert_eq!(generalise("/api/posts/42/comments?x=1", &known), "/api/posts/{id}/comments");
        assert_eq!(generalise("/u/alice/", &known), "/u/{id}/");
        assert_eq!(generalise("/topic/12/hello-world/", &|_| false), "/topic/{id}/hello-world/");
    }

    #[test]
    fn names_are_snake_case_bounded_and_unique() {
        assert_eq!(action_name("POST", "/api/posts/{id}/comments"), "post_api_posts_comments");
        assert_eq!(
            action_name("GET", "/xrpc/com.atproto.repo.listRecords"),
            "get_xrpc_com_atproto_repo_list_records"
        );
        assert_eq!(action_name("GET", "/"), "get_root");
        let long = action_name("GET", &format!("/{}", "segment/".repeat(10)));
        assert_eq!(long.len(), MAX_NAME_CHARS);
        assert!(!long.ends_with('_'));
        let mut taken = BTreeSet::new();
        assert_eq!(unique("get_feed", &mut taken), "get_feed");
        assert_eq!(unique("get_feed", &mut taken), "get_feed_2");
        assert_eq!(unique(&long, &mut taken).len(), MAX_NAME_CHARS);
        assert_eq!(unique(&long, &mut taken).chars().rev().take(2).collect::<String>(), "2_");
    }

    #[test]
    fn resources_are_singular() {
        assert_eq!(resource("posts"), "post");
        assert_eq!(resource("media_ids"), "media");
        assert_eq!(resource("userId"), "user");
        assert_eq!(resource("categories"), "category");
        assert_eq!(resource("status"), "status");
        assert_eq!(resource("id"), "");
    }
}
