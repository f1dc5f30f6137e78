//! The capacity fault: a route (or the whole platform) that serves at most N requests per
//! second, so that `stampede capacity` has a target whose capacity is known.
//!
//! `--fault-capacity ROUTE=RATE[,QUEUE]`, e.g. `signup=200/s` or `all=500/s,250ms`. The
//! platform behaves as one server that spends `1/RATE` on each request, in arrival order:
//! a request that finds the server busy waits for its turn (virtual scheduling, as GCRA
//! does it, with no burst credit: an idle server does not save up capacity), and one whose
//! wait would exceed QUEUE (default [`DEFAULT_QUEUE`]) is refused with 503 at once and
//! costs the server nothing. Below the rate nothing changes; above it, latency climbs
//! until the queue is full, then the excess is refused — the two ways a real platform
//! shows it is out of capacity.
//!
//! A route's own setting gives it a server of its own; routes without one share the `all`
//! server.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::{Faults, Scope, parse_scoped};
use crate::platform::routes::Route;
use crate::units::{Rate, Span};

/// The longest wait in the queue when none is given.
pub const DEFAULT_QUEUE: Duration = Duration::from_millis(100);
/// The longest queue that can be asked for: beyond it a request is as good as lost.
const MAX_QUEUE_S: f64 = 3_600.0;

const EXPECTED: &str = "RATE[,QUEUE], e.g. 200/s or 200/s,250ms: a rate above 0 and a longest wait up to 1h";

/// Requests served per second, and the longest wait for a turn before a 503.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Capacity {
    pub rate: Rate,
    /// The longest wait in the queue.
    pub queue: Span,
}

impl Capacity {
    /// Server time one request takes.
    fn service(&self) -> Duration {
        crate::units::duration_from_secs(1.0 / self.rate.as_per_s())
    }
}

impl FromStr for Capacity {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let bad = |why: String| format!("invalid capacity `{text}`: {why} (expected {EXPECTED})");
        let (rate, queue) = match text.split_once(',') {
            Some((rate, queue)) => (rate, Some(queue)),
            None => (text, None),
        };
        let rate: Rate = rate.trim().parse().map_err(|e: crate::units::UnitError| bad(e.to_string()))?;
        if rate.as_per_s() <= 0.0 {
            return Err(bad("the rate must be above 0".into()));
        }
        let queue = match queue {
            Some(queue) => queue.trim().parse::<Span>().map_err(|e| bad(e.to_string()))?,
            None => Span::from_secs(DEFAULT_QUEUE.as_secs_f64()),
        };
        if queue.secs() > MAX_QUEUE_S {
            return Err(bad("the queue is longer than 1h".into()));
        }
        Ok(Capacity { rate, queue })
    }
}

impl fmt::Display for Capacity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{},{}", self.rate, self.queue)
    }
}

impl TryFrom<String> for Capacity {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        text.parse()
    }
}

impl From<Capacity> for String {
    fn from(capacity: Capacity) -> String {
        capacity.to_string()
    }
}

/// clap parser for `--fault-capacity`.
pub fn parse_capacity_flag(text: &str) -> Result<(Scope, Capacity), String> {
    parse_scoped(text, false)
}

/// What the capacity fault does with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Served at once.
    Now,
    /// Served after waiting this long for its turn.
    After(Duration),
    /// Refused: the wait would exceed the queue.
    Refused,
}

/// The servers' schedules: per scope, the instant the server is next free.
#[derive(Debug, Default)]
pub struct Queues {
    next_free: Mutex<HashMap<Scope, Instant>>,
}

