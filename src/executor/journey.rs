//! Running one job: a newcomer's journey (arrival → steps) or a native's reaction.
//!
//! Timing follows the plan, not the target: a job starts at its intended time (or is
//! measured late), every step's response time counts from its *intended* start — the
//! arrival time plus the planned think times before it — so a slow or stalled target shows
//! up in the numbers instead of silently slowing the load (coordinated omission).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::context::Context;
use super::dispatch::ReactionJob;
use super::http::{self, Call, Exchange};
use super::room::{self, Membership};
use super::vars::Vars;
use crate::metrics::{ErrorClass, StepKey};
use crate::plan::Arrival;
use crate::plan::newcomer::{self, stream};
use crate::population::{PostRef, UserRef};
use crate::scenario::{Action, DEFAULT_ROOM, Pick, StepSpec};

/// Default sizes when a step gives none.
const DEFAULT_IMAGE_BYTES: u64 = 100_000;
const DEFAULT_TEXT_LEN: u64 = 80;

/// Sleeps until `deadline`, waking early when the run stops. Returns false if stopped.
pub async fn sleep_until(ctx: &Context, deadline: Instant) -> bool {
    // Short naps keep a stopped run from waiting on a far-future arrival.
    const NAP: Duration = Duration::from_millis(100);
    loop {
        if ctx.stopping() {
            return false;
        }
        let now = Instant::now();
        if now >= deadline {
            return true;
        }
        tokio::time::sleep((deadline - now).min(NAP)).await;
    }
}

fn micros(d: Duration) -> u64 {
    d.as_micros().min(u128::from(u64::MAX)) as u64
}

/// Sends a request unless the run is aborted first (then it counts as a timeout).
async fn exchange(ctx: &Context, call: Call<'_>) -> Exchange {
    let started = Instant::now();
    tokio::select! {
        exchange = http::send(call) => exchange,
        () = ctx.aborted() => Exchange {
            service: started.elapsed(),
            outcome: Err(ErrorClass::Timeout),
            extracted: Vec::new(),
            status: None,
        },
    }
}

/// What kind of job starts, for the counters of late drops and starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Arrival,
    Reaction,
    Retry,
}

/// Starts a job at its intended time; returns the start instant, or `None` when the run
/// stopped first or the job is too late and was dropped.
pub(super) async fn start(ctx: &Context, intended: Instant, kind: Kind) -> Option<Instant> {
    if !sleep_until(ctx, intended).await {
        return None;
    }
    let started = Instant::now();
    let lateness = started.saturating_duration_since(intended);
    let at = ctx.replay_clock(started);
    if lateness > ctx.lateness_budget {
        match kind {
            Kind::Arrival => ctx.recorder.record_dropped(at),
            Kind::Reaction => ctx.recorder.record_reaction_dropped(at),
            Kind::Retry => ctx.recorder.record_retry(false),
        }
        return None;
    }
    match kind {
        Kind::Arrival => ctx.recorder.record_start(at, micros(lateness)),
        Kind::Retry => ctx.recorder.record_retry(true),
        Kind::Reaction => {}
    }
    let in_flight = ctx.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
    ctx.recorder.set_in_flight(at, in_flight);
    Some(started)
}

/// A job ends. Only starts can raise the in-flight maximum, so the recorder is not told.
pub(super) fn end(ctx: &Context) {
    ctx.in_flight.fetch_sub(1, Ordering::Relaxed);
}

/// Picks the step's target and loads its fields into `vars`; false when none exists yet.
fn pick_target(
    ctx: &Context,
    step: &StepSpec,
    me: Option<UserRef>,
    vars: &mut Vars,
    rng: &mut ChaCha8Rng,
) -> Option<Target> {
    match step.action {
        Action::Follow | Action::ViewUser => {
            let pick = step.pick.clone().unwrap_or(Pick::Preferential);
            let user = ctx.population.pick_user(&pick, me, rng)?;
            vars.load("target_user.", &ctx.profile.user_fields, ctx.population.user_fields(user));
            Some(Target::User(user))
        }
        Action::Comment | Action::Like | Action::ViewPost => {
            let pick = step.pick.clone().unwrap_or(Pick::Popular { exponent: 0.9 });
            let post = ctx.population.pick_post(&pick, rng)?;
            vars.load("target_post.", &ctx.profile.post_fields, ctx.population.post_fields(post));
            Some(Target::Post(post))
        }
        _ => Some(Target::None),
    }
}

#[derive(Debug, Clone, Copy)]
enum Target {
    None,
    User(UserRef),
    Post(PostRef),
}

