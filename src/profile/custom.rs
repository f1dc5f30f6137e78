//! A profile's own actions: custom names (`search`) with their social roles (`creates`,
//! `picks`), and actions made of several requests (`sequence`, `parallel`), each request
//! reported as `ACTION/NAME`. Checked here, with the limits that keep a profile small.

use std::collections::BTreeSet;

use super::spec::{ProfileSpec, RequestSpec, Role};
use super::{Multi, Part, Request};
use crate::scenario::Action;
use crate::scenario::action::NAME_EXPECTED;
use crate::source::problem::{DocPath, Findings};

/// Most custom actions in one profile.
pub const MAX_CUSTOM_ACTIONS: usize = 64;
/// Most requests in one `sequence` or `parallel` action.
pub const MAX_PARTS: usize = 16;

/// A custom action's social role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Roles {
    pub creates: Option<Role>,
    pub picks: Option<Role>,
}

/// The action `name` defines: a built-in, or a new custom name (bounded in count).
pub(super) fn action(
    name: &str,
    customs: &mut usize,
    at: &DocPath,
    findings: &mut Findings,
) -> Option<Action> {
    if let Some(builtin) = Action::ALL.into_iter().find(|a| a.name() == name) {
        return Some(builtin);
    }
    *customs += 1;
    if *customs > MAX_CUSTOM_ACTIONS {
        findings.add_at_key(
            at,
            format!("more than {MAX_CUSTOM_ACTIONS} custom actions"),
            format!("at most {MAX_CUSTOM_ACTIONS} actions beyond the built-in ones"),
        );
        return None;
    }
    match Action::parse(name) {
        Ok(action) => Some(action),
        Err(e) => {
            findings.add_at_key(at, format!("{e}"), NAME_EXPECTED);
            None
        }
    }
}

/// The roles `spec` declares; only custom actions may declare them (the built-ins have
/// theirs).
pub(super) fn roles(action: Action, spec: &RequestSpec, at: &DocPath, findings: &mut Findings) -> Roles {
    let roles = Roles { creates: spec.creates, picks: spec.picks };
    for (key, set) in [("creates", roles.creates.is_some()), ("picks", roles.picks.is_some())] {
        findings.check(
            !set || !action.is_builtin(),
            &at.key(key),
            || format!("`{key}` on the built-in action `{action}`"),
            "`creates`/`picks` only on custom actions (built-in ones have their roles)",
        );
    }
    roles
}

/// Every name the requests of `spec`'s actions extract, parts included.
pub(super) fn extracted(spec: &ProfileSpec) -> BTreeSet<&str> {
    (spec.actions.values())
        .flat_map(|r| std::iter::once(r).chain(r.sequence.iter()).chain(r.parallel.iter()))
        .flat_map(|r| r.extract.keys().map(String::as_str))
        .collect()
}

/// Whether `spec` is a multi-request action.
pub(super) fn is_multi(spec: &RequestSpec) -> bool {
    !spec.sequence.is_empty() || !spec.parallel.is_empty()
}

/// A `sequence` or `parallel` action, its requests compiled by `compile`.
pub(super) fn multi(
    action: Action,
    spec: &RequestSpec,
    at: &DocPath,
    findings: &mut Findings,
    mut compile: impl FnMut(&RequestSpec, &DocPath, &mut Findings) -> Option<Request>,
) -> Option<Multi> {
    // Setup, rooms and chat send these actions' single request themselves.
    let single_only = [Action::Signup, Action::Login, Action::CreatePost, Action::JoinRoom, Action::SendChat];
    if single_only.contains(&action) {
        findings.add_at_key(
            at,
            format!("`{action}` as several requests"),
            "a single request for this action",
        );
        return None;
    }
    let (key, parallel, requests) = match (spec.sequence.is_empty(), spec.parallel.is_empty()) {
        (false, false) => {
            findings.add(&at.key("parallel"), "both `sequence` and `parallel` are set", "one of them");
            return None;
        }
        (false, true) => ("sequence", false, &spec.sequence),
        _ => ("parallel", true, &spec.parallel),
    };
    findings.check(
        spec.method.is_empty() && spec.path.is_empty(),
        &at.key(key),
        || format!("a `{key}` action with a method or path of its own"),
        "`method` and `path` on each request of the list only",
    );
    findings.check(
        requests.len() <= MAX_PARTS,
        &at.key(key),
        || format!("{} requests in one action", requests.len()),
        &format!("at most {MAX_PARTS}"),
    );
    let mut names = BTreeSet::new();
    let mut parts = Vec::new();
    for (i, request) in requests.iter().enumerate().take(MAX_PARTS) {
        let at = at.key(key).index(i);
        let nested = is_multi(request) || request.creates.is_some() || request.picks.is_some();
        findings.check(
            !nested,
            &at,
            || "a request of a list with `sequence`, `parallel`, `creates` or `picks`".into(),
            "a plain request (roles belong to the action)",
        );
        let Some(name) = request.name.as_deref() else {
            findings.add(
                &at,
                "a request of a list without a `name`",
                "`name: NAME`, reported as ACTION/NAME",
            );
            continue;
        };
        if !names.insert(name) {
            findings.add(
                &at.key("name"),
                format!("two requests named `{name}`"),
                "a distinct name per request",
            );
            continue;
        }
        let part = match Action::part(action, name) {
            Ok(part) => part,
            Err(e) => {
                findings.add(&at.key("name"), format!("{e}"), NAME_EXPECTED);
                continue;
            }
        };
        if let Some(request) = compile(request, &at, findings) {
            parts.push(Part { action: part, request });
        }
    }
    Some(Multi { parallel, parts })
}

/// A single request has a method and path, and no name (names are for list members).
pub(super) fn check_single(spec: &RequestSpec, at: &DocPath, findings: &mut Findings) {
    findings.check(
        spec.name.is_none(),
        &at.key("name"),
        || "`name` on an action's own request".into(),
        "`name` only on the requests of a `sequence` or `parallel` list",
    );
    findings.check(
        !spec.method.is_empty(),
        at,
        || "a request without a `method`".into(),
        "`method: GET` (or POST, PUT, PATCH, DELETE) and a `path`, or a `sequence`/`parallel` list",
    );
}
