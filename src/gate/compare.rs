//! Baseline vs candidate: per action and percentile, the change with a confidence interval
//! ([`bootstrap`](super::bootstrap)) and a verdict that needs both statistical confidence
//! and a practical size.
//!
//! The practical margin of a row is the larger of `min_relative` and `min_absolute` as a
//! fraction of the baseline value (δ = ln(1 + margin) on the log-ratio scale). With the
//! confidence interval [lo, hi] of ln(candidate / baseline):
//! - `regressed`: lo > δ — confidently slower by more than the margin (fails the gate);
//! - `improved`: hi < −δ — confidently faster by more than the margin;
//! - `unchanged`: −δ ≤ lo and hi ≤ δ — confidently within the margin (equivalence);
//! - `inconclusive`: the interval straddles a margin, or there is too little data.

use serde::Serialize;

use super::GateError;
use super::bootstrap::{self, Settings};
use super::window::{self, Measure};
use crate::human;
use crate::report::{Outcome, Report, Verdict, VerdictKind};

/// How to compare; the defaults are tuned by `tests/bench/calibrate.sh`.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareOptions {
    /// Percentiles compared, ascending, in (0, 100).
    pub percentiles: Vec<f64>,
    /// Two-sided confidence level of the intervals.
    pub confidence: f64,
    /// Smallest relative change that matters, e.g. 0.10.
    pub min_relative: f64,
    /// Smallest absolute change that matters, µs.
    pub min_absolute_us: f64,
    /// Which latency is compared.
    pub measure: Measure,
    pub resamples: usize,
    /// Intervals per bootstrap block; `None` for ⌈n^(1/3)⌉.
    pub block_intervals: Option<usize>,
    /// Fewest intervals with requests each run needs for a verdict other than inconclusive.
    pub min_intervals: usize,
    /// Fewest values at or above a percentile (count × (1 − p)) each run needs.
    pub min_tail_values: f64,
    pub seed: u64,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions {
            percentiles: vec![50.0, 90.0, 99.0],
            confidence: 0.95,
            min_relative: 0.10,
            min_absolute_us: 1_000.0,
            // Service time: on a shared CI machine the generator's own hiccups inflate response
            // times of both runs at random; the calibration detected more with fewer false
            // alarms on service time (tests/bench/calibrate.sh).
            measure: Measure::Service,
            resamples: 2_000,
            block_intervals: None,
            min_intervals: 5,
            min_tail_values: 5.0,
            seed: 6,
        }
    }
}

impl CompareOptions {
    /// Checks the options, sorting the percentiles.
    pub fn validated(mut self) -> Result<Self, GateError> {
        let bad = |what: String| Err(GateError::Options(what));
        if self.percentiles.is_empty() || self.percentiles.iter().any(|p| !(*p > 0.0 && *p < 100.0)) {
            return bad("percentiles must lie strictly between 0 and 100".to_string());
        }
        self.percentiles.sort_by(f64::total_cmp);
        self.percentiles.dedup();
        if !(self.confidence > 0.5 && self.confidence < 1.0) {
            return bad(format!("confidence {} must lie between 0.5 and 1", self.confidence));
        }
        if !(self.min_relative >= 0.0 && self.min_relative.is_finite()) {
            return bad("the minimum relative change must be 0 or more".to_string());
        }
        if !(self.min_absolute_us >= 0.0 && self.min_absolute_us.is_finite()) {
            return bad("the minimum absolute change must be 0 or more".to_string());
        }
        if self.resamples < 100 {
            return bad(format!("{} resamples are too few (at least 100)", self.resamples));
        }
        Ok(self)
    }
}

/// A comparison verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowVerdict {
    Regressed,
    Improved,
    Unchanged,
    Inconclusive,
}

impl RowVerdict {
    pub fn name(self) -> &'static str {
        match self {
            RowVerdict::Regressed => "regressed",
            RowVerdict::Improved => "improved",
            RowVerdict::Unchanged => "unchanged",
            RowVerdict::Inconclusive => "inconclusive",
        }
    }

    /// The verdict's outcome in a report.
    pub fn outcome(self) -> Outcome {
        match self {
            RowVerdict::Regressed => Outcome::Regressed,
            RowVerdict::Improved => Outcome::Improved,
            RowVerdict::Unchanged => Outcome::Unchanged,
            RowVerdict::Inconclusive => Outcome::Inconclusive,
        }
    }
}

