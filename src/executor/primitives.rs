//! What every job shares, whatever runs it (a newcomer's walk, a native's reaction, a
//! retry, a room member's messages): starting on time, sending and recording a request,
//! picking what a step acts on and applying its success to the population.
//!
//! Timing follows the plan, not the target: a job starts at its intended time (or is
//! measured late, by cause), every step's response time counts from its *intended* start —
//! the arrival time plus the planned think times before it — so a slow or stalled target
//! shows up in the numbers instead of silently slowing the load (coordinated omission).

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use rand_chacha::ChaCha8Rng;

use super::context::Context;
use super::http::Exchange;
use super::job::micros;
pub(super) use super::send::Timing;
use super::send::exchange;
use super::vars::Vars;
use crate::metrics::StepKey;
use crate::population::{PostRef, UserRef};
use crate::profile::Role;
use crate::scenario::{Action, PickRule, StepSpec};

/// Default sizes when a step gives none.
const DEFAULT_IMAGE_BYTES: u64 = 100_000;
pub(super) const DEFAULT_TEXT_LEN: u64 = 80;
/// Mean age of outstanding requests past which slots count as held by slow responses:
/// twice what they were sized for (their headroom).
const SLOW_RESPONSE_S: f64 = 2.0 * crate::plan::slots::SLOT_LATENCY_S;

/// Sleeps until `deadline`, waking early when the run stops. Returns false if stopped.
pub async fn sleep_until(ctx: &Context, deadline: Instant) -> bool {
    // One timer per wait: a stop wakes the sleeper at once (`Context::stopped`). goose's
    // own killswitch (its Ctrl-C handler) says nothing, so a far-off wait still looks at
    // it now and then.
    const NAP: Duration = Duration::from_secs(1);
    loop {
        if ctx.stopping() {
            return false;
        }
        let now = Instant::now();
        if now >= deadline {
            return true;
        }
        if deadline - now <= NAP {
            // The pacer, not tokio's 1 ms timer: a start is measured late from this instant.
            tokio::select! {
                () = super::pacer::until(deadline) => return !ctx.stopping(),
                () = ctx.stopped() => return false,
            }
        }
        tokio::select! {
            () = tokio::time::sleep(NAP) => {}
            () = ctx.stopped() => return false,
        }
    }
}

/// What kind of job starts, for the counters of late drops and starts.
pub(super) use crate::metrics::StartKind as Kind;

/// Starts a job at its intended time; `claimed` is when a slot took it from the queue.
/// Returns the start instant, or `None` when the run stopped first or the job (not a
/// journey's step) is too late and was dropped.
///
/// Start lateness has two causes, both the generator's: the job was claimed only after its
/// time because every slot was busy (slot wait), and the runtime woke the slot late (timer
/// lag, CPU saturated). Arrivals and resumed steps count for the run's validity.
pub(super) async fn start(ctx: &Context, intended: Instant, claimed: Instant, kind: Kind) -> Option<Instant> {
    // A slot waiting for its job's time is idle, not busy: the slot counted itself busy
    // when it claimed the job, and does again once the job starts.
    let early = Instant::now() < intended;
    if early {
        ctx.slots_busy.fetch_sub(1, Ordering::Relaxed);
    }
    let woke = sleep_until(ctx, intended).await;
    if early {
        ctx.slots_busy.fetch_add(1, Ordering::Relaxed);
    }
    if !woke {
        if kind == Kind::Arrival {
            // Claimed, then the run stopped before its time: never started, still counted.
            ctx.recorder.record_not_started(1);
        }
        return None;
    }
    let started = Instant::now();
    let lateness = started.saturating_duration_since(intended);
    let slot_wait = claimed.saturating_duration_since(intended).min(lateness);
    let late = lateness > ctx.limits.lateness_budget;
    // Slots sized for responses of `SLOT_LATENCY_S` and held by much slower ones ran out
    // because of the target: a wait for a slot is then the target's doing. Only arrivals
    // and steps are judged on time, so only they pay for the look.
    let judged = matches!(kind, Kind::Arrival | Kind::Step);
    let held_by_slow = judged && ctx.outstanding_mean_age().as_secs_f64() > SLOW_RESPONSE_S;
    // A journey opens when a job other than a step starts in time.
    let opens = kind != Kind::Step && !late;
    let journeys_open = opens.then(|| ctx.journeys_open.fetch_add(1, Ordering::Relaxed) + 1);
    ctx.recorder.record_job_start(&crate::metrics::JobStart {
        at: ctx.replay_clock(started),
        kind,
        slots_busy: ctx.slots_busy.load(Ordering::Relaxed),
        slot: crate::metrics::SlotWait { wait_us: micros(slot_wait), held_by_slow },
        runtime_lag_us: micros(lateness - slot_wait),
        lateness_us: micros(lateness),
        late,
        journeys_open,
    });
    (!late || kind == Kind::Step).then_some(started)
}

/// A journey or reaction ends. Only starts can raise the maximum, so the recorder is not
/// told.
pub(super) fn end(ctx: &Context) {
    ctx.journeys_open.fetch_sub(1, Ordering::Relaxed);
}

/// Picks the account or post the step acts on and loads its fields into `vars`; `None`
/// when none exists yet.
pub(super) fn pick(
    ctx: &Context,
    step: &StepSpec,
    me: Option<UserRef>,
    vars: &mut Vars,
    rng: &mut ChaCha8Rng,
) -> Option<Pick> {
    match step.action {
        Action::Follow | Action::ViewUser => pick_user(ctx, step, me, vars, rng),
        Action::Comment | Action::Like | Action::ViewPost => pick_post(ctx, step, vars, rng),
        // A custom action picks what its profile says, with the same models.
        action => match ctx.profile.roles(action).picks {
            Some(Role::User) => pick_user(ctx, step, me, vars, rng),
            Some(Role::Post) => pick_post(ctx, step, vars, rng),
            None => Some(Pick::None),
        },
    }
}

