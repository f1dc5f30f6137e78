//! Reports of a run: `report.json` (a versioned format with a committed JSON Schema), the
//! files rendered from it alone (HTML, Markdown, JUnit, HdrHistogram logs), and the
//! end-of-run console summary.
//!
//! - [`model`]: the serde types of `report.json`; their docs are the schema's.
//! - [`build`]: [`Report::new`] from a run's [`RunMetrics`](crate::metrics::RunMetrics).
//! - [`summary`]: [`Report::console_summary`], the table printed when a run ends.
//! - [`chat`]: the wording of the live-room section in the summaries and the page.
//! - [`hlog`]: `.hlog` interval logs re-rendered from a report alone.
//! - [`html`]: `report.html`, charts and tables in one self-contained page.
//! - [`markdown`]: `summary.md` for CI job summaries and pull-request comments.
//! - [`junit`]: `junit.xml`, one test case per verdict.
//! - [`merge`]: the report of a segmented run, merged exactly from its segments' reports.
//! - [`files`]: a run directory's files, written together ([`files::write_all`]).
//! - [`schema`]: the JSON Schema, generated from [`model`] and committed as
//!   `reports/schema.json`.
//!
//! Histograms travel as HdrHistogram V2 deflate encodings in base64 (the `.hlog` line
//! format), so any HdrHistogram implementation can decode them and nothing is lost to
//! pre-computed percentiles.

pub mod build;
pub mod chat;
pub mod files;
pub mod hlog;
pub mod html;
pub mod junit;
pub mod markdown;
pub mod merge;
pub mod model;
pub mod run_info;
pub mod schema;
pub mod sections;
pub mod stats;
pub mod summary;
pub mod validity;
pub mod verdict;

use std::path::{Path, PathBuf};

pub use model::{ChatReport, OutageWindow, PhaseWindow, Report, RunInfo, Unsupported, Verdict};
pub use verdict::{Outcome, VerdictKind};

/// Format and version written in every report's `schema` key. Adding fields keeps the
/// version; removing or changing one needs `stampede.report/2`.
pub const SCHEMA_VERSION: &str = "stampede.report/1";

/// File name of the report inside a run's directory.
pub const FILE_NAME: &str = "report.json";

/// Why a report could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot read {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path} is not a stampede report: {source}")]
    Json { path: PathBuf, source: serde_json::Error },
    #[error("{path} has schema {found:?}; this stampede reads {SCHEMA_VERSION:?}")]
    Version { path: PathBuf, found: String },
}

/// A run's overall outcome, as the report's badge, `summary.md` and `junit.xml` show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    /// Completed, and no verdict failed.
    Pass,
    /// Completed, and at least one verdict failed.
    Fail,
    /// Stopped before the plan's end: its numbers describe a partial replay, whatever the
    /// verdicts say, so this outranks both.
    Interrupted,
    /// The generator could not keep the schedule (generator-bound): its latencies measured
    /// stampede, not the platform, so this outranks the verdicts too.
    Invalid,
    /// An `abort` threshold failed while the run ran and stopped it: a failed verdict,
    /// reached early.
    Aborted,
}

impl Report {
    /// The run's overall outcome.
    pub fn status(&self) -> RunStatus {
        if self.run.interrupted {
            RunStatus::Interrupted
        } else if self.validity.as_ref().is_some_and(validity::Validity::is_generator_bound) {
            RunStatus::Invalid
        } else if self.run.aborted.is_some() {
            RunStatus::Aborted
        } else if self.verdicts.iter().any(|v| v.failed) {
            RunStatus::Fail
        } else {
            RunStatus::Pass
        }
    }

    /// Writes `report.json` (pretty, with a trailing newline) into `dir`, creating it.
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let mut text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        text.push('\n');
        std::fs::write(dir.join(FILE_NAME), text)
    }

    /// Reads a report written by [`Report::write`], refusing other format versions.
    pub fn read(path: &Path) -> Result<Report, ReportError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ReportError::Io { path: path.to_path_buf(), source })?;
        // Check the version first, so a future format gets a clear message rather than
        // whichever field happens not to parse.
        let value: serde_json::Value = serde_json::from_str(&text)
            .map_err(|source| ReportError::Json { path: path.to_path_buf(), source })?;
        let found = value.get("schema").and_then(|s| s.as_str()).unwrap_or("");
        if found != SCHEMA_VERSION {
            return Err(ReportError::Version { path: path.to_path_buf(), found: found.to_string() });
        }
        serde_json::from_value(value).map_err(|source| ReportError::Json { path: path.to_path_buf(), source })
    }
}

#[cfg(test)]
pub(crate) mod fixture;

#[cfg(test)]
mod tests {
    use super::fixture;
    use super::*;
    use crate::metrics::histogram;

    #[test]
    fn round_trips_through_a_file() {
        let report = fixture::report();
        let dir = tempfile::tempdir().expect("temp dir");
        report.write(dir.path()).expect("writes");
        let back = Report::read(&dir.path().join(FILE_NAME)).expect("reads");
        assert_eq!(back, report);
    }

    #[test]
    fn histograms_decode_to_the_same_statistics() {
        let report = fixture::report();
        let post = &report.actions[1];
        assert_eq!(post.name, "create_post");
        let response = histogram::decode_base64(&post.stats.histogram.response).expect("decodes");
        assert_eq!(response.len(), post.stats.response_us.count);
        assert_eq!(response.len(), 1_000);
        assert_eq!(response.value_at_quantile(0.5), post.stats.response_us.p50);
        assert_eq!(response.value_at_quantile(0.99), post.stats.response_us.p99);
        assert_eq!(response.max(), post.stats.response_us.max);
        let service = histogram::decode_base64(&post.stats.histogram.service).expect("decodes");
        assert_eq!(service.value_at_quantile(0.9), post.stats.service_us.p90);
        let interval = &report.intervals[0].histograms["create_post.response"];
        assert!(!histogram::decode_base64(interval).expect("decodes").is_empty());
    }

    #[test]
    fn required_keys_are_at_the_top_level() {
        let value = serde_json::to_value(fixture::report()).expect("serializes");
        for key in ["schema", "seed", "interrupted", "arrivals", "actions", "steps"] {
            assert!(value.get(key).is_some(), "missing {key}");
        }
        assert_eq!(value["schema"], SCHEMA_VERSION);
        assert_eq!(value["arrivals"]["lateness_us"]["p99"], 990);
        assert_eq!(value["actions"][1]["name"], "create_post");
        let errors = &value["actions"][1]["errors"];
        assert_eq!(errors["status_5xx"], 10);
        assert_eq!(value["series"][1]["actions"][0]["name"], "create_post");
    }

    #[test]
    fn other_versions_are_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, r#"{"schema": "stampede.report/2"}"#).expect("writes");
        let err = Report::read(&path).expect_err("version 2");
        assert!(matches!(err, ReportError::Version { ref found, .. } if found == "stampede.report/2"));
        std::fs::write(&path, "not json").expect("writes");
        assert!(matches!(Report::read(&path), Err(ReportError::Json { .. })));
    }

    #[test]
    fn unknown_keys_are_ignored() {
        let mut value = serde_json::to_value(fixture::report()).expect("serializes");
        value["added_in_a_later_minor"] = serde_json::json!({"x": 1});
        let back: Report = serde_json::from_value(value).expect("forward compatible");
        assert_eq!(back, fixture::report());
    }
}
