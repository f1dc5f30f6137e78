//! Applying a request's extraction rules ([`Extract`]) to its response: header rules to the
//! headers (read before the body), pointer and body-regex rules to the body (already
//! bounded by the run's `max_body_bytes`). Values are raw JSON text, as the journey keeps
//! them: a pointer's value as found, a header or regex capture as a JSON string.
//!
//! A rule that finds nothing fails the whole extraction (`None`): the platform broke the
//! contract the profile describes, a `bad_body` error.

use reqwest::header::HeaderMap;

use crate::profile::Extract;

/// The values of the header rules in `rules`; `None` when a header is missing, not text,
/// or its regex does not match.
pub(super) fn from_headers(
    rules: &[(String, Extract)],
    headers: &HeaderMap,
) -> Option<Vec<(String, String)>> {
    let mut found = Vec::new();
    for (name, rule) in rules {
        if let Extract::Header { name: header, regex } = rule {
            let value = headers.get(header)?.to_str().ok()?;
            let kept = match regex {
                Some(regex) => regex.captures(value)?.get(1)?.as_str(),
                None => value,
            };
            found.push((name.clone(), text(kept)));
        }
    }
    Some(found)
}

/// The values of the body rules in `rules` (JSON pointers, regexes over the text); `None`
/// when the body is not JSON for a pointer or a rule finds nothing.
pub(super) fn from_body(rules: &[(String, Extract)], body: &[u8]) -> Option<Vec<(String, String)>> {
    let mut found = Vec::new();
    // Parsed or decoded once, and only when a rule needs it.
    let mut json: Option<serde_json::Value> = None;
    let mut page: Option<std::borrow::Cow<'_, str>> = None;
    for (name, rule) in rules {
        match rule {
            Extract::Header { .. } => {}
            Extract::Pointer(pointer) => {
                if json.is_none() {
                    json = Some(serde_json::from_slice(body).ok()?);
                }
                let value = json.as_ref()?.pointer(pointer)?;
                found.push((name.clone(), value.to_string()));
            }
            Extract::Body(regex) => {
                let page = page.get_or_insert_with(|| String::from_utf8_lossy(body));
                let kept = regex.captures(page)?.get(1)?.as_str();
                found.push((name.clone(), text(kept)));
            }
        }
    }
    Some(found)
}

/// `value` as a raw JSON string.
fn text(value: &str) -> String {
    serde_json::Value::String(value.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pointer(name: &str, pointer: &str) -> (String, Extract) {
        (name.to_string(), Extract::Pointer(pointer.to_string()))
    }

    fn regex(text: &str) -> regex::Regex {
        regex::Regex::new(text).expect("regex")
    }

    #[test]
    fn pointers_keep_raw_json_and_fail_when_missing() {
        let pointers = vec![pointer("user_id", "/id"), pointer("token", "/token")];
        let found = from_body(&pointers, br#"{"id": 7, "token": "abc"}"#).expect("both present");
        assert_eq!(
            found,
            [("user_id".to_string(), "7".to_string()), ("token".to_string(), "\"abc\"".to_string())]
        );
        assert!(from_body(&pointers, br#"{"id": 7}"#).is_none());
        assert!(from_body(&pointers, b"not json").is_none());
        assert_eq!(from_body(&[], b"anything"), Some(Vec::new()));
    }

    #[test]
    fn body_regexes_keep_the_first_group_as_a_string() {
        let rules = vec![("csrf".to_string(), Extract::Body(regex(r#"name="csrf" value="([^"]+)""#)))];
        let page = br#"<form><input type="hidden" name="csrf" value="tok-42"></form>"#;
        assert_eq!(from_body(&rules, page), Some(vec![("csrf".to_string(), "\"tok-42\"".to_string())]));
        assert!(from_body(&rules, b"<form></form>").is_none(), "no match fails");
        // Header rules are not the body's business.
        let header = vec![(
            "id".to_string(),
            Extract::Header { name: "location".parse().expect("name"), regex: None },
        )];
        assert_eq!(from_body(&header, b""), Some(Vec::new()));
    }

    #[test]
    fn header_rules_read_the_value_or_its_capture() {
        let mut headers = HeaderMap::new();
        headers.insert("location", "/posts/123".parse().expect("value"));
        let location = "location".parse().expect("name");
        let whole = vec![("to".to_string(), Extract::Header { name: location, regex: None })];
        assert_eq!(
            from_headers(&whole, &headers),
            Some(vec![("to".to_string(), "\"/posts/123\"".to_string())])
        );
        let id = vec![(
            "post_id".to_string(),
            Extract::Header { name: "location".parse().expect("name"), regex: Some(regex(r"/posts/(\d+)")) },
        )];
        assert_eq!(from_headers(&id, &headers), Some(vec![("post_id".to_string(), "\"123\"".to_string())]));
        headers.insert("location", "/login".parse().expect("value"));
        assert!(from_headers(&id, &headers).is_none(), "no match fails");
        assert!(from_headers(&id, &HeaderMap::new()).is_none(), "a missing header fails");
        assert_eq!(from_headers(&[pointer("x", "/x")], &HeaderMap::new()), Some(Vec::new()));
    }
}
