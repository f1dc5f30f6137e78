//! Everything a replay does before its clock starts: the target's policy and health, the
//! client, the natives, the outage injector, the worker slots' number, the recorders and the
//! replay clock's zero, gathered into the run's [`Context`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::config::RunConfig;
use super::context::{Context, ContextParts};
use super::dispatch::Dispatch;
use super::http::Payloads;
use super::setup::{self, SetupSummary};
use super::signals::Interrupts;
use super::{ExecutorError, memory, outage};
use crate::metrics::{MetricsConfig, Recorder};
use crate::net::Wire;
use crate::plan::Plan;
use crate::plan::slots::SlotBudget;
use crate::population::Population;
use crate::profile::Profile;
use crate::scenario::Action;

/// Pending reactions kept at most; more are dropped (and counted) so memory stays bounded.
const REACTION_QUEUE_CAP: usize = 200_000;

/// A replay ready to drive: its context, and what driving and the outcome need besides.
pub(super) struct Prepared {
    pub ctx: Arc<Context>,
    pub client: crate::net::Sender,
    pub wire: Arc<Wire>,
    pub interrupts: Interrupts,
    pub injector: Arc<outage::Injector>,
    pub slot_budget: SlotBudget,
    pub setup: SetupSummary,
    pub unsupported: Vec<(Action, String)>,
    /// Target base URL without a trailing slash.
    pub base_url: String,
    /// The replay's span on the replay clock (the last arrival's intended time at most).
    pub replay_span: Duration,
    pub progress: super::config::Progress,
    pub insecure: bool,
    /// Thresholds judged live (see `abort`).
    pub abort: Vec<crate::scenario::Threshold>,
}

/// The client, once the target passed the policy and the health check.
struct Connected {
    client: crate::net::Sender,
    wire: Arc<Wire>,
    interrupts: Interrupts,
    payloads: Payloads,
    base_url: String,
}

/// Checks, connects, sets the natives up and builds the context of `config`'s replay.
pub(super) async fn prepare(mut config: RunConfig) -> Result<Prepared, ExecutorError> {
    // The same base URL `connect` gives every call.
    super::prebuilt::bind(&mut config.profile, config.base_url.trim_end_matches('/'));
    crate::plan::accounts::check(&config.plan).map_err(ExecutorError::NewcomerAccounts)?;
    if config.plan.scenario.newcomer_accounts.is_some() && config.profile.request(Action::Login).is_none() {
        return Err(setup::SetupError::NoLoginForAccounts.into());
    }
    let Connected { client, wire, mut interrupts, payloads, base_url } = connect(&config).await?;
    let population = Population::new();
    let endpoint = setup::Endpoint {
        client: &client,
        base_url: &base_url,
        profile: &config.profile,
        payloads: &payloads,
        max_body_bytes: config.limits.max_body_bytes,
    };
    let setup = tokio::select! {
        setup = natives(&config, &endpoint, &population) => setup?,
        name = interrupts.next() => return Err(ExecutorError::Interrupted(name, "while creating the natives")),
    };
    let injector = Arc::new(
        outage::Injector::prepare(
            client.reqwest(),
            &base_url,
            &config.profile,
            config.admin_token.as_deref(),
            &config.plan.scenario,
            config.only_target.as_ref().map(|t| t.index),
        )
        .await,
    );
    let plan = config.plan;
    let slot_budget = SlotBudget::size(&plan, config.limits.max_in_flight, memory::available_bytes());
    // Slots must all be running before the first arrival: goose starts 10,000 per second.
    let lead =
        Duration::from_millis(500) + crate::units::duration_from_secs(slot_budget.slots as f64 / 10_000.0);
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
    let unsupported = unsupported(&plan, &config.profile);
    let ctx = Arc::new(Context::new(ContextParts {
        scenario: plan.scenario.clone(),
        recorder: config.recorder,
        dispatch: Dispatch::new(plan.schedule.iter(), REACTION_QUEUE_CAP),
        profile: config.profile,
        population,
        natives: setup.natives,
        base_url: base_url.clone(),
        t0,
        limits: config.limits,
        nonce: config.nonce,
        payloads,
        panic_after: config.panic_after,
    }));
    Ok(Prepared {
        ctx,
        client,
        wire,
        interrupts,
        injector,
        slot_budget,
        setup,
        unsupported,
        base_url,
        replay_span: crate::units::duration_from_secs(plan.scenario.replay.replay_span_s()),
        progress: config.progress,
        insecure: config.net.tls.insecure,
        abort: config.abort,
    })
}

