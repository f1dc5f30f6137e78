//! Service-level thresholds: the text form (`create_post.response.p99 < 800ms during peak`)
//! and its parsed model. Evaluating them against a report is the gate's job; parsing lives
//! here so that scenario validation and `--threshold` share one grammar.
//!
//! Grammar: `SUBJECT.METRIC OP VALUE [during PHASE] [abort [after D]]`
//! - SUBJECT: an action name (`create_post`), `all` (every action pooled), `arrivals`, or
//!   `chat` (live rooms).
//! - METRIC for actions: `response.P` or `service.P` with P one of p50, p90, p95, p99,
//!   p99.9, max, mean; or `error_rate`. For `arrivals`: `dropped_rate`, `achieved_rate`
//!   (started ÷ planned), `lateness.P`. For `chat`: `delivery.P`, the time from a chat
//!   message's send to a room member reading it off its stream.
//! - OP: `<`, `<=`, `>`, `>=`.
//! - VALUE: a duration (`800ms`) for latencies, a percentage (`1%`) or fraction (`0.01`)
//!   for rates.
//! - `abort`: also judged live on the run so far, once the replay clock passes `after`
//!   (default 0s, at most 24h); a breach stops the run (`run --abort-on-fail` makes every
//!   threshold that can be judged live abort). Not with `during` (a phase is judged on its
//!   own intervals, after the fact) nor on `arrivals.achieved_rate` (known at the end).

use std::fmt;

use super::action::Action;
use crate::units::Span;

/// What part of the run a threshold looks at.
#[derive(Debug, Clone, PartialEq)]
pub enum Subject {
    Action(Action),
    All,
    Arrivals,
    Chat,
}

/// Which latency statistic.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stat {
    Percentile(f64),
    Max,
    Mean,
}

/// Which measurement.
#[derive(Debug, Clone, PartialEq)]
pub enum Metric {
    /// From the intended start (schedule + think times): free of coordinated omission.
    Response(Stat),
    /// From send to the last body byte.
    Service(Stat),
    ErrorRate,
    Lateness(Stat),
    DroppedRate,
    AchievedRate,
    /// Chat message send → read by a room member.
    Delivery(Stat),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Lt,
    Le,
    Gt,
    Ge,
}

impl Op {
    pub fn holds(self, measured: f64, limit: f64) -> bool {
        match self {
            Self::Lt => measured < limit,
            Self::Le => measured <= limit,
            Self::Gt => measured > limit,
            Self::Ge => measured >= limit,
        }
    }

    fn symbol(self) -> &'static str {
        match self {
            Self::Lt => "<",
            Self::Le => "<=",
            Self::Gt => ">",
            Self::Ge => ">=",
        }
    }
}

/// A parsed threshold. Latency limits are in microseconds, rates as fractions.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    pub subject: Subject,
    pub metric: Metric,
    pub op: Op,
    pub limit: f64,
    pub phase: Option<String>,
    /// Judged live, stopping the run on a breach (`abort [after D]`).
    pub abort: Option<Abort>,
    /// The text as written, for reports.
    pub text: String,
}

/// A threshold judged while the run runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Abort {
    /// Replay-clock time before which the threshold is not judged (too little traffic).
    pub after: std::time::Duration,
}

impl Threshold {
    /// Whether this threshold can be judged on the run so far: not on a phase, not on a
    /// ratio known only at the end.
    pub fn live_judgeable(&self) -> bool {
        self.phase.is_none() && self.metric != Metric::AchievedRate
    }
}

/// Splits a trailing `abort [after D]` off `text`.
fn split_abort(text: &str) -> Result<(&str, Option<Abort>), ThresholdError> {
    let Some(at) = text.rfind(" abort").filter(|at| {
        let tail = &text[at + " abort".len()..];
        tail.is_empty() || tail.starts_with(' ')
    }) else {
        return Ok((text, None));
    };
    let (body, tail) = (text[..at].trim(), text[at + " abort".len()..].trim());
    let after = match tail.strip_prefix("after") {
        None if tail.is_empty() => std::time::Duration::ZERO,
        Some(value) if value.starts_with(' ') => {
            let span = value.trim().parse::<Span>().ok().filter(|s| (0.0..=86_400.0).contains(&s.secs()));
            span.ok_or_else(|| {
                error(
                    format!("`{}` is not a time to wait", value.trim()),
                    "a duration from 0s to 24h, e.g. `30s`",
                )
            })?
            .as_duration()
        }
        _ => return Err(error(format!("`abort {tail}`"), "`abort` or `abort after D` at the end")),
    };
    Ok((body, Some(Abort { after })))
}

/// Why a threshold did not parse; the message says what was expected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ThresholdError {
    pub message: String,
    pub expected: String,
}

fn error(message: impl Into<String>, expected: impl Into<String>) -> ThresholdError {
    ThresholdError { message: message.into(), expected: expected.into() }
}

