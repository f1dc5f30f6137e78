//! What a request keeps from its response (`extract:`): a JSON pointer into a JSON body
//! (`user_id: /id`), a response header (`{ header: location }`), or the first capture
//! group of a regex over a header or over the body as text
//! (`{ header: location, regex: "/posts/(\\d+)" }`, `{ regex: 'name="csrf" value="([^"]+)"' }`).
//!
//! Web platforms answer forms with redirects and HTML, not JSON: the new post's id is in
//! the `Location` header, the CSRF token in a hidden input. Regexes are compiled once,
//! here, with the `regex` crate (matching is linear in the text, so a profile cannot make
//! a request's check explode), and bounded in size; the executor applies them to bodies
//! already bounded by the run's `max_body_bytes`.

use reqwest::header::HeaderName;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::source::problem::{DocPath, Findings};

/// Longest regex a profile may write (real ones are a line).
pub const MAX_REGEX_CHARS: usize = 1024;
/// Most memory one compiled regex may take (the `regex` crate's `size_limit`).
const REGEX_SIZE_LIMIT_BYTES: usize = 1 << 20;

/// One `extract:` entry as written: a JSON pointer, or a header and/or regex rule.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum ExtractSpec {
    /// A JSON pointer into a JSON response body, e.g. `/id`.
    Pointer(String),
    /// A header's value, or the first capture group of a regex over it or over the body.
    Rule(ExtractRule),
}

/// `{ header: NAME, regex: RE }`: at least one of the two.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtractRule {
    /// A response header (case-insensitive), e.g. `location`.
    #[serde(default)]
    pub header: Option<String>,
    /// A regex with a capture group: the first group's match is kept, as a string. Without
    /// `header`, it runs over the body as text.
    #[serde(default)]
    pub regex: Option<String>,
}

impl<'de> Deserialize<'de> for ExtractSpec {
    // By hand rather than `untagged`: a mistyped key in the rule form must say which key
    // (serde's untagged error says only "did not match any variant").
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = ExtractSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON pointer such as `/id`, or `{ header: NAME, regex: RE }`")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<ExtractSpec, E> {
                Ok(ExtractSpec::Pointer(text.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<ExtractSpec, A::Error> {
                ExtractRule::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(ExtractSpec::Rule)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// An extraction rule, compiled.
#[derive(Debug, Clone)]
pub enum Extract {
    /// A JSON pointer into the JSON body; the value is kept as raw JSON (a number stays one).
    Pointer(String),
    /// A header's whole value, or its regex capture; kept as a string.
    Header { name: HeaderName, regex: Option<regex::Regex> },
    /// A regex's capture over the body as text; kept as a string.
    Body(regex::Regex),
}

impl Extract {
    /// Whether the rule needs the response body (so the executor keeps it).
    pub fn reads_body(&self) -> bool {
        !matches!(self, Self::Header { .. })
    }
}

/// Compiles the rule `spec` at `at`; `None` (with findings) when it is not valid.
pub(super) fn compile(spec: &ExtractSpec, at: &DocPath, findings: &mut Findings) -> Option<Extract> {
    match spec {
        ExtractSpec::Pointer(pointer) => {
            let valid = pointer.is_empty() || pointer.starts_with('/');
            findings.check(
                valid,
                at,
                || format!("`{pointer}` is not a JSON pointer"),
                "a pointer such as `/id` or `/data/0/id`, or `{ header: NAME, regex: RE }`",
            );
            valid.then(|| Extract::Pointer(pointer.clone()))
        }
        ExtractSpec::Rule(rule) => {
            let regex = match &rule.regex {
                Some(text) => Some(compile_regex(text, &at.key("regex"), findings)?),
                None => None,
            };
            match (&rule.header, regex) {
                (Some(name), regex) => match HeaderName::from_bytes(name.as_bytes()) {
                    Ok(name) => Some(Extract::Header { name, regex }),
                    Err(_) => {
                        findings.add(
                            &at.key("header"),
                            format!("`{name}` is not a header name"),
                            "a valid HTTP header name, e.g. `location`",
                        );
                        None
                    }
                },
                (None, Some(regex)) => Some(Extract::Body(regex)),
                (None, None) => {
                    findings.add(
                        at,
                        "an extract rule without `header` or `regex`",
                        "`header: NAME`, `regex: RE` or both",
                    );
                    None
                }
            }
        }
    }
}

/// Compiles `text` into a bounded regex with at least one capture group.
fn compile_regex(text: &str, at: &DocPath, findings: &mut Findings) -> Option<regex::Regex> {
    let expected = "a regex with a capture group, e.g. `/posts/(\\d+)`";
    if text.chars().count() > MAX_REGEX_CHARS {
        findings.add(
            at,
            format!("a regex of {} characters", text.chars().count()),
            format!("at most {MAX_REGEX_CHARS} characters"),
        );
        return None;
    }
    let regex = match regex::RegexBuilder::new(text).size_limit(REGEX_SIZE_LIMIT_BYTES).build() {
        Ok(regex) => regex,
        Err(e) => {
            // The crate's message spans lines (the pattern with a caret): keep its last line.
            let why = e.to_string();
            let why = why.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("invalid").trim();
            findings.add(at, format!("invalid regex: {why}"), expected);
            return None;
        }
    };
    // Group 0 is the whole match; the value kept is group 1.
    if regex.captures_len() < 2 {
        findings.add(at, format!("the regex `{text}` has no capture group"), expected);
        return None;
    }
    Some(regex)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compiled(yaml: serde_json::Value) -> Result<Extract, Vec<String>> {
        let spec: ExtractSpec = serde_json::from_value(yaml).map_err(|e| vec![e.to_string()])?;
        let mut findings = Findings::new();
        let extract = compile(&spec, &DocPath::root().key("post_id"), &mut findings);
        extract.ok_or_else(|| findings.iter().map(|f| format!("{f:?}")).collect())
    }

    #[test]
    fn the_three_forms_compile() {
        assert!(matches!(compiled(serde_json::json!("/id")), Ok(Extract::Pointer(p)) if p == "/id"));
        let header = compiled(serde_json::json!({"header": "Location", "regex": "/posts/(\\d+)"}));
        assert!(matches!(header, Ok(Extract::Header { ref name, regex: Some(_) }) if name == "location"));
        assert!(matches!(
            compiled(serde_json::json!({"header": "location"})),
            Ok(Extract::Header { regex: None, .. })
        ));
        let body = compiled(serde_json::json!({"regex": "name=\"csrf\" value=\"([^\"]+)\""}));
        assert!(matches!(body, Ok(Extract::Body(_))));
    }

    #[test]
    fn bad_rules_are_refused() {
        let no_group = compiled(serde_json::json!({"regex": "/posts/\\d+"})).expect_err("no group");
        assert!(no_group[0].contains("no capture group"), "{no_group:?}");
        let invalid =
            compiled(serde_json::json!({"header": "location", "regex": "(\\d+"})).expect_err("invalid");
        assert!(invalid[0].contains("invalid regex"), "{invalid:?}");
        let empty = compiled(serde_json::json!({})).expect_err("empty");
        assert!(empty[0].contains("without `header` or `regex`"), "{empty:?}");
        let typo = compiled(serde_json::json!({"regx": "(a)"})).expect_err("typo");
        assert!(typo[0].contains("unknown field `regx`"), "{typo:?}");
        let long = compiled(serde_json::json!({"regex": format!("({})", "a".repeat(MAX_REGEX_CHARS))}));
        assert!(long.expect_err("long")[0].contains("characters"));
        assert!(compiled(serde_json::json!("id")).is_err(), "a pointer starts with `/`");
    }
}
