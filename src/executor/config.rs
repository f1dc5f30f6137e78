//! What a replay is asked to do: the plan, the profile, where the load goes and the
//! [`Limits`] it runs under. `replay::Config` holds the same `Limits` and hands them over
//! whole, and the run's context keeps them: no field is copied on the way.

use std::time::Duration;

use crate::plan::Plan;
use crate::profile::Profile;

/// How hard the executor may push and how long it waits.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Most jobs in flight at once (worker slots are sized from the plan up to this).
    pub max_in_flight: usize,
    /// Arrivals starting later than this behind schedule are dropped and counted.
    pub lateness_budget: Duration,
    /// A request not answered within this counts as a timeout error.
    pub request_timeout: Duration,
    /// How long the health check before the replay may take.
    pub health_timeout: Duration,
    /// Largest response body read; a larger one fails as `body_too_large`.
    pub max_body_bytes: usize,
    /// How long journeys may continue after the last arrival
    /// (`replay::config::default_drain` when none is given).
    pub drain: Duration,
    /// After a stop, how long in-flight requests may finish.
    pub grace: Duration,
}

/// What a run shows on stderr while it runs: a bar for a person at a terminal, plain lines
/// for a CI log (where a bar redrawn in place would be noise or nothing at all).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Draw the bar when stderr is a terminal.
    pub bar: bool,
    /// When stderr is not a terminal, one line this often; `None`: no lines.
    pub lines_every: Option<Duration>,
}

impl Progress {
    /// Nothing on stderr while the run runs (`--quiet`, and the runs inside `capacity`).
    pub const OFF: Self = Self { bar: false, lines_every: None };
}

/// How to run a replay.
#[derive(Debug)]
pub struct RunConfig {
    pub plan: Plan,
    pub profile: Profile,
    /// Target base URL (loopback, or allowed by `net.policy`).
    pub base_url: String,
    /// How hard to push and how long to wait; the context keeps them for the run.
    pub limits: Limits,
    /// Prefix of this run's handles (shared by the segments of one run).
    pub nonce: String,
    pub progress: Progress,
    /// Token of the target's fault admin endpoint, for the scenario's outage windows.
    pub admin_token: Option<String>,
    /// The share of the plan's natives this process creates (the plan's schedule is
    /// already cut to the same segment).
    pub segment: crate::plan::Segment,
    /// Wall-clock instant of the replay clock's zero (`--start-at`), so segments on several
    /// machines start together; `None` starts right after setup.
    pub start_at: Option<std::time::SystemTime>,
    /// With several targets: the one this process replays (its natives; the plan's
    /// schedule is already cut to its newcomers).
    pub only_target: Option<crate::scenario::TargetShare>,
    /// Test hook: the Nth job panics (see `run --test-panic-after`).
    pub panic_after: Option<u64>,
    /// How the target is reached (allowlist, TLS, HTTP version, `--connect-to`).
    pub net: crate::net::NetConfig,
    /// Where the run records: made by [`super::recorder_for`] from the plan, so the caller
    /// can read it while the run runs (the live metrics endpoint).
    pub recorder: crate::metrics::Recorder,
    /// Thresholds judged live on the run so far; the first to fail stops the run.
    pub abort: Vec<crate::scenario::Threshold>,
    /// The caller's stop (as a first Ctrl-C), latched so that one made during the
    /// caller's own set-up is not lost.
    pub stop: super::StopRequest,
}
