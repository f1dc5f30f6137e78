//! The placeholders a profile's templates may use, and the checks that place an unknown
//! one (or an environment variable outside a header) at its `line:column`.

use std::collections::BTreeSet;

use super::template::{ENV_PREFIX, Template};
use crate::source::problem::{DocPath, Findings};

/// The placeholders a template may use: `vars` anywhere, `{{env.NAME}}` in header values
/// for the names the profile declares.
pub(super) struct Known {
    pub(super) vars: BTreeSet<String>,
    pub(super) env: BTreeSet<String>,
    /// Every cookie the profile keeps, sent back by requests that are not anonymous.
    pub(super) cookies: Vec<String>,
}

/// Where a template sits: only header values may read the environment.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Place {
    Header,
    Elsewhere,
}

pub(super) fn compile_template(
    text: &str,
    known: &Known,
    place: Place,
    at: &DocPath,
    findings: &mut Findings,
) -> Option<Template> {
    match Template::compile(text) {
        Ok(template) => {
            check_vars(template.vars(), known, place, at, findings);
            Some(template)
        }
        Err(e) => {
            findings.add(at, e.0, "text with `{{name}}` placeholders");
            None
        }
    }
}

pub(super) fn check_vars<'a>(
    vars: impl Iterator<Item = &'a str>,
    known: &Known,
    place: Place,
    at: &DocPath,
    findings: &mut Findings,
) {
    for var in vars {
        if let Some(name) = var.strip_prefix(ENV_PREFIX) {
            if place != Place::Header {
                findings.add(
                    at,
                    format!("`{{{{{var}}}}}` outside a header value"),
                    "`{{env.NAME}}` only in header values (secrets never go into paths or bodies)",
                );
            } else if !known.env.contains(name) {
                findings.add(
                    at,
                    format!("`{{{{{var}}}}}` reads an environment variable the profile does not declare"),
                    format!("`{name}` in the profile's `env:` list (only declared variables are read)"),
                );
            }
        } else if !known.vars.contains(var) {
            let list: Vec<&str> = known.vars.iter().map(String::as_str).collect();
            findings.add(
                at,
                format!("unknown placeholder `{{{{{var}}}}}`"),
                format!("one of {}", list.join(", ")),
            );
        }
    }
}
