//! What a scrape of the live metrics endpoint reads: the recorder's running totals, copied
//! out under its lock at scrape time (never counted twice on the hot path), with latency
//! histograms reduced to fixed, log-spaced bucket boundaries.
//!
//! The boundaries are fixed (a 1-2-5 series from 1 ms to 60 s, see [`BUCKETS_S`]) rather than
//! derived from each run's data, so that a dashboard's `histogram_quantile` over several runs
//! or segments adds like with like. Each bucket counts the HDR values whose lowest equivalent
//! value is at most the boundary: exact to the HDR resolution (0.1 %). The `_sum` adds each
//! HDR bucket's median value times its count, so it is as precise as the report's means.

use std::time::Duration;

use hdrhistogram::Histogram;

use super::ErrorCounts;
use super::histogram::LazyHistogram;
use super::state::State;
use crate::scenario::Action;

/// Upper bounds of the exported latency buckets, seconds (`+Inf` is implied).
pub const BUCKETS_S: [f64; 17] =
    [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0];

/// A latency histogram as an OpenMetrics encoder takes it: counts per bucket, sum, count.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Buckets {
    /// `(upper bound s, values in this bucket and not a lower one)` for each of
    /// [`BUCKETS_S`], then `(f64::INFINITY, the rest)`; not cumulative (the encoder adds up).
    pub per_bucket: Vec<(f64, u64)>,
    /// Sum of the values, seconds.
    pub sum_s: f64,
    /// Number of values (the `+Inf` bucket).
    pub count: u64,
}

impl Buckets {
    /// The buckets of `histogram` (all zero when nothing was recorded).
    pub fn of(histogram: &LazyHistogram) -> Self {
        match histogram.get() {
            Some(h) => Self::of_hdr(h),
            None => Self {
                per_bucket: BUCKETS_S.iter().chain([&f64::INFINITY]).map(|b| (*b, 0)).collect(),
                sum_s: 0.0,
                count: 0,
            },
        }
    }

    fn of_hdr(h: &Histogram<u64>) -> Self {
        let bounds_us: Vec<u64> = BUCKETS_S.iter().map(|b| (b * 1e6).round() as u64).collect();
        // The last count is the `+Inf` bucket's.
        let mut counts = vec![0u64; BUCKETS_S.len() + 1];
        let mut sum_us = 0.0;
        // One pass over the recorded values (a few thousand non-empty HDR buckets at most).
        for value in h.iter_recorded() {
            let n = value.count_since_last_iteration();
            let v = value.value_iterated_to();
            sum_us += h.median_equivalent(v) as f64 * n as f64;
            let lowest = h.lowest_equivalent(v);
            let first = bounds_us.iter().position(|b| lowest <= *b).unwrap_or(BUCKETS_S.len());
            counts[first] += n;
        }
        let per_bucket = BUCKETS_S.iter().chain([&f64::INFINITY]).copied().zip(counts).collect();
        Self { per_bucket, sum_s: sum_us / 1e6, count: h.len() }
    }
}

/// One action's requests so far.
#[derive(Debug, Clone)]
pub struct ActionExport {
    pub action: Action,
    pub requests: u64,
    pub errors: ErrorCounts,
    /// Send → last byte.
    pub service: Buckets,
    /// Intended start → last byte.
    pub response: Buckets,
}

/// The run so far, as a scrape exports it.
#[derive(Debug, Clone)]
pub struct Export {
    /// Replay-clock offset of the latest record.
    pub at: Duration,
    /// Arrivals the whole plan schedules (the report's `arrivals.planned`).
    pub planned: u64,
    /// Arrivals the plan schedules up to the current interval.
    pub due: u64,
    pub started: u64,
    pub dropped: u64,
    /// Planned arrivals the run stopped before (known at the end).
    pub not_started: u64,
    /// Journeys open now (parked ones included).
    pub journeys_open: u64,
    /// Worker slots running a job now.
    pub slots_busy: u64,
    /// Only actions that saw a request, in [`Action::ALL`] order (as the report lists them).
    pub actions: Vec<ActionExport>,
    /// Start lateness of newcomer arrivals.
    pub lateness: Buckets,
    /// Chat messages read by room members, and their delivery latency.
    pub deliveries: u64,
    pub delivery: Buckets,
}

/// The export of `state`; runs under the recorder's lock.
pub(super) fn of(state: &State) -> Export {
    let live = state.live();
    let actions = Action::ALL
        .iter()
        .zip(&state.actions)
        .filter(|(_, m)| m.requests > 0)
        .map(|(action, m)| ActionExport {
            action: *action,
            requests: m.requests,
            errors: m.errors,
            service: Buckets::of(&m.service),
            response: Buckets::of(&m.response),
        })
        .collect();
    Export {
        at: state.latest,
        planned: state.planned_per_interval.iter().sum(),
        due: live.planned_so_far,
        started: state.started,
        dropped: state.dropped,
        not_started: state.not_started,
        journeys_open: state.journeys_open,
        slots_busy: state.slots_busy,
        actions,
        lateness: Buckets::of(&state.lateness),
        deliveries: state.chat.deliveries,
        delivery: Buckets::of(&state.chat.delivery),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_place_values_by_their_bound() {
        let mut h = LazyHistogram::default();
        for us in [500, 1_000, 1_500, 40_000, 3_000_000, 200_000_000] {
            h.record(us);
        }
        let b = Buckets::of(&h);
        let at = |bound: f64| b.per_bucket.iter().find(|(le, _)| *le == bound).map(|(_, n)| *n);
        assert_eq!(at(0.001), Some(2), "{b:?}");
        assert_eq!(at(0.002), Some(1));
        assert_eq!(at(0.005), Some(0));
        assert_eq!(at(0.05), Some(1));
        assert_eq!(at(5.0), Some(1));
        assert_eq!(at(120.0), Some(0));
        assert_eq!(at(f64::INFINITY), Some(1), "200 s is only in +Inf");
        assert_eq!(b.per_bucket.iter().map(|(_, n)| n).sum::<u64>(), 6);
        assert_eq!(b.count, 6);
        let exact = (500 + 1_000 + 1_500 + 40_000 + 3_000_000 + 200_000_000) as f64 / 1e6;
        assert!((b.sum_s - exact).abs() / exact < 0.001, "{} vs {exact}", b.sum_s);
    }

    #[test]
    fn an_empty_histogram_exports_zero_buckets() {
        let b = Buckets::of(&LazyHistogram::default());
        assert_eq!(b.per_bucket.len(), BUCKETS_S.len() + 1);
        assert!(b.per_bucket.iter().all(|(_, n)| *n == 0));
        assert_eq!((b.count, b.sum_s), (0, 0.0));
    }
}
