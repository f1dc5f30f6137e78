//! Target profiles make stampede work against "any platform": each scenario action maps to
//! an HTTP request template, and named values are extracted from JSON responses into the
//! journey's state and the shared population (user and post fields).
//!
//! Profiles are YAML, validated on load with `file:line:column` problems like scenarios.
//! The `reference` profile, for `stampede serve`, is built in.

pub mod spec;
pub mod template;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use reqwest::Method;
use reqwest::header::HeaderName;

pub use spec::{GeneratedBody, ProfileSpec, RequestSpec};
pub use template::{JsonTemplate, Template};

use crate::scenario::Action;
use crate::scenario::load::Document;
use crate::source::problem::{DocPath, Findings, Problem, Problems};

/// Built-in profiles by name.
const BUILT_IN: &[(&str, &str)] =
    &[("reference", include_str!("reference.yaml")), ("bluesky-pds", include_str!("bluesky-pds.yaml"))];

/// Placeholders the executor always provides (`now` is rendered per request).
const BUILT_IN_VARS: &[&str] = &["handle", "email", "password", "text", "seq", "now", "room"];

/// A request body, compiled.
#[derive(Debug, Clone)]
pub enum Body {
    None,
    Json(JsonTemplate),
    Generated { kind: GeneratedBody, content_type: String },
}

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
    /// (name, JSON pointer) pairs to keep from the response.
    pub extract: Vec<(String, String)>,
}

impl Request {
    pub fn is_success(&self, status: u16) -> bool {
        if self.success.is_empty() { (200..300).contains(&status) } else { self.success.contains(&status) }
    }
}

/// A loaded, validated profile.
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    pub health: Option<Request>,
    actions: Vec<Option<Request>>,
    /// Actions declared unsupported, with the reason.
    pub unsupported: Vec<(Action, String)>,
    pub user_fields: Vec<String>,
    /// What the population stores per account: the user fields, then the token. Computed
    /// once here because every journey and setup signup reads it.
    pub user_record: Vec<String>,
    pub post_fields: Vec<String>,
    /// Path of the fault admin endpoint, when the platform has one (see [`ProfileSpec`]).
    pub fault_admin: Option<String>,
    /// A live room's event stream, for `join_room`.
    pub room_events: Option<Request>,
    /// Leaving a live room at the end of a stay.
    pub room_leave: Option<Request>,
}

impl Profile {
    /// The request of `action`, or `None` when the profile does not support it.
    pub fn request(&self, action: Action) -> Option<&Request> {
        self.actions.get(action as usize).and_then(Option::as_ref)
    }

