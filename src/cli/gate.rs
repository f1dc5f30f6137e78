//! The gate as `stampede run` uses it: `--threshold` and `--baseline` are resolved before
//! the replay (so a typo or a missing baseline fails in a second, not after the run), and
//! the verdicts are stored in the report before its files are written.

use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::Args;

use super::compare::{ComparisonFlags, render};
use crate::gate::{self, CompareOptions, Threshold, threshold};
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

/// What a run is judged against.
#[derive(Debug)]
pub struct Gate {
    thresholds: Vec<Threshold>,
    baseline: Option<(PathBuf, Report)>,
    options: CompareOptions,
}

impl GateArgs {
    /// Parses the thresholds (checking their phases against the scenario) and reads the
    /// baseline.
    pub fn resolve(&self, scenario: &Scenario) -> anyhow::Result<Gate> {
        let mut thresholds = scenario.thresholds.clone();
        for text in &self.thresholds {
            let t = threshold::parse(text).map_err(|e| {
                anyhow::anyhow!("--threshold \"{text}\": {} (expected {})", e.message, e.expected)
            })?;
            if let Some(phase) = &t.phase
                && !scenario.phases.iter().any(|p| &p.name == phase)
            {
                let known: Vec<&str> = scenario.phases.iter().map(|p| p.name.as_str()).collect();
                let known = if known.is_empty() { "none".to_string() } else { known.join(", ") };
                bail!("--threshold \"{text}\": unknown phase `{phase}` (phases of the scenario: {known})");
            }
            thresholds.push(t);
        }
        let baseline = match &self.baseline {
            Some(path) => {
                let report = gate::load_report(path).context("cannot use the baseline")?;
                Some((path.clone(), report))
            }
            None => None,
        };
        Ok(Gate { thresholds, baseline, options: self.comparison.options()? })
    }
}

impl GateArgs {
    /// Like [`GateArgs::resolve`] for a report judged without its scenario (`stampede
    /// merge`): the report's recorded thresholds plus `--threshold`, phases checked against
    /// the report's.
    pub fn resolve_for_report(&self, report: &Report) -> anyhow::Result<Gate> {
        let mut thresholds: Vec<Threshold> = Vec::new();
        let texts = report.run.thresholds.iter().chain(&self.thresholds);
        for text in texts {
            if thresholds.iter().any(|t| &t.text == text) {
                continue;
            }
            let t = threshold::parse(text).map_err(|e| {
                anyhow::anyhow!("threshold \"{text}\": {} (expected {})", e.message, e.expected)
            })?;
            if let Some(phase) = &t.phase
                && !report.phases.iter().any(|p| &p.name == phase)
            {
                bail!("threshold \"{text}\": unknown phase `{phase}` (not a phase of the report)");
            }
            thresholds.push(t);
        }
        let baseline = match &self.baseline {
            Some(path) => Some((path.clone(), gate::load_report(path).context("cannot use the baseline")?)),
            None => None,
        };
        Ok(Gate { thresholds, baseline, options: self.comparison.options()? })
    }
}

impl Gate {
    /// Judges `report`, storing the verdicts (and every threshold's text) in it; returns
    /// the console text. An error means the comparison could not be made.
    pub fn judge(&self, report: &mut Report) -> Result<String, gate::GateError> {
        report.run.thresholds = self.thresholds.iter().map(|t| t.text.clone()).collect();
        report.verdicts = gate::evaluate(report, &self.thresholds);
        let mut text = String::new();
        if !report.verdicts.is_empty() {
            text.push_str("thresholds:\n");
            for v in &report.verdicts {
                let mark = if v.failed {
                    "FAIL"
                } else if v.outcome == "skip" {
                    "skip"
                } else {
                    "pass"
                };
                text.push_str(&format!("  {mark}  {}  ({})\n", v.name, v.message));
            }
        }
        if let Some((path, baseline)) = &self.baseline {
            let comparison = gate::compare::compare(baseline, report, &self.options)?;
            text.push_str(&format!("compared with the baseline {}:\n", path.display()));
            text.push_str(&render(&comparison, &self.options));
            report.verdicts.extend(comparison.verdicts());
        }
        Ok(text)
    }
}
