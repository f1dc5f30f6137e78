//! Which requests are signups and which action every other request is: `--signup 'POST
//! /api/signup'` and `--map 'GET /api/feed*=view_feed'` rules, METHOD (or `*`) and a path
//! glob. Globs follow `globset`: `*` stays inside one path segment, `**` crosses them,
//! `{a,b}` alternates. The signup rule is tried first, then the maps in order; the first
//! match wins.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use crate::scenario::Action;

/// A rule the user wrote that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{flag} {text:?}: {why} (expected {expected})")]
pub struct RuleError {
    pub flag: &'static str,
    pub text: String,
    pub why: String,
    pub expected: &'static str,
}

const SIGNUP_EXPECTED: &str = "METHOD PATH-GLOB such as `POST /api/signup`";
const MAP_EXPECTED: &str = "METHOD PATH-GLOB=ACTION such as `GET /api/feed*=view_feed`";

/// What a request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Signup,
    Action(Action),
    Unmapped,
}

/// The compiled rules.
#[derive(Debug, Clone)]
pub struct Rules {
    globs: GlobSet,
    /// Per glob: the method (`None` for `*`) and what a match means.
    targets: Vec<(Option<String>, Class)>,
    /// Reused by [`Rules::classify`] to avoid an allocation per line.
    scratch: Vec<usize>,
}

impl Rules {
    /// Compiles `signup` and the `maps` (in order).
    pub fn new(signup: &str, maps: &[String]) -> Result<Self, RuleError> {
        let mut builder = GlobSetBuilder::new();
        let mut targets = Vec::new();
        let (method, glob) = pattern(signup, "--signup", SIGNUP_EXPECTED)?;
        builder.add(glob);
        targets.push((method, Class::Signup));
        for map in maps {
            let error =
                |why: String| RuleError { flag: "--map", text: map.clone(), why, expected: MAP_EXPECTED };
            let (pattern_text, action) = map.rsplit_once('=').ok_or_else(|| error("no `=ACTION`".into()))?;
            let action = action.trim();
            let action = Action::ALL.into_iter().find(|a| a.name() == action).ok_or_else(|| {
                let names: Vec<&str> = Action::ALL.iter().map(|a| a.name()).collect();
                error(format!("unknown action `{action}` (one of {})", names.join(", ")))
            })?;
            if action == Action::Signup {
                return Err(error("signups are chosen with --signup".into()));
            }
            let (method, glob) = pattern(pattern_text, "--map", MAP_EXPECTED)?;
            builder.add(glob);
            targets.push((method, Class::Action(action)));
        }
        let globs = builder.build().map_err(|e| RuleError {
            flag: "--map",
            text: maps.join(" "),
            why: e.to_string(),
            expected: MAP_EXPECTED,
        })?;
        Ok(Self { globs, targets, scratch: Vec::new() })
    }

    /// The class of a request (path without its query).
    pub fn classify(&mut self, method: &str, path: &str) -> Class {
        self.globs.matches_into(path, &mut self.scratch);
        // `matches_into` yields ascending indices: the first whose method fits wins.
        self.scratch
            .iter()
            .map(|&i| &self.targets[i])
            .find(|(m, _)| m.as_deref().is_none_or(|m| m == method))
            .map_or(Class::Unmapped, |(_, class)| *class)
    }
}

fn pattern(
    text: &str,
    flag: &'static str,
    expected: &'static str,
) -> Result<(Option<String>, globset::Glob), RuleError> {
    let error = |why: String| RuleError { flag, text: text.to_string(), why, expected };
    let (method, path) =
        text.trim().split_once(' ').ok_or_else(|| error("no space between METHOD and PATH".into()))?;
    let path = path.trim();
    let method = match method {
        "*" => None,
        m if !m.is_empty() && m.bytes().all(|b| b.is_ascii_uppercase()) => Some(m.to_string()),
        _ => return Err(error(format!("`{method}` is not an upper-case method or `*`"))),
    };
    if !path.starts_with('/') {
        return Err(error("the path does not start with `/`".into()));
    }
    let glob =
        GlobBuilder::new(path).literal_separator(true).build().map_err(|e| error(e.kind().to_string()))?;
    Ok((method, glob))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(maps: &[&str]) -> Rules {
        let maps: Vec<String> = maps.iter().map(|m| m.to_string()).collect();
        Rules::new("POST /api/signup", &maps).expect("valid rules")
    }

    #[test]
    fn first_matching_rule_wins_and_methods_must_fit() {
        let mut rules = rules(&[
            "GET /api/timeline*=view_feed",
            "POST /api/posts/*/comments=comment",
            "POST /api/posts=create_post",
            "* /api/users/*=view_user",
            "POST /api/**=like",
        ]);
        assert_eq!(rules.classify("POST", "/api/signup"), Class::Signup);
        assert_eq!(rules.classify("GET", "/api/signup"), Class::Unmapped);
        assert_eq!(rules.classify("GET", "/api/timeline"), Class::Action(Action::ViewFeed));
        assert_eq!(rules.classify("POST", "/api/posts/9/comments"), Class::Action(Action::Comment));
        assert_eq!(rules.classify("POST", "/api/posts"), Class::Action(Action::CreatePost));
        assert_eq!(rules.classify("DELETE", "/api/users/3"), Class::Action(Action::ViewUser));
        // `*` stays in a segment: /api/users/3/follow falls through to the `**` rule.
        assert_eq!(rules.classify("POST", "/api/users/3/follow"), Class::Action(Action::Like));
        assert_eq!(rules.classify("GET", "/health"), Class::Unmapped);
    }

    #[test]
    fn bad_rules_are_clear_errors() {
        let err = |signup: &str, map: &str| {
            let maps: Vec<String> = if map.is_empty() { vec![] } else { vec![map.to_string()] };
            Rules::new(signup, &maps).map(|_| ()).map_err(|e| e.to_string())
        };
        assert_eq!(
            err("/api/signup", ""),
            Err("--signup \"/api/signup\": no space between METHOD and PATH (expected METHOD PATH-GLOB such as `POST /api/signup`)".into())
        );
        assert_eq!(
            err("post /x", "").map_err(|e| e.contains("`post` is not an upper-case method")),
            Err(true)
        );
        assert!(err("POST /x", "GET /a").is_err_and(|e| e.contains("no `=ACTION`")));
        assert!(
            err("POST /x", "GET /a=dance")
                .is_err_and(|e| e.contains("unknown action `dance` (one of signup, login"))
        );
        assert!(err("POST /x", "GET a=like").is_err_and(|e| e.contains("does not start with `/`")));
        assert!(err("POST /x", "GET /a[=like").is_err_and(|e| e.contains("unclosed character class")));
        assert!(err("POST /x", "POST /y=signup").is_err_and(|e| e.contains("chosen with --signup")));
    }
}
