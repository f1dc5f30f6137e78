//! Request templates: strings with `{{placeholders}}` and JSON bodies built from them.
//!
//! Templates are compiled once when a profile loads, so a request costs a walk over
//! pre-split segments, never a parse. Values are kept as raw JSON text (`42`, `"abc"`):
//! a JSON string that is *only* a placeholder takes the value's own JSON type (so an id
//! stays a number), while a placeholder inside text takes its plain form.
//!
//! An object key ending in `?` (`embed?: {...}`) is optional: the field is sent, under the
//! key without the `?`, only when every placeholder inside it has a value. That is how one
//! request serves both a post with a photo and one without, on any platform.

use serde_json::Value;

/// How placeholders that read the environment start: `{{env.API_KEY}}`.
pub const ENV_PREFIX: &str = "env.";

/// A compiled string template.
#[derive(Debug, Clone, PartialEq)]
pub struct Template(Vec<Segment>);

#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Literal(String),
    Var(String),
    /// An `{{env.NAME}}` placeholder bound to its value before the run (see
    /// [`super::env`]).
    Secret(Secret),
}

/// A value read from the environment for a header (an API key, a token): rendered into
/// requests, never printed (its `Debug` is redacted).
#[derive(Clone, PartialEq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Why a template failed to compile.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct TemplateError(pub String);

impl Template {
    /// Compiles `text`, splitting it at `{{name}}` placeholders.
    pub fn compile(text: &str) -> Result<Self, TemplateError> {
        let mut segments = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find("{{") {
            if open > 0 {
                segments.push(Segment::Literal(rest[..open].to_string()));
            }
            let after = &rest[open + 2..];
            let close =
                after.find("}}").ok_or_else(|| TemplateError(format!("unclosed `{{{{` in `{text}`")))?;
            let name = after[..close].trim();
            let valid =
                !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
            if !valid {
                return Err(TemplateError(format!("`{{{{{name}}}}}` is not a placeholder name")));
            }
            segments.push(Segment::Var(name.to_string()));
            rest = &after[close + 2..];
        }
        if !rest.is_empty() {
            segments.push(Segment::Literal(rest.to_string()));
        }
        Ok(Self(segments))
    }

    /// Placeholder names used, in order.
    pub fn vars(&self) -> impl Iterator<Item = &str> {
        self.0.iter().filter_map(|s| match s {
            Segment::Var(name) => Some(name.as_str()),
            Segment::Literal(_) | Segment::Secret(_) => None,
        })
    }

    /// Replaces every `{{env.NAME}}` placeholder with `value(NAME)`, where it has one.
    pub fn bind_secrets(&mut self, value: &dyn Fn(&str) -> Option<Secret>) {
        for segment in &mut self.0 {
            if let Segment::Var(name) = segment
                && let Some(secret) = name.strip_prefix(ENV_PREFIX).and_then(value)
            {
                *segment = Segment::Secret(secret);
            }
        }
    }

    /// The single placeholder when the template is exactly one, e.g. `"{{post_id}}"`.
    fn lone_var(&self) -> Option<&str> {
        match self.0.as_slice() {
            [Segment::Var(name)] => Some(name),
            _ => None,
        }
    }

    /// Renders with `lookup` giving raw JSON text per name; unknown names render empty.
    pub fn render(&self, lookup: &dyn Fn(&str) -> Option<String>) -> String {
        let mut out = String::new();
        for segment in &self.0 {
            match segment {
                Segment::Literal(text) => out.push_str(text),
                Segment::Secret(secret) => out.push_str(&secret.0),
                Segment::Var(name) => {
                    if let Some(raw) = lookup(name) {
                        out.push_str(&plain(&raw));
                    }
                }
            }
        }
        out
    }
}

/// The plain text of a raw JSON value: strings unquoted, anything else as written.
pub fn plain(raw: &str) -> String {
    match serde_json::from_str::<Value>(raw) {
        Ok(Value::String(s)) => s,
        _ => raw.to_string(),
    }
}

/// A compiled JSON body template.
#[derive(Debug, Clone, PartialEq)]
pub enum JsonTemplate {
    Literal(Value),
    Text(Template),
    Array(Vec<JsonTemplate>),
    Object(Vec<Field>),
}

/// One field of an object template.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    key: String,
    /// Left out unless all of its placeholders have values (the key ended in `?`).
    optional: bool,
    value: JsonTemplate,
}

impl JsonTemplate {
    /// Compiles a JSON value whose strings may hold placeholders.
    pub fn compile(value: &Value) -> Result<Self, TemplateError> {
        Ok(match value {
            Value::String(text) => {
                let template = Template::compile(text)?;
                if template.vars().next().is_none() {
                    Self::Literal(value.clone())
                } else {
                    Self::Text(template)
                }
            }
            Value::Array(items) => Self::Array(items.iter().map(Self::compile).collect::<Result<_, _>>()?),
            Value::Object(map) => {
                let mut fields = Vec::with_capacity(map.len());
                for (key, value) in map {
                    let (key, optional) = match key.strip_suffix('?') {
                        Some(bare) if !bare.is_empty() => (bare.to_string(), true),
                        _ => (key.clone(), false),
                    };
                    fields.push(Field { key, optional, value: Self::compile(value)? });
                }
                Self::Object(fields)
            }
            other => Self::Literal(other.clone()),
        })
    }

