//! Progress while the run runs, on stderr: for a terminal, a live bar (replayed curve time,
//! arrivals started of planned, slots busy of `slots`, journeys open, errors and p99 so
//! far); for anything else (a CI log), one plain line every `--progress-every` with curve
//! time, arrivals started of planned, requests/s over the last period, errors and p99 so
//! far. A bar redrawn in place is noise in a log file, and a hidden one leaves a CI log
//! silent for minutes.

use std::io::IsTerminal as _;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::config::Progress;
use super::context::Context;
use crate::human::{count, rate, span as human_duration, us};
use crate::metrics::LiveStats;

/// Refresh period of the bar.
const TICK: Duration = Duration::from_millis(250);

/// What the progress task knows of the run besides its context.
pub struct Shown {
    /// Worker slots, for the bar's `slots busy` of.
    pub slots: usize,
    /// The replay's span on the wall clock.
    pub replay_span: Duration,
}

/// Shows progress until aborted by the executor: the bar when stderr is a terminal, lines
/// when it is not; nothing when `progress` asks for neither.
pub async fn show(ctx: Arc<Context>, shown: Shown, progress: Progress) {
    if std::io::stderr().is_terminal() {
        if progress.bar {
            bar(ctx, shown).await;
        }
    } else if let Some(every) = progress.lines_every {
        lines(ctx, shown, every).await;
    }
}

async fn bar(ctx: Arc<Context>, shown: Shown) {
    // The plan's count, as the report gives it (not the curve's expected total).
    let planned = ctx.recorder.snapshot_live().planned;
    let bar = ProgressBar::with_draw_target(Some(planned), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} arrivals · {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    let (compress, slots) = (ctx.scenario.replay.compress, shown.slots);
    loop {
        let elapsed = Instant::now().saturating_duration_since(ctx.t0).min(shown.replay_span);
        let live = ctx.recorder.snapshot_live();
        bar.set_position(live.started);
        bar.set_message(format!(
            "curve {} of {} · slots busy {}/{slots} · journeys {} · {} req · {} errors · p99 {}",
            human_duration(elapsed.as_secs_f64() * compress),
            human_duration(shown.replay_span.as_secs_f64() * compress),
            ctx.slots_busy.load(Ordering::Relaxed),
            ctx.journeys_open.load(Ordering::Relaxed),
            live.requests,
            live.errors,
            us(live.response_p99_us),
        ));
        tokio::time::sleep(TICK).await;
    }
}

/// One line every `every`, the first after one period (the run has nothing to say before).
async fn lines(ctx: Arc<Context>, shown: Shown, every: Duration) {
    let compress = ctx.scenario.replay.compress;
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    // A busy runtime may wake us late: the next line comes a period after, not in a burst.
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let (mut last_at, mut last_requests) = (Instant::now(), 0);
    loop {
        ticks.tick().await;
        let now = Instant::now();
        let live = ctx.recorder.snapshot_live();
        let period_s = now.saturating_duration_since(last_at).as_secs_f64();
        let per_s =
            if period_s > 0.0 { live.requests.saturating_sub(last_requests) as f64 / period_s } else { 0.0 };
        let curve = Curve {
            elapsed_s: now.saturating_duration_since(ctx.t0).min(shown.replay_span).as_secs_f64() * compress,
            total_s: shown.replay_span.as_secs_f64() * compress,
        };
        eprintln!("{}", line(&live, curve, per_s));
        (last_at, last_requests) = (now, live.requests);
    }
}

/// The replay's position on the scenario's (uncompressed) clock.
#[derive(Debug, Clone, Copy)]
struct Curve {
    elapsed_s: f64,
    total_s: f64,
}

/// One progress line: `progress: curve 90s of 10m · arrivals 1,204/8,000 started (1,250 due, 3
/// dropped) · 412 requests/s · 3 errors · p99 48.0ms`.
fn line(live: &LiveStats, curve: Curve, requests_per_s: f64) -> String {
    format!(
        "progress: curve {} of {} · arrivals {}/{} started ({} due, {} dropped) · {} requests/s · {} errors · p99 {}",
        human_duration(curve.elapsed_s),
        human_duration(curve.total_s),
        count(live.started as f64),
        count(live.planned as f64),
        count(live.planned_so_far as f64),
        count(live.dropped as f64),
        rate(requests_per_s),
        count(live.errors as f64),
        us(live.response_p99_us),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_says_where_the_run_is() {
        let live = LiveStats {
            at: Duration::from_secs(9),
            planned: 8000,
            planned_so_far: 1250,
            started: 1204,
            dropped: 3,
            requests: 40_000,
            errors: 12,
            journeys_open: 40,
            slots_busy: 7,
            response_p99_us: 48_000,
        };
        let curve = Curve { elapsed_s: 90.0, total_s: 600.0 };
        assert_eq!(
            line(&live, curve, 412.3),
            "progress: curve 90s of 10m · arrivals 1,204/8,000 started (1,250 due, 3 dropped) · 412 requests/s \
             · 12 errors · p99 48.0ms"
        );
    }
}
