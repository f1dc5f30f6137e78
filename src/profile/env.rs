//! Secrets for gateways: header values may read environment variables (`{{env.NAME}}`),
//! for an API key or a bearer token in front of a staging platform.
//!
//! Only names the profile declares in its `env:` list are read, so a profile cannot fish
//! for other variables of the operator's shell (`{{env.AWS_SECRET_ACCESS_KEY}}` in a
//! profile from a pull request is a profile error at its `line:column`), and only header
//! values may use them (a secret never lands in a path, a body or a log line). Every
//! declared variable must be set, non-empty and fit in a header before the run starts.
//! The values are bound into the header templates as [`Secret`]s, whose `Debug` is
//! redacted; errors name the variable, never its value.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;

use super::Profile;
use super::spec::ProfileSpec;
use super::template::Secret;
use crate::source::problem::{DocPath, Findings};

/// Why a profile's environment cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum EnvError {
    #[error(
        "profile `{profile}` reads the environment variable {name} (declared in its `env:` list), which is not set: export it before the run"
    )]
    Unset { profile: String, name: String },
    #[error(
        "profile `{profile}` reads the environment variable {name}, which is empty: set it to the header's value"
    )]
    Empty { profile: String, name: String },
    #[error("the environment variable {name}, read by profile `{profile}` for a header, is not valid UTF-8")]
    NotUnicode { profile: String, name: String },
    #[error(
        "the environment variable {name}, read by profile `{profile}` for a header, holds a CR, LF, NUL or another character a header value cannot carry (the value is not shown)"
    )]
    NotHeaderValue { profile: String, name: String },
}

/// The variables `spec` declares, each checked to be a plain name, declared once.
pub(super) fn declared(spec: &ProfileSpec, findings: &mut Findings) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (i, name) in spec.env.iter().enumerate() {
        let at = DocPath::root().key("env").index(i);
        let plain = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        findings.check(
            plain,
            &at,
            || format!("`{name}` is not an environment variable name"),
            "letters, digits and `_`, not starting with a digit, e.g. `GATEWAY_API_KEY`",
        );
        findings.check(
            names.insert(name.clone()),
            &at,
            || format!("`{name}` is declared twice"),
            "each variable once",
        );
    }
    names
}

/// Binds every declared variable, as `lookup` gives it (the process environment, in a
/// run), into the header templates of `profile`.
pub fn bind(mut profile: Profile, lookup: impl Fn(&str) -> Option<OsString>) -> Result<Profile, EnvError> {
    let mut values = BTreeMap::new();
    for name in &profile.env {
        let (profile, name) = (profile.name.clone(), name.clone());
        let Some(value) = lookup(&name) else { return Err(EnvError::Unset { profile, name }) };
        let Ok(value) = value.into_string() else { return Err(EnvError::NotUnicode { profile, name }) };
        if value.is_empty() {
            return Err(EnvError::Empty { profile, name });
        }
        // The rule reqwest applies when it sends the header: refused here, before the run,
        // rather than failing every request.
        if reqwest::header::HeaderValue::from_bytes(value.as_bytes()).is_err() {
            return Err(EnvError::NotHeaderValue { profile, name });
        }
        values.insert(name, Secret(value));
    }
    let value = |name: &str| values.get(name).cloned();
    let requests = profile.health.iter_mut().chain(profile.actions.iter_mut().flatten());
    let requests = requests.chain(profile.room_events.iter_mut()).chain(profile.room_leave.iter_mut());
    for request in requests {
        for (_, template) in &mut request.headers {
            template.bind_secrets(&value);
        }
    }
    Ok(profile)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    const PROFILE: &str = r#"
name: gateway
env: [GATEWAY_KEY]
headers: { x-api-key: "{{env.GATEWAY_KEY}}" }
health: { method: GET, path: /health, headers: { authorization: "Bearer {{env.GATEWAY_KEY}}" } }
actions:
  view_feed: { method: GET, path: /api/feed }
"#;

    fn load(text: &str) -> Result<Profile, String> {
        super::super::parse(Path::new("gateway.yaml"), text).map_err(|p| p.to_string())
    }

    #[test]
    fn declared_variables_are_bound_into_headers_and_never_printed() {
        let profile = load(PROFILE).expect("valid");
        let bound = bind(profile, |name| (name == "GATEWAY_KEY").then(|| "k3y-s3cret".into())).expect("set");
        let lookup = |_: &str| None;
        let feed = bound.request(crate::scenario::Action::ViewFeed).expect("feed");
        let rendered: Vec<String> = feed.headers.iter().map(|(_, t)| t.render(&lookup)).collect();
        assert_eq!(rendered, ["k3y-s3cret"]);
        let health = bound.health.as_ref().expect("health");
        assert_eq!(health.headers[1].1.render(&lookup), "Bearer k3y-s3cret");
        assert!(!format!("{bound:?}").contains("k3y-s3cret"), "Debug redacts the value");
    }

    #[test]
    fn unset_empty_or_unsendable_values_are_refused_without_echoing_them() {
        let cases: [(Option<&str>, &str); 3] =
            [(None, "is not set"), (Some(""), "is empty"), (Some("k3y\r\nx-evil: 1"), "CR, LF")];
        for (value, expected) in cases {
            let profile = load(PROFILE).expect("valid");
            let error = bind(profile, |_| value.map(OsString::from)).expect_err("refused").to_string();
            assert!(error.contains("GATEWAY_KEY") && error.contains(expected), "{error}");
            assert!(!error.contains("k3y"), "the value is never echoed: {error}");
        }
    }

    #[test]
    fn undeclared_names_and_secrets_outside_headers_are_profile_errors_at_their_place() {
        let undeclared = PROFILE.replace("env: [GATEWAY_KEY]", "env: [OTHER]");
        let error = load(&undeclared).expect_err("undeclared");
        assert!(error.contains("gateway.yaml:5:"), "{error}");
        assert!(
            error.contains("does not declare")
                && error.contains("`GATEWAY_KEY` in the profile's `env:` list")
        );
        let in_path = PROFILE.replace("path: /api/feed", "path: \"/api/feed?key={{env.GATEWAY_KEY}}\"");
        let error = load(&in_path).expect_err("in a path");
        assert!(error.contains("gateway.yaml:7:") && error.contains("outside a header value"), "{error}");
        let bad_name = PROFILE.replace("env: [GATEWAY_KEY]", "env: [GATEWAY_KEY, 9LIVES]");
        let error = load(&bad_name).expect_err("bad name");
        assert!(error.contains("gateway.yaml:3:") && error.contains("not an environment variable name"));
    }
}
