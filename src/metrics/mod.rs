//! Latency and arrival metrics, recorded into HdrHistograms — never as per-request samples,
//! so memory depends on the number of tags and intervals, not on the number of requests.
//!
//! - [`Recorder`] is what the executor calls from every task: requests (service time and
//!   response time from the *intended* start, so coordinated omission cannot hide queueing),
//!   arrivals started late or dropped, journeys, natives' reactions, in-flight gauge.
//! - [`histogram`]: the shared HDR configuration (µs, `[1 µs, 1 h]`, 3 digits) and encodings.
//! - [`interval`]: the per-interval series; each closed interval keeps only its counters,
//!   summary statistics and V2-deflate-encoded histograms.
//! - `closer`: closes full intervals on a thread of its own, off the recording thread.
//! - [`run`]: [`RunMetrics`], the plain data a finished run hands to `report`.
//! - [`ontime`]: start lateness by cause, the evidence of a run's validity.
//! - [`start`]: [`JobStart`], what a job's start records, in one call.
//! - [`chat`]: live rooms: delivery latency of chat messages to members, streams.
//! - [`hlog`]: standard HdrHistogram interval logs from a [`RunMetrics`].
//! - [`export`]: the running totals a live metrics scrape reads, latencies in fixed buckets.
//! - `measure`: a threshold's value on the run so far, for `abort` thresholds.
//! - [`openmetrics`]: those totals as OpenMetrics text for Prometheus (`run --metrics-listen`).

pub mod chat;
mod closer;
pub mod export;
pub mod histogram;
pub mod hlog;
pub mod interval;
mod measure;
pub mod ontime;
pub mod openmetrics;
pub mod recorder;
pub mod run;
pub mod start;
mod state;

use std::time::Duration;

use crate::scenario::Action;

pub use chat::ChatMetrics;
pub use histogram::Stats;
pub use interval::{ActionInterval, EncodedHistogram, IntervalMetrics};
pub use ontime::{OnTime, SlotWait};
pub use recorder::{LiveStats, Recorder};
pub use run::{ActionMetrics, JourneyMetrics, RequestMetrics, RunMetrics, StepMetrics};
pub use start::{JobStart, StartKind};

/// Why a request failed, as coarse classes that thresholds and reports can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// The connection could not be established.
    Connect,
    /// The TLS handshake failed: an untrusted or unsuitable certificate, a client
    /// certificate refused or missing, a peer that does not speak TLS.
    Tls,
    /// The request exceeded its timeout.
    Timeout,
    /// The connection was reset or closed mid-request.
    Reset,
    /// The target answered 4xx.
    Status4xx,
    /// The target answered 5xx.
    Status5xx,
    /// The response could not be read or lacked what the journey needed.
    BadBody,
    /// The response body grew past `--max-body`; the rest was not read.
    BodyTooLarge,
    /// Anything else.
    Other,
}

impl ErrorClass {
    /// Every class, in report order.
    pub const ALL: [ErrorClass; 9] = [
        ErrorClass::Connect,
        ErrorClass::Tls,
        ErrorClass::Timeout,
        ErrorClass::Reset,
        ErrorClass::Status4xx,
        ErrorClass::Status5xx,
        ErrorClass::BadBody,
        ErrorClass::BodyTooLarge,
        ErrorClass::Other,
    ];

    /// The snake_case name used in reports and thresholds.
    pub fn name(self) -> &'static str {
        match self {
            Self::Connect => "connect",
            Self::Tls => "tls",
            Self::Timeout => "timeout",
            Self::Reset => "reset",
            Self::Status4xx => "status_4xx",
            Self::Status5xx => "status_5xx",
            Self::BadBody => "bad_body",
            Self::BodyTooLarge => "body_too_large",
            Self::Other => "other",
        }
    }

    fn index(self) -> usize {
        match self {
            Self::Connect => 0,
            Self::Tls => 1,
            Self::Timeout => 2,
            Self::Reset => 3,
            Self::Status4xx => 4,
            Self::Status5xx => 5,
            Self::BadBody => 6,
            Self::BodyTooLarge => 7,
            Self::Other => 8,
        }
    }
}

