//! Fault injection: the declarative model (which routes get added latency, errors, and
//! when the whole server stalls), its flag syntax, and — in [`layer`] — the runtime state
//! and middleware that apply it.
//!
//! Faults exist to test the load tester's own honesty: a harness that measures latency
//! from the intended send time must report a stall window as a stall, not as fewer
//! requests. Everything is off by default.
//!
//! Flag syntax (all repeatable):
//!
//! - `--fault-latency ROUTE=DIST` where ROUTE is a route name or `all`, and DIST is
//!   `fixed:20ms`, `uniform:10ms..50ms`, `exp:50ms` (mean) or `lognormal:40ms,0.5`
//!   (median, sigma of the underlying normal).
//! - `--fault-error-rate [ROUTE=]P`: answer 503 with probability P (0..=1).
//! - `--fault-stall START+DURATION`: requests arriving in [START, START+DURATION) after
//!   the server started hang until the window ends, e.g. `3s+2s`.
//! - `--fault-capacity ROUTE=RATE[,QUEUE]`: the route serves at most RATE requests per
//!   second, queueing up to QUEUE then refusing with 503 ([`capacity`]).
//!
//! A route-specific setting overrides `all`.

pub mod capacity;
pub mod layer;

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use rand::Rng;
use rand_distr::{Distribution, Exp, LogNormal, Uniform};
use serde::{Deserialize, Serialize};

use super::routes::Route;
use crate::units::Span;

/// Longest injected latency; keeps a heavy-tailed sample from hanging a connection forever.
const MAX_LATENCY: Duration = Duration::from_secs(3_600);

/// What a fault setting applies to: every route or one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Scope {
    All,
    Route(Route),
}

impl FromStr for Scope {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text.trim() {
            "all" => Ok(Scope::All),
            name => name.parse().map(Scope::Route),
        }
    }
}

impl TryFrom<String> for Scope {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        text.parse()
    }
}

impl From<Scope> for String {
    fn from(scope: Scope) -> String {
        match scope {
            Scope::All => "all".into(),
            Scope::Route(route) => route.name().into(),
        }
    }
}

/// A latency distribution, sampled once per request.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Latency {
    Fixed(Span),
    Uniform { low: Span, high: Span },
    Exponential { mean: Span },
    LogNormal { median: Span, sigma: f64 },
}

const LATENCY_EXPECTED: &str =
    "fixed:20ms, uniform:10ms..50ms, exp:50ms (mean) or lognormal:40ms,0.5 (median,sigma)";

impl Latency {
    /// One delay drawn from the distribution.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Duration {
        let secs = match *self {
            Latency::Fixed(span) => span.secs(),
            Latency::Uniform { low, high } => match Uniform::new_inclusive(low.secs(), high.secs()) {
                Ok(uniform) => uniform.sample(rng),
                Err(_) => low.secs(),
            },
            Latency::Exponential { mean } => match Exp::new(1.0 / mean.secs()) {
                Ok(exp) => exp.sample(rng),
                Err(_) => 0.0,
            },
            Latency::LogNormal { median, sigma } => match LogNormal::new(median.secs().ln(), sigma) {
                Ok(lognormal) => lognormal.sample(rng),
                Err(_) => median.secs(),
            },
        };
        Duration::try_from_secs_f64(secs.clamp(0.0, MAX_LATENCY.as_secs_f64())).unwrap_or(Duration::ZERO)
    }
}

impl FromStr for Latency {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let bad = |why: String| format!("invalid latency `{text}`: {why} (expected {LATENCY_EXPECTED})");
        let span = |s: &str| s.trim().parse::<Span>().map_err(|e| bad(e.to_string()));
        let (kind, args) = text.trim().split_once(':').ok_or_else(|| bad("missing `kind:`".into()))?;
        match kind {
            "fixed" => Ok(Latency::Fixed(span(args)?)),
            "uniform" => {
                let (low, high) =
                    args.split_once("..").ok_or_else(|| bad("uniform needs `low..high`".into()))?;
                let (low, high) = (span(low)?, span(high)?);
                if low.secs() > high.secs() {
                    return Err(bad("low is above high".into()));
                }
                Ok(Latency::Uniform { low, high })
            }
            "exp" | "exponential" => {
                let mean = span(args)?;
                if mean.secs() <= 0.0 {
                    return Err(bad("the mean must be positive".into()));
                }
                Ok(Latency::Exponential { mean })
            }
            "lognormal" => {
                let (median, sigma) =
                    args.split_once(',').ok_or_else(|| bad("lognormal needs `median,sigma`".into()))?;
                let median = span(median)?;
                let sigma: f64 =
                    sigma.trim().parse().map_err(|_| bad(format!("sigma `{sigma}` is not a number")))?;
                if median.secs() <= 0.0 || !sigma.is_finite() || sigma < 0.0 {
                    return Err(bad("needs a positive median and sigma >= 0".into()));
                }
                Ok(Latency::LogNormal { median, sigma })
            }
            other => Err(bad(format!("unknown kind `{other}`"))),
        }
    }
}

