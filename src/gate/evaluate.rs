//! Thresholds → verdicts, from a report alone.
//!
//! Latency percentiles come from HdrHistograms (the action's cumulative histogram for the
//! whole run, the merged interval histograms for a phase; `all` merges every action), so
//! they are exact to the histograms' 3 significant digits rather than averages of
//! per-interval percentiles. Rates are ratios of counts: `error_rate` = errors ÷ requests,
//! `dropped_rate` = dropped ÷ planned, `achieved_rate` = started ÷ planned.
//!
//! A threshold that cannot be judged — no requests in its window, an unknown phase, an
//! unreadable histogram — fails: a gate that silently passes what it could not measure
//! would hide exactly the runs that went worst. The one exception is a threshold on what
//! the target profile declared it cannot serve (the report's `unsupported` list: an
//! action, or `join_room` for `chat`): that is `skip`, stated, and fails nothing — the same
//! scenario then runs against platforms without, say, live rooms.

use hdrhistogram::Histogram;

use super::GateError;
use super::threshold::{Metric, Stat, Subject, Threshold};
use super::window::{self, Measure, Window};
use crate::human;
use crate::report::{Outcome, Report, Verdict, VerdictKind};

/// Judges every threshold against `report`, one verdict each, in order.
pub fn evaluate(report: &Report, thresholds: &[Threshold]) -> Vec<Verdict> {
    thresholds
        .iter()
        .map(|t| {
            if generator_bound(report) && !matches!(t.metric, Metric::ErrorRate) {
                let mut v = verdict(t, None, "us");
                (v.outcome, v.failed) = (Outcome::Skip, false);
                v.message = "skipped: generator-bound (the run is invalid: see its validity)".to_string();
                return v;
            }
            if let Some(action) = unsupported_subject(report, t) {
                let mut v = verdict(t, None, "us");
                (v.outcome, v.failed) = (Outcome::Skip, false);
                v.message = format!("not judged: the target profile cannot serve `{action}`");
                return v;
            }
            judge(report, t).unwrap_or_else(|e| {
                let mut v = verdict(t, None, "us");
                v.message = format!("cannot judge: {e}");
                v
            })
        })
        .collect()
}

/// Whether the report's run could not keep its schedule: its latencies, lateness and
/// arrival rates measured the generator, so thresholds on them are not judged. Error rates
/// still are: an answer the platform gave is its own.
fn generator_bound(report: &Report) -> bool {
    report.validity.as_ref().is_some_and(crate::report::validity::Validity::is_generator_bound)
}

/// The unsupported action `threshold` depends on, if any.
fn unsupported_subject<'r>(report: &'r Report, threshold: &Threshold) -> Option<&'r str> {
    let needs = match &threshold.subject {
        Subject::Action(a) => a.name(),
        Subject::Chat => crate::scenario::Action::JoinRoom.name(),
        Subject::All | Subject::Arrivals => return None,
    };
    report.unsupported.iter().find(|u| u.action == needs).map(|u| u.action.as_str())
}

/// A failing verdict for `threshold` without a measurement; callers fill in the rest.
fn verdict(threshold: &Threshold, measured: Option<f64>, unit: &str) -> Verdict {
    Verdict {
        kind: VerdictKind::Threshold,
        name: threshold.text.clone(),
        outcome: Outcome::Fail,
        failed: true,
        measured,
        limit: Some(threshold.limit),
        unit: unit.to_string(),
        message: String::new(),
    }
}

/// The verdict once `measured` is known (or `None`: nothing to judge, which fails).
fn finish(
    threshold: &Threshold,
    measured: Option<f64>,
    unit: &str,
    describe: impl Fn(f64) -> String,
) -> Verdict {
    let mut v = verdict(threshold, measured, unit);
    if let Some(value) = measured {
        let pass = threshold.op.holds(value, threshold.limit);
        v.outcome = Outcome::of_pass(pass);
        v.failed = !pass;
        v.message = format!(
            "{} vs limit {} {}",
            describe(value),
            threshold.op_symbol(),
            if unit == "us" { human::micros(threshold.limit) } else { human::percent(threshold.limit) }
        );
    }
    v
}

