use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::metrics::{ErrorClass, MetricsConfig, Recorder, StepKey};
use crate::report::fixture;
use crate::report::model::SegmentInfo;

const INTERVALS: usize = 4;

fn recorder(planned: Vec<u64>) -> Recorder {
    Recorder::new(MetricsConfig {
        interval: Duration::from_secs(1),
        journeys: vec![
            ("cat-tax".to_string(), vec![Action::Signup, Action::CreatePost]),
            ("lurker".to_string(), vec![Action::ViewFeed]),
        ],
        planned_per_interval: planned,
    })
}

/// The same random events recorded once whole and once split round-robin into `count`
/// segments: `(whole report, segment reports)`.
fn split_run(count: u32) -> (Report, Vec<Report>) {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let events: Vec<(u64, u64, u64, bool)> = (0..2_000)
        .map(|_| {
            (
                rng.random_range(0..4_000u64),
                rng.random_range(1..200_000),
                rng.random_range(0..5_000),
                rng.random_bool(0.02),
            )
        })
        .collect();
    let mut sorted = events.clone();
    sorted.sort_by_key(|e| e.0);
    let planned_of = |segment: Option<u32>| -> Vec<u64> {
        let mut planned = vec![0; INTERVALS];
        for (k, e) in sorted.iter().enumerate() {
            if segment.is_none_or(|s| k as u32 % count == s) {
                planned[(e.0 / 1000) as usize] += 1;
            }
        }
        planned
    };
    let record =
        |recorder: &Recorder, k: usize, &(at_ms, response_us, lateness_us, fail): &(u64, u64, u64, bool)| {
            let at = Duration::from_millis(at_ms);
            recorder.record_start(at, lateness_us);
            let outcome = if fail { Err(ErrorClass::Status5xx) } else { Ok(()) };
            let action = if k.is_multiple_of(3) { Action::Signup } else { Action::CreatePost };
            let step = Some(StepKey { journey: 0, step: u16::from(action == Action::CreatePost) });
            recorder.record_request(
                at,
                action,
                step,
                crate::metrics::Delays::of(response_us / 2, response_us),
                outcome,
            );
            recorder.record_journey(at, (k % 2) as u16, response_us * 3, !fail, u32::from(fail));
            recorder.set_slots_busy(at, 1 + (k % 3) as u64);
            if k.is_multiple_of(97) {
                recorder.record_dropped(at);
            }
            // Live rooms: a member's stream opens, reads a delivery, closes.
            if k.is_multiple_of(5) {
                recorder.record_stream_open(at, Ok(lateness_us));
                recorder.record_delivery(at, response_us / 10);
                recorder.record_stream_closed(at, fail);
            }
        };
    let report_of = |recorder: &Recorder, planned: &[u64], segment: Option<SegmentInfo>| {
        let plan: Vec<(f64, u64)> = planned.iter().enumerate().map(|(i, p)| (i as f64, *p)).collect();
        let mut info = fixture::info();
        info.segment = segment;
        Report::new(info, &recorder.finish(), &plan)
    };
    let whole_planned = planned_of(None);
    let whole = recorder(whole_planned.clone());
    for (k, e) in sorted.iter().enumerate() {
        record(&whole, k, e);
    }
    let segments = (0..count)
        .map(|s| {
            let planned = planned_of(Some(s));
            let part = recorder(planned.clone());
            for (k, e) in sorted.iter().enumerate().filter(|(k, _)| *k as u32 % count == s) {
                record(&part, k, e);
            }
            report_of(&part, &planned, Some(SegmentInfo { index: s, count }))
        })
        .collect();
    (report_of(&whole, &whole_planned, None), segments)
}

fn inputs(reports: &[Report]) -> Vec<Input> {
    (reports.iter().enumerate()).map(|(i, r)| Input { label: format!("seg{i}"), report: r.clone() }).collect()
}

