//! Target profiles make stampede work against "any platform": each scenario action maps to
//! an HTTP request template, and named values are extracted from JSON responses into the
//! journey's state and the shared population (user and post fields).
//!
//! Profiles are YAML, validated on load with `file:line:column` problems like scenarios.
//! The `reference` profile, for `stampede serve`, is built in.

pub mod body;
pub mod check;
mod compile;
pub mod cookies;
pub mod custom;
pub mod env;
pub mod extract;
pub mod har;
mod placeholders;
pub mod spec;
pub mod template;

use std::path::{Path, PathBuf};

use reqwest::Method;
use reqwest::header::{HeaderName, HeaderValue};

pub use body::{Body, FormPart, FormPartValue};
pub use custom::Roles;
pub use extract::Extract;
pub use spec::{GeneratedBody, ProfileSpec, RequestSpec, Role};
pub use template::{JsonTemplate, Template};

use crate::scenario::Action;
use crate::scenario::load::Document;
use crate::source::problem::{DocPath, Findings, Problem, Problems};

/// Built-in profiles by name.
const BUILT_IN: &[(&str, &str)] = &[
    ("reference", include_str!("reference.yaml")),
    ("bluesky-pds", include_str!("bluesky-pds.yaml")),
    ("spirit", include_str!("spirit.yaml")),
];

/// Placeholders the executor always provides (`now` is rendered per request).
const BUILT_IN_VARS: &[&str] = &["handle", "email", "password", "text", "seq", "now", "room"];

/// One action's request, compiled.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    pub path: Template,
    /// Headers, the profile defaults included unless the request is anonymous.
    pub headers: Vec<(HeaderName, Template)>,
    pub body: Body,
    /// Success statuses; empty means any 2xx.
    pub success: Vec<u16>,
    /// (name, rule) pairs to keep from the response.
    pub extract: Vec<(String, Extract)>,
    /// A JSON pointer whose presence marks a successful response failed.
    pub fail_if: Option<String>,
    /// Cookie names to keep from this response's `Set-Cookie`.
    pub keep_cookies: Vec<String>,
    /// Cookies sent back in a `Cookie` header, as (cookie name, journey value name) pairs
    /// (the profile's kept cookies; none for anonymous requests).
    pub send_cookies: Vec<(String, String)>,
    /// What of the request is the same every time it goes to one target, built before the
    /// run (empty until then).
    pub prebuilt: Prebuilt,
}

/// The parts of a [`Request`] without placeholders, built once for the run's target (by
/// `executor::prebuilt::bind`) so that each request builds only what its placeholders
/// make vary. A part left `None` is built per request, as if nothing were prebuilt.
#[derive(Debug, Clone, Default)]
pub struct Prebuilt {
    /// The base URL these parts were built for: a call to another base ignores them.
    pub base: String,
    /// The whole URI, when the path has no placeholders.
    pub uri: Option<http::Uri>,
    /// The value of each of [`Request::headers`] (same order) that has no placeholders.
    pub headers: Vec<Option<HeaderValue>>,
}

impl Request {
    pub fn is_success(&self, status: u16) -> bool {
        if self.success.is_empty() { (200..300).contains(&status) } else { self.success.contains(&status) }
    }

    /// Whether the response body must be kept (a rule reads it).
    pub fn reads_body(&self) -> bool {
        self.fail_if.is_some() || self.extract.iter().any(|(_, rule)| rule.reads_body())
    }
}

/// One request of a multi-request action, recorded under `part` (`ACTION/NAME`).
#[derive(Debug, Clone)]
pub struct Part {
    pub action: Action,
    pub request: Request,
}

/// An action made of several requests: one after the other, or all at once.
#[derive(Debug, Clone)]
pub struct Multi {
    pub parallel: bool,
    pub parts: Vec<Part>,
}

/// A loaded, validated profile.
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    pub health: Option<Request>,
    actions: Vec<Option<Request>>,
    /// Multi-request actions (`sequence`, `parallel`).
    pub multi: Vec<(Action, Multi)>,
    /// The social roles of custom actions (`creates`, `picks`).
    pub roles: Vec<(Action, Roles)>,
    /// Actions declared unsupported, with the reason.
    pub unsupported: Vec<(Action, String)>,
    pub user_fields: Vec<String>,
    /// What the population stores per account: the user fields, the token, then the kept
    /// cookies (`cookie.NAME`). Computed
    /// once here because every journey and setup signup reads it.
    pub user_record: Vec<String>,
    pub post_fields: Vec<String>,
    /// Path of the fault admin endpoint, when the platform has one (see [`ProfileSpec`]).
    pub fault_admin: Option<String>,
    /// A live room's event stream, for `join_room`.
    pub room_events: Option<Request>,
    /// Leaving a live room at the end of a stay.
    pub room_leave: Option<Request>,
    /// Environment variables the header values read (`{{env.NAME}}`), bound by
    /// [`env::bind`] before a run; names only, the values live in the templates.
    pub env: Vec<String>,
    /// Whether the run's client follows redirects (`follow_redirects:`, default true).
    pub follow_redirects: bool,
}

impl Profile {
    /// Every request of the profile: actions, their parts, the health check, rooms'.
    pub fn requests_mut(&mut self) -> impl Iterator<Item = &mut Request> {
        let parts = self.multi.iter_mut().flat_map(|(_, m)| m.parts.iter_mut().map(|p| &mut p.request));
        (self.actions.iter_mut().flatten())
            .chain(parts)
            .chain(self.health.as_mut())
            .chain(self.room_events.as_mut())
            .chain(self.room_leave.as_mut())
    }

