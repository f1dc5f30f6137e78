//! Merging the reports of a segmented run (`stampede run --segment I/N`) into the report a
//! single process would have written for the same work.
//!
//! Exact because nothing is pre-aggregated beyond repair: counters are summed, and every
//! latency is an HdrHistogram whose counts add (same bounds and precision in every
//! segment), so percentiles of the merged histogram *are* the percentiles of the union of
//! all requests. Statistics are recomputed from the merged histograms, never averaged.
//!
//! - Series are aligned by interval index on the schedule's clock: the segments share the
//!   replay clock's zero (`--start-at`), so interval `i` is the same wall-clock slice in all.
//! - Journey statistics come from the sum of the per-interval `journey/<name>.response`
//!   histograms (every journey is recorded in exactly one interval).
//! - `journeys_open_max` and `slots_busy_max` (run and per interval) are the *sums* of the
//!   segments' maxima: upper bounds on the true concurrent maxima, since the maxima need
//!   not coincide (and the slots are summed too, so busy stays at most the slots).
//! - Verdicts are dropped: the caller judges the merged report again.
//!
//! Inputs are sorted by segment index first, so the result does not depend on their order.

use hdrhistogram::Histogram;

mod chat;
mod check;
mod series;
mod targets;

pub use targets::{TargetInput, merge_targets};

use crate::metrics::Stats;
use crate::metrics::histogram::{self, HistogramError};
use crate::report::build::latency;
use crate::report::model::{ActionReport, ErrorsReport, Report, RequestStats, StepReport};
use crate::report::validity::Validity;
use crate::scenario::Action;

/// Why reports cannot be merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("nothing to merge: give the run directories of every segment")]
    Empty,
    #[error(
        "{0} is not a segment's report (it has no `segment`): merge the run directories of `stampede run --segment I/N`"
    )]
    NotSegment(String),
    #[error("{path} differs from {first} in {what}: {found} vs {expected}; segments of one run must agree")]
    Mismatch { path: String, first: String, what: &'static str, found: String, expected: String },
    #[error("segment {segment} is given twice: {a} and {b}")]
    Duplicate { segment: String, a: String, b: String },
    #[error("segments missing: {missing} of {count} (each of 0..{count} must be given once)")]
    Missing { missing: String, count: u32 },
    #[error("{path}: {what}: {source}")]
    Histogram { path: String, what: String, source: HistogramError },
}

/// A report and where it came from (for messages).
#[derive(Debug, Clone)]
pub struct Input {
    pub label: String,
    pub report: Report,
}

/// Merges the reports of every segment of one run; see the module docs.
pub fn merge(mut inputs: Vec<Input>) -> Result<Report, MergeError> {
    check::check(&mut inputs)?;
    combine(&inputs)
}