/// One action × percentile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub action: String,
    pub percentile: f64,
    pub baseline_us: Option<f64>,
    pub candidate_us: Option<f64>,
    /// candidate ÷ baseline − 1.
    pub change: Option<f64>,
    /// Confidence interval of `change`.
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    /// The practical margin applied (relative).
    pub margin: Option<f64>,
    pub verdict: RowVerdict,
    /// Why the verdict is inconclusive for lack of data, or empty.
    pub note: String,
}

/// A whole comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// `response` or `service`.
    pub measure: String,
    /// How the intervals were resampled: `block bootstrap` (two runs made apart) or
    /// `paired block bootstrap` (two runs on one clock, `stampede ab`).
    pub method: &'static str,
    pub confidence: f64,
    pub rows: Vec<Row>,
    /// Settings that differ between the runs (the comparison may be meaningless).
    pub warnings: Vec<String>,
}

/// Resamples two runs' interval histograms into estimates per percentile.
type Estimator = fn(&Run, &Run, &[f64], &Settings) -> Option<Vec<bootstrap::Estimate>>;

/// Compares every action present in either run (two runs made apart: each resampled on
/// its own).
pub fn compare(
    baseline: &Report,
    candidate: &Report,
    options: &CompareOptions,
) -> Result<Comparison, GateError> {
    compare_with(baseline, candidate, options, (bootstrap::estimate, "block bootstrap"))
}

/// Compares two runs replayed together on one clock (`stampede ab`): intervals resampled
/// in pairs, so noise both runs met cancels ([`paired`](super::paired)).
pub fn compare_paired(
    baseline: &Report,
    candidate: &Report,
    options: &CompareOptions,
) -> Result<Comparison, GateError> {
    compare_with(baseline, candidate, options, (super::paired::estimate, "paired block bootstrap"))
}

