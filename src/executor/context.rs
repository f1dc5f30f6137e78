//! State shared by every worker slot of one run.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use rand::Rng;
use tokio::sync::watch;

use super::config::Limits;
use super::dispatch::Dispatch;
use super::http::Payloads;
use super::job::{Walk, micros};
use crate::metrics::Recorder;
use crate::population::{Population, UserRef};
use crate::profile::Profile;
use crate::scenario::Scenario;

/// Why a run stopped before its schedule completed.
#[derive(Debug, Clone, PartialEq)]
pub enum StopReason {
    /// SIGINT or SIGTERM.
    Signal(String),
    /// Journeys still running when the drain limit after the last arrival passed.
    DrainTimeout,
    /// A job panicked (a bug in stampede): the run stops and keeps what it measured.
    Internal(String),
    /// An `abort` threshold failed on the run so far (see `abort`).
    Aborted {
        /// The threshold as written.
        threshold: String,
        /// What was measured, for people (`12.5%`, `2.10s`).
        measured: String,
        /// Replay-clock time of the judgement, seconds.
        at_s: f64,
    },
}

impl std::fmt::Display for StopReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Signal(name) => write!(f, "interrupted by {name}"),
            Self::DrainTimeout => f.write_str("journeys still running at the drain limit"),
            Self::Internal(what) => write!(f, "internal error: {what}"),
            Self::Aborted { threshold, measured, at_s } => {
                write!(f, "aborted at {at_s:.1}s: `{threshold}` failed (measured {measured})")
            }
        }
    }
}

/// Everything a slot needs to run jobs.
#[derive(Debug)]
pub struct Context {
    pub scenario: Scenario,
    pub profile: Profile,
    pub population: Population,
    /// Natives are the first `natives` accounts of the population.
    pub natives: u32,
    pub recorder: Recorder,
    /// The job queue, and the idle slot groups' wake-up when its work changes.
    pub dispatch: super::wake::Shared,
    pub payloads: Payloads,
    /// Target base URL without a trailing slash.
    pub base_url: String,
    /// Start of the replay clock: arrival offsets count from here.
    pub t0: Instant,
    /// The run's limits, as configured: lateness budget, request timeout, body cap, drain
    /// and grace.
    pub limits: Limits,
    /// Prefix that makes this run's handles unique on a platform that keeps data.
    pub nonce: String,
    pub seed: u64,
    /// Journeys between their arrival and their end, parked ones included (people, not
    /// requests: a parked journey holds no slot).
    pub journeys_open: AtomicU64,
    /// Worker slots running a started job (not those waiting for their job's time).
    pub slots_busy: AtomicU64,
    /// Requests sent from worker slots and not yet answered, and the sum of their send
    /// times (replay clock, ns): their mean age tells whether slots are held by slow
    /// responses (the target's doing) when a start had to wait for a slot.
    pub outstanding: AtomicU64,
    pub outstanding_sent_ns: AtomicU64,
    /// Soft stop: no new jobs, sleeping slots wake up.
    stop: AtomicBool,
    /// The soft stop again, for those who wait for it (the grace period's timer).
    stopped: watch::Sender<bool>,
    stop_reason: Mutex<Option<StopReason>>,
    /// Hard stop: in-flight requests are abandoned (after the grace period).
    abort: watch::Sender<bool>,
    /// Test hook (`run --test-panic-after N`): job N panics, to exercise the panic path.
    panic_after: Option<u64>,
    jobs_claimed: AtomicU64,
}

/// The parts of a [`Context`] decided before the run starts.
#[derive(Debug)]
pub struct ContextParts {
    pub scenario: Scenario,
    pub profile: Profile,
    pub population: Population,
    pub natives: u32,
    pub recorder: Recorder,
    pub dispatch: Dispatch,
    pub base_url: String,
    pub t0: Instant,
    pub limits: Limits,
    pub nonce: String,
    pub payloads: Payloads,
    pub panic_after: Option<u64>,
}

impl Context {
    /// Mean age of the requests slots are waiting on, or zero when none is outstanding.
    pub fn outstanding_mean_age(&self) -> Duration {
        let count = self.outstanding.load(Ordering::Relaxed);
        if count == 0 {
            return Duration::ZERO;
        }
        let now_ns = self.replay_clock(Instant::now()).as_nanos() as u64;
        let mean_sent_ns = self.outstanding_sent_ns.load(Ordering::Relaxed) / count;
        Duration::from_nanos(now_ns.saturating_sub(mean_sent_ns))
    }

