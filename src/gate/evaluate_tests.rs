use super::*;
use crate::gate::testkit::{self, Second};
use crate::gate::threshold;

fn judge_all(report: &Report, texts: &[&str]) -> Vec<Verdict> {
    let thresholds: Vec<Threshold> = texts.iter().map(|t| threshold::parse(t).expect(t)).collect();
    evaluate(report, &thresholds)
}

/// Asserts the outcome of each `(threshold, passes)` pair on `report`.
fn check(report: &Report, cases: &[(&str, bool)]) -> Vec<Verdict> {
    let texts: Vec<&str> = cases.iter().map(|c| c.0).collect();
    let verdicts = judge_all(report, &texts);
    for ((text, pass), v) in cases.iter().zip(&verdicts) {
        assert_eq!(v.kind, "threshold");
        assert_eq!(&v.name, text);
        assert_eq!(v.outcome, if *pass { "pass" } else { "fail" }, "{text}: {}", v.message);
        assert_eq!(v.failed, !pass, "{text}");
    }
    verdicts
}

#[test]
fn response_and_service_percentiles() {
    let report = testkit::steady(10, Second::default(), 0.3, 1);
    let v = check(
        &report,
        &[
            ("create_post.response.p50 < 25ms", true),
            ("create_post.response.p50 < 15ms", false),
            ("create_post.service.p50 < 12ms", true),
            ("create_post.service.p50 > 12ms", false),
            ("create_post.response.max >= 20ms", true),
            ("create_post.response.mean < 20ms", false),
        ],
    );
    // The median of a lognormal is its median: 20 ms within sampling and 0.1 % bucket error.
    let p50 = v[0].measured.expect("measured");
    assert!((p50 - 20_000.0).abs() < 600.0, "{p50}");
    assert_eq!((v[0].unit.as_str(), v[0].limit), ("us", Some(25_000.0)));
    assert!(v[0].message.starts_with("response p50 "), "{}", v[0].message);
    assert!(v[0].message.ends_with("vs limit < 25.0ms"), "{}", v[0].message);
    assert!(v[1].message.contains("(2000 requests)"), "{}", v[1].message);
}

#[test]
fn all_merges_every_action() {
    // 10 of 210 requests a second are 200 ms signups: p99 of all is a signup.
    let second = Second { signup_us: 200_000, ..Second::default() };
    let report = testkit::steady(10, second, 0.3, 2);
    let v = check(
        &report,
        &[
            ("create_post.response.p99 < 100ms", true),
            ("all.response.p99 < 100ms", false),
            ("all.response.p50 < 30ms", true),
        ],
    );
    assert!((v[1].measured.expect("measured") - 200_000.0).abs() < 200.0);
    assert!(v[1].message.contains("(2100 requests)"), "{}", v[1].message);
}

#[test]
fn error_rates() {
    let second = Second { error_every: 50, ..Second::default() };
    let report = testkit::steady(10, second, 0.3, 3);
    let v = check(
        &report,
        &[
            ("create_post.error_rate < 1%", false),
            ("create_post.error_rate < 5%", true),
            ("all.error_rate < 0.02", true),
            ("signup.error_rate <= 0%", true),
        ],
    );
    assert_eq!((v[0].measured, v[0].unit.as_str()), (Some(0.02), "ratio"));
    assert_eq!(v[0].message, "error_rate 2% (40 of 2000 requests) vs limit < 1%");
    assert_eq!(v[2].measured, Some(40.0 / 2100.0));
}

#[test]
fn arrival_rates_and_lateness() {
    let second = Second { planned: 100, started: 95, dropped: 5, lateness_us: 500, ..Second::default() };
    let report = testkit::steady(10, second, 0.3, 4);
    let v = check(
        &report,
        &[
            ("arrivals.dropped_rate < 1%", false),
            ("arrivals.dropped_rate <= 5%", true),
            ("arrivals.achieved_rate >= 99%", false),
            ("arrivals.achieved_rate >= 0.9", true),
            ("arrivals.lateness.p99 < 1ms", true),
            ("arrivals.lateness.p99 < 100us", false),
        ],
    );
    assert_eq!(v[0].measured, Some(0.05));
    assert_eq!(v[2].measured, Some(0.95));
    assert_eq!(v[2].message, "achieved_rate 95% (950 of 1000 planned started) vs limit >= 99%");
    assert_eq!(v[4].measured, Some(500.0));
}

