//! Standard HdrHistogram interval logs (`.hlog`), readable by `HistogramLogProcessor`,
//! HdrHistogram's plotter and hdrhistogram's own `IntervalLogIterator`.
//!
//! One line per interval and tag (`create_post.service`, `create_post.response`,
//! `lateness`, `journey/<name>.response`); `StartTime` and `BaseTime` are the run's start,
//! so interval timestamps are replay-clock offsets. The input is the series' encoded
//! histograms, so a log can be rendered from a [`RunMetrics`] or, later, from the encoded
//! histograms `report.json` keeps.

use std::io::Write;
use std::time::{Duration, SystemTime};

use hdrhistogram::serialization::V2DeflateSerializer;
use hdrhistogram::serialization::interval_log::{IntervalLogWriterBuilder, IntervalLogWriterError, Tag};

use super::histogram::{self, HistogramError};
use super::run::RunMetrics;
use super::tag_safe;

/// Why an interval log could not be written.
#[derive(Debug, thiserror::Error)]
pub enum HlogError {
    #[error("cannot write interval log: {0}")]
    Io(#[from] std::io::Error),
    #[error("interval log: {0}")]
    Write(#[from] IntervalLogWriterError<hdrhistogram::serialization::V2DeflateSerializeError>),
    #[error("interval {index}, tag {tag}: {source}")]
    Histogram { index: u64, tag: String, source: HistogramError },
}

/// One encoded interval histogram to put in a log.
#[derive(Debug, Clone, Copy)]
pub struct HlogEntry<'a> {
    /// Position of the interval in the series (for error messages).
    pub index: u64,
    /// Start of the interval on the replay clock.
    pub start_offset: Duration,
    pub duration: Duration,
    pub tag: &'a str,
    /// V2 (deflate) encoded histogram.
    pub bytes: &'a [u8],
}

/// Writes `metrics`' series as an interval log; `started_at` is the replay's start.
pub fn write(metrics: &RunMetrics, started_at: SystemTime, out: &mut impl Write) -> Result<(), HlogError> {
    let entries = metrics.intervals.iter().flat_map(|interval| {
        interval.histograms.iter().map(move |encoded| HlogEntry {
            index: interval.index,
            start_offset: interval.start_offset,
            duration: interval.duration,
            tag: &encoded.tag,
            bytes: &encoded.bytes,
        })
    });
    write_entries(entries, started_at, out)
}

/// Writes encoded interval histograms, in the order given (the series' order), as a log.
pub fn write_entries<'a>(
    entries: impl IntoIterator<Item = HlogEntry<'a>>,
    started_at: SystemTime,
    out: &mut impl Write,
) -> Result<(), HlogError> {
    let mut serializer = V2DeflateSerializer::new();
    let mut writer = IntervalLogWriterBuilder::new()
        .add_comment(&format!("stampede {} interval log; values in microseconds", env!("CARGO_PKG_VERSION")))
        .with_start_time(started_at)
        .with_base_time(started_at)
        .begin_log_with(out, &mut serializer)?;
    for entry in entries {
        let histogram = histogram::decode(entry.bytes).map_err(|source| HlogError::Histogram {
            index: entry.index,
            tag: entry.tag.to_string(),
            source,
        })?;
        let safe = tag_safe(entry.tag);
        writer.write_histogram(&histogram, entry.start_offset, entry.duration, Tag::new(&safe))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{MetricsConfig, Recorder};
    use crate::scenario::Action;
    use hdrhistogram::serialization::interval_log::{IntervalLogIterator, LogEntry};
    use std::collections::BTreeMap;

    #[test]
    fn log_reads_back_with_the_same_counts() {
        let recorder = Recorder::new(MetricsConfig {
            interval: Duration::from_secs(1),
            journeys: vec![],
            planned_per_interval: vec![],
        });
        for i in 0..30u64 {
            let at = Duration::from_millis(i * 100);
            recorder.record_request(
                at,
                Action::CreatePost,
                None,
                crate::metrics::Delays::of(100 + i, 1_000 + i),
                Ok(()),
            );
            if i % 3 == 0 {
                recorder.record_request(at, Action::Like, None, crate::metrics::Delays::of(50, 60), Ok(()));
            }
        }
        let metrics = recorder.finish();
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut log = Vec::new();
        write(&metrics, start, &mut log).expect("writes");

        let mut counts: BTreeMap<(u64, String), u64> = BTreeMap::new();
        let mut headers = Vec::new();
        for entry in IntervalLogIterator::new(&log) {
            match entry.expect("parses") {
                LogEntry::StartTime(t) | LogEntry::BaseTime(t) => headers.push(t.as_secs()),
                LogEntry::Interval(h) => {
                    let decoded = histogram::decode_base64(h.encoded_histogram()).expect("decodes");
                    let tag = h.tag().map(|t| t.as_str().to_string()).unwrap_or_default();
                    assert_eq!(h.duration(), Duration::from_secs(1));
                    counts.insert((h.start_timestamp().as_secs(), tag), decoded.len());
                }
            }
        }
        assert_eq!(headers, [1_700_000_000, 1_700_000_000]);
        let expected: BTreeMap<(u64, String), u64> = (0..3u64)
            .flat_map(|s| {
                [
                    ((s, "create_post.service".to_string()), 10),
                    ((s, "create_post.response".to_string()), 10),
                    ((s, "create_post.own".to_string()), 10),
                    ((s, "like.service".to_string()), if s == 0 { 4 } else { 3 }),
                    ((s, "like.response".to_string()), if s == 0 { 4 } else { 3 }),
                    ((s, "like.own".to_string()), if s == 0 { 4 } else { 3 }),
                ]
            })
            .collect();
        assert_eq!(counts, expected);
    }

    #[test]
    fn a_corrupt_histogram_names_its_interval_and_tag() {
        let entry = HlogEntry {
            index: 4,
            start_offset: Duration::from_secs(4),
            duration: Duration::from_secs(1),
            tag: "like.response",
            bytes: b"nonsense",
        };
        let err =
            write_entries([entry], SystemTime::UNIX_EPOCH, &mut Vec::new()).expect_err("corrupt histogram");
        assert!(err.to_string().starts_with("interval 4, tag like.response:"), "{err}");
    }
}
