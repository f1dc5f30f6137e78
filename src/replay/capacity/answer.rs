//! From the steps to the answer: the largest passing size and the smallest failing one,
//! what failed first there and how, the headroom and the exit code.

use super::model::{CapacityReport, Failing, Headroom, Invalid, Size, Step};
use super::step::Done;
use crate::replay::exit;

/// How the search ended, beyond its steps.
#[derive(Debug, Clone, PartialEq)]
pub enum End {
    Found,
    AtLeast,
    Below,
    Budget,
    /// The step that was generator-bound: (scale, cause, remedy).
    Invalid(f64, String, String),
    Interrupted(String),
}

impl End {
    pub fn verdict(&self) -> &'static str {
        match self {
            End::Found => "found",
            End::AtLeast => "at-least",
            End::Below => "below",
            End::Budget => "budget",
            End::Invalid(..) => "invalid",
            End::Interrupted(_) => "interrupted",
        }
    }
}

/// The largest passing and smallest failing step, as the search decided them.
pub fn bracket(steps: &[Done], pass: Option<f64>, fail: Option<f64>) -> (Option<&Done>, Option<&Done>) {
    let last_of = |scale: Option<f64>, outcome: &str| {
        scale.and_then(|s| steps.iter().rev().find(|d| d.step.size.scale == s && d.step.outcome == outcome))
    };
    (last_of(pass, "pass"), last_of(fail, "fail"))
}

/// How the failing size broke, in words with figures: errors, a latency knee (against
/// the passing size) or queueing.
pub fn how(failing: &Done, passing: Option<&Done>) -> String {
    let step = &failing.step;
    if step.failed.iter().any(|f| f.starts_with("queueing:")) {
        return "queueing: journeys were still running at the drain limit".into();
    }
    let Some(first) = failing.failed.first() else { return "failed".into() };
    let name = &first.threshold;
    if name.contains("dropped_rate") || name.contains("lateness") || name.contains("achieved_rate") {
        return format!("queueing: {}", first.message);
    }
    if name.contains("error_rate") {
        return format!("errors: {} ({:.1}% of all requests failed)", first.message, 100.0 * step.error_rate);
    }
    let p99 = |d: &Done| d.step.actions.iter().find(|a| a.name == first.subject).map(|a| a.response_p99_us);
    match (passing.and_then(p99), p99(failing)) {
        (Some(before), Some(after)) => format!(
            "latency knee: {} response p99 {} at ×{:.3} → {} at ×{:.3} ({})",
            first.subject,
            crate::human::us(before),
            passing.map_or(0.0, |p| p.step.size.scale),
            crate::human::us(after),
            step.size.scale,
            first.message
        ),
        _ => format!("latency: {}", first.message),
    }
}

/// Everything but the settings' echo, which the driver fills.
pub struct Outcome {
    pub end: End,
    pub passing: Option<Size>,
    pub failing: Option<Failing>,
    pub invalid: Option<Invalid>,
    pub headroom: Option<Headroom>,
    pub answer: String,
}

/// The answer of a search that ended with `end`, its bracket `pass`/`fail`.
pub fn outcome(
    end: End,
    steps: &[Done],
    pass: Option<f64>,
    fail: Option<f64>,
    min_headroom: Option<f64>,
) -> Outcome {
    let (passing, failing) = bracket(steps, pass, fail);
    let failing_out = failing.map(|f| Failing {
        size: f.step.size.clone(),
        failed: f.failed.clone(),
        how: how(f, passing),
    });
    let headroom = min_headroom
        .map(|required| Headroom { required, met: passing.is_some_and(|p| p.step.size.scale >= required) });
    let invalid = match &end {
        End::Invalid(scale, reason, remedy) => Some(Invalid {
            scale: *scale,
            reason: reason.clone(),
            remedy: remedy.clone(),
            largest_judged: (steps.iter())
                .filter(|d| d.step.outcome == "pass" || d.step.outcome == "fail")
                .map(|d| d.step.size.scale)
                .max_by(f64::total_cmp),
        }),
        _ => None,
    };
    let passing = passing.map(|p| p.step.size.clone());
    let answer = sentence(&end, passing.as_ref(), failing_out.as_ref(), invalid.as_ref());
    Outcome { end, passing, failing: failing_out, invalid, headroom, answer }
}

fn describe(size: &Size) -> String {
    format!(
        "×{:.3} the scenario (sample {}, compress {}: {:.3}× the real surge's rate; peak {:.1} arrivals/s, {:.1} requests/s)",
        size.scale,
        size.sample,
        size.compress,
        size.real_multiple,
        size.peak_arrivals_per_s,
        size.peak_requests_per_s
    )
}

fn sentence(
    end: &End,
    passing: Option<&Size>,
    failing: Option<&Failing>,
    invalid: Option<&Invalid>,
) -> String {
    let pass = passing.map_or_else(|| "no size passed".to_string(), |p| format!("passes {}", describe(p)));
    let fail = failing.map_or_else(String::new, |f| {
        format!(
            "; fails at ×{:.3}: {} — {}",
            f.size.scale,
            f.failed.first().map_or("", |x| x.threshold.as_str()),
            f.how
        )
    });
    match end {
        End::Found => format!("capacity found: {pass}{fail}"),
        End::AtLeast => format!("capacity above the range: {pass} (the largest size tried, --to){fail}"),
        End::Below => format!("capacity below the range: the smallest size (--from) fails{fail}"),
        End::Budget => format!("budget spent before the precision was reached: {pass}{fail}"),
        End::Interrupted(why) => format!("interrupted ({why}): {pass}{fail}"),
        End::Invalid(scale, reason, remedy) => format!(
            "invalid: generator-bound at ×{scale:.3}: {reason}. Remedy: {remedy} (more --threads, or segments on several machines). The largest size this generator judged: {}",
            invalid.and_then(|i| i.largest_judged).map_or_else(|| "none".to_string(), |s| format!("×{s:.3}"))
        ),
    }
}

/// The exit code of a finished search: 2 when it could not judge (generator-bound,
/// interrupted), 1 when `--min-headroom` is not met, else 0.
pub fn exit_code(report: &CapacityReport) -> u8 {
    match report.verdict.as_str() {
        "invalid" | "interrupted" => exit::ERROR,
        _ if report.headroom.as_ref().is_some_and(|h| !h.met) => exit::FAILED,
        _ => exit::OK,
    }
}

/// The step records in order.
pub fn steps(done: &[Done]) -> Vec<Step> {
    done.iter().map(|d| d.step.clone()).collect()
}
