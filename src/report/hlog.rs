//! HdrHistogram interval logs (`.hlog`) re-rendered from a `report.json` alone.
//!
//! The report keeps every interval's encoded histograms by tag (`intervals`), its width
//! (`interval_s`) and the start of the run (`started_at`), which is all
//! [`crate::metrics::hlog`] needs; the result has the same lines as the log written from
//! the run's metrics, except that tags within an interval come in alphabetical order.

use std::io::Write;
use std::time::{Duration, SystemTime};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::model::Report;
use crate::metrics::histogram::{self, HistogramError};
use crate::metrics::hlog::{self, HlogEntry, HlogError};

/// Why a report's interval log could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum HlogExportError {
    #[error("started_at {0:?} is not an RFC 3339 time")]
    StartedAt(String),
    #[error("interval_s or t_s {0} is not a valid duration")]
    Duration(f64),
    #[error("interval at {t_s} s, tag {tag}: {source}")]
    Histogram { t_s: f64, tag: String, source: HistogramError },
    #[error(transparent)]
    Write(#[from] HlogError),
}

impl Report {
    /// Writes the report's interval histograms as an `.hlog`.
    pub fn write_hlog(&self, out: &mut impl Write) -> Result<(), HlogExportError> {
        let started_at = system_time(&self.run.started_at)?;
        let width = seconds(self.interval_s)?;
        // Decode first: the log writer borrows the bytes.
        let mut decoded = Vec::new();
        for (index, interval) in (0u64..).zip(&self.intervals) {
            let start = seconds(interval.t_s)?;
            for (tag, text) in &interval.histograms {
                let bytes = histogram::base64_to_bytes(text).map_err(|source| {
                    HlogExportError::Histogram { t_s: interval.t_s, tag: tag.clone(), source }
                })?;
                decoded.push((index, start, tag.as_str(), bytes));
            }
        }
        let entries = decoded.iter().map(|(index, start, tag, bytes)| HlogEntry {
            index: *index,
            start_offset: *start,
            duration: width,
            tag,
            bytes,
        });
        Ok(hlog::write_entries(entries, started_at, out)?)
    }
}

fn system_time(rfc3339: &str) -> Result<SystemTime, HlogExportError> {
    let invalid = || HlogExportError::StartedAt(rfc3339.to_string());
    let at = OffsetDateTime::parse(rfc3339, &Rfc3339).map_err(|_| invalid())?;
    let since_epoch = u64::try_from(at.unix_timestamp_nanos()).map_err(|_| invalid())?;
    Ok(SystemTime::UNIX_EPOCH + Duration::from_nanos(since_epoch))
}

fn seconds(s: f64) -> Result<Duration, HlogExportError> {
    Duration::try_from_secs_f64(s).map_err(|_| HlogExportError::Duration(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

    #[test]
    fn the_log_from_the_report_equals_the_log_from_the_metrics() {
        let report = fixture::report();
        let mut from_report = Vec::new();
        report.write_hlog(&mut from_report).expect("renders");

        let started_at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_736_744_400);
        let mut from_metrics = Vec::new();
        hlog::write(&fixture::metrics(), started_at, &mut from_metrics).expect("renders");

        let sorted = |log: &[u8]| {
            let mut lines: Vec<String> = String::from_utf8_lossy(log).lines().map(str::to_string).collect();
            lines.sort();
            lines
        };
        assert_eq!(sorted(&from_report), sorted(&from_metrics));
        assert!(String::from_utf8_lossy(&from_report).contains("Tag=create_post.response,1.000,"));
    }

    #[test]
    fn a_bad_start_time_is_an_error() {
        let mut report = fixture::report();
        report.run.started_at = "yesterday".to_string();
        let err = report.write_hlog(&mut Vec::new()).expect_err("bad time");
        assert_eq!(err.to_string(), "started_at \"yesterday\" is not an RFC 3339 time");
    }
}