/// Applies a successful request to the journey and the population, and schedules natives'
/// reactions it triggers.
fn apply(
    ctx: &Context,
    action: Action,
    target: Target,
    me: &mut Option<UserRef>,
    vars: &mut Vars,
    extracted: Vec<(String, String)>,
    rng: &mut ChaCha8Rng,
) {
    for (name, raw) in extracted {
        vars.set(&name, raw);
    }
    let mut created_post = None;
    match (action, target) {
        (Action::Signup | Action::Login, _) => {
            let values: Vec<String> =
                ctx.profile.user_record.iter().map(|n| vars.get(n).unwrap_or_default()).collect();
            let refs: Vec<&str> = values.iter().map(String::as_str).collect();
            *me = Some(ctx.population.add_user(&refs));
        }
        (Action::CreatePost, _) => {
            if let Some(author) = *me {
                let values: Vec<String> =
                    ctx.profile.post_fields.iter().map(|n| vars.get(n).unwrap_or_default()).collect();
                let refs: Vec<&str> = values.iter().map(String::as_str).collect();
                created_post = Some(ctx.population.add_post(author, &refs));
            }
        }
        (Action::Follow, Target::User(user)) => ctx.population.followed(user),
        (Action::Like | Action::Comment, Target::Post(post)) => ctx.population.engaged(post),
        _ => {}
    }
    let trigger_post = created_post.or(match target {
        Target::Post(post) => Some(post),
        _ => None,
    });
    let now_ns = ctx.replay_clock(Instant::now()).as_nanos() as u64;
    for (i, reaction) in ctx.scenario.spec.population.reactions.iter().enumerate() {
        if reaction.on != action {
            continue;
        }
        // Reaction delays are curve time: compressed like the arrival curve.
        for _ in 0..reaction.count.sample(rng) {
            let delay_ns = (reaction.delay.sample_s(rng) / ctx.scenario.replay.compress * 1e9) as u64;
            let accepted = ctx.dispatch().schedule(now_ns + delay_ns, i as u16, trigger_post, *me);
            if !accepted {
                ctx.recorder.record_reaction_dropped(ctx.replay_clock(Instant::now()));
            }
        }
    }
}

