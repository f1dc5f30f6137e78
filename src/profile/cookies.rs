//! Session cookies a profile keeps: which `Set-Cookie` names a response's values are
//! stored for (per account, as user fields named `cookie.NAME`), and the `Cookie` header
//! sent back on the account's later requests.
//!
//! Bounded: a profile keeps at most [`MAX_COOKIES`] names and a value longer than
//! [`MAX_COOKIE_VALUE_BYTES`] fails the request instead of growing every account's record.

use crate::source::problem::{DocPath, Findings};

/// Most cookie names one profile keeps (browsers keep far more, sessions need one or two).
pub const MAX_COOKIES: usize = 8;
/// Longest cookie value kept: the 4096 bytes RFC 6265 §6.1 asks clients to support.
pub const MAX_COOKIE_VALUE_BYTES: usize = 4096;

/// The journey value (and user record field) holding cookie `name`.
pub fn var_name(name: &str) -> String {
    format!("cookie.{name}")
}

/// Checks one request's `cookies:` list: valid names, at most [`MAX_COOKIES`].
pub(super) fn compile(names: &[String], at: &DocPath, findings: &mut Findings) -> Vec<String> {
    findings.check(
        names.len() <= MAX_COOKIES,
        at,
        || format!("{} cookies", names.len()),
        &format!("at most {MAX_COOKIES} cookie names"),
    );
    for (i, name) in names.iter().enumerate() {
        // RFC 6265's cookie-name is an RFC 2616 token; these characters cover real ones.
        let valid = !name.is_empty()
            && name.len() <= 64
            && name.chars().all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c));
        findings.check(
            valid,
            &at.index(i),
            || format!("`{name}` is not a cookie name"),
            "1 to 64 letters, digits or `-_.`, e.g. `sid`",
        );
    }
    names.to_vec()
}

/// Every cookie name the profile's actions keep, in first-seen order, at most
/// [`MAX_COOKIES`] (more is a problem at the first request that pushes past it).
pub(super) fn profile_cookies<'a>(per_action: impl Iterator<Item = &'a Vec<String>>) -> Vec<String> {
    let mut all: Vec<String> = Vec::new();
    for name in per_action.flatten() {
        if !all.contains(name) && all.len() < MAX_COOKIES {
            all.push(name.clone());
        }
    }
    all
}

/// The (cookie name, journey value name) pairs a request sends back, made once when the
/// profile is compiled so that no request formats `cookie.NAME` again.
pub fn sent(names: &[String]) -> Vec<(String, String)> {
    names.iter().map(|name| (name.clone(), var_name(name))).collect()
}

/// The `Cookie` header value for the [`sent`] cookies the journey holds a value for, if any.
pub fn header(sent: &[(String, String)], lookup: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let pairs: Vec<String> = sent
        .iter()
        .filter_map(|(name, var)| {
            let value = super::template::plain(&lookup(var)?);
            (!value.is_empty()).then(|| format!("{name}={value}"))
        })
        .collect();
    (!pairs.is_empty()).then(|| pairs.join("; "))
}

/// The kept cookies of a response, as (journey value name, raw JSON string) pairs; `None`
/// when a kept cookie is missing or too long (the platform did not open the session).
pub fn keep(names: &[String], headers: &reqwest::header::HeaderMap) -> Option<Vec<(String, String)>> {
    if names.is_empty() {
        return Some(Vec::new());
    }
    let mut found: Vec<(String, String)> = Vec::new();
    for value in headers.get_all(reqwest::header::SET_COOKIE) {
        let Some(parsed) = value.to_str().ok().and_then(|v| cookie::Cookie::parse(v).ok()) else {
            continue;
        };
        if names.iter().any(|n| n == parsed.name()) {
            if parsed.value().len() > MAX_COOKIE_VALUE_BYTES {
                return None;
            }
            let raw = serde_json::Value::String(parsed.value().to_string()).to_string();
            found.retain(|(n, _)| *n != var_name(parsed.name()));
            found.push((var_name(parsed.name()), raw));
        }
    }
    (found.len() == names.len()).then_some(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_cookies_come_back_in_one_header() {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.append("set-cookie", "sid=abc123; HttpOnly; Path=/".parse().expect("header"));
        headers.append("set-cookie", "theme=dark".parse().expect("header"));
        let kept = keep(&["sid".to_string()], &headers).expect("sid is set");
        assert_eq!(kept, [("cookie.sid".to_string(), "\"abc123\"".to_string())]);
        assert!(keep(&["csrf".to_string()], &headers).is_none(), "a missing kept cookie fails");
        let lookup = |name: &str| kept.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
        let names = sent(&["sid".to_string(), "csrf".to_string()]);
        assert_eq!(header(&names, &lookup).as_deref(), Some("sid=abc123"));
        assert_eq!(header(&names, &|_: &str| None), None);
    }

    #[test]
    fn oversized_values_are_refused() {
        let mut headers = reqwest::header::HeaderMap::new();
        let long = format!("sid={}", "x".repeat(MAX_COOKIE_VALUE_BYTES + 1));
        headers.append("set-cookie", long.parse().expect("header"));
        assert!(keep(&["sid".to_string()], &headers).is_none());
    }
}