fn judge(report: &Report, threshold: &Threshold) -> Result<Verdict, GateError> {
    let window = match &threshold.phase {
        Some(name) => Window::phase(report, name)?,
        None => Window::Whole,
    };
    let action = match &threshold.subject {
        Subject::Action(a) => Some(a.name()),
        Subject::All | Subject::Arrivals | Subject::Chat => None,
    };
    let who = action.unwrap_or("all");
    let during = window.suffix();
    let no_data = |what: &str, unit: &str| {
        let mut v = verdict(threshold, None, unit);
        v.message = format!("no {what}{during}: nothing to judge");
        v
    };
    Ok(match &threshold.metric {
        Metric::Response(stat) | Metric::Service(stat) => {
            let measure = if matches!(threshold.metric, Metric::Response(_)) {
                Measure::Response
            } else {
                Measure::Service
            };
            let histogram = window::latency(report, action, measure, &window)?;
            let Some((value, count)) = histogram.as_ref().and_then(|h| stat_of(h, *stat)) else {
                return Ok(no_data(&format!("{who} requests"), "us"));
            };
            finish(threshold, Some(value), "us", |v| {
                format!("{} {} {} ({count} requests)", measure.tag(), stat_name(*stat), human::micros(v))
            })
        }
        Metric::Lateness(stat) => {
            let histogram = window::lateness(report, &window)?;
            let Some((value, count)) = histogram.as_ref().and_then(|h| stat_of(h, *stat)) else {
                return Ok(no_data("started arrivals", "us"));
            };
            finish(threshold, Some(value), "us", |v| {
                format!("lateness {} {} ({count} arrivals)", stat_name(*stat), human::micros(v))
            })
        }
        Metric::Delivery(stat) => {
            let histogram = window::delivery(report, &window)?;
            let Some((value, count)) = histogram.as_ref().and_then(|h| stat_of(h, *stat)) else {
                return Ok(no_data("chat deliveries", "us"));
            };
            finish(threshold, Some(value), "us", |v| {
                format!("chat delivery {} {} ({count} deliveries)", stat_name(*stat), human::micros(v))
            })
        }
        Metric::ErrorRate => {
            let (errors, requests) = window::errors(report, action, &window);
            if requests == 0 {
                return Ok(no_data(&format!("{who} requests"), "ratio"));
            }
            finish(threshold, Some(errors as f64 / requests as f64), "ratio", |v| {
                format!("error_rate {} ({errors} of {requests} requests)", human::percent(v))
            })
        }
        Metric::DroppedRate | Metric::AchievedRate => {
            let (planned, started, dropped) = window::arrivals(report, &window);
            if planned == 0 {
                return Ok(no_data("planned arrivals", "ratio"));
            }
            let (name, count, verb) = if threshold.metric == Metric::DroppedRate {
                ("dropped_rate", dropped, "dropped")
            } else {
                ("achieved_rate", started, "started")
            };
            finish(threshold, Some(count as f64 / planned as f64), "ratio", |v| {
                format!("{name} {} ({count} of {planned} planned {verb})", human::percent(v))
            })
        }
    })
}

/// The statistic in µs and the number of values, or `None` for an empty histogram.
fn stat_of(h: &Histogram<u64>, stat: Stat) -> Option<(f64, u64)> {
    if h.is_empty() {
        return None;
    }
    let value = match stat {
        Stat::Percentile(p) => h.value_at_quantile(p / 100.0) as f64,
        Stat::Max => h.max() as f64,
        Stat::Mean => h.mean(),
    };
    Some((value, h.len()))
}

fn stat_name(stat: Stat) -> String {
    match stat {
        Stat::Percentile(p) => human::percentile(p),
        Stat::Max => "max".to_string(),
        Stat::Mean => "mean".to_string(),
    }
}

#[cfg(test)]
#[path = "evaluate_tests.rs"]
mod tests;
