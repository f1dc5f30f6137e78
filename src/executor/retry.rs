//! Newcomers turned away at their journey's first request (a journey's `retry`): they come
//! back after a delay in curve time and run the same journey again.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::context::Context;
use super::dispatch::RetryJob;
use super::journey::{Kind, start};
use super::walk::Walk;
use crate::plan::newcomer::{self, stream};

/// Runs a newcomer's journey again after it was turned away at the first step.
pub async fn run(ctx: &Arc<Context>, client: &reqwest::Client, job: RetryJob, claimed: Instant) {
    let intended = ctx.t0 + Duration::from_nanos(job.intended_ns);
    let Some(_started) = start(ctx, intended, claimed, Kind::Retry).await else { return };
    let real_t_s = job.real_t_ms as f64 / 1e3;
    Box::new(Walk::new(ctx, (job.index, real_t_s), intended, job.attempt)).run(ctx, client).await;
}

/// Queues newcomer `index`'s next attempt after the journey's retry delay (curve time).
pub(super) fn come_back(
    ctx: &Context,
    retry: &crate::scenario::model::RetrySpec,
    index: u64,
    real_t_s: f64,
    attempt: u32,
) {
    // Attempts are below 16, so (index, attempt) gets its own stream.
    let mut rng = newcomer::rng_for(ctx.seed, stream::RETRY, (index << 4) | u64::from(attempt));
    let delay_ns = (retry.after.sample_s(&mut rng) / ctx.scenario.replay.compress * 1e9) as u64;
    let now_ns = ctx.replay_clock(Instant::now()).as_nanos() as u64;
    let real_t_ms = (real_t_s * 1e3) as u64;
    let job = RetryJob { intended_ns: now_ns.saturating_add(delay_ns), index, real_t_ms, attempt };
    if !ctx.dispatch().schedule_retry(job) {
        ctx.recorder.record_retry(false);
    }
}