const SHAPE: &str = "`SUBJECT.METRIC OP VALUE [during PHASE]`, e.g. `create_post.response.p99 < 800ms`";

fn parse_stat(text: &str) -> Option<Stat> {
    match text {
        "max" => Some(Stat::Max),
        "mean" => Some(Stat::Mean),
        "p999" => Some(Stat::Percentile(99.9)),
        _ => {
            let p: f64 = text.strip_prefix('p')?.parse().ok()?;
            (p > 0.0 && p < 100.0).then_some(Stat::Percentile(p))
        }
    }
}

fn parse_metric(subject: &Subject, text: &str) -> Result<Metric, ThresholdError> {
    let stat = |rest: &str| {
        parse_stat(rest).ok_or_else(|| {
            error(format!("unknown statistic `{rest}`"), "p50, p90, p95, p99, p99.9, max or mean")
        })
    };
    match (subject, text.split_once('.')) {
        (Subject::Arrivals, None) if text == "dropped_rate" => Ok(Metric::DroppedRate),
        (Subject::Arrivals, None) if text == "achieved_rate" => Ok(Metric::AchievedRate),
        (Subject::Arrivals, Some(("lateness", rest))) => Ok(Metric::Lateness(stat(rest)?)),
        (Subject::Arrivals, _) => Err(error(
            format!("unknown arrivals metric `{text}`"),
            "dropped_rate, achieved_rate or lateness.P",
        )),
        (Subject::Chat, Some(("delivery", rest))) => Ok(Metric::Delivery(stat(rest)?)),
        (Subject::Chat, _) => Err(error(format!("unknown chat metric `{text}`"), "delivery.P")),
        (_, None) if text == "error_rate" => Ok(Metric::ErrorRate),
        (_, Some(("response", rest))) => Ok(Metric::Response(stat(rest)?)),
        (_, Some(("service", rest))) => Ok(Metric::Service(stat(rest)?)),
        _ => Err(error(format!("unknown metric `{text}`"), "response.P, service.P or error_rate")),
    }
}

/// A fraction written as `1%`, `0.5%` or `0.01`.
fn parse_fraction(text: &str) -> Option<f64> {
    let value = match text.strip_suffix('%') {
        Some(percent) => percent.trim().parse::<f64>().ok()? / 100.0,
        None => text.parse::<f64>().ok()?,
    };
    (value.is_finite() && value >= 0.0).then_some(value)
}

/// Parses one threshold.
pub fn parse(text: &str) -> Result<Threshold, ThresholdError> {
    let trimmed = text.trim();
    let (body, abort) = split_abort(trimmed)?;
    let threshold = parse_judged(body)?;
    if abort.is_some() && !threshold.live_judgeable() {
        return Err(error(
            "`abort` is judged on the run so far: not with `during` nor on arrivals.achieved_rate",
            "a threshold without `during`, or no `abort`",
        ));
    }
    Ok(Threshold { abort, text: trimmed.to_string(), ..threshold })
}

/// Parses the part of a threshold that says what is judged (before any `abort`).
fn parse_judged(trimmed: &str) -> Result<Threshold, ThresholdError> {
    if trimmed.ends_with(" during") {
        return Err(error("`during` without a phase", "a phase name after `during`"));
    }
    let (body, phase) = match trimmed.split_once(" during ") {
        Some((body, phase)) if !phase.trim().is_empty() => (body.trim(), Some(phase.trim().to_string())),
        Some(_) => {
            return Err(error("`during` without a phase name", "a phase name after `during`"));
        }
        None => (trimmed, None),
    };
    let op_at = body.find(['<', '>']).ok_or_else(|| error(format!("no comparison in `{body}`"), SHAPE))?;
    let (left, right) = body.split_at(op_at);
    let (op, value) = if let Some(v) = right.strip_prefix("<=") {
        (Op::Le, v)
    } else if let Some(v) = right.strip_prefix(">=") {
        (Op::Ge, v)
    } else if let Some(v) = right.strip_prefix('<') {
        (Op::Lt, v)
    } else {
        (Op::Gt, &right[1..])
    };
    let (subject_text, metric_text) = left
        .trim()
        .split_once('.')
        .ok_or_else(|| error(format!("`{}` names no metric", left.trim()), SHAPE))?;
    let subject = match subject_text {
        "all" => Subject::All,
        "arrivals" => Subject::Arrivals,
        "chat" => Subject::Chat,
        // A custom action's name is interned here; whether the target has it is checked
        // against the profile, or the report judged.
        name => Subject::Action(Action::parse(name).map_err(|e| {
            error(
                format!("unknown subject `{name}`: {e}"),
                "an action name (signup, create_post, search, ...), `all`, `arrivals` or `chat`",
            )
        })?),
    };
    let metric = parse_metric(&subject, metric_text)?;
    let value = value.trim();
    let limit = match metric {
        Metric::Response(_) | Metric::Service(_) | Metric::Lateness(_) | Metric::Delivery(_) => {
            value.parse::<Span>().map(|span| span.secs() * 1e6).map_err(|_| {
                error(format!("`{value}` is not a latency"), "a duration such as `800ms` or `1.5s`")
            })?
        }
        Metric::ErrorRate | Metric::DroppedRate | Metric::AchievedRate => {
            parse_fraction(value).ok_or_else(|| {
                error(
                    format!("`{value}` is not a rate"),
                    "a percentage such as `1%` or a fraction such as `0.01`",
                )
            })?
        }
    };
    Ok(Threshold { subject, metric, op, limit, phase, abort: None, text: trimmed.to_string() })
}

