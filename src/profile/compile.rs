//! Compiling a profile file into a [`Profile`]: actions, methods, headers, placeholders and
//! JSON pointers checked, each problem placed at its `line:column`.

use std::collections::BTreeSet;

use reqwest::Method;
use reqwest::header::HeaderName;

use super::cookies;
use super::custom::{self, Roles};
use super::placeholders::{Known, Place, compile_template};
use super::spec::{ProfileSpec, RequestSpec};
use super::template::Template;
use super::{BUILT_IN_VARS, Multi, Profile, Request};
use crate::scenario::Action;
use crate::source::problem::{DocPath, Findings};

/// Compiles a profile, checking actions, methods, headers, placeholders and pointers.
pub(super) fn compile(spec: &ProfileSpec, findings: &mut Findings) -> Option<Profile> {
    let root = DocPath::root();
    // Names an action extracts become placeholders for later steps of the same journey.
    let extracted: BTreeSet<&str> = super::custom::extracted(spec);
    let mut vars: BTreeSet<String> = BUILT_IN_VARS.iter().map(|s| s.to_string()).collect();
    vars.extend(extracted.iter().map(|s| s.to_string()));
    vars.extend(spec.user_fields.iter().map(|f| format!("target_user.{f}")));
    vars.extend(spec.post_fields.iter().map(|f| format!("target_post.{f}")));
    let cookies = cookies::profile_cookies(spec.actions.values().map(|r| &r.cookies));
    let distinct: BTreeSet<&String> = spec.actions.values().flat_map(|r| &r.cookies).collect();
    findings.check(
        distinct.len() <= cookies::MAX_COOKIES,
        &root.key("actions"),
        || format!("the actions keep {} distinct cookies", distinct.len()),
        &format!("at most {} cookie names in the whole profile", cookies::MAX_COOKIES),
    );
    // Kept cookies are readable too, e.g. Django's `x-csrftoken: "{{cookie.csrftoken}}"`.
    vars.extend(cookies.iter().map(|c| cookies::var_name(c)));
    let known = Known { vars, env: super::env::declared(spec, findings), cookies };
    check_fields(spec, findings);

    let (actions, multi, roles) = compile_actions(spec, &known, findings);
    let mut unsupported = Vec::new();
    for (name, why) in &spec.unsupported {
        match Action::parse(name) {
            Ok(action) => unsupported.push((action, why.clone())),
            Err(e) => findings.add_at_key(
                &root.key("unsupported").key(name.clone()),
                format!("{e}"),
                crate::scenario::action::NAME_EXPECTED,
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
        multi,
        roles,
        unsupported,
        user_fields: spec.user_fields.clone(),
        user_record: (spec.user_fields.iter().cloned())
            .chain(std::iter::once("token".to_string()))
            .chain(known.cookies.iter().map(|c| cookies::var_name(c)))
            .collect(),
        post_fields: spec.post_fields.clone(),
        fault_admin: spec.fault_admin.clone(),
        room_events,
        room_leave,
        env: known.env.into_iter().collect(),
        follow_redirects: spec.follow_redirects,
    })
}

/// The profile's actions: single requests by [`Action::index`], multi-request ones, and the
/// roles of custom ones.
type Compiled = (Vec<Option<Request>>, Vec<(Action, Multi)>, Vec<(Action, Roles)>);

fn compile_actions(spec: &ProfileSpec, known: &Known, findings: &mut Findings) -> Compiled {
    let mut actions: Vec<Option<Request>> = vec![None; Action::ALL.len()];
    let (mut multis, mut roles, mut customs) = (Vec::new(), Vec::new(), 0);
    for (name, request) in &spec.actions {
        let at = DocPath::root().key("actions").key(name.clone());
        let Some(action) = custom::action(name, &mut customs, &at, findings) else { continue };
        let role = custom::roles(action, request, &at, findings);
        if !action.is_builtin() {
            roles.push((action, role));
        }
        if custom::is_multi(request) {
            let compile = |r: &RequestSpec, at: &DocPath, f: &mut Findings| {
                compile_request(r, &spec.headers, known, at, f)
            };
            if let Some(multi) = custom::multi(action, request, &at, findings, compile) {
                multis.push((action, multi));
            }
            continue;
        }
        custom::check_single(request, &at, findings);
        let index = action.index();
        if actions.len() <= index {
            actions.resize(index + 1, None);
        }
        actions[index] = compile_request(request, &spec.headers, known, &at, findings);
    }
    (actions, multis, roles)
}

/// Every user and post field must be extracted by the action that creates it.
fn check_fields(spec: &ProfileSpec, findings: &mut Findings) {
    let root = DocPath::root();
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
}

fn compile_request(
    spec: &RequestSpec,
    defaults: &std::collections::BTreeMap<String, String>,
    known: &Known,
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
    let path = compile_template(&spec.path, known, Place::Elsewhere, &at.key("path"), findings)?;
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
                if let Some(t) = compile_template(value, known, Place::Header, &header_at, findings) {
                    headers.retain(|(h, _): &(HeaderName, Template)| *h != header);
                    headers.push((header, t));
                }
            }
            Err(_) => {
                findings.add(&header_at, format!("`{name}` is not a header name"), "a valid HTTP header name")
            }
        }
    }
    let body = super::body::compile(spec, known, at, findings);
    check_pointer(spec.fail_if.as_deref(), &at.key("fail_if"), findings);
    let keep_cookies = cookies::compile(&spec.cookies, &at.key("cookies"), findings);
    for (i, status) in spec.success.iter().enumerate() {
        findings.check(
            (100..=599).contains(status),
            &at.key("success").index(i),
            || format!("{status} is not an HTTP status"),
            "a status between 100 and 599",
        );
    }
    let mut extract = Vec::new();
    for (name, rule) in &spec.extract {
        // An extracted `handle` would replace the generated one for every later step.
        findings.check(
            !BUILT_IN_VARS.contains(&name.as_str()),
            &at.key("extract").key(name.clone()),
            || format!("`{name}` is a built-in placeholder; extracting it would replace it"),
            "another name, e.g. `account_{name}`",
        );
        if let Some(rule) = super::extract::compile(rule, &at.key("extract").key(name.clone()), findings) {
            extract.push((name.clone(), rule));
        }
    }
    Some(Request {
        method,
        path,
        headers,
        body,
        success: spec.success.clone(),
        extract,
        fail_if: spec.fail_if.clone(),
        keep_cookies,
        send_cookies: if spec.anonymous { Vec::new() } else { cookies::sent(&known.cookies) },
        prebuilt: super::Prebuilt::default(),
    })
}

/// A JSON pointer is empty (the whole document) or starts with `/`.
fn check_pointer(pointer: Option<&str>, at: &DocPath, findings: &mut Findings) {
    let Some(pointer) = pointer else { return };
    findings.check(
        pointer.is_empty() || pointer.starts_with('/'),
        at,
        || format!("`{pointer}` is not a JSON pointer"),
        "a pointer such as `/id` or `/data/0/id`",
    );
}
