//! The executor replays a plan against a target: the only module that uses goose.
//!
//! Open model on goose: goose users are *worker slots*. Each call of the single goose
//! transaction claims the next job (an arrival or a native's reaction, earliest intended
//! time first), sleeps until its intended time and runs it, recording into our HDR
//! recorders. goose's own test plan, iterations and coordinated-omission mitigation model a
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
//! Stopping: the slot that finds nothing left fires goose's killswitch. SIGINT/SIGTERM, the
//! drain limit or a job that panics stop new jobs at once, give in-flight requests a grace
//! period, then abandon them; the run still returns everything measured (see `signals`).

mod context;
mod cpu;
mod dispatch;
mod http;
mod journey;
pub mod memory;
mod outage;
mod progress;
mod retry;
mod room;
mod setup;
mod signals;
mod vars;
mod walk;

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures_util::FutureExt as _;
use goose::config::GooseConfiguration;
use goose::goose::{GooseUser, Scenario as GooseScenario, Transaction, TransactionFunction};
use goose::prelude::GooseAttack;

pub use context::StopReason;
pub use outage::OutageRecord;
pub use setup::SetupSummary;
pub use signals::interrupt;

use crate::metrics::{MetricsConfig, Recorder, RunMetrics};
use crate::plan::Plan;
use crate::population::Population;
use crate::profile::Profile;
use crate::scenario::Action;
use context::{Context, ContextParts};
use dispatch::{Claim, Dispatch, Job};

/// Pending reactions kept at most; more are dropped (and counted) so memory stays bounded.
const REACTION_QUEUE_CAP: usize = 200_000;
/// Idle nap of a slot that found no work due.
const IDLE: Duration = Duration::from_millis(20);

/// How to run a replay.
#[derive(Debug)]
pub struct RunConfig {
    pub plan: Plan,
    pub profile: Profile,
    /// Target base URL (loopback, or allowed by `net.policy`).
    pub base_url: String,
    /// Upper bound on worker slots (concurrent jobs).
    pub max_in_flight: usize,
    /// Arrivals later than this are dropped.
    pub lateness_budget: Duration,
    pub request_timeout: Duration,
    /// How long the health check may take (`--health-timeout`).
    pub health_timeout: Duration,
    /// Largest response body read (`--max-body`); a larger one fails as `body_too_large`.
    pub max_body_bytes: usize,
    /// How long journeys may run after the last arrival's intended time.
    pub drain: Duration,
    /// How long in-flight requests may finish after a stop.
    pub grace: Duration,
    /// Prefix of this run's handles (shared by the segments of one run).
    pub nonce: String,
    pub progress: bool,
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
}

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
}

pub use crate::net::is_loopback;

/// Mean age of outstanding requests past which slots count as held by slow responses:
/// twice what they were sized for (their headroom).
const SLOW_RESPONSE_S: f64 = 2.0 * crate::plan::slots::SLOT_LATENCY_S;

/// Actions used by the scenario that `profile` does not support.
fn unsupported(plan: &Plan, profile: &Profile) -> Vec<(Action, String)> {
    let spec = &plan.scenario.spec;
    let mut used: Vec<Action> = spec.journeys.iter().flat_map(|j| j.steps.iter().map(|s| s.action)).collect();
    used.extend(spec.population.reactions.iter().map(|r| r.action));
    used.sort();
    used.dedup();
    used.into_iter().filter_map(|a| profile.unsupported_reason(a).map(|why| (a, why))).collect()
}

