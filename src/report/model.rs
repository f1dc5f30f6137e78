//! The `report.json` model. Every field is documented because these docs become the
//! committed JSON Schema (`reports/schema.json`) that downstream tools validate against.
//!
//! Readers must ignore keys they do not know: later `stampede.report/1` versions may add
//! fields (never remove or change them; that needs `stampede.report/2`).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use super::run_info::{RunInfo, SegmentInfo, SlotLimit};
pub use super::sections::{ChatReport, OutageWindow, TargetSummary};
pub use super::stats::{ErrorsReport, LatencyStats};
pub use super::verdict::{Outcome, VerdictKind};

/// One run of a scenario against a target: settings, totals, per-action and per-step
/// latencies, journeys, and the per-interval series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Report {
    /// Format and version of this file: `stampede.report/1`.
    pub schema: String,
    /// What was run, how, and when.
    #[serde(flatten)]
    pub run: RunInfo,
    /// Newcomer arrivals: planned, started, dropped, and how late they started.
    pub arrivals: Arrivals,
    /// Most journeys open at once: people between their arrival and their journey's end,
    /// parked between steps included (holding no worker slot), so it may exceed `slots`.
    /// The key keeps its first `stampede.report/1` name from when every open journey held a
    /// slot; the generator's load is `slots_busy_max`.
    #[serde(rename = "in_flight_max")]
    pub journeys_open_max: u64,
    /// Most worker slots busy at once (running a started job: a request, or a think time
    /// too short to park); never above `slots`. 0 in reports written before it was
    /// recorded.
    #[serde(default)]
    pub slots_busy_max: u64,
    /// Requests of every action.
    pub requests: u64,
    /// Failed requests of every action.
    pub errors: u64,
    /// Per action, in the order actions are declared; only actions with requests.
    pub actions: Vec<ActionReport>,
    /// Per request inside a multi-request action, named `ACTION/REQUEST`; counted in their
    /// action, not in the totals.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<ActionReport>,
    /// Per journey step; only steps with requests.
    pub steps: Vec<StepReport>,
    /// Per journey, every journey of the scenario.
    pub journeys: Vec<JourneyReport>,
    /// The plan's arrival curve: arrivals scheduled per plan bucket starting at `t_s`.
    pub plan: Vec<PlanPoint>,
    /// Width of each `series` and `intervals` entry, seconds.
    pub interval_s: f64,
    /// What happened in each interval of the replay clock.
    pub series: Vec<SeriesPoint>,
    /// Each interval's histograms (V2 deflate + base64) by tag, enough to re-render
    /// HdrHistogram interval logs (`.hlog`) from this file alone.
    pub intervals: Vec<IntervalHistograms>,
    /// Named windows of the curve (declared phases and event windows) on both clocks,
    /// so that phase-scoped thresholds can be judged from this file alone.
    #[serde(default)]
    pub phases: Vec<PhaseWindow>,
    /// Actions the scenario uses that the target profile cannot serve: skipped, not faked.
    #[serde(default)]
    pub unsupported: Vec<Unsupported>,
    /// The scenario's outage windows of the target, and whether each was injected.
    #[serde(default)]
    pub outages: Vec<OutageWindow>,
    /// With several targets: each one's share of the run (the rest of the report covers
    /// all of them, merged exactly); empty for a single target.
    #[serde(default)]
    pub targets: Vec<TargetSummary>,
    /// Threshold verdicts and baseline comparisons, when judged.
    #[serde(default)]
    pub verdicts: Vec<Verdict>,
    /// Whether the generator kept its schedule (start lateness by cause); a
    /// `generator-bound` run's latency thresholds are not judged. Absent in reports written
    /// before stampede recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validity: Option<super::validity::Validity>,
    /// Live rooms: chat messages, their delivery to members, the event streams. Present
    /// only when a journey joined a room.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat: Option<ChatReport>,
}

/// A named window of the curve.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PhaseWindow {
    /// Phase name, as used in `... during NAME`.
    pub name: String,
    /// Start on the replay clock, seconds.
    pub start_s: f64,
    /// End on the replay clock, seconds.
    pub end_s: f64,
    /// Start on the curve's real-world clock, seconds.
    pub real_start_s: f64,
    /// End on the curve's real-world clock, seconds.
    pub real_end_s: f64,
}

/// An action the profile cannot serve.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Unsupported {
    pub action: String,
    /// Why, as the profile says.
    pub reason: String,
}

/// The outcome of one judged check.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Verdict {
    /// `threshold` or `comparison`.
    pub kind: VerdictKind,
    /// What was checked, e.g. `create_post.response.p99 < 800ms during peak`.
    pub name: String,
    /// `pass` or `fail` for thresholds (`skip` when the target profile cannot serve what
    /// the threshold measures: listed under `unsupported`, neither passed nor failed); `regressed`, `improved`, `unchanged` or
    /// `inconclusive` for comparisons.
    pub outcome: Outcome,
    /// Whether the check fails the run (a failed threshold or a regression).
    pub failed: bool,
    /// The measured value, in `unit`.
    #[serde(default)]
    pub measured: Option<f64>,
    /// The limit or baseline value, in `unit`.
    #[serde(default)]
    pub limit: Option<f64>,
    /// Unit of `measured` and `limit` (`us`, `ratio`, `per_s`).
    #[serde(default)]
    pub unit: String,
    /// One line for people, e.g. `measured 912ms, limit < 800ms`.
    pub message: String,
}

