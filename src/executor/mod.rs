//! The executor replays a plan against a target: the only module that uses goose.
//!
//! Open model on goose: each goose user runs a group of up to 64 *worker slots* (see
//! `slots`). A free slot claims the next job (an arrival or a native's reaction, earliest
//! intended time first), sleeps until its intended time and runs it, recording into our
//! HDR recorders. goose's own test plan, iterations and coordinated-omission mitigation model a
//! closed system and are not used (see ../shared/research/goose-feasibility.md).
//!
//! Nothing that waits holds a slot: a room member's stay is a plain task, and a journey
//! parks in the queue before a long think time (see `walk`). Slots are sized by Little's
//! law on requests in flight with headroom and capped by `--max-in-flight` or memory
//! (`plan::slots`). When all are
//! busy, jobs wait in the queue and their lateness is measured by cause; an arrival later
//! than the lateness budget is dropped and counted, and a run whose starts were late for
//! the generator's own reasons is invalid (see `metrics::ontime`). Memory is bounded: the
//! schedule is a lazy iterator, pending reactions are capped, parked journeys are at most
//! one per person in a journey, and at most `slots` jobs run at once.
//!
//! Stopping: the group that finds nothing left fires goose's killswitch. SIGINT/SIGTERM, the
//! drain limit or a job that panics stop new jobs at once, give in-flight requests a grace
//! period, then abandon them; the run still returns everything measured (see `signals`).
//!
//! Files, each importing only those below it: `config` ([`RunConfig`], [`Limits`]); `job`
//! (the jobs as data) under `dispatch` (the queue) under `context` (one run's state, owning
//! its limits); `primitives` (what every job shares; its waits end on time through
//! `pacer`) under `room`, `retry`, `walk` and `journey` (running each kind of job);
//! `prepare` then `drive` make up [`run`]; `abort` judges the `abort` thresholds while it
//! runs.

mod abort;
mod body;
mod config;
mod context;
mod cpu;
mod dispatch;
mod drive;
mod extract;
mod http;
mod job;
mod journey;
pub mod memory;
mod multi;
mod newcomers;
mod outage;
mod pacer;
mod payloads;
mod prebuilt;
mod prepare;
mod primitives;
mod progress;
mod retry;
mod room;
mod send;
mod setup;
mod signals;
mod slots;
mod target_url;
mod vars;
mod wake;
mod walk;

use std::time::Duration;

pub use config::{Limits, Progress, RunConfig};
pub use context::StopReason;
pub use outage::OutageRecord;
pub use prepare::recorder_for;
pub use setup::SetupSummary;
pub use signals::{Interrupts, StopRequest, StopTrigger, stop_request};

use crate::metrics::RunMetrics;
use crate::scenario::Action;

/// What a replay measured and how it ended.
#[derive(Debug)]
pub struct RunOutcome {
    pub metrics: RunMetrics,
    pub stop: Option<StopReason>,
    /// From the replay clock's start to the end of the run.
    pub elapsed: Duration,
    pub slots: usize,
    /// What the plan asked for and what bounded it.
    pub slot_budget: crate::plan::slots::SlotBudget,
    pub setup: SetupSummary,
    pub population_users: usize,
    pub population_posts: usize,
    pub population_bytes: usize,
    /// Actions the scenario uses that the profile cannot serve, with the reason.
    pub unsupported: Vec<(Action, String)>,
    /// CPU time (user + system) of the process from the replay's start to its end,
    /// seconds, when the platform reports it.
    pub cpu_s: Option<f64>,
    /// The scenario's outage windows and whether each was injected.
    pub outages: Vec<OutageRecord>,
    /// The protocol spoken and the connections opened.
    pub transport: crate::net::Transport,
}

/// Why a replay could not run.
#[derive(Debug, thiserror::Error)]
pub enum ExecutorError {
    #[error(transparent)]
    Setup(#[from] setup::SetupError),
    #[error(transparent)]
    Net(#[from] crate::net::NetError),
    #[error("goose failed: {0}")]
    Goose(String),
    #[error(
        "the start time is {0:.1}s away after setup; worker slots need {1:.1}s to start: give a later --start-at"
    )]
    StartPassed(f64, f64),
    #[error("interrupted by {0} {1}: nothing was replayed, no report written")]
    Interrupted(&'static str, &'static str),
    /// Too few `population.newcomer_accounts` for the schedule (the problem, placed).
    #[error("{0}")]
    NewcomerAccounts(crate::scenario::Problems),
}

pub use crate::net::is_loopback;

/// Replays `config.plan` against the target: prepares the run (policy, health, client,
/// natives, slots, context), then drives it with goose until the schedule is done or the run
/// stops.
pub async fn run(config: RunConfig) -> Result<RunOutcome, ExecutorError> {
    let prepared = prepare::prepare(config).await?;
    drive::drive(prepared).await
}
