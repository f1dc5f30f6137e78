//! A scenario checked against the profile it will run with: every custom action it names
//! (steps, reactions, outage windows, thresholds) must be one the profile defines, and a
//! step's `pick` needs an action that picks. Built-in actions a profile lacks stay what
//! they were (skipped and reported as unsupported), so only custom names are refused.

use std::path::Path;

use super::Profile;
use crate::scenario::threshold::Subject;
use crate::scenario::{Action, Problems, Scenario};
use crate::source::problem::{DocPath, Findings};

/// Problems of `scenario` against `profile` (`profile_name` as the user gave it), placed
/// at their `line:column` in the scenario file.
pub fn scenario(profile: &Profile, profile_name: &str, scenario: &Scenario) -> Result<(), Problems> {
    let mut findings = Findings::new();
    let known = |action: Action| action.is_builtin() || profile.supports(action) || declared(profile, action);
    let unknown = |findings: &mut Findings, action: Action, at: &DocPath| {
        findings.check(
            known(action),
            at,
            || format!("unknown action '{action}'"),
            &format!(
                "one of: {} (the actions of profile `{profile_name}`)",
                profile.action_names().join(", ")
            ),
        );
    };
    let spec = &scenario.spec;
    for (j, journey) in spec.journeys.iter().enumerate() {
        for (s, step) in journey.steps.iter().enumerate() {
            let at = DocPath::root().key("journeys").index(j).key("steps").index(s);
            unknown(&mut findings, step.action, &at.key("action"));
            let picks = step.action.has_pick() || profile.roles(step.action).picks.is_some();
            findings.check(
                step.pick.is_none() || !known(step.action) || picks,
                &at.key("pick"),
                || format!("`{}` has no target to pick in profile `{profile_name}`", step.action),
                "`pick` only on follow, comment, like, view_post, view_user or a custom action with `picks:`",
            );
        }
    }
    for (i, reaction) in spec.population.reactions.iter().enumerate() {
        let at = DocPath::root().key("population").key("reactions").index(i);
        unknown(&mut findings, reaction.on, &at.key("on"));
    }
    for (i, outage) in spec.outages.iter().enumerate() {
        for (k, action) in outage.actions.iter().enumerate() {
            unknown(&mut findings, *action, &DocPath::root().key("outages").index(i).key("actions").index(k));
        }
    }
    for (i, threshold) in scenario.thresholds.iter().enumerate() {
        if let Subject::Action(action) = threshold.subject {
            unknown(&mut findings, action, &DocPath::root().key("slo").index(i));
        }
    }
    if findings.is_empty() {
        return Ok(());
    }
    let file: &Path = &scenario.file;
    match crate::scenario::load::read(file) {
        Ok((_, document)) => Err(Problems(document.place(file, findings))),
        Err(problems) => Err(Problems(problems)),
    }
}

/// Whether the profile declares `action` unsupported (then steps are skipped and reported).
fn declared(profile: &Profile, action: Action) -> bool {
    profile.unsupported.iter().any(|(a, _)| *a == action)
}
