//! The serde types of `capacity.json`, versioned [`SCHEMA_VERSION`]; their docs are the
//! schema's (committed as [`COMMITTED_SCHEMA`], checked by a test).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Version tag of the format.
pub const SCHEMA_VERSION: &str = "stampede.capacity/1";
/// Where the committed schema lives, relative to the repository root.
pub const COMMITTED_SCHEMA: &str = "reports/capacity.schema.json";

/// The answer of a capacity search and every step it replayed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CapacityReport {
    /// `stampede.capacity/1`.
    pub schema: String,
    pub scenario: String,
    pub scenario_file: String,
    pub seed: u64,
    /// What the search scales: `sample` (more newcomers at the same compression) or
    /// `compress` (the same newcomers in less time).
    pub scale_by: String,
    /// The scenario's own sample and compression: scale 1.
    pub base_sample: f64,
    pub base_compress: f64,
    /// The platform, and whether each step got a fresh one.
    pub target: String,
    pub from: f64,
    pub to: f64,
    /// Relative width of the answer: `failing.scale / passing.scale ≤ 1 + precision`.
    pub precision: f64,
    /// Passing replays a size near the boundary needs.
    pub repeats: u32,
    /// The search's time budget, seconds.
    pub budget_s: Option<f64>,
    /// Every step is judged by these: the scenario's `slo:` plus `--slo`.
    pub thresholds: Vec<String>,
    /// `found` (within the precision), `at-least` (passes at `--to`), `below` (fails at
    /// `--from`), `budget` (time ran out first), `invalid` (a step was generator-bound) or
    /// `interrupted`.
    pub verdict: String,
    /// The answer in one sentence, for people.
    pub answer: String,
    /// The largest size that passed.
    pub passing: Option<Size>,
    /// The smallest size that failed, with what failed.
    pub failing: Option<Failing>,
    /// `--min-headroom`: whether the largest passing scale reaches it.
    pub headroom: Option<Headroom>,
    /// Why the search is invalid (a step where stampede itself fell behind).
    pub invalid: Option<Invalid>,
    /// Wall time of the whole search, seconds.
    pub elapsed_s: f64,
    /// Every replay, in order.
    pub steps: Vec<Step>,
}

/// A surge size, in every unit a reader may want.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Size {
    /// × the scenario's own size.
    pub scale: f64,
    /// The sample and compression replayed.
    pub sample: f64,
    pub compress: f64,
    /// × the real surge's rate: `sample × compress` (the replayed arrival rate over the
    /// real one, at this compression).
    pub real_multiple: f64,
    /// Planned peak newcomer arrivals per second on the replay clock.
    pub peak_arrivals_per_s: f64,
    /// Planned peak requests per second on the replay clock, all actions.
    pub peak_requests_per_s: f64,
    /// The step's run directory, relative to the capacity run directory.
    pub run_dir: String,
}

/// The smallest failing size and what failed there first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Failing {
    #[serde(flatten)]
    pub size: Size,
    /// The thresholds that failed.
    pub failed: Vec<Failed>,
    /// How it broke: `errors`, `latency knee` or `queueing`, with the figures.
    pub how: String,
}

/// One failed threshold of the failing size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Failed {
    pub threshold: String,
    /// The threshold's subject: an action, `all`, `arrivals` or `chat`.
    pub subject: String,
    /// Its phase, when it has one.
    pub phase: Option<String>,
    pub message: String,
}

/// `--min-headroom H`: the surge must pass at H × its size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Headroom {
    pub required: f64,
    pub met: bool,
}

/// A generator-bound step: stampede could not keep the schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Invalid {
    /// The step's scale.
    pub scale: f64,
    pub reason: String,
    pub remedy: String,
    /// The largest scale this generator judged (passed or failed) before.
    pub largest_judged: Option<f64>,
}

/// One replay of the search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Step {
    /// 1-based, in order.
    pub index: u32,
    #[serde(flatten)]
    pub size: Size,
    /// `pass`, `fail`, `invalid` or `interrupted`.
    pub outcome: String,
    /// Errors over requests, all actions.
    pub error_rate: f64,
    /// Per action: response p99 (from the intended start), µs, and error rate.
    pub actions: Vec<ActionPoint>,
    /// Failed thresholds (names), and why a run stopped early.
    pub failed: Vec<String>,
    pub elapsed_s: f64,
}

/// One action's figures in one step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ActionPoint {
    pub name: String,
    pub requests: u64,
    pub error_rate: f64,
    pub response_p99_us: u64,
    pub service_p99_us: u64,
}

/// The schema as pretty-printed JSON with a trailing newline.
pub fn render_schema() -> String {
    let schema = schemars::schema_for!(CapacityReport);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn committed_schema_is_current() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(COMMITTED_SCHEMA);
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == render_schema(),
            "{COMMITTED_SCHEMA} is stale: run \
             `cargo test --lib replay::capacity::model::tests::regenerate_schema -- --ignored`"
        );
    }

    #[test]
    #[ignore = "writes reports/capacity.schema.json; run on purpose after changing the model"]
    fn regenerate_schema() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(COMMITTED_SCHEMA);
        std::fs::write(&path, render_schema()).expect("writes the schema");
    }
}
