//! `stampede plan` output: a text summary for people, JSON and CSV for tools.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::expect::ActionExpectation;
use super::{Interval, Peaks, Plan};
use crate::human::{count, percent, rate, span as human_duration};
use crate::scenario::ThinkTime;

/// The JSON form of a plan (also the data behind the text and CSV forms).
#[derive(Debug, Clone, Serialize)]
pub struct PlanReport {
    pub scenario: String,
    pub description: String,
    pub seed: u64,
    pub compress: f64,
    pub sample: f64,
    pub think: ThinkTime,
    pub real_duration_s: f64,
    pub replay_duration_s: f64,
    /// Newcomers at real scale (the curve's integral).
    pub real_total_arrivals: f64,
    /// Newcomers the replay is expected to start (`sample ×` real).
    pub expected_arrivals: f64,
    /// Newcomers the seeded schedule actually starts.
    pub total_arrivals: u64,
    /// Natives created before the replay (sampled).
    pub natives: u64,
    /// Peak arrival rate on the replay clock, per second.
    pub peak_arrivals_per_s: f64,
    /// Peak arrival rates at real scale.
    pub real_peak: Peaks,
    /// Expected requests per action in the replay.
    pub actions: BTreeMap<String, f64>,
    /// Per action: per newcomer, real and replayed totals and peak rates.
    pub action_detail: BTreeMap<String, ActionExpectation>,
    pub journeys: Vec<super::expect::JourneyExpectation>,
    /// Mean journey duration on the replay clock, seconds.
    pub mean_journey_s: f64,
    pub real_peak_concurrency: f64,
    pub peak_concurrency: f64,
    /// Worker slots the replay would run on this machine, and what bounds them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slots: Option<PlanSlots>,
    /// Outage windows of the target the replay injects.
    pub outages: Vec<PlanOutage>,
    /// The targets sharing the surge and their shares (empty for one target).
    pub targets: Vec<PlanTarget>,
    /// Live rooms' expected occupancy.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rooms: Vec<super::rooms::RoomExpectation>,
    pub interval_s: f64,
    pub series: Vec<Interval>,
}

/// The replay's worker slots (see [`super::slots`]).
#[derive(Debug, Clone, Serialize)]
pub struct PlanSlots {
    /// Slots the plan asks for: Little's law on requests in flight at the peak, with
    /// headroom.
    pub needed: usize,
    /// Most slots allowed, and by what (`--max-in-flight` or `memory`).
    pub limit: usize,
    pub limited_by: &'static str,
    /// Slots the replay runs.
    pub slots: usize,
    /// The replay's peak request rate, every action together, per second.
    pub peak_requests_per_s: f64,
}

/// One target of a multi-target scenario.
#[derive(Debug, Clone, Serialize)]
pub struct PlanTarget {
    pub name: String,
    /// Expected fraction of newcomers and natives.
    pub share: f64,
    /// Expected peak arrivals per second at real scale.
    pub real_peak_arrivals_per_s: f64,
}

/// An outage window on both clocks.
#[derive(Debug, Clone, Serialize)]
pub struct PlanOutage {
    pub name: String,
    pub effect: String,
    pub real_start_s: f64,
    pub real_end_s: f64,
    pub start_s: f64,
    pub end_s: f64,
}