    pub fn new(parts: ContextParts) -> Self {
        let seed = parts.scenario.seed;
        Self {
            payloads: parts.payloads,
            seed,
            scenario: parts.scenario,
            profile: parts.profile,
            population: parts.population,
            natives: parts.natives,
            recorder: parts.recorder,
            dispatch: super::wake::Shared::new(parts.dispatch),
            base_url: parts.base_url,
            t0: parts.t0,
            limits: parts.limits,
            nonce: parts.nonce,
            journeys_open: AtomicU64::new(0),
            slots_busy: AtomicU64::new(0),
            outstanding: AtomicU64::new(0),
            outstanding_sent_ns: AtomicU64::new(0),
            stop: AtomicBool::new(false),
            stopped: watch::Sender::new(false),
            stop_reason: Mutex::new(None),
            abort: watch::Sender::new(false),
            panic_after: parts.panic_after,
            jobs_claimed: AtomicU64::new(0),
        }
    }

    /// A request of this run to its target, with the journey's values in `lookup`.
    pub fn call<'a>(
        &'a self,
        client: &'a crate::net::Sender,
        request: &'a crate::profile::Request,
        lookup: &'a (dyn Fn(&str) -> Option<String> + Sync),
        body_size: usize,
    ) -> super::http::Call<'a> {
        super::http::Call {
            client,
            base_url: &self.base_url,
            request,
            lookup,
            payloads: &self.payloads,
            body_size,
            timeout: self.limits.request_timeout,
            max_body_bytes: self.limits.max_body_bytes,
        }
    }

    pub fn dispatch(&self) -> super::wake::Guard<'_> {
        self.dispatch.lock()
    }

    /// Offset of `instant` on the replay clock (zero before the start).
    pub fn replay_clock(&self, instant: Instant) -> Duration {
        instant.saturating_duration_since(self.t0)
    }

    /// Whether slots should stop taking and waiting for work: our own stop, or goose's
    /// killswitch (its Ctrl-C handler fires it without telling us).
    pub fn stopping(&self) -> bool {
        self.stop.load(Ordering::Relaxed) || goose::is_killswitch_triggered()
    }

    /// Stops the run: no new jobs; the first reason given is kept.
    pub fn request_stop(&self, reason: StopReason) {
        let mut slot = self.stop_reason.lock().unwrap_or_else(PoisonError::into_inner);
        slot.get_or_insert(reason);
        self.stop.store(true, Ordering::Relaxed);
        self.stopped.send_replace(true);
        let (arrivals, reactions, parked) = self.dispatch().close();
        for walk in parked {
            self.abandon(&walk);
        }
        let at = self.replay_clock(Instant::now());
        for _ in 0..reactions {
            self.recorder.record_reaction_dropped(at);
        }
        self.recorder.record_not_started(arrivals);
        tracing::debug!(arrivals, reactions, "stopped: jobs never started");
    }

    /// A walk parked when the run stopped ends unfinished: recorded, and its journey closed.
    fn abandon(&self, walk: &Walk) {
        let now = Instant::now();
        let response = now.saturating_duration_since(walk.intended);
        let skipped = walk.skipped + walk.remaining_steps();
        self.recorder.record_journey(self.replay_clock(now), walk.j as u16, micros(response), false, skipped);
        self.journeys_open.fetch_sub(1, Ordering::Relaxed);
    }

    pub fn stop_reason(&self) -> Option<StopReason> {
        self.stop_reason.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Resolves once the run is stopping (by [`Context::request_stop`]).
    pub async fn stopped(&self) {
        let mut receiver = self.stopped.subscribe();
        // The sender lives as long as `self`.
        let _ = receiver.wait_for(|stopped| *stopped).await;
    }

    /// Panics when the test hook says this job should (counting jobs as they start).
    pub fn maybe_inject_panic(&self) {
        let job = self.jobs_claimed.fetch_add(1, Ordering::Relaxed) + 1;
        if self.panic_after.is_some_and(|n| job == n) {
            panic!("injected by --test-panic-after {job}");
        }
    }

    /// Abandons in-flight requests.
    pub fn abort(&self) {
        self.abort.send_replace(true);
    }

    /// Resolves once the run is aborted.
    pub async fn aborted(&self) {
        let mut receiver = self.abort.subscribe();
        // An error means the sender is gone, which only happens at the very end.
        let _ = receiver.wait_for(|aborted| *aborted).await;
    }

    /// A random native, for journeys without signup and for reactions.
    pub fn pick_native<R: Rng + ?Sized>(&self, rng: &mut R) -> Option<UserRef> {
        (self.natives > 0).then(|| UserRef(rng.random_range(0..self.natives)))
    }
}
