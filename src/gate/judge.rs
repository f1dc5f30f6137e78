//! What a run is judged against — thresholds (the scenario's `slo:` and `--threshold`) and
//! an optional baseline — resolved before the replay, so a typo or a missing baseline
//! fails in a second, not after the run; and the judging itself, which stores the verdicts
//! in the report before its files are written.

use std::path::{Path, PathBuf};

use super::compare::CompareOptions;
use super::{GateError, load_report, table};
use crate::report::{Outcome, Report};
use crate::scenario::{Scenario, Threshold, threshold};

/// What a run is judged against.
#[derive(Debug)]
pub struct Gate {
    thresholds: Vec<Threshold>,
    baseline: Option<(PathBuf, Report)>,
    options: CompareOptions,
}

impl Gate {
    /// The scenario's thresholds plus `extra` (their phases checked against the scenario's),
    /// and the baseline read from `baseline`.
    pub fn for_scenario(
        scenario: &Scenario,
        extra: &[String],
        baseline: Option<&Path>,
        options: CompareOptions,
    ) -> Result<Self, GateError> {
        let mut thresholds = scenario.thresholds.clone();
        for text in extra {
            let t = threshold::parse(text).map_err(|e| {
                GateError::Setup(format!("--threshold \"{text}\": {} (expected {})", e.message, e.expected))
            })?;
            if let Some(phase) = &t.phase
                && !scenario.phases.iter().any(|p| &p.name == phase)
            {
                let known: Vec<&str> = scenario.phases.iter().map(|p| p.name.as_str()).collect();
                let known = if known.is_empty() { "none".to_string() } else { known.join(", ") };
                return Err(GateError::Setup(format!(
                    "--threshold \"{text}\": unknown phase `{phase}` (phases of the scenario: {known})"
                )));
            }
            thresholds.push(t);
        }
        Ok(Gate { thresholds, baseline: read_baseline(baseline)?, options })
    }

    /// The thresholds judged while the run runs: those carrying `abort`, or with `all`
    /// (`--abort-on-fail`) every one that can be judged on the run so far.
    pub fn abort_thresholds(&self, all: bool) -> Vec<Threshold> {
        let aborting = |t: &&Threshold| t.abort.is_some() || (all && t.live_judgeable());
        self.thresholds.iter().filter(aborting).cloned().collect()
    }

    /// Like [`Gate::for_scenario`] for a report judged without its scenario (`stampede
    /// merge`): the report's recorded thresholds plus `extra`, phases checked against the
    /// report's.
    pub fn for_report(
        report: &Report,
        extra: &[String],
        baseline: Option<&Path>,
        options: CompareOptions,
    ) -> Result<Self, GateError> {
        let mut thresholds: Vec<Threshold> = Vec::new();
        for text in report.run.thresholds.iter().chain(extra) {
            if thresholds.iter().any(|t| &t.text == text) {
                continue;
            }
            let t = threshold::parse(text).map_err(|e| {
                GateError::Setup(format!("threshold \"{text}\": {} (expected {})", e.message, e.expected))
            })?;
            if let Some(phase) = &t.phase
                && !report.phases.iter().any(|p| &p.name == phase)
            {
                return Err(GateError::Setup(format!(
                    "threshold \"{text}\": unknown phase `{phase}` (not a phase of the report)"
                )));
            }
            thresholds.push(t);
        }
        Ok(Gate { thresholds, baseline: read_baseline(baseline)?, options })
    }

    /// Judges `report`, storing the verdicts (and every threshold's text) in it; returns
    /// the console text. An error means the comparison could not be made.
    pub fn judge(&self, report: &mut Report) -> Result<String, GateError> {
        report.run.thresholds = self.thresholds.iter().map(|t| t.text.clone()).collect();
        report.verdicts = super::evaluate(report, &self.thresholds);
        let mut text = String::new();
        if !report.verdicts.is_empty() {
            text.push_str("thresholds:\n");
            for v in &report.verdicts {
                let mark = if v.failed {
                    "FAIL"
                } else if v.outcome == Outcome::Skip {
                    "skip"
                } else {
                    "pass"
                };
                text.push_str(&format!("  {mark}  {}  ({})\n", v.name, v.message));
            }
        }
        if let Some((path, baseline)) = &self.baseline {
            let comparison = super::compare::compare(baseline, report, &self.options)?;
            text.push_str(&format!("compared with the baseline {}:\n", path.display()));
            text.push_str(&table::render(&comparison, &self.options));
            report.verdicts.extend(comparison.verdicts());
        }
        Ok(text)
    }
}

fn read_baseline(path: Option<&Path>) -> Result<Option<(PathBuf, Report)>, GateError> {
    match path {
        Some(path) => match load_report(path) {
            Ok(report) => Ok(Some((path.to_path_buf(), report))),
            Err(e) => Err(GateError::Setup(format!("cannot use the baseline: {e}"))),
        },
        None => Ok(None),
    }
}