impl PlanReport {
    pub fn new(plan: &Plan) -> Self {
        let scenario = &plan.scenario;
        let replay = scenario.replay;
        let series = plan.series();
        let e = &plan.expectations;
        Self {
            scenario: scenario.spec.name.clone(),
            description: scenario.spec.description.clone(),
            seed: scenario.seed,
            compress: replay.compress,
            sample: replay.sample,
            think: replay.think,
            real_duration_s: replay.real_span_s,
            replay_duration_s: replay.replay_span_s(),
            real_total_arrivals: scenario.curve.total(),
            expected_arrivals: plan.schedule.expected_total(),
            total_arrivals: series.iter().map(|i| i.arrivals).sum(),
            natives: (scenario.spec.population.natives as f64 * replay.sample).round() as u64,
            peak_arrivals_per_s: plan.peaks.per_s * replay.compress * replay.sample,
            real_peak: plan.peaks.clone(),
            actions: e.actions.iter().map(|(name, a)| (name.clone(), a.requests)).collect(),
            action_detail: e.actions.clone(),
            journeys: e.journeys.clone(),
            mean_journey_s: e.mean_journey_s,
            real_peak_concurrency: e.real_peak_concurrency,
            peak_concurrency: e.peak_concurrency,
            slots: None,
            outages: (scenario.spec.outages.iter())
                .map(|o| PlanOutage {
                    name: o.name.clone(),
                    effect: o.effect(),
                    real_start_s: o.start.secs(),
                    real_end_s: o.end.secs(),
                    start_s: o.start.secs() / replay.compress,
                    end_s: o.end.secs() / replay.compress,
                })
                .collect(),
            targets: (scenario.spec.targets.iter())
                .zip(crate::scenario::targets::shares(&scenario.spec.targets))
                .map(|(t, share)| PlanTarget {
                    name: t.name.clone(),
                    share,
                    real_peak_arrivals_per_s: share * plan.peaks.per_s,
                })
                .collect(),
            rooms: e.rooms.clone(),
            interval_s: plan.interval_s(),
            series,
        }
    }

