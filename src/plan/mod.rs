//! The plan: a pure, seeded description of what a replay will do — the arrival schedule,
//! per-newcomer decisions, and the expectations `stampede plan` prints.
//!
//! Nothing here sends traffic or reads the clock; the same scenario and seed always give the
//! same plan, which is what lets segments of a distributed run agree without talking.

pub mod accounts;
pub mod expect;
pub mod newcomer;
pub mod render;
pub mod rooms;
pub mod schedule;
pub mod segment;
pub mod slots;

use serde::Serialize;

pub use expect::Expectations;
pub use schedule::{Arrival, Schedule};
pub use segment::Segment;

use crate::scenario::Scenario;

/// Peak arrival rates at real scale over windows of one second, minute and hour.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Peaks {
    pub per_s: f64,
    pub per_min: f64,
    pub per_hour: f64,
    /// Real-world time (seconds from the start) of the per-second peak.
    pub at_real_s: f64,
}

/// One interval of the replay.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Interval {
    /// Start of the interval on the replay clock, seconds.
    pub t_s: f64,
    /// Start of the interval on the curve's real-world clock, seconds.
    pub real_t_s: f64,
    /// Arrivals the schedule starts in this interval.
    pub arrivals: u64,
    /// Arrivals the curve expects in this interval (sampled).
    pub expected: f64,
}

/// The plan of one scenario: its schedule and what it implies.
#[derive(Debug, Clone)]
pub struct Plan {
    pub scenario: Scenario,
    pub schedule: Schedule,
    pub peaks: Peaks,
    pub expectations: Expectations,
    /// Expected fraction of the whole plan this process runs (a segment's 1/N times a
    /// target's share); the expectations above are for the whole plan.
    pub fraction: f64,
}

/// Largest count of the curve in any window of `window_s`, scanning window starts at a
/// tenth of the window (and every breakpoint the grid can see).
fn peak_window(curve: &crate::arrival::Curve, window_s: f64) -> f64 {
    let span = curve.span_s();
    if window_s >= span {
        return curve.total() * window_s / span.max(f64::MIN_POSITIVE);
    }
    let steps = ((span - window_s) / (window_s / 10.0)).ceil().max(1.0) as usize;
    let steps = steps.min(200_000);
    (0..=steps)
        .map(|i| {
            let start = (span - window_s) * i as f64 / steps as f64;
            curve.cumulative(start + window_s) - curve.cumulative(start)
        })
        .fold(0.0, f64::max)
}

impl Plan {
    /// Builds the plan of a loaded scenario.
    pub fn new(scenario: Scenario) -> Self {
        let (at_real_s, per_s) = scenario.curve.peak_rate_per_s();
        let peaks = Peaks {
            per_s,
            per_min: peak_window(&scenario.curve, 60.0),
            per_hour: peak_window(&scenario.curve, 3600.0),
            at_real_s,
        };
        let expectations = expect::expect(&scenario, per_s);
        let schedule = Schedule::new(
            scenario.curve.clone(),
            scenario.replay,
            scenario.seed,
            scenario.spec.arrivals.spacing,
        );
        Self { scenario, schedule, peaks, expectations, fraction: 1.0 }
    }

    /// The plan keeping only `segment`'s share of the arrivals (see [`segment`]); the
    /// series and totals then count that share.
    pub fn with_segment(mut self, segment: Segment) -> Self {
        self.schedule = self.schedule.with_segment(segment);
        self.fraction /= f64::from(segment.count.max(1));
        self
    }

    /// The plan keeping only the newcomers of one of the scenario's targets.
    pub fn with_target(mut self, target: crate::scenario::TargetShare) -> Self {
        let total: f64 = target.weights.iter().sum();
        self.fraction *= target.weights.get(target.index).map_or(1.0, |w| w / total.max(f64::MIN_POSITIVE));
        self.schedule = self.schedule.with_target(target);
        self
    }

    /// Replay-clock width of a series interval: about 300 intervals, rounded to a readable
    /// size, never below one second.
    pub fn interval_s(&self) -> f64 {
        let raw = self.scenario.replay.replay_span_s() / 300.0;
        const NICE: [f64; 12] = [1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0];
        NICE.into_iter().find(|&n| n >= raw).unwrap_or((raw / 3600.0).ceil() * 3600.0)
    }

    /// Draws the schedule once and bins it: the series `plan` prints and `run` compares to.
    pub fn series(&self) -> Vec<Interval> {
        let replay = self.scenario.replay;
        let interval_s = self.interval_s();
        let count = (replay.replay_span_s() / interval_s).ceil().max(1.0) as usize;
        let mut series: Vec<Interval> = (0..count)
            .map(|i| {
                let t_s = i as f64 * interval_s;
                let (real_from, real_to) = (t_s * replay.compress, (t_s + interval_s) * replay.compress);
                let expected = replay.sample
                    * (self.scenario.curve.cumulative(real_to) - self.scenario.curve.cumulative(real_from));
                Interval { t_s, real_t_s: real_from, arrivals: 0, expected }
            })
            .collect();
        for arrival in self.schedule.iter() {
            let bin = ((arrival.replay_offset_ns as f64 / 1e9) / interval_s) as usize;
            series[bin.min(count - 1)].arrivals += 1;
        }
        series
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Overrides, TargetShare, load};

    #[test]
    fn a_share_of_the_plan_knows_its_fraction() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("s.yaml");
        let yaml = "name: f\nseed: 3\ntimeline: { span: 1h, compress: 60 }\n\
            arrivals: { curve: { constant: { rate: 600/h } } }\n\
            targets: [ { name: a, weight: 3 }, { name: b, weight: 1 } ]\n\
            journeys: [ { name: j, weight: 1, steps: [ { action: signup } ] } ]\n";
        std::fs::write(&file, yaml).expect("written");
        let scenario = load(&file, &Overrides::default()).unwrap_or_else(|p| panic!("{p}"));
        let share = TargetShare::new(&scenario.spec.targets, 0, scenario.seed);
        let plan = Plan::new(scenario).with_segment(Segment { index: 1, count: 2 }).with_target(share);
        assert!((plan.fraction - 0.375).abs() < 1e-12, "{}", plan.fraction);
    }
}
