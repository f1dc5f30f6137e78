//! The process-wide interner of custom action names: the names profiles, scenarios and
//! thresholds give beyond the built-in actions, and the `ACTION/REQUEST` names of the
//! requests inside a multi-request action.
//!
//! Why an interner: [`super::Action`] stays `Copy` and one word, per-action arrays stay
//! indexed by position, and `name()` stays `&'static str` for the ~100 places that print
//! it. The cost is leaking each distinct name once; that is bounded by [`CAPACITY`] names
//! of at most [`MAX_NAME_LEN`] bytes (under 50 KiB per process), and every name is
//! validated before it is interned.

use std::sync::{PoisonError, RwLock};

/// Most distinct custom names one process interns (profiles, scenarios, thresholds).
pub const CAPACITY: usize = 512;

/// Longest custom action name, in bytes.
pub const MAX_NAME_LEN: usize = 48;

/// What an interned name stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An action of its own, measured like the built-in ones.
    Action,
    /// `ACTION/REQUEST`: one request inside a multi-request action, measured on the side
    /// and never counted in the run's totals.
    Part,
}

/// Why a name cannot be interned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("`{0}` is not an action name")]
    Invalid(String),
    #[error("more than {CAPACITY} distinct custom action names in one run")]
    Full,
}

/// What an action name must look like, for messages.
pub const NAME_EXPECTED: &str =
    "a snake_case name: a lowercase letter, then lowercase letters, digits or `_`, at most 48 characters";

static NAMES: RwLock<Vec<(&'static str, Kind)>> = RwLock::new(Vec::new());

/// Whether `name` is a snake_case identifier of at most [`MAX_NAME_LEN`] bytes.
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= MAX_NAME_LEN
        && chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Whether `name` is a valid name of `kind`.
fn is_valid(name: &str, kind: Kind) -> bool {
    match kind {
        Kind::Action => is_identifier(name),
        Kind::Part => name.split_once('/').is_some_and(|(a, r)| is_identifier(a) && is_identifier(r)),
    }
}

/// The id of `name`, interning it when new.
pub fn intern(name: &str, kind: Kind) -> Result<u16, NameError> {
    if !is_valid(name, kind) {
        return Err(NameError::Invalid(name.to_string()));
    }
    if let Some(id) = lookup(name) {
        return Ok(id);
    }
    let mut names = NAMES.write().unwrap_or_else(PoisonError::into_inner);
    // Another thread may have interned it between the read and the write lock.
    if let Some(id) = names.iter().position(|(n, _)| *n == name) {
        return u16::try_from(id).map_err(|_| NameError::Full);
    }
    if names.len() >= CAPACITY {
        return Err(NameError::Full);
    }
    let leaked: &'static str = Box::leak(name.to_string().into_boxed_str());
    names.push((leaked, kind));
    u16::try_from(names.len() - 1).map_err(|_| NameError::Full)
}

/// The id of an interned `name`.
pub fn lookup(name: &str) -> Option<u16> {
    let names = NAMES.read().unwrap_or_else(PoisonError::into_inner);
    names.iter().position(|(n, _)| *n == name).and_then(|i| u16::try_from(i).ok())
}

/// The name and kind of `id` (`("", Kind::Action)` for an id never handed out).
pub fn get(id: u16) -> (&'static str, Kind) {
    let names = NAMES.read().unwrap_or_else(PoisonError::into_inner);
    names.get(usize::from(id)).copied().unwrap_or(("", Kind::Action))
}

/// How many names are interned so far.
pub fn count() -> usize {
    NAMES.read().unwrap_or_else(PoisonError::into_inner).len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_and_interned_once() {
        let a = intern("names_test_search", Kind::Action).expect("a valid name");
        assert_eq!(intern("names_test_search", Kind::Action), Ok(a));
        assert_eq!(get(a), ("names_test_search", Kind::Action));
        assert_eq!(lookup("names_test_search"), Some(a));
        let p = intern("names_test_open/home", Kind::Part).expect("a valid part");
        assert_eq!(get(p).1, Kind::Part);
        for bad in ["", "Search", "9lives", "a-b", "a/b", &"x".repeat(49)] {
            assert!(intern(bad, Kind::Action).is_err(), "{bad:?}");
        }
        assert!(intern("a/b/c", Kind::Part).is_err());
        assert!(intern("search", Kind::Part).is_err());
        assert!(is_identifier(&"x".repeat(48)));
    }
}