/// Failed requests by [`ErrorClass`]: a fixed array, so counting never allocates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ErrorCounts([u64; ErrorClass::ALL.len()]);

impl ErrorCounts {
    /// Counts one failure of `class`.
    pub fn add(&mut self, class: ErrorClass) {
        self.0[class.index()] += 1;
    }

    /// Failures of `class`.
    pub fn get(&self, class: ErrorClass) -> u64 {
        self.0[class.index()]
    }

    /// Failures of every class.
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }

    /// Adds `other`'s counts, class by class (e.g. every action's into an interval's).
    pub fn merge(&mut self, other: &ErrorCounts) {
        for (mine, theirs) in self.0.iter_mut().zip(other.0) {
            *mine += theirs;
        }
    }
}

/// The three timings of one request, µs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delays {
    /// Send → last body byte.
    pub service_us: u64,
    /// The journey's ideal schedule (arrival + planned think times) → last byte.
    pub response_us: u64,
    /// When the step was ready (previous response + think, or the arrival) → last byte.
    pub own_us: u64,
}

impl Delays {
    /// A request whose readiness is its intended start (a reaction, a journey's first
    /// step): its own delay is its response time.
    pub fn of(service_us: u64, response_us: u64) -> Self {
        Delays { service_us, response_us, own_us: response_us }
    }
}

/// A step of a journey: which journey (index in the scenario) and which step in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StepKey {
    pub journey: u16,
    pub step: u16,
}

/// What the recorder needs to know about the run before it starts.
#[derive(Debug, Clone)]
pub struct MetricsConfig {
    /// Width of a series interval on the replay clock (e.g. 1 s).
    pub interval: Duration,
    /// Journey names and their steps' actions, in scenario order, for step tags like
    /// `cat-tax/2:create_post`.
    pub journeys: Vec<(String, Vec<Action>)>,
    /// Arrivals the plan schedules in each interval, so the series shows planned next to
    /// started.
    pub planned_per_interval: Vec<u64>,
}

/// Position of `action` in per-action arrays (see [`Action::index`]).
pub(crate) fn action_index(action: Action) -> usize {
    action.index()
}

/// `name` with the characters an `.hlog` tag may not contain (`,`, space, CR, LF) replaced.
pub(crate) fn tag_safe(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            ',' | ' ' | '\r' | '\n' => '_',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_counts_by_class() {
        let mut counts = ErrorCounts::default();
        counts.add(ErrorClass::Timeout);
        counts.add(ErrorClass::Timeout);
        counts.add(ErrorClass::Status5xx);
        assert_eq!(counts.get(ErrorClass::Timeout), 2);
        assert_eq!(counts.get(ErrorClass::Status5xx), 1);
        assert_eq!(counts.get(ErrorClass::Connect), 0);
        assert_eq!(counts.total(), 3);
    }

    #[test]
    fn error_class_names_and_indices_are_distinct() {
        let names: Vec<_> = ErrorClass::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(
            names,
            [
                "connect",
                "tls",
                "timeout",
                "reset",
                "status_4xx",
                "status_5xx",
                "bad_body",
                "body_too_large",
                "other"
            ]
        );
        for (i, class) in ErrorClass::ALL.iter().enumerate() {
            assert_eq!(class.index(), i);
        }
    }

    #[test]
    fn action_indices_follow_all() {
        for (i, action) in Action::ALL.iter().enumerate() {
            assert_eq!(action_index(*action), i);
        }
    }

    #[test]
    fn tags_lose_forbidden_characters() {
        assert_eq!(tag_safe("cat tax,2"), "cat_tax_2");
        assert_eq!(tag_safe("cat-tax/2:create_post"), "cat-tax/2:create_post");
    }
}