#[test]
fn phases_judge_only_their_window() {
    // Seconds 6 and 7 are the peak: slow, erroring and dropping arrivals.
    let calm = Second::default();
    let peak = Second {
        median_us: 200_000.0,
        error_every: 10,
        started: 50,
        dropped: 50,
        lateness_us: 9_000,
        ..calm
    };
    let mut seconds = vec![calm; 10];
    seconds[6] = peak;
    seconds[7] = peak;
    let mut report = testkit::report(&seconds, 0.2, 5);
    report.phases = vec![testkit::phase("peak", 6.0, 8.0), testkit::phase("night", 0.0, 6.0)];
    let v = check(
        &report,
        &[
            ("create_post.response.p50 < 50ms", true),
            ("create_post.response.p50 < 50ms during peak", false),
            ("create_post.response.p50 < 50ms during night", true),
            ("all.error_rate < 5%", true),
            ("all.error_rate < 5% during peak", false),
            ("arrivals.achieved_rate >= 90%", true),
            ("arrivals.achieved_rate >= 90% during peak", false),
            ("arrivals.dropped_rate < 1% during night", true),
            ("arrivals.lateness.p99 < 5ms during night", true),
            ("arrivals.lateness.p99 < 5ms during peak", false),
            ("create_post.service.p50 > 90ms during peak", true),
        ],
    );
    assert!((v[1].measured.expect("measured") - 200_000.0).abs() < 8_000.0);
    assert_eq!(v[6].measured, Some(0.5));
    assert!(v[1].message.contains("(400 requests)"), "{}", v[1].message);
}

#[test]
fn a_phase_shorter_than_an_interval_uses_the_overlapping_one() {
    let mut seconds = vec![Second::default(); 4];
    seconds[2].median_us = 300_000.0;
    let mut report = testkit::report(&seconds, 0.1, 6);
    report.phases = vec![testkit::phase("blip", 2.2, 2.6)];
    check(&report, &[("create_post.response.p50 < 100ms during blip", false)]);
}

#[test]
fn what_cannot_be_judged_fails_with_a_reason() {
    let mut report = testkit::steady(3, Second::default(), 0.3, 7);
    report.phases = vec![testkit::phase("after", 50.0, 60.0)];
    let v = check(
        &report,
        &[
            ("like.response.p99 < 1s", false),
            ("create_post.response.p99 < 1s during peak", false),
            ("create_post.error_rate < 1% during after", false),
        ],
    );
    assert_eq!(v[0].message, "no like requests: nothing to judge");
    assert_eq!(v[0].measured, None);
    assert_eq!(v[1].message, "cannot judge: no phase `peak` in the report (phases: after)");
    assert_eq!(v[2].message, "no create_post requests during after: nothing to judge");
}

#[test]
fn chat_thresholds_are_judged_from_the_delivery_histogram_or_skipped_when_unsupported() {
    let mut report = testkit::steady(3, Second::default(), 0.3, 9);
    let v = judge_all(&report, &["chat.delivery.p99 < 1s"]);
    assert!(v[0].failed && v[0].message.contains("no chat deliveries"), "{}", v[0].message);

    let mut h = crate::metrics::histogram::new().expect("histogram");
    for us in 1..=1000u64 {
        h.record(us * 100).expect("in range");
    }
    let delivery_histogram = crate::metrics::histogram::encode_base64(&h).expect("encodes");
    report.chat = Some(crate::report::ChatReport {
        messages_sent: 10,
        deliveries: 1000,
        missed: 0,
        delivery_us: Default::default(),
        delivery_histogram,
        streams_opened: 100,
        stream_errors: Default::default(),
        streams_broken: 0,
        connect_us: Default::default(),
        max_members: 100,
        connect_histogram: String::new(),
    });
    check(&report, &[("chat.delivery.p99 < 200ms", true), ("chat.delivery.max < 50ms", false)]);

    report.unsupported =
        vec![crate::report::Unsupported { action: "join_room".into(), reason: "none".into() }];
    let v = judge_all(&report, &["chat.delivery.p99 < 1ms", "join_room.response.p99 < 1ms"]);
    for v in v {
        assert_eq!((v.outcome.as_str(), v.failed), ("skip", false), "{}", v.message);
        assert!(v.message.contains("cannot serve `join_room`"), "{}", v.message);
    }
}

#[test]
fn an_empty_report_never_panics() {
    let mut report = testkit::steady(3, Second::default(), 0.3, 8);
    report.actions.clear();
    report.series.clear();
    report.intervals.clear();
    report.arrivals = Default::default();
    let texts = [
        "all.response.p99 < 1s",
        "all.error_rate < 1%",
        "arrivals.achieved_rate > 0.5",
        "arrivals.lateness.p50 < 1s",
    ];
    for v in judge_all(&report, &texts) {
        assert!(v.failed && v.message.contains("nothing to judge"), "{}", v.message);
    }
}