/// Sums `inputs` (checked, sorted, at least one) into one report.
pub(crate) fn combine(inputs: &[Input]) -> Result<Report, MergeError> {
    let Some(first) = inputs.first().map(|i| &i.report) else { return Err(MergeError::Empty) };
    let mut merged = first.clone();
    let n = inputs.len();
    let run = &mut merged.run;
    run.segment = None;
    run.merged_segments = Some(n as u32);
    run.started_at = inputs.iter().map(|i| i.report.run.started_at.clone()).min().unwrap_or_default();
    run.elapsed_s = inputs.iter().map(|i| i.report.run.elapsed_s).fold(0.0, f64::max);
    run.slots = inputs.iter().map(|i| i.report.run.slots).sum();
    // Each segment's limit is its own machine's: no one figure describes them all.
    run.slot_limit = None;
    run.interrupted = inputs.iter().any(|i| i.report.run.interrupted);
    run.interrupt_reason = inputs.iter().find_map(|i| {
        let segment = i.report.run.segment.map(|s| s.index).unwrap_or_default();
        i.report.run.interrupt_reason.as_ref().map(|why| format!("segment {segment}: {why}"))
    });
    let mut targets: Vec<&str> = inputs.iter().map(|i| i.report.run.target.as_str()).collect();
    targets.dedup();
    run.target = targets.join(", ");
    run.transport = crate::net::Transport::combine(inputs.iter().map(|i| i.report.run.transport.as_ref()));

    let arrivals = &mut merged.arrivals;
    arrivals.planned = sum(inputs, |r| r.arrivals.planned);
    arrivals.started = sum(inputs, |r| r.arrivals.started);
    arrivals.dropped = sum(inputs, |r| r.arrivals.dropped);
    arrivals.reactions_dropped = sum(inputs, |r| r.arrivals.reactions_dropped);
    arrivals.retries = sum(inputs, |r| r.arrivals.retries);
    arrivals.retries_dropped = sum(inputs, |r| r.arrivals.retries_dropped);
    arrivals.not_started = sum(inputs, |r| r.arrivals.not_started);
    // Every segment injects the same windows into the same target: a window happened if
    // any segment got it in.
    for (k, outage) in merged.outages.iter_mut().enumerate() {
        let injected = inputs.iter().filter_map(|i| i.report.outages.get(k)).find(|o| o.injected);
        if let Some(injected) = injected {
            outage.injected = true;
            outage.note = injected.note.clone();
        }
    }
    let lateness = add_all(inputs, "lateness", |r| Some(r.arrivals.lateness_histogram.as_str()))?;
    arrivals.lateness_us = latency(Stats::of(lateness.as_ref()));
    arrivals.lateness_histogram = encode(lateness.as_ref());
    merged.journeys_open_max = sum(inputs, |r| r.journeys_open_max);
    merged.slots_busy_max = sum(inputs, |r| r.slots_busy_max);
    merged.requests = sum(inputs, |r| r.requests);
    merged.errors = sum(inputs, |r| r.errors);
    merged.actions = actions(inputs, |r| &r.actions)?;
    merged.parts = actions(inputs, |r| &r.parts)?;
    merged.steps = steps(inputs)?;
    merged.plan = series::plan(inputs);
    merged.intervals = series::intervals(inputs)?;
    merged.series = series::series(inputs, &merged.intervals)?;
    merged.journeys = series::journeys(inputs, &merged.intervals)?;
    merged.chat = chat::merge(inputs)?;
    merged.validity = validity(inputs, merged.run.elapsed_s)?;
    merged.verdicts = Vec::new();
    Ok(merged)
}

/// The segments' validity evidence added up and judged again (absent when any segment
/// lacks it: a sum of some would claim more than was measured).
fn validity(inputs: &[Input], elapsed_s: f64) -> Result<Option<Validity>, MergeError> {
    let Some(parts) = inputs.iter().map(|i| i.report.validity.as_ref()).collect::<Option<Vec<_>>>() else {
        return Ok(None);
    };
    let slot = add_all(inputs, "validity.slot_wait", |r| {
        r.validity.as_ref().map(|v| v.slot_wait_histogram.as_str())
    })?;
    let lag = add_all(inputs, "validity.runtime_lag", |r| {
        r.validity.as_ref().map(|v| v.runtime_lag_histogram.as_str())
    })?;
    let mut merged = Validity {
        due: parts.iter().map(|v| v.due).sum(),
        late_slot_wait: parts.iter().map(|v| v.late_slot_wait).sum(),
        late_runtime_lag: parts.iter().map(|v| v.late_runtime_lag).sum(),
        late_target: parts.iter().map(|v| v.late_target).sum(),
        slot_wait_us: latency(Stats::of(slot.as_ref())),
        runtime_lag_us: latency(Stats::of(lag.as_ref())),
        slot_wait_histogram: encode(slot.as_ref()),
        runtime_lag_histogram: encode(lag.as_ref()),
        cpu_s: parts.iter().map(|v| v.cpu_s).sum(),
        cores: parts.iter().map(|v| v.cores).sum(),
        ..Validity::default()
    };
    merged.judge(elapsed_s);
    Ok(Some(merged))
}

fn sum(inputs: &[Input], field: impl Fn(&Report) -> u64) -> u64 {
    inputs.iter().map(|i| field(&i.report)).sum()
}

/// The sum of one histogram (base64, empty = none) across the inputs; `None` when empty.
fn add_all<'a>(
    inputs: &'a [Input],
    what: &str,
    pick: impl Fn(&'a Report) -> Option<&'a str>,
) -> Result<Option<Histogram<u64>>, MergeError> {
    let mut total: Option<Histogram<u64>> = None;
    for input in inputs {
        let Some(text) = pick(&input.report).filter(|t| !t.is_empty()) else { continue };
        add_into(&mut total, text).map_err(|source| MergeError::Histogram {
            path: input.label.clone(),
            what: what.to_string(),
            source,
        })?;
    }
    Ok(total)
}

