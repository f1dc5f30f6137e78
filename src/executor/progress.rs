//! The live progress bar: replayed curve time, arrivals started of planned, slots busy
//! (of `slots`), journeys open, errors and p99 so far. Drawn on stderr only when it is a terminal.

use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::context::Context;
use crate::human::span as human_duration;

/// Refresh period of the bar.
const TICK: Duration = Duration::from_millis(250);

/// Draws until aborted by the executor; does nothing when `enabled` is false or stderr is
/// not a terminal.
pub async fn show(ctx: Arc<Context>, slots: usize, planned: f64, replay_span: Duration, enabled: bool) {
    let target = if enabled { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() };
    if target.is_hidden() {
        return;
    }
    let bar = ProgressBar::with_draw_target(Some(planned.round() as u64), target);
    let style = ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} arrivals · {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    let compress = ctx.scenario.replay.compress;
    loop {
        let elapsed = Instant::now().saturating_duration_since(ctx.t0).min(replay_span);
        let live = ctx.recorder.snapshot_live();
        bar.set_position(live.started);
        bar.set_message(format!(
            "curve {} of {} · slots busy {}/{slots} · journeys {} · {} req · {} errors · p99 {}",
            human_duration(elapsed.as_secs_f64() * compress),
            human_duration(replay_span.as_secs_f64() * compress),
            ctx.slots_busy.load(std::sync::atomic::Ordering::Relaxed),
            ctx.journeys_open.load(std::sync::atomic::Ordering::Relaxed),
            live.requests,
            live.errors,
            crate::human::us(live.response_p99_us),
        ));
        tokio::time::sleep(TICK).await;
    }
}