    /// Why `action` is unsupported (declared reason, or "not in the profile").
    pub fn unsupported_reason(&self, action: Action) -> Option<String> {
        if self.request(action).is_some() {
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
    let profile = compile(&spec, &mut findings);
    match profile {
        Some(profile) if findings.is_empty() => Ok(profile),
        _ => Err(Problems(document.place(file, findings))),
    }
}

/// Compiles a profile, checking actions, methods, headers, placeholders and pointers.
fn compile(spec: &ProfileSpec, findings: &mut Findings) -> Option<Profile> {
    let root = DocPath::root();
    // Names an action extracts become placeholders for later steps of the same journey.
    let extracted: BTreeSet<&str> =
        spec.actions.values().flat_map(|r| r.extract.keys().map(String::as_str)).collect();
    let mut known: BTreeSet<String> = BUILT_IN_VARS.iter().map(|s| s.to_string()).collect();
    known.extend(extracted.iter().map(|s| s.to_string()));
    known.extend(spec.user_fields.iter().map(|f| format!("target_user.{f}")));
    known.extend(spec.post_fields.iter().map(|f| format!("target_post.{f}")));
    for (i, field) in spec.user_fields.iter().enumerate() {
        let by_signup = ["signup", "login"]
            .iter()
            .any(|a| spec.actions.get(*a).is_some_and(|r| r.extract.contains_key(field)));
        findings.check(
            by_signup,
            &root.key("user_fields").index(i),
            || format!("user field `{field}` is not extracted by signup or login"),
            "an `extract` key of signup or login",
        );
    }
    for (i, field) in spec.post_fields.iter().enumerate() {
        let by_post = spec.actions.get("create_post").is_some_and(|r| r.extract.contains_key(field));
        findings.check(
            by_post,
            &root.key("post_fields").index(i),
            || format!("post field `{field}` is not extracted by create_post"),
            "an `extract` key of create_post",
        );
    }

    let mut actions: Vec<Option<Request>> = vec![None; Action::ALL.len()];
    for (name, request) in &spec.actions {
        let at = root.key("actions").key(name.clone());
        let Some(action) = Action::from_name(name) else {
            let names: Vec<&str> = Action::ALL.iter().map(|a| a.name()).collect();
            findings.add_at_key(
                &at,
                format!("unknown action `{name}`"),
                format!("one of {}", names.join(", ")),
            );
            continue;
        };
        actions[action as usize] = compile_request(request, &spec.headers, &known, &at, findings);
    }
    let mut unsupported = Vec::new();
    for (name, why) in &spec.unsupported {
        match Action::from_name(name) {
            Some(action) => unsupported.push((action, why.clone())),
            None => findings.add_at_key(
                &root.key("unsupported").key(name.clone()),
                format!("unknown action `{name}`"),
                "an action name",
            ),
        }
    }
    findings.check(
        spec.fault_admin.as_ref().is_none_or(|path| path.starts_with('/')),
        &root.key("fault_admin"),
        || "the fault admin path does not start with `/`".into(),
        "a path such as `/admin/faults`",
    );
    let rooms_at = root.key("rooms");
    let room_events = spec
        .rooms
        .as_ref()
        .and_then(|r| compile_request(&r.events, &spec.headers, &known, &rooms_at.key("events"), findings));
    let room_leave =
        spec.rooms.as_ref().and_then(|r| r.leave.as_ref()).and_then(|leave| {
            compile_request(leave, &spec.headers, &known, &rooms_at.key("leave"), findings)
        });
    findings.check(
        room_events.is_some() || !spec.actions.contains_key("join_room"),
        &root.key("actions").key("join_room"),
        || "join_room has no stream to read".into(),
        "a `rooms: { events: ... }` request for the room's event stream",
    );
    let health = spec
        .health
        .as_ref()
        .and_then(|h| compile_request(h, &spec.headers, &known, &root.key("health"), findings));
    Some(Profile {
        name: spec.name.clone(),
        health,
        actions,
        unsupported,
        user_fields: spec.user_fields.clone(),
        user_record: spec.user_fields.iter().cloned().chain(std::iter::once("token".to_string())).collect(),
        post_fields: spec.post_fields.clone(),
        fault_admin: spec.fault_admin.clone(),
        room_events,
        room_leave,
    })
}

fn compile_template(
    text: &str,
    known: &BTreeSet<String>,
    at: &DocPath,
    findings: &mut Findings,
) -> Option<Template> {
    match Template::compile(text) {
        Ok(template) => {
            check_vars(template.vars(), known, at, findings);
            Some(template)
        }
        Err(e) => {
            findings.add(at, e.0, "text with `{{name}}` placeholders");
            None
        }
    }
}

fn check_vars<'a>(
    vars: impl Iterator<Item = &'a str>,
    known: &BTreeSet<String>,
    at: &DocPath,
    findings: &mut Findings,
) {
    for var in vars {
        if !known.contains(var) {
            let list: Vec<&str> = known.iter().map(String::as_str).collect();
            findings.add(
                at,
                format!("unknown placeholder `{{{{{var}}}}}`"),
                format!("one of {}", list.join(", ")),
            );
        }
    }
}

fn compile_request(
    spec: &RequestSpec,
    defaults: &std::collections::BTreeMap<String, String>,
    known: &BTreeSet<String>,
    at: &DocPath,
    findings: &mut Findings,
) -> Option<Request> {
    let method = match spec.method.to_ascii_uppercase().as_str() {
        "GET" => Method::GET,
        "POST" => Method::POST,
        "PUT" => Method::PUT,
        "PATCH" => Method::PATCH,
        "DELETE" => Method::DELETE,
        other => {
            findings.add(
                &at.key("method"),
                format!("unsupported method `{other}`"),
                "GET, POST, PUT, PATCH or DELETE",
            );
            Method::GET
        }
    };
    findings.check(
        spec.path.starts_with('/'),
        &at.key("path"),
        || format!("path `{}` does not start with `/`", spec.path),
        "a path such as `/api/posts`",
    );
    let path = compile_template(&spec.path, known, &at.key("path"), findings)?;
    let mut headers = Vec::new();
    let inherited = if spec.anonymous { None } else { Some(defaults) };
    for (name, value) in inherited.into_iter().flatten().chain(&spec.headers) {
        let header_at = at.key("headers").key(name.clone());
        match HeaderName::from_bytes(name.as_bytes()) {
            Ok(_) if value.contains(['\r', '\n', '\0']) => findings.add(
                &header_at,
                format!("the value of header `{name}` holds a CR, LF or NUL"),
                "a header value on one line, without control characters",
            ),
            Ok(header) => {
                if let Some(t) = compile_template(value, known, &header_at, findings) {
                    headers.retain(|(h, _): &(HeaderName, Template)| *h != header);
                    headers.push((header, t));
                }
            }
            Err(_) => {
                findings.add(&header_at, format!("`{name}` is not a header name"), "a valid HTTP header name")
            }
        }
    }
    let body = match (&spec.json, spec.body) {
        (Some(_), Some(_)) => {
            findings.add(&at.key("body"), "both `json` and `body` are set", "one of them");
            Body::None
        }
        (Some(json), None) => match JsonTemplate::compile(json) {
            Ok(t) => {
                check_vars(t.vars().into_iter(), known, &at.key("json"), findings);
                Body::Json(t)
            }
            Err(e) => {
                findings.add(&at.key("json"), e.0, "JSON with `{{name}}` placeholders in strings");
                Body::None
            }
        },
        (None, Some(kind)) => {
            let default = if kind == GeneratedBody::Image { "image/png" } else { "text/plain" };
            Body::Generated {
                kind,
                content_type: spec.content_type.clone().unwrap_or_else(|| default.to_string()),
            }
        }
        (None, None) => Body::None,
    };
    for (i, status) in spec.success.iter().enumerate() {
        findings.check(
            (100..=599).contains(status),
            &at.key("success").index(i),
            || format!("{status} is not an HTTP status"),
            "a status between 100 and 599",
        );
    }
    for (name, pointer) in &spec.extract {
        // An extracted `handle` would replace the generated one for every later step.
        findings.check(
            !BUILT_IN_VARS.contains(&name.as_str()),
            &at.key("extract").key(name.clone()),
            || format!("`{name}` is a built-in placeholder; extracting it would replace it"),
            "another name, e.g. `account_{name}`",
        );
        findings.check(
            pointer.is_empty() || pointer.starts_with('/'),
            &at.key("extract").key(name.clone()),
            || format!("`{pointer}` is not a JSON pointer"),
            "a pointer such as `/id` or `/data/0/id`",
        );
    }
    Some(Request {
        method,
        path,
        headers,
        body,
        success: spec.success.clone(),
        extract: spec.extract.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
    })
}

#[cfg(test)]
mod tests;