    /// Adds the slots `budget` gives the replay on this machine.
    pub fn with_slots(mut self, plan: &Plan, budget: &super::slots::SlotBudget) -> Self {
        self.slots = Some(PlanSlots {
            needed: budget.needed,
            limit: budget.limit,
            limited_by: budget.bound.name(),
            slots: budget.slots,
            peak_requests_per_s: super::slots::peak_request_rate(plan) * plan.fraction,
        });
        self
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The series with one column per action (expected requests in the interval).
    pub fn to_csv(&self) -> String {
        let mut out = String::from("t_s,real_t_s,arrivals,expected_arrivals");
        for name in self.actions.keys() {
            let _ = write!(out, ",{name}");
        }
        out.push('\n');
        for interval in &self.series {
            let _ = write!(
                out,
                "{},{},{},{:.3}",
                interval.t_s, interval.real_t_s, interval.arrivals, interval.expected
            );
            for detail in self.action_detail.values() {
                let _ = write!(out, ",{:.3}", interval.expected * detail.per_newcomer);
            }
            out.push('\n');
        }
        out
    }

    pub fn to_text(&self) -> String {
        let mut out = String::new();
        self.write_headline(&mut out);
        self.write_parts(&mut out);
        self.write_actions(&mut out);
        out
    }

    /// The scenario, its timeline, arrivals, peaks, concurrency and slots.
    fn write_headline(&self, out: &mut String) {
        let _ = writeln!(out, "{} (seed {})", self.scenario, self.seed);
        if !self.description.is_empty() {
            let _ = writeln!(out, "  {}", self.description.trim());
        }
        let _ = writeln!(
            out,
            "timeline     {} real → {} replay (compress {}×, sample {}, think times {})",
            human_duration(self.real_duration_s),
            human_duration(self.replay_duration_s),
            count(self.compress),
            percent(self.sample),
            match self.think {
                ThinkTime::Human => "human",
                ThinkTime::Compressed => "compressed",
            },
        );
        let _ = writeln!(
            out,
            "arrivals     {} real · {} replayed ({} expected) · {} natives set up first",
            count(self.real_total_arrivals),
            count(self.total_arrivals as f64),
            count(self.expected_arrivals),
            count(self.natives as f64),
        );
        let peak = &self.real_peak;
        let _ = writeln!(
            out,
            "peak (real)  {}/s · {}/min · {}/h, at {} into the curve",
            rate(peak.per_s),
            count(peak.per_min),
            count(peak.per_hour),
            human_duration(peak.at_real_s),
        );
        let _ = writeln!(out, "peak (replay) {}/s", rate(self.peak_arrivals_per_s));
        let _ = writeln!(
            out,
            "concurrency  {} newcomers mid-journey at the real peak; {} at the replay peak (mean journey {})",
            count(self.real_peak_concurrency),
            count(self.peak_concurrency),
            human_duration(self.mean_journey_s),
        );
        if let Some(s) = &self.slots {
            let _ = writeln!(
                out,
                "slots        {} (limit {} by {}, {} asked) for {} requests/s at the replay peak",
                count(s.slots as f64),
                count(s.limit as f64),
                s.limited_by,
                count(s.needed as f64),
                rate(s.peak_requests_per_s),
            );
        }
    }

    /// One line per target share, outage window, journey and room.
    fn write_parts(&self, out: &mut String) {
        for t in &self.targets {
            let _ = writeln!(
                out,
                "target       {:<20} {:>6} of newcomers, real peak {}/s",
                t.name,
                percent(t.share),
                rate(t.real_peak_arrivals_per_s)
            );
        }
        for o in &self.outages {
            let _ = writeln!(
                out,
                "outage       {}: {} → {} real ({} → {} replay), {}",
                o.name,
                human_duration(o.real_start_s),
                human_duration(o.real_end_s),
                human_duration(o.start_s),
                human_duration(o.end_s),
                o.effect
            );
        }
        for journey in &self.journeys {
            let _ = writeln!(
                out,
                "journey      {:<20} {:>6} of newcomers, {:>6} requests, ~{}",
                journey.name,
                percent(journey.share),
                rate(journey.requests),
                human_duration(journey.duration_s)
            );
        }
        for room in &self.rooms {
            let _ = writeln!(
                out,
                "room         {:<20} {} joins; {} members at once at the real peak ({} into the curve), {} in the replay",
                room.room,
                count(room.real_joins),
                count(room.real_peak_members),
                human_duration(room.peak_at_real_s),
                count(room.peak_members),
            );
        }
    }

    /// The per-action table and the arrivals' sparkline.
    fn write_actions(&self, out: &mut String) {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{:<14} {:>12} {:>14} {:>12} {:>14} {:>14}",
            "action", "per newcomer", "real requests", "replayed", "real peak/s", "replay peak/s"
        );
        for (name, a) in &self.action_detail {
            let _ = writeln!(
                out,
                "{:<14} {:>12} {:>14} {:>12} {:>14} {:>14}",
                name,
                rate(a.per_newcomer),
                count(a.real_requests),
                count(a.requests),
                rate(a.real_peak_per_s),
                rate(a.peak_per_s)
            );
        }
        let _ = writeln!(out);
        let arrivals: Vec<f64> = self.series.iter().map(|i| i.arrivals as f64).collect();
        let _ = writeln!(out, "arrivals over the replay (0 → {}):", human_duration(self.replay_duration_s));
        let _ = writeln!(out, "  {}", sparkline(&arrivals, 72));
    }
}

/// Renders `values` as a line of block characters, averaging down to `width` columns.
pub fn sparkline(values: &[f64], width: usize) -> String {
    const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    if values.is_empty() || width == 0 {
        return String::new();
    }
    let columns = width.min(values.len());
    let buckets: Vec<f64> = (0..columns)
        .map(|c| {
            let (from, to) = (
                c * values.len() / columns,
                ((c + 1) * values.len() / columns).max(c * values.len() / columns + 1),
            );
            values[from..to].iter().sum::<f64>() / (to - from) as f64
        })
        .collect();
    let max = buckets.iter().copied().fold(0.0, f64::max);
    buckets
        .iter()
        .map(|&v| if max <= 0.0 { BLOCKS[0] } else { BLOCKS[((v / max) * 7.0).round() as usize] })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_scales_to_the_maximum() {
        assert_eq!(sparkline(&[0.0, 1.0, 2.0, 4.0], 4), "▁▃▅█");
        assert_eq!(sparkline(&[1.0; 10], 5).chars().count(), 5);
        assert_eq!(sparkline(&[], 5), "");
    }
}
