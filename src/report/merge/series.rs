//! Merging what runs along the replay clock: the plan's buckets, the per-interval
//! histograms and series (aligned by interval index), and the journeys, whose statistics
//! come from the merged interval histograms.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;

use super::{Input, MergeError, add_errors, add_into, encode};
use crate::metrics::{Stats, histogram, tag_safe};
use crate::report::build::latency;
use crate::report::model::{
    ErrorsReport, IntervalHistograms, JourneyReport, PlanPoint, Report, SeriesAction, SeriesPoint,
};
use crate::scenario::Action;

/// The segments' plan shares, bucket by bucket (their sum is the whole plan).
pub(super) fn plan(inputs: &[Input]) -> Vec<PlanPoint> {
    let mut plan = inputs[0].report.plan.clone();
    for point in &mut plan {
        point.planned = 0;
    }
    for input in inputs {
        for (point, theirs) in plan.iter_mut().zip(&input.report.plan) {
            point.planned += theirs.planned;
        }
    }
    plan
}

/// Interval index of `t_s`.
fn index_of(t_s: f64, interval_s: f64) -> usize {
    (t_s / interval_s.max(f64::MIN_POSITIVE)).round() as usize
}

/// An interval being merged: its start and each tag's running sum.
type OpenInterval = (f64, BTreeMap<String, Option<Histogram<u64>>>);

/// Per interval and tag, the sum of the segments' histograms.
pub(super) fn intervals(inputs: &[Input]) -> Result<Vec<IntervalHistograms>, MergeError> {
    let interval_s = inputs[0].report.interval_s;
    let mut merged: BTreeMap<usize, OpenInterval> = BTreeMap::new();
    for input in inputs {
        for interval in &input.report.intervals {
            let slot =
                merged.entry(index_of(interval.t_s, interval_s)).or_insert((interval.t_s, BTreeMap::new()));
            for (tag, text) in &interval.histograms {
                let total = slot.1.entry(tag.clone()).or_default();
                add_into(total, text).map_err(|source| MergeError::Histogram {
                    path: input.label.clone(),
                    what: format!("interval at {}s, {tag}", interval.t_s),
                    source,
                })?;
            }
        }
    }
    Ok((merged.into_values())
        .map(|(t_s, tags)| IntervalHistograms {
            t_s,
            histograms: (tags.into_iter())
                .map(|(tag, h)| (tag, encode(h.as_ref())))
                .filter(|(_, text)| !text.is_empty())
                .collect(),
        })
        .collect())
}

/// The series, interval by interval; per-action percentiles from the merged histograms.
pub(super) fn series(
    inputs: &[Input],
    intervals: &[IntervalHistograms],
) -> Result<Vec<SeriesPoint>, MergeError> {
    let interval_s = inputs[0].report.interval_s;
    let mut merged: BTreeMap<usize, SeriesPoint> = BTreeMap::new();
    for point in inputs.iter().flat_map(|i| i.report.series.iter()) {
        let slot = merged.entry(index_of(point.t_s, interval_s)).or_insert_with(|| SeriesPoint {
            t_s: point.t_s,
            arrivals_planned: 0,
            arrivals_started: 0,
            dropped: 0,
            reactions_dropped: 0,
            journeys_open_max: 0,
            slots_busy_max: 0,
            requests: 0,
            errors: 0,
            error_classes: ErrorsReport::default(),
            actions: Vec::new(),
        });
        slot.arrivals_planned += point.arrivals_planned;
        slot.arrivals_started += point.arrivals_started;
        slot.dropped += point.dropped;
        slot.reactions_dropped += point.reactions_dropped;
        slot.journeys_open_max += point.journeys_open_max;
        slot.slots_busy_max += point.slots_busy_max;
        slot.requests += point.requests;
        slot.errors += point.errors;
        add_errors(&mut slot.error_classes, &point.error_classes);
        for action in &point.actions {
            match slot.actions.iter_mut().find(|a| a.name == action.name) {
                Some(mine) => {
                    mine.requests += action.requests;
                    mine.errors += action.errors;
                }
                None => slot.actions.push(SeriesAction { ..action.clone() }),
            }
        }
    }
    let by_index: BTreeMap<usize, &IntervalHistograms> =
        intervals.iter().map(|i| (index_of(i.t_s, interval_s), i)).collect();
    let mut out = Vec::with_capacity(merged.len());
    for (index, mut point) in merged {
        point.actions.sort_by(|a, b| Action::report_order(&a.name).cmp(&Action::report_order(&b.name)));
        for action in &mut point.actions {
            let stats = |kind: &str| -> Result<Stats, MergeError> {
                let tag = format!("{}.{kind}", action.name);
                let text = by_index.get(&index).and_then(|i| i.histograms.get(&tag));
                let decoded = text.map(|t| histogram::decode_base64(t)).transpose().map_err(|source| {
                    MergeError::Histogram { path: "merged".to_string(), what: tag.clone(), source }
                })?;
                Ok(Stats::of(decoded.as_ref()))
            };
            let (response, service) = (stats("response")?, stats("service")?);
            action.response_p50_us = response.p50_us;
            action.response_p90_us = response.p90_us;
            action.response_p99_us = response.p99_us;
            action.response_max_us = response.max_us;
            action.service_p50_us = service.p50_us;
            action.service_p90_us = service.p90_us;
            action.service_p99_us = service.p99_us;
            action.service_max_us = service.max_us;
        }
        out.push(point);
    }
    Ok(out)
}

/// Journeys: counters summed; response statistics from the merged interval histograms.
pub(super) fn journeys(
    inputs: &[Input],
    intervals: &[IntervalHistograms],
) -> Result<Vec<JourneyReport>, MergeError> {
    (inputs[0].report.journeys.iter())
        .map(|journey| {
            let tag = format!("journey/{}.response", tag_safe(&journey.name));
            let mut total = None;
            for text in intervals.iter().filter_map(|i| i.histograms.get(&tag)) {
                add_into(&mut total, text).map_err(|source| MergeError::Histogram {
                    path: "merged".to_string(),
                    what: tag.clone(),
                    source,
                })?;
            }
            let same = |r: &Report| r.journeys.iter().find(|j| j.name == journey.name).cloned();
            let parts: Vec<JourneyReport> = inputs.iter().filter_map(|i| same(&i.report)).collect();
            Ok(JourneyReport {
                name: journey.name.clone(),
                started: parts.iter().map(|j| j.started).sum(),
                completed: parts.iter().map(|j| j.completed).sum(),
                skipped_steps: parts.iter().map(|j| j.skipped_steps).sum(),
                response_us: latency(Stats::of(total.as_ref())),
            })
        })
        .collect()
}
