//! A canned run for the report tests: known values, so tests can assert exact numbers.

use std::time::Duration;

use super::model::{Report, RunInfo};
use crate::metrics::{ErrorClass, MetricsConfig, Recorder, RunMetrics, StepKey};
use crate::scenario::Action;

pub fn info() -> RunInfo {
    RunInfo {
        scenario: "rednote-2025-01".to_string(),
        scenario_file: "scenarios/rednote-2025-01.yaml".to_string(),
        description: "TikTok refugees join RedNote".to_string(),
        seed: 42,
        compress: 3600.0,
        sample: 0.01,
        think: "human".to_string(),
        target: "http://127.0.0.1:8080".to_string(),
        profile: "reference".to_string(),
        stampede_version: env!("CARGO_PKG_VERSION").to_string(),
        started_at: "2025-01-13T05:00:00Z".to_string(),
        replay_duration_s: 3.0,
        elapsed_s: 2.5,
        interrupted: true,
        interrupt_reason: Some("ctrl-c".to_string()),
        aborted: None,
        slots: 64,
        slot_limit: Some(crate::report::model::SlotLimit {
            needed: 80,
            limit: 64,
            by: "--max-in-flight".to_string(),
        }),
        lateness_budget_ms: 1_000,
        thresholds: vec!["create_post.response.p99 < 800ms".to_string()],
        run_id: Some("s1a2b3c".to_string()),
        segment: None,
        merged_segments: None,
        only_target: None,
        transport: None,
    }
}

/// 1,000 started arrivals (lateness 1..=1000 µs), 1,000 `create_post` (service `v` µs,
/// response `2v + 1000` µs, every 100th a 5xx), 50 `signup` (one timeout), journeys.
pub fn metrics() -> RunMetrics {
    let recorder = Recorder::new(MetricsConfig {
        interval: Duration::from_secs(1),
        journeys: vec![
            ("cat-tax".to_string(), vec![Action::Signup, Action::CreatePost]),
            ("lurker".to_string(), vec![Action::ViewFeed]),
        ],
        planned_per_interval: vec![400, 500, 300],
    });
    let ms = Duration::from_millis;
    let step = |journey, step| Some(StepKey { journey, step });
    // In time order, as the executor would record them, so the series is meaningful.
    for v in 1..=1000u64 {
        let at = ms(v * 2);
        recorder.record_start(at, v);
        if v > 800 {
            recorder.record_dropped(at);
        }
        if v <= 50 {
            let outcome = if v == 1 { Err(ErrorClass::Timeout) } else { Ok(()) };
            recorder.record_request(
                at,
                Action::Signup,
                step(0, 0),
                crate::metrics::Delays::of(5_000, 8_000),
                outcome,
            );
        }
        let outcome = if v % 100 == 0 { Err(ErrorClass::Status5xx) } else { Ok(()) };
        recorder.record_request(
            at,
            Action::CreatePost,
            step(0, 1),
            crate::metrics::Delays::of(v, 2 * v + 1_000),
            outcome,
        );
        recorder.set_journeys_open(at, v % 38);
        recorder.set_slots_busy(at, v % 11);
    }
    for i in 0..50u64 {
        recorder.record_journey(ms(2_000 + i), 0, 20_000 + i, i < 40, u32::from(i >= 47));
    }
    recorder.finish()
}

pub fn report() -> Report {
    let plan = [(0.0, 400), (1.0, 500), (2.0, 300)];
    Report::new(info(), &metrics(), &plan)
}
