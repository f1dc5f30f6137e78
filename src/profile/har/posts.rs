//! Which recorded actions create posts: the first POST whose new id later paths act on
//! (named `create_post`), and others the recording shows making the same kind of thing,
//! which become custom actions with `creates: post`.
//!
//! The second rule is kept narrow on purpose: a wrong `creates: post` adds things to the
//! replay's population that view_post and comment then fail on. A request is another post
//! creator only when what it made is acted on by the same actions that act on
//! `create_post`'s posts (opened by view_post, commented on by comment), and when its own
//! path names nothing from an earlier answer (a reply, a like or a bookmark acts on a post;
//! it does not make one).

use std::collections::BTreeSet;

use super::generated::Action;
use super::request::{BodyDraft, Use};
use super::sources::Source;

/// Whether `action` answered with a user's account (signup or login).
pub fn creates_user(action: &Action) -> bool {
    action.draft.account.is_signup() || action.draft.account.is_login()
}

/// What every recorded request used, by exchange.
pub struct Uses<'a> {
    pub action_of: &'a [usize],
    pub sources: &'a [Source],
    pub uses: &'a [Vec<Use>],
}

impl Uses<'_> {
    /// The actions (other than `a`) whose path, in some recorded request, carries a value
    /// from `a`'s answer.
    fn consumers(&self, a: usize) -> BTreeSet<usize> {
        (self.uses.iter().enumerate())
            .filter(|(e, uses)| {
                self.action_of[*e] != a
                    && uses.iter().any(|u| u.in_path && self.action_of[self.sources[u.source].exchange] == a)
            })
            .map(|(e, _)| self.action_of[e])
            .collect()
    }

    /// Whether `a`'s path, in some recorded request, carries a value another non-account
    /// action answered: the request acts on something that exists already.
    fn acts_on_something(&self, actions: &[Action], a: usize) -> bool {
        (self.uses.iter().enumerate()).filter(|(e, _)| self.action_of[*e] == a).any(|(_, uses)| {
            uses.iter().any(|u| {
                let from = self.action_of[self.sources[u.source].exchange];
                u.in_path && from != a && !creates_user(&actions[from])
            })
        })
    }
}

/// The post creators, first the one to name `create_post`: empty when no POST's answer
/// names what a later path acts on.
pub fn creators(actions: &[Action], recorded: &Uses<'_>, health: Option<usize>) -> Vec<usize> {
    let candidate = |a: usize| {
        let action = &actions[a];
        let upload = matches!(action.draft.body, BodyDraft::Generated { kind: "image", .. });
        action.draft.method == "POST" && Some(a) != health && !creates_user(action) && !upload
    };
    // The first: its id is in a later template's path (unchanged since from-har's first rule).
    let first = (0..actions.len()).find(|&a| {
        candidate(a)
            && actions.iter().enumerate().any(|(b, other)| {
                b != a
                    && (other.draft.uses.iter())
                        .any(|u| u.in_path && recorded.action_of[recorded.sources[u.source].exchange] == a)
            })
    });
    let Some(first) = first else { return Vec::new() };
    let posts_consumers = recorded.consumers(first);
    let mut creators = vec![first];
    creators.extend((0..actions.len()).filter(|&a| {
        if a == first || !candidate(a) || recorded.acts_on_something(actions, a) {
            return false;
        }
        let consumers = recorded.consumers(a);
        !consumers.is_empty() && consumers.is_subset(&posts_consumers)
    }));
    creators
}