fn compare_with(
    baseline: &Report,
    candidate: &Report,
    options: &CompareOptions,
    (estimator, method): (Estimator, &'static str),
) -> Result<Comparison, GateError> {
    let mut names: Vec<&str> = baseline.actions.iter().map(|a| a.name.as_str()).collect();
    for action in &candidate.actions {
        if !names.contains(&action.name.as_str()) {
            names.push(&action.name);
        }
    }
    let mut rows = Vec::new();
    for (k, name) in names.iter().enumerate() {
        let base = window::interval_latencies(baseline, Some(name), options.measure)?;
        let cand = window::interval_latencies(candidate, Some(name), options.measure)?;
        let settings = Settings {
            resamples: options.resamples,
            block_intervals: options.block_intervals,
            confidence: options.confidence,
            seed: options.seed.wrapping_add(k as u64),
        };
        rows.extend(compare_action(name, &base, &cand, options, &settings, estimator));
    }
    Ok(Comparison {
        measure: options.measure.tag().to_string(),
        method,
        confidence: options.confidence,
        rows,
        warnings: warnings(baseline, candidate),
    })
}

type Run = [Option<hdrhistogram::Histogram<u64>>];

fn compare_action(
    name: &str,
    base: &Run,
    cand: &Run,
    options: &CompareOptions,
    settings: &Settings,
    estimator: Estimator,
) -> Vec<Row> {
    let sizes = bootstrap::sizes(base, cand);
    let empty = |p: f64, note: String| Row {
        action: name.to_string(),
        percentile: p,
        baseline_us: None,
        candidate_us: None,
        change: None,
        ci_low: None,
        ci_high: None,
        margin: None,
        verdict: RowVerdict::Inconclusive,
        note,
    };
    let missing = match sizes.requests {
        (0, 0) => Some("no requests in either run"),
        (0, _) => Some("no requests in the baseline"),
        (_, 0) => Some("no requests in the candidate"),
        _ => None,
    };
    let estimates = match missing {
        Some(why) => None.ok_or(why),
        None => estimator(base, cand, &options.percentiles, settings).ok_or("no requests to compare"),
    };
    let estimates = match estimates {
        Ok(e) => e,
        Err(why) => return options.percentiles.iter().map(|&p| empty(p, why.to_string())).collect(),
    };
    let fewest_intervals = sizes.intervals.0.min(sizes.intervals.1);
    let fewest_requests = sizes.requests.0.min(sizes.requests.1);
    options
        .percentiles
        .iter()
        .zip(estimates)
        .map(|(&p, e)| {
            let margin = options.min_relative.max(options.min_absolute_us / e.baseline_us);
            let delta = margin.ln_1p();
            let tail = fewest_requests as f64 * (1.0 - p / 100.0);
            let (verdict, note) = if fewest_intervals < options.min_intervals {
                let note =
                    format!("{fewest_intervals} intervals with requests (need {})", options.min_intervals);
                (RowVerdict::Inconclusive, note)
            } else if tail < options.min_tail_values {
                let note = format!(
                    "{fewest_requests} requests: {} rests on {tail:.1} values (need {})",
                    human::percentile(p),
                    options.min_tail_values
                );
                (RowVerdict::Inconclusive, note)
            } else if e.ci_low > delta {
                (RowVerdict::Regressed, String::new())
            } else if e.ci_high < -delta {
                (RowVerdict::Improved, String::new())
            } else if e.ci_low >= -delta && e.ci_high <= delta {
                (RowVerdict::Unchanged, String::new())
            } else {
                (RowVerdict::Inconclusive, String::new())
            };
            Row {
                action: name.to_string(),
                percentile: p,
                baseline_us: Some(e.baseline_us),
                candidate_us: Some(e.candidate_us),
                change: Some(e.log_ratio.exp_m1()),
                ci_low: Some(e.ci_low.exp_m1()),
                ci_high: Some(e.ci_high.exp_m1()),
                margin: Some(margin),
                verdict,
                note,
            }
        })
        .collect()
}

/// Settings that make two runs incomparable or suspicious.
fn warnings(baseline: &Report, candidate: &Report) -> Vec<String> {
    let (b, c) = (&baseline.run, &candidate.run);
    let mut out = Vec::new();
    let mut differ = |what: &str, x: String, y: String| {
        if x != y {
            out.push(format!("{what} differs: baseline {x}, candidate {y}"));
        }
    };
    differ("scenario", b.scenario.clone(), c.scenario.clone());
    differ("seed", b.seed.to_string(), c.seed.to_string());
    differ("compression", b.compress.to_string(), c.compress.to_string());
    differ("sample", b.sample.to_string(), c.sample.to_string());
    differ("profile", b.profile.clone(), c.profile.clone());
    for (which, run) in [("baseline", b), ("candidate", c)] {
        if run.interrupted {
            out.push(format!("the {which} run was interrupted"));
        }
    }
    out
}

impl Row {
    /// `create_post.response.p99`.
    pub fn name(&self, measure: &str) -> String {
        format!("{}.{measure}.{}", self.action, human::percentile(self.percentile))
    }

    /// `p99 +31.2% [+24.0%, +38.5%] (12.1ms → 15.9ms)`, or the reason there is no verdict.
    pub fn message(&self) -> String {
        let p = human::percentile(self.percentile);
        let (Some(b), Some(c), Some(change), Some(lo), Some(hi)) =
            (self.baseline_us, self.candidate_us, self.change, self.ci_low, self.ci_high)
        else {
            return format!("{p}: {}", self.note);
        };
        let mut text = format!(
            "{p} {} [{}, {}] ({} → {})",
            human::change(change),
            human::change(lo),
            human::change(hi),
            human::micros(b),
            human::micros(c)
        );
        if !self.note.is_empty() {
            text.push_str(&format!("; {}", self.note));
        }
        text
    }
}

impl Comparison {
    /// Whether any row regressed.
    pub fn regressed(&self) -> bool {
        self.rows.iter().any(|r| r.verdict == RowVerdict::Regressed)
    }

    /// One verdict per row, for `report.verdicts`.
    pub fn verdicts(&self) -> Vec<Verdict> {
        self.rows
            .iter()
            .map(|row| Verdict {
                kind: VerdictKind::Comparison,
                name: row.name(&self.measure),
                outcome: row.verdict.outcome(),
                failed: row.verdict == RowVerdict::Regressed,
                measured: row.candidate_us,
                limit: row.baseline_us,
                unit: "us".to_string(),
                message: row.message(),
            })
            .collect()
    }
}

#[cfg(test)]
#[path = "compare_tests.rs"]
mod tests;
