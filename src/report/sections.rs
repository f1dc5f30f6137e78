//! Optional sections of `report.json` beside the core latency model: live rooms, outage
//! windows, and the per-target breakdown of a multi-target run.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::stats::{ErrorsReport, LatencyStats};

/// What the members of live rooms observed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ChatReport {
    /// Chat messages the platform accepted (`send_chat` requests that succeeded).
    pub messages_sent: u64,
    /// Messages of this run read by a member off its stream (each member counts once per
    /// message, the sender included): about `messages_sent` × members present.
    pub deliveries: u64,
    /// Messages members' streams skipped because they fell behind the room's buffer.
    pub missed: u64,
    /// Send (before the request) → a member read the message, µs; from one process's
    /// clock, so no clock skew. Thresholds name it `chat.delivery`.
    pub delivery_us: LatencyStats,
    /// Cumulative delivery histogram (V2 deflate + base64; empty without deliveries).
    pub delivery_histogram: String,
    /// Event streams opened (first byte received).
    pub streams_opened: u64,
    /// Event streams that could not be opened, by class.
    pub stream_errors: ErrorsReport,
    /// Streams that ended before their member's stay did (not counting the run's stop).
    pub streams_broken: u64,
    /// Stream request → its first byte, µs.
    pub connect_us: LatencyStats,
    /// The histogram behind `connect_us` (V2 deflate + base64), so merges stay exact.
    #[serde(default)]
    pub connect_histogram: String,
    /// Most members connected to a stream at once, all rooms together.
    pub max_members: u64,
}

/// An outage window the scenario asked for (also listed in `phases`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OutageWindow {
    /// Window name (also a phase).
    pub name: String,
    /// What the target did, e.g. `signup: refused (100%)`.
    pub effect: String,
    /// Start on the replay clock, seconds.
    pub start_s: f64,
    /// End on the replay clock, seconds.
    pub end_s: f64,
    /// Whether the faults reached the target at the window's start.
    pub injected: bool,
    /// When they were applied, or why they were not.
    pub note: String,
}

/// One target's share of a multi-target run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TargetSummary {
    /// Target name from the scenario.
    pub name: String,
    /// Base URL it was replayed against.
    pub url: String,
    /// Its weight's share of all targets.
    pub share: f64,
    /// Its newcomers: planned and started.
    pub arrivals_planned: u64,
    pub arrivals_started: u64,
    /// Requests to it, and failed ones.
    pub requests: u64,
    pub errors: u64,
    /// Response time of every action to it, pooled.
    pub response_us: LatencyStats,
    /// Its own run directory, relative to this one (e.g. `targets/flagship`).
    pub run_dir: String,
}