impl fmt::Display for Threshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Threshold {
    /// The comparison symbol, for messages such as "measured 912 ms, limit < 800 ms".
    pub fn op_symbol(&self) -> &'static str {
        self.op.symbol()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_latency_thresholds_with_phases() {
        let t = parse("create_post.response.p99 < 800ms during peak").expect("valid");
        assert_eq!(t.subject, Subject::Action(Action::CreatePost));
        assert_eq!(t.metric, Metric::Response(Stat::Percentile(99.0)));
        assert_eq!(t.op, Op::Lt);
        assert!((t.limit - 800_000.0).abs() < 1e-6);
        assert_eq!(t.phase.as_deref(), Some("peak"));
        let t = parse("all.service.p99.9 <= 1.5s").expect("valid");
        assert_eq!(t.metric, Metric::Service(Stat::Percentile(99.9)));
        assert_eq!(t.op, Op::Le);
    }

    #[test]
    fn parses_rate_thresholds() {
        let t = parse("all.error_rate < 1%").expect("valid");
        assert_eq!((t.metric.clone(), t.limit), (Metric::ErrorRate, 0.01));
        let t = parse("arrivals.achieved_rate >= 0.99").expect("valid");
        assert_eq!((t.metric.clone(), t.op), (Metric::AchievedRate, Op::Ge));
        let t = parse("arrivals.lateness.p99 < 10ms").expect("valid");
        assert_eq!(t.metric, Metric::Lateness(Stat::Percentile(99.0)));
    }

    #[test]
    fn parses_chat_delivery_thresholds() {
        let t = parse("chat.delivery.p99 < 2s during storm").expect("valid");
        assert_eq!(
            (t.subject.clone(), t.metric.clone()),
            (Subject::Chat, Metric::Delivery(Stat::Percentile(99.0)))
        );
        assert!((t.limit - 2e6).abs() < 1e-6);
        let err = parse("chat.error_rate < 1%").expect_err("not a chat metric");
        assert!(err.message.contains("unknown chat metric"), "{}", err.message);
    }

    #[test]
    fn parses_abort_with_and_without_a_wait() {
        let t = parse("all.error_rate < 5% abort").expect("valid");
        assert_eq!(t.abort, Some(Abort { after: std::time::Duration::ZERO }));
        assert_eq!((t.metric.clone(), t.limit), (Metric::ErrorRate, 0.05));
        assert_eq!(t.text, "all.error_rate < 5% abort");
        let t = parse("signup.response.p99 < 2s abort after 30s").expect("valid");
        assert_eq!(t.abort, Some(Abort { after: std::time::Duration::from_secs(30) }));
        assert!((t.limit - 2e6).abs() < 1e-6);
        assert_eq!(parse("all.error_rate < 5%").expect("valid").abort, None);
        // A phase whose name starts with `abort` is a phase, not the keyword.
        let t = parse("all.error_rate < 5% during abort-zone").expect("valid");
        assert_eq!((t.phase.as_deref(), t.abort), (Some("abort-zone"), None));
        for bad in [
            "all.error_rate < 5% abort after",
            "all.error_rate < 5% abort after NaN",
            "all.error_rate < 5% abort after 25h",
            "all.error_rate < 5% abort after -1s",
            "all.error_rate < 5% abort soon",
            "all.error_rate < 5% during peak abort",
            "arrivals.achieved_rate > 99% abort",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn errors_say_what_was_expected() {
        let cases = [
            ("create_post.response.p99 800ms", "no comparison"),
            ("Dance.response.p99 < 1s", "unknown subject `Dance`"),
            ("signup.response.p101 < 1s", "unknown statistic `p101`"),
            ("signup.response.p99 < 1 second", "is not a latency"),
            ("signup.error_rate < lots", "is not a rate"),
            ("arrivals.error_rate < 1%", "unknown arrivals metric"),
            ("signup.response.p99 < 1s during ", "`during` without a phase"),
        ];
        for (text, want) in cases {
            let err = parse(text).expect_err(text);
            assert!(err.message.contains(want), "{text}: {}", err.message);
            assert!(!err.expected.is_empty());
        }
    }
}