/// Decodes `text` and adds it to `total`.
fn add_into(total: &mut Option<Histogram<u64>>, text: &str) -> Result<(), HistogramError> {
    let histogram = histogram::decode_base64(text)?;
    match total {
        Some(sum) => {
            // Same bounds everywhere; a histogram beyond them (a foreign file) saturates
            // value by value instead of failing.
            if sum.add(&histogram).is_err() {
                for v in histogram.iter_recorded() {
                    let value = v.value_iterated_to().min(histogram::HIGHEST_US);
                    sum.saturating_record_n(value, v.count_at_value());
                }
            }
        }
        None => {
            let mut sum = histogram::new()?;
            for v in histogram.iter_recorded() {
                sum.saturating_record_n(v.value_iterated_to().min(histogram::HIGHEST_US), v.count_at_value());
            }
            *total = Some(sum);
        }
    }
    Ok(())
}

fn encode(histogram: Option<&Histogram<u64>>) -> String {
    histogram.filter(|h| !h.is_empty()).and_then(|h| histogram::encode_base64(h).ok()).unwrap_or_default()
}

fn add_errors(a: &mut ErrorsReport, b: &ErrorsReport) {
    a.connect += b.connect;
    a.tls += b.tls;
    a.timeout += b.timeout;
    a.reset += b.reset;
    a.status_4xx += b.status_4xx;
    a.status_5xx += b.status_5xx;
    a.bad_body += b.bad_body;
    a.body_too_large += b.body_too_large;
    a.other += b.other;
}

/// Merges the request statistics of one action or step across the inputs.
fn request_stats<'a>(
    inputs: &'a [Input],
    what: &str,
    pick: impl Fn(&'a Report) -> Option<&'a RequestStats>,
) -> Result<RequestStats, MergeError> {
    let mut stats = RequestStats::default();
    for s in inputs.iter().filter_map(|i| pick(&i.report)) {
        stats.requests += s.requests;
        add_errors(&mut stats.errors, &s.errors);
    }
    let service =
        add_all(inputs, &format!("{what}.service"), |r| pick(r).map(|s| s.histogram.service.as_str()))?;
    let response =
        add_all(inputs, &format!("{what}.response"), |r| pick(r).map(|s| s.histogram.response.as_str()))?;
    let own = add_all(inputs, &format!("{what}.own"), |r| pick(r).map(|s| s.histogram.own.as_str()))?;
    stats.service_us = latency(Stats::of(service.as_ref()));
    stats.response_us = latency(Stats::of(response.as_ref()));
    stats.own_us = latency(Stats::of(own.as_ref()));
    stats.histogram.service = encode(service.as_ref());
    stats.histogram.response = encode(response.as_ref());
    stats.histogram.own = encode(own.as_ref());
    Ok(stats)
}

/// Every action any segment requested, in [`Action::report_order`] as a single run lists them.
fn actions(
    inputs: &[Input],
    list: impl Fn(&Report) -> &Vec<ActionReport>,
) -> Result<Vec<ActionReport>, MergeError> {
    let mut names: Vec<&str> =
        inputs.iter().flat_map(|i| list(&i.report).iter().map(|a| a.name.as_str())).collect();
    names.sort_by_key(|n| Action::report_order(n));
    names.dedup();
    (names.into_iter())
        .map(|name| {
            let stats =
                request_stats(inputs, name, |r| list(r).iter().find(|a| a.name == name).map(|a| &a.stats))?;
            Ok(ActionReport { name: name.to_string(), stats })
        })
        .collect()
}

/// Every step any segment ran, in journey then step order.
fn steps(inputs: &[Input]) -> Result<Vec<StepReport>, MergeError> {
    let journeys = &inputs[0].report.journeys;
    let position = |name: &str| journeys.iter().position(|j| j.name == name).unwrap_or(usize::MAX);
    let mut all: Vec<&StepReport> = inputs.iter().flat_map(|i| i.report.steps.iter()).collect();
    all.sort_by(|a, b| (position(&a.journey), a.step, &a.tag).cmp(&(position(&b.journey), b.step, &b.tag)));
    all.dedup_by(|a, b| a.tag == b.tag);
    (all.into_iter())
        .map(|step| {
            let stats = request_stats(inputs, &step.tag, |r| {
                r.steps.iter().find(|s| s.tag == step.tag).map(|s| &s.stats)
            })?;
            Ok(StepReport { stats, ..step.clone() })
        })
        .collect()
}

#[cfg(test)]
mod tests;
