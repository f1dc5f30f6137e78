//! Abort thresholds, judged while the run runs: once a second each threshold carrying
//! `abort` (or every live-judgeable one with `--abort-on-fail`) is measured on the run so
//! far from the recorder's running totals; the first breach stops the run the way Ctrl-C
//! does (no new arrivals, in-flight requests get the grace period) with
//! [`StopReason::Aborted`], so the report is written and marked aborted.
//!
//! Judging the run so far (not the last second alone) keeps a single slow second from
//! aborting a long run; `abort after D` waits until the replay clock passes D before the
//! first judgement, so the first few requests cannot decide alone.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::context::{Context, StopReason};
use crate::human;
use crate::scenario::Threshold;
use crate::scenario::threshold::Metric;

/// How often the thresholds are judged.
const PERIOD: Duration = Duration::from_secs(1);

/// Judges `thresholds` every [`PERIOD`] until one fails (then stops the run) or the task is
/// aborted with the run's other watchers.
pub async fn watch(ctx: Arc<Context>, thresholds: Vec<Threshold>) {
    if thresholds.is_empty() {
        return;
    }
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + PERIOD, PERIOD);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let Some(clock) = Instant::now().checked_duration_since(ctx.t0) else { continue };
        for threshold in &thresholds {
            if let Some(reason) = breach(&ctx, threshold, clock) {
                eprintln!("\n{reason}: stopping");
                ctx.request_stop(reason);
                return;
            }
        }
    }
}

/// The stop reason when `threshold` fails on the run so far at replay-clock time `clock`.
fn breach(ctx: &Context, threshold: &Threshold, clock: Duration) -> Option<StopReason> {
    let after = threshold.abort.map_or(Duration::ZERO, |a| a.after);
    if clock < after {
        return None;
    }
    let measured = ctx.recorder.measure(&threshold.subject, &threshold.metric)?;
    if threshold.op.holds(measured, threshold.limit) {
        return None;
    }
    let measured = match threshold.metric {
        Metric::ErrorRate | Metric::DroppedRate | Metric::AchievedRate => human::percent(measured),
        _ => human::micros(measured),
    };
    Some(StopReason::Aborted { threshold: threshold.text.clone(), measured, at_s: clock.as_secs_f64() })
}