/// Replays `config.plan` against the target.
pub async fn run(config: RunConfig) -> Result<RunOutcome, ExecutorError> {
    // The command line checked this already; checked again where load is sent from.
    let net = &config.net;
    let destination =
        net.policy.check(&config.base_url, &net.connect_to).map_err(crate::net::NetError::from)?;
    // Before anything that takes time, so that Ctrl-C during setup is ours too.
    let mut interrupts = signals::Interrupts::listen();
    let base_url = config.base_url.trim_end_matches('/').to_string();
    let (client, wire) =
        crate::net::client::build(net, &destination, config.request_timeout + Duration::from_secs(1))?;
    if !destination.loopback {
        let actions = config.plan.expectations.actions.values();
        let (peak, total) = actions.fold((0.0, 0.0), |(p, t), a| (p + a.peak_per_s, t + a.requests));
        println!("{}", crate::net::announce(&destination, peak, total).await);
    }
    // Generated bodies are slices of one buffer, made once per run.
    let payloads = http::Payloads::new(config.plan.scenario.seed);
    tokio::select! {
        checked = setup::preflight(&client, &base_url, &config.profile, &payloads, config.max_body_bytes, config.health_timeout) => checked?,
        name = interrupts.next() => return Err(ExecutorError::Interrupted(name, "during the health check")),
    }

    let plan = config.plan;
    let scenario = &plan.scenario;
    let population = Population::new();
    let natives = (scenario.spec.population.natives as f64 * scenario.replay.sample).round() as u32;
    let posts_spec = scenario.spec.population.posts_per_native.clone();
    let seed = scenario.seed;
    let posts_each = move |i: u32| {
        let mut rng =
            crate::plan::newcomer::rng_for(seed, crate::plan::newcomer::stream::NATIVE, u64::from(i));
        posts_spec
            .as_ref()
            .map_or(0, |d| d.sample_at_most(&mut rng, crate::scenario::limits::MAX_POSTS_PER_NATIVE) as u32)
    };
    let endpoint = setup::Endpoint {
        client: &client,
        base_url: &base_url,
        profile: &config.profile,
        payloads: &payloads,
        max_body_bytes: config.max_body_bytes,
    };
    // Other segments' natives are looked for until shortly before the common start (or for
    // a minute when there is none).
    let resolve_until = match config.start_at {
        Some(at) => Instant::now() + until_wall(at).saturating_sub(Duration::from_secs(2)),
        None => Instant::now() + Duration::from_secs(60),
    };
    let native_plan = setup::NativePlan {
        count: natives,
        segment: config.segment,
        resolve_until,
        target: config.only_target.clone(),
    };
    let setup = tokio::select! {
        setup = setup::natives(&endpoint, &population, &config.nonce, native_plan, posts_each) => setup?,
        name = interrupts.next() => return Err(ExecutorError::Interrupted(name, "while creating the natives")),
    };
    let injector = Arc::new(
        outage::Injector::prepare(
            &client,
            &base_url,
            &config.profile,
            config.admin_token.as_deref(),
            &plan.scenario,
            config.only_target.as_ref().map(|t| t.index),
        )
        .await,
    );

    let slot_budget =
        crate::plan::slots::SlotBudget::size(&plan, config.max_in_flight, memory::available_bytes());
    let slots = slot_budget.slots;
    let interval = crate::units::duration_from_secs(plan.interval_s());
    let series = plan.series();
    let recorder = Recorder::new(MetricsConfig {
        interval,
        journeys: scenario
            .spec
            .journeys
            .iter()
            .map(|j| (j.name.clone(), j.steps.iter().map(|s| s.action).collect()))
            .collect(),
        planned_per_interval: series.iter().map(|i| i.arrivals).collect(),
    });
    let unsupported = unsupported(&plan, &config.profile);
    // Slots must all be running before the first arrival: goose starts 10,000 per second.
    let lead = Duration::from_millis(500) + crate::units::duration_from_secs(slots as f64 / 10_000.0);
    let t0 = match config.start_at {
        Some(at) => {
            let away = until_wall(at);
            if away < lead {
                return Err(ExecutorError::StartPassed(away.as_secs_f64(), lead.as_secs_f64()));
            }
            Instant::now() + away
        }
        None => Instant::now() + lead,
    };
    let replay_span = crate::units::duration_from_secs(scenario.replay.replay_span_s());
    let ctx = Arc::new(Context::new(ContextParts {
        scenario: plan.scenario.clone(),
        profile: config.profile,
        population,
        natives: setup.natives,
        recorder,
        dispatch: Dispatch::new(plan.schedule.iter(), REACTION_QUEUE_CAP),
        base_url: base_url.clone(),
        t0,
        lateness_budget: config.lateness_budget,
        request_timeout: config.request_timeout,
        max_body_bytes: config.max_body_bytes,
        nonce: config.nonce,
        payloads,
        panic_after: config.panic_after,
    }));

    let completed = Arc::new(AtomicBool::new(false));
    let watchers = [
        tokio::spawn(signals::watch_signals(ctx.clone(), interrupts, config.grace)),
        tokio::spawn(signals::watch_stop(ctx.clone(), config.grace)),
        tokio::spawn(signals::watch_drain(ctx.clone(), t0 + replay_span + config.drain)),
        tokio::spawn(progress::show(
            ctx.clone(),
            slots,
            plan.schedule.expected_total() / f64::from(config.segment.count.max(1)),
            replay_span,
            config.progress,
        )),
        tokio::spawn(injector.clone().run(ctx.clone())),
    ];
    let cpu_before = cpu::process_cpu_s();
    let result = attack(ctx.clone(), completed.clone(), slots, &base_url, client).await;
    let cpu_s = cpu::process_cpu_s().zip(cpu_before).map(|(after, before)| after - before);
    for watcher in watchers {
        watcher.abort();
    }
    injector.lift().await;
    result?;
    let elapsed = Instant::now().saturating_duration_since(t0);
    let mut stop = ctx.stop_reason();
    if stop.is_none() && !completed.load(Ordering::Relaxed) {
        // Something else fired goose's killswitch (its Ctrl-C handler, if ours could not
        // be installed): the schedule did not complete.
        stop = Some(StopReason::Signal("SIGINT".to_string()));
    }
    Ok(RunOutcome {
        metrics: ctx.recorder.finish(),
        stop,
        elapsed,
        slots,
        slot_budget,
        setup,
        population_users: ctx.population.user_count(),
        population_posts: ctx.population.post_count(),
        population_bytes: ctx.population.heap_bytes(),
        unsupported,
        cpu_s,
        outages: injector.records(),
        transport: wire.transport(base_url.starts_with("https:"), config.net.tls.insecure),
    })
}

