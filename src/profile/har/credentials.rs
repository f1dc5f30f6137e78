//! The values a replay must generate rather than repeat: the recorded accounts' handles,
//! emails and passwords (found by field name in the request bodies), and free text.
//! Each becomes a built-in placeholder, so no recorded credential reaches the profile.

use serde_json::Value;

use super::filter::Exchange;

/// A recorded value and the placeholder that replaces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    pub value: String,
    pub placeholder: &'static str,
}

/// What the body of a request says about accounts.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Account {
    pub password: bool,
    pub handle: bool,
    pub email: bool,
    /// A second password field (`password2`, `confirm_password`): a signup form.
    pub confirmation: bool,
}

impl Account {
    /// A request that creates an account: a password with an email or a confirmation.
    pub fn is_signup(&self) -> bool {
        self.password && (self.email || self.confirmation) && (self.handle || self.email)
    }

    /// A request that opens a session: a password and a handle or email, not a signup.
    pub fn is_login(&self) -> bool {
        self.password && (self.handle || self.email) && !self.is_signup()
    }
}

/// The placeholder a field named `key` holding `value` takes, if it is a credential.
pub fn placeholder_for(key: &str, value: &str) -> Option<&'static str> {
    let key = key.to_ascii_lowercase().replace(['-', '_'], "");
    if value.is_empty() {
        return None;
    }
    if key.contains("password") || ["pass", "passwd", "pwd"].contains(&key.as_str()) {
        Some("password")
    } else if key.contains("email") || key == "mail" {
        Some("email")
    } else if key.contains("username")
        || ["handle", "login", "user", "screenname", "nick", "nickname"].contains(&key.as_str())
    {
        Some("handle")
    } else {
        None
    }
}

/// Keys whose values are free text a replay generates.
const TEXT_KEYS: &[&str] = &[
    "text",
    "body",
    "content",
    "comment",
    "message",
    "caption",
    "title",
    "description",
    "bio",
    "status",
    "note",
    "reply",
    "subject",
];

/// Whether a body field `key` holding `value` is free text (`{{text}}`).
pub fn is_text(key: &str, value: &str) -> bool {
    let key = key.to_ascii_lowercase();
    !value.is_empty() && (TEXT_KEYS.contains(&key.as_str()) || value.split_whitespace().count() >= 3)
}

/// The (key, string value) pairs of a request body: JSON fields at any depth, form and
/// multipart text fields.
pub fn fields(exchange: &Exchange) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = exchange
        .params
        .iter()
        .filter(|p| p.file_name.is_none())
        .filter_map(|p| Some((p.name.clone(), p.value.clone()?)))
        .collect();
    if out.is_empty()
        && let Some(text) = &exchange.body_text
    {
        if exchange.mime.contains("x-www-form-urlencoded") {
            out.extend(
                url::form_urlencoded::parse(text.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())),
            );
        } else if let Ok(json) = serde_json::from_str::<Value>(text) {
            json_fields(&json, "", &mut out);
        }
    }
    out
}

fn json_fields(value: &Value, key: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::String(s) => out.push((key.to_string(), s.clone())),
        Value::Array(items) => items.iter().for_each(|v| json_fields(v, key, out)),
        Value::Object(map) => map.iter().for_each(|(k, v)| json_fields(v, k, out)),
        _ => {}
    }
}

/// What `exchange`'s body says about accounts.
pub fn account(exchange: &Exchange) -> Account {
    let mut account = Account::default();
    let mut passwords = 0;
    for (key, value) in fields(exchange) {
        match placeholder_for(&key, &value) {
            Some("password") => passwords += 1,
            Some("email") => account.email = true,
            Some("handle") => account.handle = true,
            _ => {}
        }
    }
    account.password = passwords > 0;
    account.confirmation = passwords > 1;
    account
}

/// Every recorded credential, longest first (an email holds its handle: it is replaced
/// whole before the handle inside another text is).
pub fn secrets(exchanges: &[Exchange]) -> Vec<Secret> {
    let mut out: Vec<Secret> = Vec::new();
    for exchange in exchanges {
        for (key, value) in fields(exchange) {
            if let Some(placeholder) = placeholder_for(&key, &value)
                && !out.iter().any(|s| s.value == value)
            {
                out.push(Secret { value, placeholder });
            }
        }
    }
    out.sort_by_key(|s| std::cmp::Reverse(s.value.len()));
    out
}

/// `text` with every recorded credential written as its placeholder (handles only as
/// whole words, so a short handle does not cut words apart).
pub fn scrub(text: &str, secrets: &[Secret]) -> String {
    if let Some(secret) = secrets.iter().find(|s| s.value == text) {
        return format!("{{{{{}}}}}", secret.placeholder);
    }
    let mut out = text.to_string();
    for secret in secrets.iter().filter(|s| s.value.len() >= 3) {
        out = replace_words(&out, &secret.value, &format!("{{{{{}}}}}", secret.placeholder));
    }
    out
}

/// Replaces `word` in `text` where it is not part of a longer run of letters and digits.
pub fn replace_words(text: &str, word: &str, with: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(word) {
        let before = rest[..at].chars().next_back();
        let after = rest[at + word.len()..].chars().next();
        let bounded = !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric);
        out.push_str(&rest[..at]);
        out.push_str(if bounded { with } else { word });
        rest = &rest[at + word.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_found_by_field_name() {
        assert_eq!(placeholder_for("password", "hunter22"), Some("password"));
        assert_eq!(placeholder_for("password2", "hunter22"), Some("password"));
        assert_eq!(placeholder_for("user_name", "bob"), Some("handle"));
        assert_eq!(placeholder_for("handle", "bob"), Some("handle"));
        assert_eq!(placeholder_for("E-mail", "bob@x.test"), Some("email"));
        assert_eq!(placeholder_for("text", "bob"), None);
        assert_eq!(placeholder_for("password", ""), None);
        let signup = Account { password: true, handle: true, email: true, confirmation: false };
        assert!(signup.is_signup() && !signup.is_login());
        let login = Account { password: true, handle: true, email: false, confirmation: false };
        assert!(login.is_login() && !login.is_signup());
        let django = Account { password: true, handle: true, email: false, confirmation: true };
        assert!(django.is_signup());
        assert!(!Account { handle: true, ..Account::default() }.is_login());
    }

    #[test]
    fn scrubbing_replaces_whole_values_and_whole_words() {
        let secrets = vec![
            Secret { value: "bob@example.test".into(), placeholder: "email" },
            Secret { value: "correct-horse".into(), placeholder: "password" },
            Secret { value: "bob".into(), placeholder: "handle" },
        ];
        assert_eq!(scrub("correct-horse", &secrets), "{{password}}");
        assert_eq!(
            scrub("hi from bob, mail bob@example.test", &secrets),
            "hi from {{handle}}, mail {{email}}"
        );
        assert_eq!(scrub("bobcat", &secrets), "bobcat");
        assert!(is_text("caption", "x"));
        assert!(is_text("q2", "a cat on a mat"));
        assert!(!is_text("q", "cat"));
    }
}