/// Newcomer arrivals.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Arrivals {
    /// Arrivals the plan scheduled.
    pub planned: u64,
    /// Arrivals that started.
    pub started: u64,
    /// Arrivals dropped for exceeding the lateness budget.
    pub dropped: u64,
    /// Planned arrivals never started because the run stopped first; `started + dropped +
    /// not_started = planned`.
    #[serde(default)]
    pub not_started: u64,
    /// Natives' reactions that could not be queued or run.
    pub reactions_dropped: u64,
    /// Retries of newcomers turned away at their journey's first step (journey `retry`).
    #[serde(default)]
    pub retries: u64,
    /// Retries not run: later than the lateness budget, or the queue was full.
    #[serde(default)]
    pub retries_dropped: u64,
    /// Actual − intended start of started arrivals, µs.
    pub lateness_us: LatencyStats,
    /// Lateness histogram, V2 deflate + base64 (empty when nothing started).
    pub lateness_histogram: String,
}

/// The cumulative histograms of an action or step, V2 deflate + base64 (standard alphabet).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct HistogramPair {
    /// Service time (send → last body byte), µs.
    pub service: String,
    /// Response time from the intended start, µs.
    pub response: String,
    /// Own delay from readiness (previous response + think time), µs.
    #[serde(default)]
    pub own: String,
}

/// Requests of an action or step over the whole run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RequestStats {
    /// Requests that ended, successful or not.
    pub requests: u64,
    /// Failed requests by class.
    pub errors: ErrorsReport,
    /// Send → last body byte.
    pub service_us: LatencyStats,
    /// Intended start → last body byte: includes queueing and generator lateness
    /// (free of coordinated omission). For a journey step, the journey's delay against
    /// its ideal schedule: earlier steps' stalls carry over.
    pub response_us: LatencyStats,
    /// Readiness → last body byte, where readiness is the previous response plus the think
    /// time (the intended start for a first step or a reaction): the delay this request
    /// caused itself. Also free of coordinated omission (readiness never waits for a slot).
    #[serde(default)]
    pub own_us: LatencyStats,
    /// The cumulative histograms behind `service_us` and `response_us`.
    pub histogram: HistogramPair,
}

/// One action over the whole run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ActionReport {
    /// Action name, e.g. `create_post`.
    pub name: String,
    #[serde(flatten)]
    pub stats: RequestStats,
}

/// One journey step over the whole run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StepReport {
    /// Journey name.
    pub journey: String,
    /// Step index within the journey, from 0.
    pub step: u16,
    /// The step's action.
    pub action: String,
    /// `journey/step:action`, e.g. `cat-tax/2:create_post`.
    pub tag: String,
    #[serde(flatten)]
    pub stats: RequestStats,
}

/// One journey over the whole run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct JourneyReport {
    pub name: String,
    /// Journeys that ended, completed or not.
    pub started: u64,
    /// Journeys that ran every step they did not skip.
    pub completed: u64,
    /// Steps skipped because something they needed was missing.
    pub skipped_steps: u64,
    /// Intended start → end of the last step.
    pub response_us: LatencyStats,
}

/// One bucket of the plan's arrival curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PlanPoint {
    /// Start of the bucket on the replay clock, seconds.
    pub t_s: f64,
    /// Arrivals scheduled in the bucket.
    pub planned: u64,
}

/// One interval of the replay clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SeriesPoint {
    /// Start of the interval on the replay clock, seconds.
    pub t_s: f64,
    pub arrivals_planned: u64,
    pub arrivals_started: u64,
    /// Arrivals dropped for exceeding the lateness budget.
    pub dropped: u64,
    pub reactions_dropped: u64,
    /// Most journeys open at once in the interval (see the run's `in_flight_max`).
    #[serde(rename = "in_flight_max")]
    pub journeys_open_max: u64,
    /// Most worker slots busy at once in the interval.
    #[serde(default)]
    pub slots_busy_max: u64,
    /// Requests that ended in the interval.
    pub requests: u64,
    /// Failed requests that ended in the interval.
    pub errors: u64,
    /// `errors` by class; absent when the interval had no errors.
    #[serde(default, skip_serializing_if = "ErrorsReport::is_zero")]
    pub error_classes: ErrorsReport,
    /// Per action with requests in the interval.
    pub actions: Vec<SeriesAction>,
}

/// One action within one interval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SeriesAction {
    pub name: String,
    pub requests: u64,
    pub errors: u64,
    pub response_p50_us: u64,
    #[serde(default)]
    pub response_p90_us: u64,
    pub response_p99_us: u64,
    #[serde(default)]
    pub response_max_us: u64,
    pub service_p50_us: u64,
    #[serde(default)]
    pub service_p90_us: u64,
    pub service_p99_us: u64,
    #[serde(default)]
    pub service_max_us: u64,
}

/// One interval's histograms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct IntervalHistograms {
    /// Start of the interval on the replay clock, seconds.
    pub t_s: f64,
    /// Tag (`create_post.response`, `lateness`, `journey/<name>.response`, ...) → histogram,
    /// V2 deflate + base64; tags without values in the interval are absent.
    pub histograms: BTreeMap<String, String>,
}
