//! The gate's flags, shared by `stampede run` and `stampede merge`: `--threshold` and
//! `--baseline` with the comparison flags, resolved into a [`Gate`] before anything runs.

use std::path::PathBuf;

use clap::Args;

use super::compare::ComparisonFlags;
use crate::gate::Gate;
use crate::report::Report;
use crate::scenario::Scenario;

#[derive(Debug, Args)]
pub struct GateArgs {
    /// A threshold in addition to the scenario's `slo:`, e.g.
    /// "create_post.response.p99 < 800ms during peak". Repeatable.
    #[arg(long = "threshold", value_name = "TEXT")]
    pub thresholds: Vec<String>,
    /// Compare with a baseline run (its directory or report.json); a regression exits 1.
    #[arg(long, value_name = "PATH")]
    pub baseline: Option<PathBuf>,
    #[command(flatten)]
    pub comparison: ComparisonFlags,
}

impl GateArgs {
    /// The scenario's thresholds plus `--threshold`, and the baseline.
    pub fn resolve(&self, scenario: &Scenario) -> anyhow::Result<Gate> {
        let options = self.comparison.options()?;
        Ok(Gate::for_scenario(scenario, &self.thresholds, self.baseline.as_deref(), options)?)
    }

    /// For a report judged without its scenario (`stampede merge`).
    pub fn resolve_for_report(&self, report: &Report) -> anyhow::Result<Gate> {
        let options = self.comparison.options()?;
        Ok(Gate::for_report(report, &self.thresholds, self.baseline.as_deref(), options)?)
    }
}
