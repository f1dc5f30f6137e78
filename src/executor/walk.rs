//! A newcomer's walk through its journey's steps, resumable between steps so that nothing
//! that waits holds a worker slot.
//!
//! Why a continuation and not a task per journey: goose stays the executor of every
//! request (its users are the worker slots), and a resumed step is claimed from the same
//! dispatch heap as arrivals, earliest first, so the time it waited for a free slot is
//! measured exactly like an arrival's start lateness. When the next step's think time is at
//! least [`YIELD_AFTER`], the walk is parked in the heap at the moment the step becomes
//! ready (previous response + think time) and its slot goes back to work; shorter thinks
//! are slept in the slot, where parking would cost more than it frees.
//!
//! Each step is timed twice: its *journey delay* from the journey's ideal schedule (the
//! arrival plus planned think times), and its *own delay* from when it was ready to go (the
//! previous response plus its think time, or the arrival for the first step). Readiness
//! comes from the plan and the previous step, never from a free slot, so neither hides
//! coordinated omission; a stall on step 1 shows in the journey delay of every later step
//! but in the own delay of step 1 only.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::context::Context;
use super::job::{Walk, micros};
use super::primitives::{self, Kind, Timing, apply, body_size, request};
use super::room;
use super::vars::Vars;
use crate::metrics::StepKey;
use crate::plan::newcomer::{self, stream};
use crate::scenario::{Action, DEFAULT_ROOM};

/// Think times at least this long park the walk and free its slot.
pub const YIELD_AFTER: Duration = Duration::from_millis(50);