/// The target passed the policy (checked again where load is sent from), the client built
/// and the health check passed.
async fn connect(config: &RunConfig) -> Result<Connected, ExecutorError> {
    let net = &config.net;
    let destination =
        net.policy.check(&config.base_url, &net.connect_to).map_err(crate::net::NetError::from)?;
    // Before anything that takes time, so that Ctrl-C during setup is ours too.
    let mut interrupts = Interrupts::listen().with_request(config.stop.clone());
    // The previous replay of this process (a capacity search's last step) left goose's
    // process-global killswitch fired: clear it before anything reads it.
    goose::reset_killswitch();
    let base_url = config.base_url.trim_end_matches('/').to_string();
    let timeout = config.limits.request_timeout + Duration::from_secs(1);
    let (client, wire) =
        crate::net::client::build(net, &destination, timeout, config.profile.follow_redirects)?;
    if !destination.loopback {
        let actions = config.plan.expectations.actions.values();
        let (peak, total) = actions.fold((0.0, 0.0), |(p, t), a| (p + a.peak_per_s, t + a.requests));
        println!("{}", crate::net::announce(&destination, peak, total).await);
    }
    // Generated bodies are slices of one buffer, made once per run.
    let payloads = Payloads::new(config.plan.scenario.seed);
    let limits = &config.limits;
    tokio::select! {
        checked = setup::preflight(&client, &base_url, &config.profile, &payloads, limits.max_body_bytes, limits.health_timeout) => checked?,
        name = interrupts.next() => return Err(ExecutorError::Interrupted(name, "during the health check")),
    }
    Ok(Connected { client, wire, interrupts, payloads, base_url })
}

/// Creates this process's share of the natives (and finds the other segments').
async fn natives(
    config: &RunConfig,
    endpoint: &setup::Endpoint<'_>,
    population: &Population,
) -> Result<SetupSummary, setup::SetupError> {
    let scenario = &config.plan.scenario;
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
        accounts: scenario.accounts.clone(),
    };
    setup::natives(endpoint, population, &config.nonce, native_plan, posts_each).await
}

/// The recorders of `plan`'s run, one interval of the plan's series each.
pub fn recorder_for(plan: &Plan) -> Recorder {
    Recorder::new(MetricsConfig {
        interval: crate::units::duration_from_secs(plan.interval_s()),
        journeys: (plan.scenario.spec.journeys.iter())
            .map(|j| (j.name.clone(), j.steps.iter().map(|s| s.action).collect()))
            .collect(),
        planned_per_interval: plan.series().iter().map(|i| i.arrivals).collect(),
    })
}

/// Actions used by the scenario that `profile` does not support.
fn unsupported(plan: &Plan, profile: &Profile) -> Vec<(Action, String)> {
    let spec = &plan.scenario.spec;
    let mut used: Vec<Action> = spec.journeys.iter().flat_map(|j| j.steps.iter().map(|s| s.action)).collect();
    used.extend(spec.population.reactions.iter().map(|r| r.action));
    used.sort();
    used.dedup();
    used.into_iter().filter_map(|a| profile.unsupported_reason(a).map(|why| (a, why))).collect()
}

/// Time from now until the wall-clock instant `at` (zero when it has passed).
fn until_wall(at: std::time::SystemTime) -> Duration {
    at.duration_since(std::time::SystemTime::now()).unwrap_or_default()
}