    /// The request of `action`, or `None` when the profile does not support it.
    pub fn request(&self, action: Action) -> Option<&Request> {
        self.actions.get(action.index()).and_then(Option::as_ref)
    }

    /// The requests of a multi-request `action`.
    pub fn multi(&self, action: Action) -> Option<&Multi> {
        self.multi.iter().find(|(a, _)| *a == action).map(|(_, m)| m)
    }

    /// The social role of a custom `action` (none for built-ins, whose roles are fixed).
    pub fn roles(&self, action: Action) -> Roles {
        self.roles.iter().find(|(a, _)| *a == action).map(|(_, r)| *r).unwrap_or_default()
    }

    /// Whether the profile sends something for `action`.
    pub fn supports(&self, action: Action) -> bool {
        self.request(action).is_some() || self.multi(action).is_some()
    }

    /// Every action the profile defines or declares unsupported, built-ins first, for
    /// "expected one of" lists.
    pub fn action_names(&self) -> Vec<&'static str> {
        let customs = self.multi.iter().map(|(a, _)| *a).chain(self.roles.iter().map(|(a, _)| *a));
        let mut names: Vec<&'static str> = (Action::ALL.into_iter().chain(customs))
            .chain(self.unsupported.iter().map(|(a, _)| *a))
            .chain(
                (0..self.actions.len()).filter_map(Action::from_index).filter(|a| self.request(*a).is_some()),
            )
            .map(Action::name)
            .collect();
        names.sort_by_key(|n| Action::report_order(n));
        names.dedup();
        names
    }

    /// Why `action` is unsupported (declared reason, or "not in the profile").
    pub fn unsupported_reason(&self, action: Action) -> Option<String> {
        if self.supports(action) {
            return None;
        }
        let declared = self.unsupported.iter().find(|(a, _)| *a == action).map(|(_, why)| why.clone());
        Some(declared.unwrap_or_else(|| format!("profile `{}` has no request for `{action}`", self.name)))
    }
}

/// Where a profile's name comes from: a path on the command line is the user's own choice;
/// a scenario's `target:` is confined to the scenario's directory.
#[derive(Debug, Clone, Copy)]
pub enum Origin<'a> {
    /// `--profile NAME|FILE`: a relative path is tried from the working directory, then
    /// from the scenario's directory.
    CommandLine { scenario_dir: &'a Path },
    /// A scenario's `target:`: relative to the scenario's directory, and inside it.
    Scenario { scenario_dir: &'a Path, scenario: &'a Path },
}

/// Loads a built-in profile by name, or a profile file (see [`Origin`] for where a path is
/// looked for). Files are read with the limits of [`crate::source::file`].
pub fn load(name_or_path: &str, origin: Origin<'_>) -> Result<Profile, Problems> {
    if let Some((name, text)) = BUILT_IN.iter().find(|(name, _)| *name == name_or_path) {
        return parse(Path::new(&format!("<built-in profile {name}>")), text);
    }
    let names: Vec<&str> = BUILT_IN.iter().map(|(n, _)| *n).collect();
    let expected = format!("a built-in profile ({}) or a readable profile file", names.join(", "));
    let path = match origin {
        Origin::CommandLine { scenario_dir } => {
            let path = PathBuf::from(name_or_path);
            if !path.exists() && path.is_relative() && scenario_dir.join(&path).exists() {
                scenario_dir.join(&path)
            } else {
                path
            }
        }
        Origin::Scenario { scenario_dir, scenario } => {
            crate::source::file::confined(scenario_dir, name_or_path).map_err(|reason| {
                Problems(vec![Problem::whole_file(
                    scenario,
                    format!("target: {reason}"),
                    format!("{expected}, {}", crate::source::file::CONFINED_EXPECTED),
                )])
            })?
        }
    };
    let text = crate::source::file::read_text(&path).map_err(|e| {
        Problems(vec![Problem::whole_file(&path, format!("cannot read the profile: {e}"), expected.clone())])
    })?;
    parse(&path, &text)
}

/// Parses and validates profile `text` (named `file` in problems).
pub fn parse(file: &Path, text: &str) -> Result<Profile, Problems> {
    let (value, positions) =
        crate::source::yaml::parse(text).map_err(|e| Problems(vec![e.into_problem(file)]))?;
    let document = Document { positions };
    let mut findings = Findings::new();
    if !value.is_object() {
        // Said without serde, whose message would quote the document (any file named as a
        // profile, e.g. a `.env`, is one long string).
        findings.add(&DocPath::root(), "the profile is not a YAML mapping", "a mapping with `actions`");
        return Err(Problems(document.place(file, findings)));
    }
    let spec: ProfileSpec = match crate::scenario::load::deserialize(&value, &DocPath::root()) {
        Ok(spec) => spec,
        Err(finding) => {
            crate::scenario::load::add_serde(&mut findings, finding);
            return Err(Problems(document.place(file, findings)));
        }
    };
    let profile = compile::compile(&spec, &mut findings);
    match profile {
        Some(profile) if findings.is_empty() => Ok(profile),
        _ => Err(Problems(document.place(file, findings))),
    }
}

#[cfg(test)]
mod tests;
