//! Reading a report's measurements over a window of the replay clock: the whole run or a
//! named phase. Thresholds and comparisons both start here, so "which requests count" is
//! decided in one place.
//!
//! A phase covers the intervals whose *start* lies in `[start_s, end_s)` of the replay
//! clock; a phase shorter than one interval (no interval starts inside it) falls back to
//! the intervals that overlap it, so it is still judged on the traffic around it.

use hdrhistogram::Histogram;

use super::GateError;
use crate::metrics::histogram;
use crate::report::Report;

/// Which stretch of the run a measurement covers.
#[derive(Debug, Clone, PartialEq)]
pub enum Window {
    /// Every request of the run (the cumulative histograms and totals).
    Whole,
    /// The intervals of a phase, by position in `report.intervals` / `report.series`.
    Phase { name: String, intervals: Vec<usize> },
}

/// Which latency of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Intended start → last byte (coordinated-omission free).
    Response,
    /// Send → last byte.
    Service,
}

impl Measure {
    /// The tag suffix used in `report.intervals`.
    pub fn tag(self) -> &'static str {
        match self {
            Measure::Response => "response",
            Measure::Service => "service",
        }
    }
}

impl Window {
    /// The window of phase `name`, from `report.phases`.
    pub fn phase(report: &Report, name: &str) -> Result<Window, GateError> {
        let Some(phase) = report.phases.iter().find(|p| p.name == name) else {
            let known: Vec<&str> = report.phases.iter().map(|p| p.name.as_str()).collect();
            return Err(GateError::UnknownPhase {
                name: name.to_string(),
                known: if known.is_empty() { "none".to_string() } else { known.join(", ") },
            });
        };
        let starts: Vec<f64> = report.series.iter().map(|s| s.t_s).collect();
        let mut intervals: Vec<usize> =
            (0..starts.len()).filter(|&i| starts[i] >= phase.start_s && starts[i] < phase.end_s).collect();
        if intervals.is_empty() {
            let width_s = report.interval_s.max(0.0);
            intervals = (0..starts.len())
                .filter(|&i| starts[i] < phase.end_s && starts[i] + width_s > phase.start_s)
                .collect();
        }
        Ok(Window::Phase { name: name.to_string(), intervals })
    }

    /// ` during NAME` for messages, or nothing for the whole run.
    pub fn suffix(&self) -> String {
        match self {
            Window::Whole => String::new(),
            Window::Phase { name, .. } => format!(" during {name}"),
        }
    }

    /// Positions into `report.series` covered by the window.
    fn series<'r>(&self, report: &'r Report) -> Vec<&'r crate::report::model::SeriesPoint> {
        match self {
            Window::Whole => report.series.iter().collect(),
            Window::Phase { intervals, .. } => {
                intervals.iter().filter_map(|&i| report.series.get(i)).collect()
            }
        }
    }
}

/// Decodes a base64 histogram; an empty string is an empty histogram.
fn decode(text: &str) -> Result<Option<Histogram<u64>>, GateError> {
    if text.is_empty() {
        return Ok(None);
    }
    histogram::decode_base64(text).map(Some).map_err(GateError::Histogram)
}

/// Adds `from` into `into`, creating `into` on first use.
fn merge(into: &mut Option<Histogram<u64>>, from: Histogram<u64>) -> Result<(), GateError> {
    match into {
        Some(h) => h.add(&from).map_err(|e| GateError::Merge(format!("{e:?}"))),
        None => {
            *into = Some(from);
            Ok(())
        }
    }
}

