//! The generated profile's content, between [`super::assemble`] (which fills it) and
//! [`super::naming`] and [`super::emit`] (which name it and write it out): kept apart so
//! that those stages depend on the data, not on each other.

use super::request::Draft;
use super::sources::How;
use crate::profile::spec::Role;

/// One action of the generated profile.
#[derive(Debug, Clone)]
pub struct Action {
    pub name: String,
    pub builtin: bool,
    /// `METHOD /path/{id}` — what made recorded requests one action.
    pub shape: String,
    pub occurrences: usize,
    pub draft: Draft,
    pub status: u16,
    pub creates: Option<Role>,
    pub picks: Option<Role>,
    pub anonymous: bool,
    pub extract: Vec<(String, How)>,
    pub cookies: Vec<String>,
}

/// A generated profile, before it is written out.
#[derive(Debug, Clone)]
pub struct Generated {
    pub health: Option<Action>,
    /// The profile-wide `authorization` header, when requests carry a bearer token.
    pub authorization: Option<String>,
    pub env: Vec<String>,
    pub user_fields: Vec<String>,
    pub post_fields: Vec<String>,
    pub follow_redirects: bool,
    pub actions: Vec<Action>,
    /// What the user must check by hand, for the file's header.
    pub notes: Vec<String>,
}
