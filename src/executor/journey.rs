//! Running one job from the queue: a newcomer's arrival or retry (its steps are a
//! [`Walk`]) and a native's reaction, on the primitives every job shares.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng;

use super::context::Context;
use super::job::{ReactionJob, RetryJob, Walk};
use super::primitives::{DEFAULT_TEXT_LEN, Kind, Pick, Timing, apply, end, request, start};
use super::vars::Vars;
use crate::plan::Arrival;
use crate::plan::newcomer::{self, stream};
use crate::scenario::Action;

/// Runs newcomer `arrival`'s journey; `claimed` is when a slot took the job.
pub async fn newcomer(ctx: &Arc<Context>, client: &crate::net::Sender, arrival: Arrival, claimed: Instant) {
    let intended = ctx.t0 + Duration::from_nanos(arrival.replay_offset_ns);
    let Some(_started) = start(ctx, intended, claimed, Kind::Arrival).await else { return };
    let walk = Walk::new(ctx, (arrival.index, arrival.real_t_s), intended, 0);
    Box::new(walk).run(ctx, client).await;
}

/// Runs a native's reaction.
pub async fn reaction(ctx: &Context, client: &crate::net::Sender, job: ReactionJob, claimed: Instant) {
    let intended = ctx.t0 + Duration::from_nanos(job.intended_ns);
    let Some(_started) = start(ctx, intended, claimed, Kind::Reaction).await else { return };
    let mut rng = newcomer::rng_for(ctx.seed, stream::REACTION, job.seq);
    let spec = &ctx.scenario.spec.population.reactions[job.reaction as usize];
    let mut vars = Vars::default();
    let mut me = ctx.pick_native(&mut rng);
    if let Some(native) = me {
        vars.load("", &ctx.profile.user_record, ctx.population.user_fields(native));
    }
    let pick = match (spec.action, job.post(), job.user()) {
        (Action::Comment | Action::Like | Action::ViewPost, Some(post), _) => {
            vars.load("target_post.", &ctx.profile.post_fields, ctx.population.post_fields(post));
            Some(Pick::Post(post))
        }
        (Action::Follow | Action::ViewUser, _, Some(user)) => {
            vars.load("target_user.", &ctx.profile.user_fields, ctx.population.user_fields(user));
            Some(Pick::User(user))
        }
        _ => None,
    };
    if let Some(pick) = pick {
        let size = DEFAULT_TEXT_LEN as usize + rng.random_range(0..40);
        vars.set_text("text", ctx.payloads.text(size));
        let timing = Timing { intended, ready: intended };
        if let Some(exchange) = request(ctx, client, spec.action, None, timing, &vars, size).await
            && exchange.outcome.is_ok()
        {
            apply(ctx, spec.action, pick, &mut me, &mut vars, exchange.extracted, &mut rng);
        }
    }
    end(ctx);
}

/// Runs a newcomer's journey again after it was turned away at the first step.
pub async fn retry(ctx: &Arc<Context>, client: &crate::net::Sender, job: RetryJob, claimed: Instant) {
    let intended = ctx.t0 + Duration::from_nanos(job.intended_ns);
    let Some(_started) = start(ctx, intended, claimed, Kind::Retry).await else { return };
    let real_t_s = job.real_t_ms as f64 / 1e3;
    Box::new(Walk::new(ctx, (job.index, real_t_s), intended, job.attempt)).run(ctx, client).await;
}
