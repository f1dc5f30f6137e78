//! The jobs worker slots run, as data: newcomers' arrivals, natives' reactions, newcomers'
//! retries and parked journeys (a [`Walk`]'s state between two steps). The dispatch queues
//! them and the context holds the queue; what runs them (`journey`, `walk`, `room`) sits
//! above both, so this file imports neither and the executor's files form no circle.

use std::time::{Duration, Instant};

use rand_chacha::ChaCha8Rng;

use super::vars::Vars;
use crate::plan::Arrival;
use crate::plan::newcomer::PlannedStep;
use crate::population::{PostRef, UserRef};

/// A native's reaction to something a newcomer did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ReactionJob {
    /// Intended start on the replay clock, nanoseconds (first: orders the heap).
    pub intended_ns: u64,
    /// Unique number, for the reaction's random stream.
    pub seq: u64,
    /// Index of the reaction in `population.reactions`.
    pub reaction: u16,
    /// The post the newcomer created, if the trigger made one.
    pub post: Option<u32>,
    /// The newcomer who triggered it.
    pub user: Option<u32>,
}

impl ReactionJob {
    pub fn post(&self) -> Option<PostRef> {
        self.post.map(PostRef)
    }

    pub fn user(&self) -> Option<UserRef> {
        self.user.map(UserRef)
    }
}

/// A newcomer coming back after being turned away at the first step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct RetryJob {
    /// Intended start on the replay clock, nanoseconds (first: orders the heap).
    pub intended_ns: u64,
    /// The newcomer's arrival index.
    pub index: u64,
    /// The arrival's time on the curve, milliseconds (for phase-bound steps).
    pub real_t_ms: u64,
    /// 1 for the first retry.
    pub attempt: u32,
}

/// Work for one slot.
#[derive(Debug)]
pub enum Job {
    Newcomer(Arrival),
    Reaction(ReactionJob),
    Retry(RetryJob),
    /// A parked journey's next step.
    Resume(Box<Walk>),
}

impl Job {
    #[cfg(test)]
    pub fn intended_ns(&self) -> u64 {
        match self {
            Self::Newcomer(arrival) => arrival.replay_offset_ns,
            Self::Reaction(reaction) => reaction.intended_ns,
            Self::Retry(retry) => retry.intended_ns,
            Self::Resume(_) => u64::MAX,
        }
    }
}

/// A journey in progress: everything needed to resume it at its next step.
#[derive(Debug)]
pub struct Walk {
    /// Journey index in the scenario.
    pub(super) j: usize,
    pub(super) index: u64,
    pub(super) real_t_s: f64,
    pub(super) attempt: u32,
    /// The journey's intended start (the arrival or retry).
    pub(super) intended: Instant,
    /// The ideal schedule of the next step: `intended` + planned think times so far.
    pub(super) step_intended: Instant,
    /// When the next step is ready: the previous response + its think time.
    pub(super) ready: Instant,
    pub(super) steps: Vec<PlannedStep>,
    /// Next step to run.
    pub(super) k: usize,
    /// Whether step `k`'s think time is already behind (or being waited in the heap).
    pub(super) thought: bool,
    pub(super) vars: Vars,
    pub(super) me: Option<UserRef>,
    pub(super) rng: ChaCha8Rng,
    /// Rooms joined: name and end of the stay (the stay itself runs in a task of its own).
    pub(super) rooms: Vec<(String, Instant)>,
    pub(super) completed: bool,
    pub(super) skipped: u32,
    pub(super) turned_away: bool,
    pub(super) any_succeeded: bool,
    /// The newcomer is a listed account (`population.newcomer_accounts`): it logs in
    /// where its journey signs up.
    pub(super) listed: bool,
}

impl Walk {
    /// Steps not run yet, counted as skipped when the journey ends here.
    pub(super) fn remaining_steps(&self) -> u32 {
        u32::try_from(self.steps.len() - self.k).unwrap_or(u32::MAX)
    }
}

/// A duration in the recorders' unit, microseconds (saturating).
pub(super) fn micros(d: Duration) -> u64 {
    d.as_micros().min(u128::from(u64::MAX)) as u64
}