/// The parts of a report a merge must reproduce exactly (histograms compared decoded).
fn comparable(report: &Report) -> serde_json::Value {
    let mut r = report.clone();
    r.run = Default::default();
    r.journeys_open_max = 0;
    r.slots_busy_max = 0;
    r.arrivals.lateness_histogram = decoded(&r.arrivals.lateness_histogram);
    for stats in r.actions.iter_mut().map(|a| &mut a.stats).chain(r.steps.iter_mut().map(|s| &mut s.stats)) {
        stats.histogram.service = decoded(&stats.histogram.service);
        stats.histogram.response = decoded(&stats.histogram.response);
    }
    for point in &mut r.series {
        point.journeys_open_max = 0;
        point.slots_busy_max = 0;
    }
    if let Some(chat) = &mut r.chat {
        chat.max_members = 0; // summed across segments: an upper bound, not exact
        chat.delivery_histogram = decoded(&chat.delivery_histogram);
        chat.connect_histogram = decoded(&chat.connect_histogram);
    }
    for interval in &mut r.intervals {
        for text in interval.histograms.values_mut() {
            *text = decoded(text);
        }
    }
    serde_json::to_value(r).expect("serializes")
}

/// A histogram as its recorded (value, count) pairs, independent of encoding details.
fn decoded(text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    let h = histogram::decode_base64(text).expect("decodes");
    format!(
        "{:?}",
        h.iter_recorded().map(|v| (v.value_iterated_to(), v.count_at_value())).collect::<Vec<_>>()
    )
}

#[test]
fn merged_segments_equal_the_whole_run() {
    for count in [1, 2, 4] {
        let (whole, segments) = split_run(count);
        let merged = merge(inputs(&segments)).expect("merges");
        assert_eq!(comparable(&merged), comparable(&whole), "N = {count}");
        let chat = merged.chat.as_ref().expect("a chat section");
        assert_eq!(chat.deliveries, 400);
        assert_eq!(chat.delivery_us.count, 400);
        assert_eq!(merged.run.merged_segments, Some(count));
        assert_eq!(merged.run.segment, None);
        let label = format!("merged from {count} segments");
        assert!(merged.console_summary().contains(&label) && merged.render_markdown().contains(&label));
        assert!(merged.render_html().contains(&label));
        // Journeys open and slots busy: the documented upper bounds, the sums of the
        // segments' maxima, run-wide and interval by interval.
        assert_eq!(merged.journeys_open_max, segments.iter().map(|s| s.journeys_open_max).sum::<u64>());
        assert_eq!(merged.slots_busy_max, segments.iter().map(|s| s.slots_busy_max).sum::<u64>());
        assert!(merged.slots_busy_max > 0 && merged.slots_busy_max <= merged.run.slots);
        for (i, point) in merged.series.iter().enumerate() {
            let sum: u64 = segments.iter().filter_map(|s| s.series.get(i)).map(|p| p.journeys_open_max).sum();
            assert_eq!(point.journeys_open_max, sum, "interval {i}, N = {count}");
            let busy: u64 = segments.iter().filter_map(|s| s.series.get(i)).map(|p| p.slots_busy_max).sum();
            assert_eq!(point.slots_busy_max, busy, "interval {i}, N = {count}");
        }
    }
}

#[test]
fn merge_is_order_independent() {
    let (_, mut segments) = split_run(4);
    let forward = merge(inputs(&segments)).expect("merges");
    segments.reverse();
    segments.swap(0, 2);
    assert_eq!(merge(inputs(&segments)).expect("merges"), forward);
}

#[test]
fn incompatible_duplicate_missing_or_whole_reports_are_refused() {
    let (whole, segments) = split_run(3);
    let err = |reports: Vec<Report>| merge(inputs(&reports)).expect_err("refused").to_string();
    assert!(err(vec![segments[0].clone(), segments[2].clone()]).contains("segments missing: 1 of 3"));
    let twice = err(vec![segments[0].clone(), segments[1].clone(), segments[1].clone()]);
    assert!(twice.contains("segment 1/3 is given twice"), "{twice}");
    let mut other_seed = segments.clone();
    other_seed[1].run.seed += 1;
    assert!(err(other_seed).contains("in seed: 43 vs 42"));
    let mut other_target = segments.clone();
    other_target[2].run.only_target = Some("flagship".into());
    assert!(err(other_target).contains("in target"));
    assert!(err(vec![whole]).contains("not a segment's report"));
    assert!(err(Vec::new()).contains("nothing to merge"));
}
