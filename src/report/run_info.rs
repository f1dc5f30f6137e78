//! The run's settings in `report.json` (`run`): what was run, against what, how the worker
//! slots were bounded, which segment, how the target was reached. Documented field by field
//! like the rest of the model, since the docs become the committed JSON Schema.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What was run, how, and when.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RunInfo {
    /// Scenario name.
    pub scenario: String,
    /// Path of the scenario file as given.
    pub scenario_file: String,
    /// The scenario's description.
    pub description: String,
    /// Seed of every random choice.
    pub seed: u64,
    /// Real time ÷ replay time.
    pub compress: f64,
    /// Fraction of newcomers replayed.
    pub sample: f64,
    /// `human` or `compressed` think times.
    pub think: String,
    /// Base URL of the target.
    pub target: String,
    /// Target profile name (how actions map to HTTP).
    pub profile: String,
    /// Version of stampede that ran.
    pub stampede_version: String,
    /// When the replay started, RFC 3339 UTC.
    pub started_at: String,
    /// Planned length of the replay, seconds.
    pub replay_duration_s: f64,
    /// Actual length of the run, seconds.
    pub elapsed_s: f64,
    /// Whether the run stopped before the plan's end (Ctrl-C, watchdog).
    pub interrupted: bool,
    /// Why the run was interrupted.
    #[serde(default)]
    pub interrupt_reason: Option<String>,
    /// Present when an `abort` threshold failed while the run ran and stopped it early (a
    /// failed verdict, exit 1; `interrupted` stays false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aborted: Option<Aborted>,
    /// Worker slots of the executor (each runs one started job at a time).
    pub slots: u64,
    /// What bounded the slots; absent in merged reports and those written before it was
    /// recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slot_limit: Option<SlotLimit>,
    /// Arrivals later than this were dropped, milliseconds.
    pub lateness_budget_ms: u64,
    /// Thresholds the run was evaluated against, as written.
    #[serde(default)]
    pub thresholds: Vec<String>,
    /// Prefix of the run's handles on the target; the segments of one run share it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    /// The share of a segmented run this report covers (`--segment I/N`); absent for a
    /// whole run and for a merged one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment: Option<SegmentInfo>,
    /// How many segment reports `stampede merge` combined into this one; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_segments: Option<u32>,
    /// With several targets: the one whose share this report covers (`--only-target`);
    /// absent for a single-target run and for the combined report of all targets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only_target: Option<String>,
    /// How the target was reached: protocol, TLS, `--insecure`, connections opened
    /// (absent from reports before it existed and from merged ones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport: Option<crate::net::Transport>,
}

impl RunInfo {
    /// `642 (limit 4,096 by --max-in-flight, 642 asked)`, or the bare count when the limit
    /// is unknown.
    pub fn slots_label(&self) -> String {
        let count = |n: u64| crate::human::count(n as f64);
        match &self.slot_limit {
            Some(l) => {
                format!(
                    "{} (limit {} by {}, {} asked)",
                    count(self.slots),
                    count(l.limit),
                    l.by,
                    count(l.needed)
                )
            }
            None => count(self.slots),
        }
    }

    /// `segment 1 of 4` or `merged from 4 segments`, for the rendered files; `None` for a
    /// run of the whole plan in one process.
    pub fn segments_label(&self) -> Option<String> {
        match (self.segment, self.merged_segments) {
            (Some(s), _) => {
                Some(format!("segment {} of {} (a partial load: merge all segments)", s.index, s.count))
            }
            (None, Some(n)) => Some(format!("merged from {n} segments")),
            (None, None) => None,
        }
    }
}

/// What bounds the worker slots: the plan asks for `needed` (Little's law on requests in
/// flight, with headroom), the run gets at most `limit`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SlotLimit {
    /// Slots the plan asked for.
    pub needed: u64,
    /// Most slots allowed.
    pub limit: u64,
    /// What set `limit`: `--max-in-flight` or `memory` (a quarter of the memory available
    /// at the start, at ~10 KB per idle slot).
    pub by: String,
}

/// One segment of a run split across processes: arrivals and natives whose number modulo
/// `count` is `index`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SegmentInfo {
    /// This segment, from 0.
    pub index: u32,
    /// Segments of the run.
    pub count: u32,
}

/// The `abort` threshold that stopped a run.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Aborted {
    /// The threshold as written, e.g. `all.error_rate < 5% abort`.
    pub threshold: String,
    /// What the run so far measured when it failed, for people (e.g. `48.2%`).
    pub measured: String,
    /// Replay-clock time of the failing judgement, seconds.
    pub at_s: f64,
}

impl Aborted {
    /// `` `all.error_rate < 5% abort` failed at 4.0s (measured 48.2%) ``.
    pub fn line(&self) -> String {
        format!("`{}` failed at {:.1}s (measured {})", self.threshold, self.at_s, self.measured)
    }
}