impl Walk {
    /// The walk of attempt `attempt` (0 = the arrival itself) of the newcomer who arrived
    /// as `index` at `real_t_s` on the curve, starting at `intended`.
    pub fn new(ctx: &Context, (index, real_t_s): (u64, f64), intended: Instant, attempt: u32) -> Self {
        let mut rng = newcomer::rng_for(ctx.seed, stream::JOURNEY, index);
        let journeys = &ctx.scenario.spec.journeys;
        let j = newcomer::choose_journey(journeys, &mut rng);
        let journey = &journeys[j];
        let scenario = &ctx.scenario;
        let steps = newcomer::concrete_steps(journey, &scenario.replay, &scenario.phases, real_t_s, &mut rng);
        let mut vars = Vars::default();
        let mut me = None;
        let mut listed = false;
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
            listed = super::newcomers::load(ctx, index, &mut vars);
        } else {
            // A journey without signup is an existing user's session: act as a native.
            me = ctx.pick_native(&mut rng);
            if let Some(native) = me {
                vars.load("", &ctx.profile.user_record, ctx.population.user_fields(native));
            }
        }
        Walk {
            j,
            index,
            real_t_s,
            attempt,
            intended,
            step_intended: intended,
            ready: intended,
            steps,
            k: 0,
            thought: false,
            vars,
            me,
            rng,
            rooms: Vec::new(),
            completed: true,
            skipped: 0,
            turned_away: false,
            any_succeeded: false,
            listed,
        }
    }

    /// When the parked walk's next step is ready, on the replay clock (orders the heap).
    pub fn ready_ns(&self, ctx: &Context) -> u64 {
        u64::try_from(ctx.replay_clock(self.ready).as_nanos()).unwrap_or(u64::MAX)
    }

    /// Runs steps until the journey ends, or parks it in the dispatch heap before a long
    /// think time (then the slot is free again).
    pub async fn run(mut self: Box<Self>, ctx: &Arc<Context>, client: &crate::net::Sender) {
        while self.k < self.steps.len() {
            let think = crate::units::duration_from_secs(self.steps[self.k].think_s);
            if !self.thought && !think.is_zero() {
                self.thought = true;
                self.step_intended += think;
                // `ready` holds the previous response's end (or the arrival).
                self.ready += think;
                if think >= YIELD_AFTER && !ctx.stopping() {
                    let ready_ns = self.ready_ns(ctx);
                    match ctx.dispatch().park(ready_ns, self) {
                        Ok(()) => return,
                        Err(walk) => self = walk,
                    }
                }
                if !primitives::sleep_until(ctx, self.ready).await {
                    self.stop_here();
                    break;
                }
            }
            if !self.step(ctx, client).await {
                break;
            }
        }
        self.finish(ctx);
    }

    /// Resumes a parked walk claimed by a slot at `claimed`: starts its step when it is
    /// ready, measuring how late (and why), then runs on.
    pub async fn resume(self: Box<Self>, ctx: &Arc<Context>, client: &crate::net::Sender, claimed: Instant) {
        if primitives::start(ctx, self.ready, claimed, Kind::Step).await.is_none() {
            let mut walk = self;
            walk.stop_here();
            walk.finish(ctx);
            return;
        }
        self.run(ctx, client).await;
    }

    fn stop_here(&mut self) {
        self.completed = false;
        self.skipped += u32::try_from(self.steps.len() - self.k).unwrap_or(u32::MAX);
    }

    /// Runs step `k`; false when the journey ends here.
    async fn step(&mut self, ctx: &Arc<Context>, client: &crate::net::Sender) -> bool {
        let k = self.k;
        self.k += 1;
        self.thought = false;
        let planned = self.steps[k];
        let spec = &ctx.scenario.spec.journeys[self.j].steps[planned.step];
        let Some(pick) = primitives::pick(ctx, spec, self.me, &mut self.vars, &mut self.rng) else {
            self.skipped += 1;
            return true;
        };
        let size = body_size(spec, &mut self.rng);
        if spec.action != Action::UploadMedia {
            self.vars.set_text("text", ctx.payloads.text(size));
        }
        let key = StepKey { journey: self.j as u16, step: planned.step as u16 };
        let timing = Timing { intended: self.step_intended, ready: self.ready };
        let stay = match spec.action {
            Action::JoinRoom => {
                let name = spec.room.as_deref().unwrap_or(DEFAULT_ROOM);
                self.vars.set_text("room", name);
                Some(room::plan(ctx, spec, name, &mut self.rng))
            }
            Action::SendChat => return self.chat(ctx, client, spec.room.as_deref(), key, timing, size).await,
            _ => None,
        };
        let action = super::newcomers::action(self.listed, spec.action);
        let exchange = request(ctx, client, action, Some(key), timing, &self.vars, size).await;
        self.ready = Instant::now();
        let Some(exchange) = exchange else {
            self.skipped += 1; // unsupported by the profile: listed in the report, not faked
            return true;
        };
        if exchange.outcome.is_err() {
            self.completed = false;
            self.skipped += (self.steps.len() - k - 1) as u32;
            self.turned_away = !self.any_succeeded;
            return false;
        }
        self.any_succeeded = true;
        apply(ctx, action, pick, &mut self.me, &mut self.vars, exchange.extracted, &mut self.rng);
        if let Some(stay) = stay {
            let stay = stay.start(Instant::now());
            self.rooms.push((stay.room.clone(), stay.until));
            room::spawn(ctx, client, &self.vars, stay);
        }
        true
    }

    /// A `send_chat` step: into the named (or latest) room while the stay lasts; after it,
    /// skipped.
    async fn chat(
        &mut self,
        ctx: &Context,
        client: &crate::net::Sender,
        room: Option<&str>,
        key: StepKey,
        timing: Timing,
        size: usize,
    ) -> bool {
        let wanted = room.or(self.rooms.last().map(|(name, _)| name.as_str()));
        let inside = self.rooms.iter().rev().find(|(name, _)| Some(name.as_str()) == wanted);
        match inside {
            Some((name, until)) if Instant::now() < *until => {
                let name = name.clone();
                self.vars.set_text("room", &name);
            }
            _ => {
                self.skipped += 1;
                return true;
            }
        }
        let sent = room::send_chat(ctx, client, &self.vars, Some(key), timing, size).await;
        self.ready = Instant::now();
        if sent.is_some_and(|e| e.outcome.is_err()) {
            self.completed = false;
            self.skipped += (self.steps.len() - self.k) as u32;
            return false;
        }
        true
    }

    /// Records the journey and queues its retry when it was turned away at the door.
    fn finish(self, ctx: &Context) {
        let now = Instant::now();
        let response = now.saturating_duration_since(self.intended);
        let at = ctx.replay_clock(now);
        ctx.recorder.record_journey(at, self.j as u16, micros(response), self.completed, self.skipped);
        let retry = &ctx.scenario.spec.journeys[self.j].retry;
        if let (true, Some(retry)) = (self.turned_away, retry)
            && self.attempt < retry.attempts
            && !ctx.stopping()
        {
            super::retry::come_back(ctx, retry, self.index, self.real_t_s, self.attempt + 1);
        }
        primitives::end(ctx);
    }
}
