//! Newcomers turned away at their journey's first request (a journey's `retry`): they come
//! back after a delay in curve time and run the same journey again (`journey::retry`).

use std::time::Instant;

use super::context::Context;
use super::job::RetryJob;
use crate::plan::newcomer::{self, stream};

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