/// The latency histogram of `actions` (names; every action of the report when `None`)
/// over `window`; `None` when nothing was recorded.
pub fn latency(
    report: &Report,
    actions: Option<&str>,
    measure: Measure,
    window: &Window,
) -> Result<Option<Histogram<u64>>, GateError> {
    let wanted = |name: &str| actions.is_none_or(|a| a == name);
    let mut merged = None;
    match window {
        Window::Whole => {
            for action in report.actions.iter().filter(|a| wanted(&a.name)) {
                let pair = &action.stats.histogram;
                let text = match measure {
                    Measure::Response => &pair.response,
                    Measure::Service => &pair.service,
                };
                if let Some(h) = decode(text)? {
                    merge(&mut merged, h)?;
                }
            }
        }
        Window::Phase { intervals, .. } => {
            let suffix = format!(".{}", measure.tag());
            for interval in intervals.iter().filter_map(|&i| report.intervals.get(i)) {
                for (tag, text) in &interval.histograms {
                    let is_wanted =
                        tag.strip_suffix(&suffix).is_some_and(|name| !name.contains('/') && wanted(name));
                    if is_wanted && let Some(h) = decode(text)? {
                        merge(&mut merged, h)?;
                    }
                }
            }
        }
    }
    Ok(merged)
}

/// Lateness of started arrivals over `window`; `None` when nothing started.
pub fn lateness(report: &Report, window: &Window) -> Result<Option<Histogram<u64>>, GateError> {
    match window {
        Window::Whole => decode(&report.arrivals.lateness_histogram),
        Window::Phase { intervals, .. } => {
            let mut merged = None;
            for interval in intervals.iter().filter_map(|&i| report.intervals.get(i)) {
                if let Some(text) = interval.histograms.get("lateness")
                    && let Some(h) = decode(text)?
                {
                    merge(&mut merged, h)?;
                }
            }
            Ok(merged)
        }
    }
}

/// Chat delivery latency over `window` (the `chat.delivery` tag); `None` without
/// deliveries, and for reports from runs without rooms.
pub fn delivery(report: &Report, window: &Window) -> Result<Option<Histogram<u64>>, GateError> {
    match window {
        Window::Whole => report.chat.as_ref().map_or(Ok(None), |c| decode(&c.delivery_histogram)),
        Window::Phase { intervals, .. } => {
            let mut merged = None;
            for interval in intervals.iter().filter_map(|&i| report.intervals.get(i)) {
                if let Some(text) = interval.histograms.get("chat.delivery")
                    && let Some(h) = decode(text)?
                {
                    merge(&mut merged, h)?;
                }
            }
            Ok(merged)
        }
    }
}

/// `(errors, requests)` of `action` (every action when `None`) over `window`.
pub fn errors(report: &Report, action: Option<&str>, window: &Window) -> (u64, u64) {
    let wanted = |name: &str| action.is_none_or(|a| a == name);
    match window {
        Window::Whole => report
            .actions
            .iter()
            .filter(|a| wanted(&a.name))
            .fold((0, 0), |(e, r), a| (e + total_errors(&a.stats.errors), r + a.stats.requests)),
        Window::Phase { .. } => window
            .series(report)
            .iter()
            .flat_map(|s| s.actions.iter())
            .filter(|a| wanted(&a.name))
            .fold((0, 0), |(e, r), a| (e + a.errors, r + a.requests)),
    }
}

fn total_errors(e: &crate::report::model::ErrorsReport) -> u64 {
    e.total()
}

/// Arrival counts over `window`: `(planned, started, dropped)`.
pub fn arrivals(report: &Report, window: &Window) -> (u64, u64, u64) {
    match window {
        Window::Whole => (report.arrivals.planned, report.arrivals.started, report.arrivals.dropped),
        Window::Phase { .. } => window
            .series(report)
            .iter()
            .fold((0, 0, 0), |(p, s, d), i| (p + i.arrivals_planned, s + i.arrivals_started, d + i.dropped)),
    }
}

/// Per-interval latency histograms of one action (every action when `None`), in time
/// order, for the whole run; intervals without requests are `None`. The raw material of
/// the block bootstrap.
pub fn interval_latencies(
    report: &Report,
    action: Option<&str>,
    measure: Measure,
) -> Result<Vec<Option<Histogram<u64>>>, GateError> {
    let all: Vec<usize> = (0..report.intervals.len()).collect();
    all.into_iter()
        .map(|i| latency(report, action, measure, &Window::Phase { name: String::new(), intervals: vec![i] }))
        .collect()
}
