//! Where a value a request sends came from: an earlier response's JSON field, header
//! (`Location` after a form POST), HTML text (a hidden `csrfmiddlewaretoken` input) or
//! cookie. Found by searching the earlier responses, earliest first, for the value.
//!
//! Short values are ambiguous (a fresh platform numbers its users, posts and uploads from
//! 1 alike), so an id shorter than [`DISTINCTIVE_CHARS`] is taken only from a response
//! about the same resource as the place it is used: `/api/posts/1/like` reads the `1` of
//! the answer to `POST /api/posts`, not of the signup that came first.

use serde_json::Value;

use super::filter::Exchange;
use super::shape;

/// Values this long are matched wherever they appear; shorter ones need their context.
pub const DISTINCTIVE_CHARS: usize = 4;
/// JSON leaves looked at per response.
const MAX_LEAVES: usize = 10_000;
/// Longest regex prefix taken from a page around a value.
const MAX_PREFIX_CHARS: usize = 80;

/// How to read a value out of a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum How {
    /// A JSON pointer into the body.
    Pointer(String),
    /// A response header, with a regex whose first group is the value (none: the whole value).
    Header { name: String, regex: Option<String> },
    /// A regex over the body as text, first group.
    Text(String),
    /// A cookie the response set.
    Cookie(String),
}

/// A value's origin: which exchange answered it, and how to read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub exchange: usize,
    pub how: How,
    /// The value as recorded.
    pub value: String,
}

/// Responses parsed once: the JSON bodies.
pub struct Responses<'a> {
    exchanges: &'a [Exchange],
    json: Vec<Option<Value>>,
}

impl<'a> Responses<'a> {
    pub fn new(exchanges: &'a [Exchange]) -> Self {
        let json = exchanges
            .iter()
            .map(|e| e.response_text.as_deref().and_then(|t| serde_json::from_str(t).ok()))
            .collect();
        Self { exchanges, json }
    }

    /// Whether exchange `j` answered JSON holding `pointer`.
    pub fn has_pointer(&self, j: usize, pointer: &str) -> bool {
        self.json.get(j).and_then(Option::as_ref).is_some_and(|json| json.pointer(pointer).is_some())
    }

    /// The origin of `value`, sent by exchange `before` in a place whose resource is
    /// `context` (e.g. `post` for a path `/posts/{id}`), or `None`. A path segment may also
    /// be a slug (`my-first-topic`) that a redirect's `Location` named.
    pub fn find(&self, value: &str, context: &str, before: usize, in_path: bool) -> Option<Source> {
        let distinctive = value.chars().count() >= DISTINCTIVE_CHARS;
        let slug = in_path && value.len() >= 8 && value.contains('-') && !value.contains(char::is_whitespace);
        if !(shape::is_id(value) || is_token(value) || slug) || value.contains(['{', '}']) {
            return None;
        }
        let only_headers = !(shape::is_id(value) || is_token(value));
        let mut fallback = None;
        for (j, exchange) in self.exchanges.iter().enumerate().take(before) {
            for (how, about) in self.candidates(j, exchange, value) {
                if only_headers && !matches!(how, How::Header { regex: Some(_), .. }) {
                    continue;
                }
                let source = Source { exchange: j, how, value: value.to_string() };
                if !context.is_empty() && about.iter().any(|a| *a == context) {
                    return Some(source);
                }
                if distinctive && fallback.is_none() {
                    fallback = Some(source);
                }
            }
        }
        fallback
    }

    /// Where exchange `j`'s answer carries `value`, each with the resources it is about.
    fn candidates(&self, j: usize, exchange: &Exchange, value: &str) -> Vec<(How, Vec<String>)> {
        let mut about_request: Vec<String> =
            exchange.target.split(['?', '/']).filter(|s| !s.is_empty()).map(shape::resource).collect();
        if super::credentials::account(exchange).password {
            about_request.extend(["user", "account", "author", "member", "profile"].map(String::from));
        }
        let mut out = Vec::new();
        if let Some((name, _)) = exchange.set_cookies.iter().find(|(_, v)| v == value) {
            out.push((How::Cookie(name.clone()), about_request.clone()));
        }
        if let Some(json) = &self.json[j] {
            let mut leaves = 0;
            for pointer in pointers_to(json, value, &mut String::new(), &mut leaves) {
                let mut about = about_request.clone();
                about.extend(pointer.split('/').map(shape::resource).filter(|r| !r.is_empty()));
                out.push((How::Pointer(pointer), about));
            }
        }
        for header in &exchange.response_headers {
            let name = header.name.to_ascii_lowercase();
            if ["set-cookie", "date", "content-length", "etag", "last-modified"].contains(&name.as_str()) {
                continue;
            }
            if header.value == value {
                out.push((How::Header { name, regex: None }, about_request.clone()));
            } else if let Some((regex, word)) = regex_around(&header.value, value) {
                out.push((How::Header { name, regex: Some(regex) }, vec![word]));
            }
        }
        if self.json[j].is_none()
            && let Some(text) = &exchange.response_text
            && let Some((regex, word)) = regex_around(text, value)
        {
            out.push((How::Text(regex), vec![word]));
        }
        out
    }
}

/// A value that can only have come from the platform: a long run without spaces that mixes
/// letters and digits (a session token, a CSRF token), or any 20 characters without spaces.
/// Words (`accounts`, `login`) are left alone: a page's links are full of them.
pub fn is_token(value: &str) -> bool {
    let letters = value.chars().any(char::is_alphabetic);
    let digits = value.chars().any(|c| c.is_ascii_digit());
    !value.contains(char::is_whitespace) && value.len() >= 8 && (letters && digits || value.len() >= 20)
}