fn pick_user(
    ctx: &Context,
    step: &StepSpec,
    me: Option<UserRef>,
    vars: &mut Vars,
    rng: &mut ChaCha8Rng,
) -> Option<Pick> {
    let pick = step.pick.clone().unwrap_or(PickRule::Preferential);
    let user = ctx.population.pick_user(&pick, me, rng)?;
    vars.load("target_user.", &ctx.profile.user_fields, ctx.population.user_fields(user));
    Some(Pick::User(user))
}

fn pick_post(ctx: &Context, step: &StepSpec, vars: &mut Vars, rng: &mut ChaCha8Rng) -> Option<Pick> {
    let pick = step.pick.clone().unwrap_or(PickRule::Popular { exponent: 0.9 });
    let post = ctx.population.pick_post(&pick, rng)?;
    vars.load("target_post.", &ctx.profile.post_fields, ctx.population.post_fields(post));
    Some(Pick::Post(post))
}

#[derive(Debug, Clone, Copy)]
pub(super) enum Pick {
    None,
    User(UserRef),
    Post(PostRef),
}

/// Applies a successful request to the journey and the population, and schedules natives'
/// reactions it triggers.
pub(super) fn apply(
    ctx: &Context,
    action: Action,
    pick: Pick,
    me: &mut Option<UserRef>,
    vars: &mut Vars,
    extracted: Vec<(String, String)>,
    rng: &mut ChaCha8Rng,
) {
    for (name, raw) in extracted {
        vars.set(&name, raw);
    }
    let mut created_post = None;
    // A custom action with `creates:` adds to the population like signup or create_post.
    let creates = match action {
        Action::Signup | Action::Login => Some(Role::User),
        Action::CreatePost => Some(Role::Post),
        _ => ctx.profile.roles(action).creates,
    };
    match (creates, action, pick) {
        (Some(Role::User), _, _) => {
            let values: Vec<String> =
                ctx.profile.user_record.iter().map(|n| vars.get(n).unwrap_or_default()).collect();
            let refs: Vec<&str> = values.iter().map(String::as_str).collect();
            *me = Some(ctx.population.add_user(&refs));
        }
        (Some(Role::Post), _, _) => {
            if let Some(author) = *me {
                let values: Vec<String> =
                    ctx.profile.post_fields.iter().map(|n| vars.get(n).unwrap_or_default()).collect();
                let refs: Vec<&str> = values.iter().map(String::as_str).collect();
                created_post = Some(ctx.population.add_post(author, &refs));
            }
        }
        (None, Action::Follow, Pick::User(user)) => ctx.population.followed(user),
        (None, Action::Like | Action::Comment, Pick::Post(post)) => ctx.population.engaged(post),
        _ => {}
    }
    let trigger_post = created_post.or(match pick {
        Pick::Post(post) => Some(post),
        _ => None,
    });
    let now_ns = ctx.replay_clock(Instant::now()).as_nanos() as u64;
    for (i, reaction) in ctx.scenario.spec.population.reactions.iter().enumerate() {
        if reaction.on != action {
            continue;
        }
        // Reaction delays are curve time: compressed like the arrival curve.
        for _ in 0..reaction.count.sample_at_most(rng, crate::scenario::limits::MAX_REACTIONS) {
            let delay_ns = (reaction.delay.sample_s(rng) / ctx.scenario.replay.compress * 1e9) as u64;
            let accepted = ctx.dispatch().schedule(now_ns + delay_ns, i as u16, trigger_post, *me);
            if !accepted {
                ctx.recorder.record_reaction_dropped(ctx.replay_clock(Instant::now()));
            }
        }
    }
}

/// One request of a job: sends it and records its service time, its response time from
/// the journey's schedule and its own delay from readiness. Returns the exchange.
pub(super) async fn request(
    ctx: &Context,
    client: &crate::net::Sender,
    action: Action,
    step: Option<StepKey>,
    timing: Timing,
    vars: &Vars,
    body_size: usize,
) -> Option<Exchange> {
    let exchange = match ctx.profile.multi(action) {
        Some(multi) => super::multi::perform(ctx, client, multi, timing, vars, body_size).await,
        None => {
            let request = ctx.profile.request(action)?;
            let lookup = |name: &str| vars.get(name);
            exchange(ctx, ctx.call(client, request, &lookup, body_size)).await
        }
    };
    let ended = Instant::now();
    let delays = crate::metrics::Delays {
        service_us: micros(exchange.service),
        response_us: micros(ended.saturating_duration_since(timing.intended)),
        own_us: micros(ended.saturating_duration_since(timing.ready)),
    };
    ctx.recorder.record_request(ctx.replay_clock(ended), action, step, delays, exchange.outcome);
    Some(exchange)
}

pub(super) fn body_size(step: &StepSpec, rng: &mut ChaCha8Rng) -> usize {
    let payload = step.payload.as_ref();
    let size = match step.action {
        Action::UploadMedia => {
            payload.and_then(|p| p.image_bytes.as_ref()).map_or(DEFAULT_IMAGE_BYTES, |d| d.sample(rng))
        }
        _ => payload.and_then(|p| p.text_len.as_ref()).map_or(DEFAULT_TEXT_LEN, |d| d.sample(rng)),
    };
    size as usize
}