impl Queues {
    /// Takes `route`'s turn for a request arriving at `now` under `faults`.
    pub fn admit(&self, faults: &Faults, route: Route, now: Instant) -> Admission {
        let (scope, capacity) = match faults.capacity.get(&Scope::Route(route)) {
            Some(capacity) => (Scope::Route(route), capacity),
            None => match faults.capacity.get(&Scope::All) {
                Some(capacity) => (Scope::All, capacity),
                None => return Admission::Now,
            },
        };
        let mut next_free = self.next_free.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let free = next_free.entry(scope).or_insert(now);
        let start = (*free).max(now);
        let wait = start - now;
        if wait > capacity.queue.as_duration() {
            return Admission::Refused;
        }
        *free = start + capacity.service();
        if wait.is_zero() { Admission::Now } else { Admission::After(wait) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn faults(flags: &[&str]) -> Faults {
        let mut faults = Faults::default();
        for flag in flags {
            let (scope, capacity) = parse_capacity_flag(flag).expect("parses");
            faults.capacity.insert(scope, capacity);
        }
        faults
    }

    #[test]
    fn parses_rate_and_queue_and_prints_them_back() {
        let capacity: Capacity = "200/s".parse().expect("parses");
        assert_eq!(capacity.rate.as_per_s(), 200.0);
        assert_eq!(capacity.queue.as_duration(), DEFAULT_QUEUE);
        let capacity: Capacity = "6000/min,250ms".parse().expect("parses");
        assert_eq!((capacity.rate.as_per_s(), capacity.queue.secs()), (100.0, 0.25));
        assert_eq!(capacity.to_string(), "6000/min,250ms");
        assert_eq!(capacity.to_string().parse::<Capacity>(), Ok(capacity));
        let (scope, _) = parse_capacity_flag("signup=200/s").expect("parses");
        assert_eq!(scope, Scope::Route(Route::Signup));
    }

    #[test]
    fn rejects_what_is_not_a_capacity_with_the_accepted_form() {
        for text in
            ["0/s", "200", "-5/s", "NaN/s", "inf/s", "200/s,", "200/s,2h", "200/s,-1s", "200/fortnight"]
        {
            let error = text.parse::<Capacity>().expect_err(text);
            assert!(error.contains("expected RATE[,QUEUE]"), "{text}: {error}");
        }
        assert!(parse_capacity_flag("200/s").is_err(), "a route is required");
        assert!(parse_capacity_flag("posts=200/s").is_err());
    }

    #[test]
    fn a_burst_waits_its_turn_until_the_queue_is_full() {
        // 10/s: 100 ms per request, and at most 250 ms of waiting.
        let faults = faults(&["signup=10/s,250ms"]);
        let queues = Queues::default();
        let t0 = Instant::now();
        let burst: Vec<Admission> = (0..5).map(|_| queues.admit(&faults, Route::Signup, t0)).collect();
        let ms = |n| Admission::After(Duration::from_millis(n));
        assert_eq!(burst, [Admission::Now, ms(100), ms(200), Admission::Refused, Admission::Refused]);
        // Refused requests took no server time: at 300 ms the server is free again.
        assert_eq!(queues.admit(&faults, Route::Signup, t0 + Duration::from_millis(300)), Admission::Now);
        // Other routes are not limited.
        assert_eq!(queues.admit(&faults, Route::Login, t0), Admission::Now);
    }

    #[test]
    fn below_the_rate_nothing_waits_and_above_it_the_excess_is_refused() {
        let faults = faults(&["all=100/s,50ms"]);
        let count = |per_s: f64| {
            let queues = Queues::default();
            let t0 = Instant::now();
            (0..1_000)
                .map(|i| t0 + Duration::from_secs_f64(f64::from(i) / per_s))
                .map(|at| queues.admit(&faults, Route::ViewFeed, at))
                .filter(|a| *a == Admission::Refused)
                .count()
        };
        assert_eq!(count(95.0), 0);
        // At 125/s one request in five is beyond the rate; the 50 ms queue fills first.
        let refused = count(125.0);
        assert!((190..=200).contains(&refused), "{refused}");
    }

    #[test]
    fn a_route_of_its_own_does_not_share_the_all_server() {
        let faults = faults(&["all=1/s,0s", "signup=1/s,0s"]);
        let queues = Queues::default();
        let t0 = Instant::now();
        assert_eq!(queues.admit(&faults, Route::Signup, t0), Admission::Now);
        assert_eq!(queues.admit(&faults, Route::Login, t0), Admission::Now);
        assert_eq!(queues.admit(&faults, Route::ViewFeed, t0), Admission::Refused);
    }
}