/// Time from now until the wall-clock instant `at` (zero when it has passed).
fn until_wall(at: std::time::SystemTime) -> Duration {
    at.duration_since(std::time::SystemTime::now()).unwrap_or_default()
}

/// Runs goose with `slots` users, each looping over [`slot`] with `client` (ours, not
/// goose's: it carries the run's TLS, HTTP version and connection count, and one pool).
async fn attack(
    ctx: Arc<Context>,
    completed: Arc<AtomicBool>,
    slots: usize,
    base_url: &str,
    client: reqwest::Client,
) -> Result<(), ExecutorError> {
    let goose_error = |e: goose::GooseError| ExecutorError::Goose(e.to_string());
    let mut cfg = GooseConfiguration::default();
    cfg.host = Some(base_url.to_string());
    cfg.users = Some(slots);
    cfg.increase_rate = Some("10000".to_string());
    cfg.quiet = 1;
    cfg.no_print_metrics = true;
    cfg.no_error_summary = true;
    cfg.no_telnet = true;
    cfg.no_metrics = true;
    let transaction: TransactionFunction = Arc::new(move |_: &mut GooseUser| {
        let (ctx, completed, client) = (ctx.clone(), completed.clone(), client.clone());
        Box::pin(async move {
            slot(&ctx, &completed, &client).await;
            Ok(())
        })
    });
    // goose builds a client of its own even so, never used: one shared, without cookies,
    // rather than one per user (its default), which would cost a cookie jar per slot.
    let builder = goose::client::GooseClientBuilder::new().without_cookies().gzip(false);
    GooseAttack::initialize_with_config(cfg)
        .map_err(goose_error)?
        .set_client_builder_without_cookies(builder)
        .map_err(goose_error)?
        .register_scenario(
            GooseScenario::new("replay").register_transaction(Transaction::new(transaction).set_name("slot")),
        )
        .execute()
        .await
        .map_err(goose_error)?;
    Ok(())
}

/// One goose transaction: claim one job and run it.
async fn slot(ctx: &Arc<Context>, completed: &AtomicBool, client: &reqwest::Client) {
    if goose::is_killswitch_triggered() && !completed.load(Ordering::Relaxed) && ctx.stop_reason().is_none() {
        ctx.request_stop(StopReason::Signal("SIGINT".to_string()));
    }
    let claim = ctx.dispatch().claim();
    let claimed = Instant::now();
    match claim {
        Claim::Job(job) => {
            // Busy until the job ends or parks (see `journey::start` for the wait before).
            ctx.slots_busy.fetch_add(1, Ordering::Relaxed);
            let run = async move {
                ctx.maybe_inject_panic();
                match job {
                    Job::Newcomer(arrival) => journey::newcomer(ctx, client, arrival, claimed).await,
                    Job::Reaction(reaction) => journey::reaction(ctx, client, reaction, claimed).await,
                    Job::Retry(retry) => retry::run(ctx, client, retry, claimed).await,
                    Job::Resume(walk) => walk.resume(ctx, client, claimed).await,
                }
            };
            // A panic is a bug in stampede; it must not take the slot (and with it the run's
            // accounting) down: the run stops and reports what it measured, marked.
            if let Err(panic) = AssertUnwindSafe(run).catch_unwind().await {
                ctx.request_stop(StopReason::Internal(signals::panic_message(panic.as_ref())));
            }
            ctx.slots_busy.fetch_sub(1, Ordering::Relaxed);
            ctx.dispatch().finish();
        }
        Claim::Wait => tokio::time::sleep(IDLE).await,
        Claim::Done => {
            if ctx.stop_reason().is_none() {
                completed.store(true, Ordering::Relaxed);
            }
            goose::trigger_killswitch("replay finished");
            // goose checks its exit command between transactions: nap so it gets to it.
            tokio::time::sleep(IDLE).await;
        }
    }
}
