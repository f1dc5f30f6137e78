//! The A/B run's own files: `ab.json` (the paired comparison, each side's target and run
//! directory, and per action and percentile the candidate ÷ baseline ratio of every paired
//! interval) and `ab.html` (both runs side by side on one time axis).

use std::path::Path;

use serde::Serialize;

use super::{AbError, Config, SIDES};
use crate::gate::compare::Comparison;
use crate::gate::paired;
use crate::gate::window::{self, Measure};
use crate::report::Report;
use crate::report::html::{Kind, PairPage};

pub const JSON: &str = "ab.json";
pub const HTML: &str = "ab.html";

/// How the runs were paired and judged, for people reading the outputs.
pub const METHOD: &str = "Both runs replayed the same seeded schedule on one clock. Per action and \
     percentile, a paired circular block bootstrap: blocks of interval indices are drawn once and \
     taken from both runs, so noise both runs met in a second cancels in the ratio; Efron's \
     bias-corrected interval, widened for few blocks. Regressed: the whole interval lies above \
     the practical margin.";

#[derive(Debug, Serialize)]
struct AbFile<'a> {
    schema: &'static str,
    scenario: &'a str,
    method: &'static str,
    /// Arrivals alternated between the sides rather than sent to both.
    split: bool,
    baseline: SideFile,
    candidate: SideFile,
    regressed: bool,
    comparison: &'a Comparison,
    /// Per action and percentile, candidate ÷ baseline in each interval (null where either
    /// run had no requests of the action).
    intervals: Vec<Ratios>,
}

#[derive(Debug, Serialize)]
struct SideFile {
    target: String,
    run_dir: &'static str,
    requests: u64,
}

#[derive(Debug, Serialize)]
struct Ratios {
    action: String,
    percentile: f64,
    interval_s: f64,
    ratios: Vec<Option<f64>>,
}

/// Writes `ab.json` and `ab.html` into the A/B run directory.
pub fn all(config: &Config, comparison: &Comparison, reports: &[Report; 2]) -> Result<(), AbError> {
    let measure =
        if comparison.measure == Measure::Response.tag() { Measure::Response } else { Measure::Service };
    let side = |k: usize| SideFile {
        target: config.sides[k].label(),
        run_dir: SIDES[k],
        requests: reports[k].actions.iter().map(|a| a.stats.requests).sum(),
    };
    let file = AbFile {
        schema: "stampede-ab/1",
        scenario: &reports[0].run.scenario,
        method: METHOD,
        split: config.split,
        baseline: side(0),
        candidate: side(1),
        regressed: comparison.regressed(),
        comparison,
        intervals: ratios(reports, &config.options.percentiles, measure)?,
    };
    let json = serde_json::to_string_pretty(&file)
        .map_err(|e| AbError::Write { path: config.out.join(JSON), source: std::io::Error::other(e) })?;
    save(&config.out, JSON, &json)?;
    let labels = [config.sides[0].label(), config.sides[1].label()];
    let page = PairPage {
        baseline: &reports[0],
        candidate: &reports[1],
        labels: [&labels[0], &labels[1]],
        verdicts: &comparison.verdicts(),
        kind: if measure == Measure::Response { Kind::Response } else { Kind::Service },
        method: METHOD,
        warnings: &comparison.warnings,
    };
    save(&config.out, HTML, &page.render())
}

fn ratios(reports: &[Report; 2], percentiles: &[f64], measure: Measure) -> Result<Vec<Ratios>, AbError> {
    let mut out = Vec::new();
    for action in &reports[0].actions {
        let base = window::interval_latencies(&reports[0], Some(&action.name), measure)?;
        let cand = window::interval_latencies(&reports[1], Some(&action.name), measure)?;
        for &percentile in percentiles {
            out.push(Ratios {
                action: action.name.clone(),
                percentile,
                interval_s: reports[0].interval_s,
                ratios: paired::interval_ratios(&base, &cand, percentile),
            });
        }
    }
    Ok(out)
}

fn save(dir: &Path, name: &str, text: &str) -> Result<(), AbError> {
    let path = dir.join(name);
    std::fs::write(&path, text).map_err(|source| AbError::Write { path, source })
}