impl fmt::Display for Latency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Latency::Fixed(span) => write!(f, "fixed:{span}"),
            Latency::Uniform { low, high } => write!(f, "uniform:{low}..{high}"),
            Latency::Exponential { mean } => write!(f, "exp:{mean}"),
            Latency::LogNormal { median, sigma } => write!(f, "lognormal:{median},{sigma}"),
        }
    }
}

impl TryFrom<String> for Latency {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        text.parse()
    }
}

impl From<Latency> for String {
    fn from(latency: Latency) -> String {
        latency.to_string()
    }
}

/// A window, measured from server start, during which arriving requests hang.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stall {
    pub start: Duration,
    pub duration: Duration,
}

impl Stall {
    pub fn end(&self) -> Duration {
        self.start.saturating_add(self.duration)
    }

    pub fn contains(&self, since_start: Duration) -> bool {
        self.start <= since_start && since_start < self.end()
    }
}

impl FromStr for Stall {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let (start, duration) = text
            .split_once('+')
            .ok_or_else(|| format!("invalid stall `{text}` (expected START+DURATION, e.g. 3s+2s)"))?;
        let span = |s: &str| {
            s.trim()
                .parse::<Span>()
                .map(Span::as_duration)
                .map_err(|e| format!("invalid stall `{text}`: {e}"))
        };
        Ok(Stall { start: span(start)?, duration: span(duration)? })
    }
}

/// A route-scoped setting from a flag: `create_post=exp:50ms`, or `0.05` meaning `all=0.05`.
pub fn parse_scoped<T: FromStr<Err = String>>(
    text: &str,
    scope_optional: bool,
) -> Result<(Scope, T), String> {
    match text.split_once('=') {
        Some((scope, value)) => Ok((scope.parse()?, value.trim().parse()?)),
        None if scope_optional => Ok((Scope::All, text.trim().parse()?)),
        None => Err(format!("invalid `{text}` (expected ROUTE=VALUE, ROUTE a route name or all)")),
    }
}

/// clap parser for `--fault-latency`.
pub fn parse_latency_flag(text: &str) -> Result<(Scope, Latency), String> {
    parse_scoped(text, false)
}

/// clap parser for `--fault-error-rate`.
pub fn parse_error_rate_flag(text: &str) -> Result<(Scope, ErrorRate), String> {
    parse_scoped(text, true)
}

/// A probability of answering 503, checked to lie in 0..=1.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct ErrorRate(f64);

impl ErrorRate {
    pub fn probability(self) -> f64 {
        self.0
    }
}

impl TryFrom<f64> for ErrorRate {
    type Error = String;
    fn try_from(p: f64) -> Result<Self, String> {
        if (0.0..=1.0).contains(&p) {
            Ok(ErrorRate(p))
        } else {
            Err(format!("error rate {p} is outside 0..=1"))
        }
    }
}

impl From<ErrorRate> for f64 {
    fn from(rate: ErrorRate) -> f64 {
        rate.0
    }
}

impl FromStr for ErrorRate {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let p: f64 = text
            .trim()
            .parse()
            .map_err(|_| format!("invalid error rate `{text}` (expected a number in 0..=1)"))?;
        p.try_into()
    }
}

/// The complete set of faults in force; replaced as a whole by the admin endpoint.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults {
    pub latency: BTreeMap<Scope, Latency>,
    pub error_rate: BTreeMap<Scope, ErrorRate>,
    pub stalls: Vec<Stall>,
    pub capacity: BTreeMap<Scope, capacity::Capacity>,
}

impl Faults {
    pub fn is_empty(&self) -> bool {
        self.latency.is_empty()
            && self.error_rate.is_empty()
            && self.stalls.is_empty()
            && self.capacity.is_empty()
    }

    /// The route's own setting, else the `all` setting.
    fn scoped<T>(map: &BTreeMap<Scope, T>, route: Route) -> Option<&T> {
        map.get(&Scope::Route(route)).or_else(|| map.get(&Scope::All))
    }

    pub fn latency_for(&self, route: Route) -> Option<&Latency> {
        Self::scoped(&self.latency, route)
    }

    pub fn error_rate_for(&self, route: Route) -> f64 {
        Self::scoped(&self.error_rate, route).map_or(0.0, |rate| rate.probability())
    }

    /// When a request arriving `since_start` after server start may proceed, if it falls
    /// inside a stall window (the latest end among the windows containing it).
    pub fn stall_until(&self, since_start: Duration) -> Option<Duration> {
        self.stalls.iter().filter(|stall| stall.contains(since_start)).map(Stall::end).max()
    }
}

#[cfg(test)]
mod tests;