/// One request of a job: sends it and records it. Returns the exchange.
pub(super) async fn request(
    ctx: &Context,
    client: &reqwest::Client,
    action: Action,
    step: Option<StepKey>,
    intended: Instant,
    vars: &Vars,
    body_size: usize,
) -> Option<Exchange> {
    let request = ctx.profile.request(action)?;
    let lookup = |name: &str| vars.get(name);
    let call = ctx.call(client, request, &lookup, body_size);
    let exchange = exchange(ctx, call).await;
    let ended = Instant::now();
    let response = ended.saturating_duration_since(intended);
    ctx.recorder.record_request(
        ctx.replay_clock(ended),
        action,
        step,
        micros(exchange.service),
        micros(response),
        exchange.outcome,
    );
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

/// Runs newcomer `arrival`'s journey.
pub async fn newcomer(ctx: &Arc<Context>, client: &reqwest::Client, arrival: Arrival) {
    let intended = ctx.t0 + Duration::from_nanos(arrival.replay_offset_ns);
    let Some(_started) = start(ctx, intended, Kind::Arrival).await else { return };
    attempt(ctx, client, (arrival.index, arrival.real_t_s), intended, 0).await;
    end(ctx);
}

/// Attempt `attempt` (0 = the arrival itself) of the journey of the newcomer who arrived
/// as `index` at `real_t_s` on the curve, timed from `intended`. The journey and its steps
/// are the newcomer's own, whatever the attempt.
pub(super) async fn attempt(
    ctx: &Arc<Context>,
    client: &reqwest::Client,
    (index, real_t_s): (u64, f64),
    intended: Instant,
    attempt: u32,
) {
    let mut rng = newcomer::rng_for(ctx.seed, stream::JOURNEY, index);
    let journeys = &ctx.scenario.spec.journeys;
    let j = newcomer::choose_journey(journeys, &mut rng);
    let journey = &journeys[j];
    let scenario = &ctx.scenario;
    let steps = newcomer::concrete_steps(journey, &scenario.replay, &scenario.phases, real_t_s, &mut rng);

    let mut vars = Vars::default();
    let mut me = None;
    if matches!(journey.steps.first().map(|s| s.action), Some(Action::Signup | Action::Login)) {
        // The account this newcomer creates: unique per run, derived from the index (and
        // the attempt, in case a refused signup was stored after all).
        let handle = match attempt {
            0 => format!("{}n{index}", ctx.nonce),
            k => format!("{}n{index}r{k}", ctx.nonce),
        };
        vars.set_text("email", &format!("{handle}@example.test"));
        vars.set_text("password", &format!("pw-{}-{index}", ctx.nonce));
        vars.set_text("handle", &handle);
        vars.set("seq", index.to_string());
    } else {
        // A journey without signup is an existing user's session: act as a native.
        me = ctx.pick_native(&mut rng);
        if let Some(native) = me {
            vars.load("", &ctx.profile.user_record, ctx.population.user_fields(native));
        }
    }

    let mut step_intended = intended;
    let mut completed = true;
    let mut skipped = 0u32;
    // Turned away at the door: the first request sent failed.
    let mut turned_away = false;
    let mut any_succeeded = false;
    let mut rooms: Vec<Membership> = Vec::new();
    for (k, planned) in steps.iter().enumerate() {
        let think = crate::units::duration_from_secs(planned.think_s);
        step_intended += think;
        if !think.is_zero() && !sleep_until(ctx, Instant::now() + think).await {
            (completed, skipped) = (false, (steps.len() - k) as u32);
            break;
        }
        let spec = &journey.steps[planned.step];
        let Some(target) = pick_target(ctx, spec, me, &mut vars, &mut rng) else {
            skipped += 1;
            continue;
        };
        let size = body_size(spec, &mut rng);
        if spec.action != Action::UploadMedia {
            vars.set_text("text", &ctx.payloads.text(size));
        }
        let key = StepKey { journey: j as u16, step: planned.step as u16 };
        let stay = match spec.action {
            Action::JoinRoom => {
                let name = spec.room.as_deref().unwrap_or(DEFAULT_ROOM);
                vars.set_text("room", name);
                Some(room::plan(ctx, spec, name, &mut rng))
            }
            Action::SendChat => {
                // Into the named (or latest) room, while the stay lasts; after it, skipped.
                let wanted = spec.room.as_deref().or(rooms.last().map(|m| m.room.as_str()));
                let inside = rooms.iter().rev().find(|m| Some(m.room.as_str()) == wanted);
                match inside {
                    Some(m) if Instant::now() < m.until => vars.set_text("room", &m.room),
                    _ => {
                        skipped += 1;
                        continue;
                    }
                }
                let sent = room::send_chat(ctx, client, &vars, Some(key), step_intended, size).await;
                if sent.is_some_and(|e| e.outcome.is_err()) {
                    (completed, skipped) = (false, skipped + (steps.len() - k - 1) as u32);
                    break;
                }
                continue;
            }
            _ => None,
        };
        let Some(exchange) = request(ctx, client, spec.action, Some(key), step_intended, &vars, size).await
        else {
            skipped += 1; // unsupported by the profile: listed in the report, not faked
            continue;
        };
        if exchange.outcome.is_err() {
            (completed, skipped) = (false, skipped + (steps.len() - k - 1) as u32);
            turned_away = !any_succeeded;
            break;
        }
        any_succeeded = true;
        apply(ctx, spec.action, target, &mut me, &mut vars, exchange.extracted, &mut rng);
        if let Some(stay) = stay {
            rooms.push(room::spawn(ctx, client, &vars, stay.start(Instant::now())));
        }
    }
    let response = Instant::now().saturating_duration_since(intended);
    ctx.recorder.record_journey(
        ctx.replay_clock(Instant::now()),
        j as u16,
        micros(response),
        completed,
        skipped,
    );
    if let (true, Some(retry)) = (turned_away, &journey.retry)
        && attempt < retry.attempts
        && !ctx.stopping()
    {
        super::retry::come_back(ctx, retry, index, real_t_s, attempt + 1);
    }
    // The journey's time is its steps'; the job (and its slot) lasts until its stays end,
    // so a run that finishes has no member left in a room.
    for membership in rooms {
        let _ = membership.task.await;
    }
}

/// Runs a native's reaction.
pub async fn reaction(ctx: &Context, client: &reqwest::Client, job: ReactionJob) {
    let intended = ctx.t0 + Duration::from_nanos(job.intended_ns);
    let Some(_started) = start(ctx, intended, Kind::Reaction).await else { return };
    let mut rng = newcomer::rng_for(ctx.seed, stream::REACTION, job.seq);
    let spec = &ctx.scenario.spec.population.reactions[job.reaction as usize];
    let mut vars = Vars::default();
    let mut me = ctx.pick_native(&mut rng);
    if let Some(native) = me {
        vars.load("", &ctx.profile.user_record, ctx.population.user_fields(native));
    }
    let target = match (spec.action, job.post(), job.user()) {
        (Action::Comment | Action::Like | Action::ViewPost, Some(post), _) => {
            vars.load("target_post.", &ctx.profile.post_fields, ctx.population.post_fields(post));
            Some(Target::Post(post))
        }
        (Action::Follow | Action::ViewUser, _, Some(user)) => {
            vars.load("target_user.", &ctx.profile.user_fields, ctx.population.user_fields(user));
            Some(Target::User(user))
        }
        _ => None,
    };
    if let Some(target) = target {
        let size = DEFAULT_TEXT_LEN as usize + rng.random_range(0..40);
        vars.set_text("text", &ctx.payloads.text(size));
        if let Some(exchange) = request(ctx, client, spec.action, None, intended, &vars, size).await
            && exchange.outcome.is_ok()
        {
            apply(ctx, spec.action, target, &mut me, &mut vars, exchange.extracted, &mut rng);
        }
    }
    end(ctx);
}
