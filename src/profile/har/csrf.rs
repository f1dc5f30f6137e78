//! CSRF tokens in recorded requests. A form field or header that echoes the CSRF cookie
//! the request sends (Django's `csrftoken` in `csrfmiddlewaretoken` or `X-CSRFToken`,
//! Angular's `XSRF-TOKEN` in `X-XSRF-TOKEN`) is a double-submit token: the recorded value
//! belonged to the recording's session and no replay can reuse it, but the replay holds the
//! cookie, so the field is written `{{cookie.NAME}}`.
//!
//! Requests that sign up or log in are sent before the account holds any cookie (they are
//! `anonymous`): they bring their own pair, a fixed cookie header and the same fixed value
//! in the field, which a double-submit check accepts (it only compares the two).

use serde_json::Value;

use super::filter::Exchange;
use super::model;
use super::request::{BodyDraft, Draft, PartDraft};

/// The fixed token of an anonymous request's own pair, cut to the recorded cookie's
/// length (Django refuses a `csrftoken` cookie that is not 32 letters and digits).
const FIXED_TOKEN: &str = "StampedeReplayCsrf";

/// Whether a cookie, field or header name is a CSRF token's: `csrftoken`, `XSRF-TOKEN`,
/// `_csrf`, `csrfmiddlewaretoken`, `X-CSRFToken`.
pub fn is_csrf_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.contains("csrf") || name.contains("xsrf")
}

/// Whether `value`, sent in field or header `name`, is the token of a CSRF cookie holding
/// `cookie`: the same value, or, in a CSRF-named field, a different value of the secret's
/// length or twice it (Django masks the secret for each page: a random mask, then the
/// masked secret, each as long as the secret, so the same session sends ever new values).
pub fn is_token_of(name: &str, value: &str, cookie: &str) -> bool {
    if cookie.is_empty() || value.is_empty() {
        return false;
    }
    let alphanumeric = value.bytes().all(|b| b.is_ascii_alphanumeric());
    value == cookie
        || (is_csrf_name(name)
            && alphanumeric
            && (value.len() == cookie.len() || value.len() == 2 * cookie.len()))
}

/// The fixed token an anonymous request sends as both cookie and field: letters only, as
/// long as the recorded `cookie`.
pub fn fixed_token(cookie: &str) -> String {
    FIXED_TOKEN.chars().cycle().take(cookie.len()).collect()
}

/// What [`apply`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rewrite {
    /// Tokens written `{{cookie.NAME}}`.
    Cookie(String),
    /// A fixed pair: cookie `NAME` sent with a fixed value, the fields that value.
    Fixed(String),
}

/// Writes the CSRF tokens `draft` (made from `exchange`) sends as the cookie's placeholder,
/// or, in a request that signs up or logs in, as a fixed pair. Uses of the recorded tokens
/// (an extract from the page that showed them) are dropped: nothing reads them any more.
pub fn apply(draft: &mut Draft, exchange: &Exchange) -> Option<Rewrite> {
    let cookies = model::header(&exchange.headers, "cookie")?;
    let (name, cookie) = cookie::Cookie::split_parse(cookies.to_string())
        .flatten()
        .find(|c| is_csrf_name(c.name()))
        .map(|c| (c.name().to_string(), c.value().to_string()))?;
    let anonymous = draft.account.is_signup() || draft.account.is_login();
    let with = if anonymous {
        fixed_token(&cookie)
    } else {
        format!("{{{{{}}}}}", crate::profile::cookies::var_name(&name))
    };
    let mut tokens: Vec<String> = Vec::new();
    for header in exchange.headers.iter().filter(|h| !h.name.eq_ignore_ascii_case("cookie")) {
        let key = header.name.to_ascii_lowercase();
        if is_token_of(&key, &header.value, &cookie) {
            for (_, value) in draft.headers.iter_mut().filter(|(n, _)| *n == key) {
                *value = with.clone();
            }
            tokens.push(header.value.clone());
        }
    }
    for (key, value) in super::credentials::fields(exchange) {
        if is_token_of(&key, &value, &cookie) {
            set_field(&mut draft.body, &key, &with);
            tokens.push(value);
        }
    }
    if tokens.is_empty() {
        return None;
    }
    draft.uses.retain(|u| !tokens.contains(&u.value));
    if !anonymous {
        return Some(Rewrite::Cookie(name));
    }
    // The account holds no cookie yet: this request sends the pair itself, and the cookie
    // it sent is no longer one an earlier answer must have set.
    draft.sent_cookies.retain(|c| *c != name);
    draft.headers.retain(|(n, _)| n != "cookie");
    draft.headers.push(("cookie".into(), format!("{name}={with}")));
    Some(Rewrite::Fixed(name))
}

/// Every field `key` of `body` written `with`.
fn set_field(body: &mut BodyDraft, key: &str, with: &str) {
    match body {
        BodyDraft::Form(fields) => {
            fields.iter_mut().filter(|(k, _)| k == key).for_each(|(_, v)| *v = with.to_string());
        }
        BodyDraft::Multipart(parts) => {
            for part in parts {
                if let PartDraft::Value { name, value } = part
                    && name == key
                {
                    *value = with.to_string();
                }
            }
        }
        BodyDraft::Json(json) | BodyDraft::Graphql { variables: Some(json), .. } => set_json(json, key, with),
        BodyDraft::None | BodyDraft::Graphql { .. } | BodyDraft::Generated { .. } => {}
    }
}

fn set_json(json: &mut Value, key: &str, with: &str) {
    match json {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if k == key && v.is_string() {
                    *v = Value::String(with.to_string());
                } else {
                    set_json(v, key, with);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| set_json(v, key, with)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "gmsTLSvdXSybJttdxlrY2lcOMco4jGEL";
    const MASKED: &str = "VUqtaUAyDjZFDGv0s7dGnOSp0c8XDmd516IcLCVBq1nGcZO3PiuufZU3CemRMSHG";

    #[test]
    fn double_submitted_and_masked_tokens_are_the_cookies() {
        assert!(is_csrf_name("csrfmiddlewaretoken") && is_csrf_name("X-XSRF-TOKEN") && is_csrf_name("_csrf"));
        assert!(!is_csrf_name("sessionid") && !is_csrf_name("comment"));
        assert!(is_token_of("x-csrftoken", SECRET, SECRET));
        assert!(is_token_of("anything", SECRET, SECRET), "the cookie's value, in any field");
        assert!(is_token_of("csrfmiddlewaretoken", MASKED, SECRET), "Django's masked form");
        assert!(!is_token_of("comment", MASKED, SECRET), "not CSRF-named, not the cookie");
        assert!(!is_token_of("csrfmiddlewaretoken", "short", SECRET));
        assert!(!is_token_of("csrfmiddlewaretoken", &format!("{}-", &MASKED[1..]), SECRET));
        assert_eq!(fixed_token(SECRET), "StampedeReplayCsrfStampedeReplay");
    }

    #[test]
    fn nested_json_fields_are_written() {
        let mut body = BodyDraft::Json(serde_json::json!({"a": {"_csrf": "x"}, "_csrf": 3}));
        set_field(&mut body, "_csrf", "{{cookie.c}}");
        assert_eq!(body, BodyDraft::Json(serde_json::json!({"a": {"_csrf": "{{cookie.c}}"}, "_csrf": 3})));
    }
}