    /// Every placeholder name used anywhere in the body.
    pub fn vars(&self) -> Vec<&str> {
        match self {
            Self::Literal(_) => Vec::new(),
            Self::Text(t) => t.vars().collect(),
            Self::Array(items) => items.iter().flat_map(Self::vars).collect(),
            Self::Object(fields) => fields.iter().flat_map(|f| f.value.vars()).collect(),
        }
    }

    /// Renders the body. A lone placeholder with no value is left out of its array or
    /// object, so that optional ids (a post without media) simply disappear.
    pub fn render(&self, lookup: &dyn Fn(&str) -> Option<String>) -> Option<Value> {
        match self {
            Self::Literal(value) => Some(value.clone()),
            Self::Text(template) => match template.lone_var() {
                Some(name) => {
                    lookup(name).map(|raw| serde_json::from_str(&raw).unwrap_or(Value::String(raw)))
                }
                None => Some(Value::String(template.render(lookup))),
            },
            Self::Array(items) => Some(Value::Array(items.iter().filter_map(|i| i.render(lookup)).collect())),
            Self::Object(fields) => Some(Value::Object(
                fields
                    .iter()
                    .filter(|f| !f.optional || f.value.vars().into_iter().all(|name| lookup(name).is_some()))
                    .filter_map(|f| f.value.render(lookup).map(|v| (f.key.clone(), v)))
                    .collect(),
            )),
        }
    }
}

/// The current UTC time as raw JSON text, RFC 3339 with milliseconds
/// (`"2026-11-21T09:34:47.123Z"`): the built-in `{{now}}`, for bodies that carry their own
/// creation time, such as Bluesky records' `createdAt`.
pub fn now() -> String {
    let format = time::macros::format_description!(
        "\"[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z\""
    );
    let now = time::OffsetDateTime::now_utc();
    now.format(&format).unwrap_or_else(|_| format!("\"{}\"", now.unix_timestamp()))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn lookup(name: &str) -> Option<String> {
        match name {
            "post_id" => Some("42".into()),
            "handle" => Some("\"ana\"".into()),
            "token" => Some("\"t0k\"".into()),
            _ => None,
        }
    }

    #[test]
    fn strings_interpolate_plain_values() {
        let t = Template::compile("/api/posts/{{post_id}}/by/{{ handle }}").expect("valid");
        assert_eq!(t.vars().collect::<Vec<_>>(), ["post_id", "handle"]);
        assert_eq!(t.render(&lookup), "/api/posts/42/by/ana");
        assert_eq!(Template::compile("Bearer {{token}}").expect("valid").render(&lookup), "Bearer t0k");
    }

    #[test]
    fn lone_placeholders_keep_their_json_type_and_vanish_when_unset() {
        let body = json!({"text": "hi {{handle}}", "media_ids": ["{{media_id}}"], "reply_to": "{{post_id}}", "n": 3});
        let t = JsonTemplate::compile(&body).expect("valid");
        let rendered = t.render(&lookup).expect("object");
        assert_eq!(rendered, json!({"text": "hi ana", "media_ids": [], "reply_to": 42, "n": 3}));
    }

    #[test]
    fn optional_keys_need_all_their_placeholders() {
        let body = json!({"embed?": {"images": [{"image": "{{media_id}}"}]}, "by?": "{{handle}}", "k": 1});
        let t = JsonTemplate::compile(&body).expect("valid");
        assert_eq!(t.vars(), ["handle", "media_id"]);
        assert_eq!(t.render(&lookup).expect("object"), json!({"by": "ana", "k": 1}));
        let with_media =
            |name: &str| if name == "media_id" { Some("{\"$type\":\"blob\"}".into()) } else { None };
        assert_eq!(
            t.render(&with_media).expect("object"),
            json!({"embed": {"images": [{"image": {"$type": "blob"}}]}, "k": 1})
        );
    }

    #[test]
    fn now_is_rfc3339_utc_with_milliseconds() {
        let Ok(Value::String(now)) = serde_json::from_str::<Value>(&now()) else { panic!("a JSON string") };
        assert_eq!(now.len(), "2026-11-21T09:34:47.123Z".len(), "{now}");
        assert!(now.ends_with('Z') && now.as_bytes()[10] == b'T', "{now}");
        assert!(time::OffsetDateTime::parse(&now, &time::format_description::well_known::Rfc3339).is_ok());
    }

    #[test]
    fn malformed_placeholders_are_errors() {
        assert!(Template::compile("{{unclosed").is_err());
        assert!(Template::compile("{{bad name}}").is_err());
        assert!(Template::compile("{{}}").is_err());
    }
}
