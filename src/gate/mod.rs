//! The gate: judges a run from its saved report alone — against thresholds, and against a
//! baseline run with statistics — and turns the result into [`Verdict`]s that the report
//! files, the console and the exit code share.
//!
//! In data-flow order:
//! - [`threshold`]: the grammar `SUBJECT.METRIC OP VALUE [during PHASE]`, parsed with the
//!   scenario that writes it (re-exported here for the gate's flags).
//! - [`window`]: a report's measurements over the whole run or a named phase.
//! - [`evaluate`]: thresholds → verdicts (`pass` / `fail`).
//! - [`bootstrap`]: the circular block bootstrap over per-interval histograms.
//! - [`paired`]: the same over two runs replayed together (`stampede ab`), resampled in pairs.
//! - [`compare`]: baseline vs candidate per action and percentile → `regressed`,
//!   `improved`, `unchanged` or `inconclusive`; [`table`] prints it for people.
//! - [`judge`]: the [`Gate`] a run is judged against (thresholds and a baseline, resolved
//!   before the replay) and the judging that stores the verdicts in the report.
//!
//! A failed gate is an outcome (exit 1), never an error; errors (exit 2) are reports that
//! cannot be read or thresholds that cannot be parsed.

pub mod bootstrap;
pub mod compare;
pub mod evaluate;
pub mod judge;
pub mod paired;
pub mod table;
pub mod window;

#[cfg(test)]
pub(crate) mod testkit;

use std::path::{Path, PathBuf};

pub use crate::scenario::threshold::{self, Threshold, ThresholdError};
pub use compare::{CompareOptions, Comparison, Row, RowVerdict};
pub use evaluate::evaluate;
pub use judge::Gate;

use crate::report::{Report, ReportError, Verdict};

/// Why the gate could not judge.
#[derive(Debug, thiserror::Error)]
pub enum GateError {
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error("no phase `{name}` in the report (phases: {known})")]
    UnknownPhase { name: String, known: String },
    #[error("a histogram in the report is unreadable: {0}")]
    Histogram(crate::metrics::histogram::HistogramError),
    #[error("histograms in the report cannot be merged: {0}")]
    Merge(String),
    #[error("{0}")]
    Options(String),
    /// A threshold or baseline given for a run that cannot be used.
    #[error("{0}")]
    Setup(String),
}

/// Reads a report from a run directory (its `report.json`) or a `report.json` path.
pub fn load_report(path: &Path) -> Result<Report, ReportError> {
    let file: PathBuf = if path.is_dir() { path.join(crate::report::FILE_NAME) } else { path.to_path_buf() };
    Report::read(&file)
}

/// Whether any verdict fails the run.
pub fn any_failed(verdicts: &[Verdict]) -> bool {
    verdicts.iter().any(|v| v.failed)
}