/// JSON pointers to the leaves of `json` equal to `value` (strings, or numbers written so).
fn pointers_to(json: &Value, value: &str, at: &mut String, leaves: &mut usize) -> Vec<String> {
    *leaves += 1;
    if *leaves > MAX_LEAVES {
        return Vec::new();
    }
    let here = match json {
        Value::String(s) => s == value,
        Value::Number(n) => n.to_string() == value,
        _ => false,
    };
    if here {
        return vec![at.clone()];
    }
    let mut out = Vec::new();
    let mut visit = |key: String, child: &Value, at: &mut String| {
        let len = at.len();
        at.push('/');
        at.push_str(&key.replace('~', "~0").replace('/', "~1"));
        out.extend(pointers_to(child, value, at, leaves));
        at.truncate(len);
    };
    match json {
        Value::Array(items) => items.iter().enumerate().for_each(|(i, v)| visit(i.to_string(), v, at)),
        Value::Object(map) => map.iter().for_each(|(k, v)| visit(k.clone(), v, at)),
        _ => {}
    }
    out
}

/// A regex whose first match in `text` captures `value` as its first group, made of the
/// literal text before the value's first whole occurrence, and the resource that text
/// names (`/topic/(\d+)` → `topic`). `None` when no such regex finds it.
pub fn regex_around(text: &str, value: &str) -> Option<(String, String)> {
    let at = first_whole(text, value)?;
    let before = &text[..at];
    let after = text[at + value.len()..].chars().next();
    let class = match after {
        _ if value.bytes().all(|b| b.is_ascii_digit()) => r"(\d+)".to_string(),
        Some(c @ ('"' | '\'' | '<' | '&' | '/' | '?' | '#' | ';' | ',')) if !value.contains(c) => {
            format!("([^{}]+)", regex::escape(&c.to_string()))
        }
        _ => r#"([^"'<>&/?#\s]+)"#.to_string(),
    };
    // The shortest prefix that is enough: from the field's name (`name="csrf…" value="`) or
    // the path segment before, growing until the first match is this occurrence.
    let starts =
        [before.rfind("name="), before.rfind('/').and_then(|s| before[..s].rfind('/')), before.rfind('<')];
    let mut prefixes: Vec<&str> = starts.iter().flatten().map(|&s| &before[s..]).collect();
    prefixes.push(before);
    prefixes.retain(|p| !p.is_empty() && p.chars().count() <= MAX_PREFIX_CHARS);
    // Shortest first, but one naming something (`/topic/17/`) before bare digits (`/17/`).
    prefixes.sort_by_key(|p| (!p.contains(|c: char| c.is_ascii_alphabetic()), p.len()));
    for prefix in prefixes {
        // Ids in the prefix (`/topic/17/` before a slug) differ from run to run.
        let literal = DIGITS.replace_all(&regex::escape(prefix), r"\d+").into_owned();
        let pattern = format!("{literal}{class}");
        let Ok(regex) = regex::Regex::new(&pattern) else { continue };
        if regex.captures(text).and_then(|c| c.get(1)).is_some_and(|m| m.as_str() == value) {
            let word =
                prefix.rsplit(|c: char| !c.is_ascii_alphanumeric()).find(|w| !w.is_empty()).unwrap_or("");
            return Some((pattern, shape::resource(word)));
        }
    }
    None
}

static DIGITS: std::sync::LazyLock<regex::Regex> =
    std::sync::LazyLock::new(|| regex::Regex::new(r"[0-9]+").expect("a valid regex"));

/// The resource the literal text of a regex from [`regex_around`] names: `/topic/(\d+)`
/// → `topic`.
pub fn regex_word(regex: &str) -> String {
    let literal = regex.split('(').next().unwrap_or("").replace(r"\d+", "").replace('\\', "");
    let word = literal.rsplit(|c: char| !c.is_ascii_alphanumeric()).find(|w| !w.is_empty()).unwrap_or("");
    shape::resource(word)
}

/// The first occurrence of `value` in `text` not inside a longer run of letters and digits.
fn first_whole(text: &str, value: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = text[from..].find(value) {
        let at = from + found;
        let before = text[..at].chars().next_back();
        let after = text[at + value.len()..].chars().next();
        if !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric) {
            return Some(at);
        }
        from = at + value.len().max(1);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regexes_capture_the_value_at_its_first_occurrence() {
        let page = r#"<form><input type="hidden" name="csrfmiddlewaretoken" value="Zx9kQ2"></form>"#;
        let (regex, _) = regex_around(page, "Zx9kQ2").expect("found");
        assert_eq!(regex, r#"name="csrfmiddlewaretoken" value="([^"]+)"#);
        let (regex, word) = regex_around("/topic/12/hello-world/", "12").expect("found");
        assert_eq!((regex.as_str(), word.as_str()), (r"/topic/(\d+)", "topic"));
        let (regex, word) = regex_around("http://h/api/posts/7", "7").expect("found");
        assert_eq!((regex.as_str(), word.as_str()), (r"/posts/(\d+)", "post"));
        assert_eq!(regex_around("/topic/123/", "12"), None);
    }

    #[test]
    fn pointers_find_strings_and_numbers() {
        let json: Value = serde_json::json!({"id": 7, "user": {"token": "abc.def"}, "list": [{"id": 7}]});
        let mut leaves = 0;
        assert_eq!(pointers_to(&json, "7", &mut String::new(), &mut leaves), ["/id", "/list/0/id"]);
        assert_eq!(pointers_to(&json, "abc.def", &mut String::new(), &mut 0), ["/user/token"]);
    }
}
