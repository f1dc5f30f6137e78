use super::*;
use crate::gate::testkit::{self, Second};

fn options() -> CompareOptions {
    CompareOptions { resamples: 500, ..CompareOptions::default() }
}

/// 20 seconds around `median_us`, each second's median shifted by `wobble[i % len]`.
fn run(median_us: f64, wobble: &[f64], seed: u64) -> Report {
    let seconds: Vec<Second> = (0..20)
        .map(|i| Second { median_us: median_us * wobble[i % wobble.len()], ..Second::default() })
        .collect();
    testkit::report(&seconds, 0.3, seed)
}

fn verdicts_of(c: &Comparison, action: &str) -> Vec<RowVerdict> {
    c.rows.iter().filter(|r| r.action == action).map(|r| r.verdict).collect()
}

#[test]
fn identical_reports_are_unchanged() {
    let report = run(20_000.0, &[1.0], 1);
    let c = compare(&report, &report, &options()).expect("compares");
    assert_eq!(c.rows.len(), 6);
    // Signup p99 rests on 2 values (200 signups): inconclusive; everything else unchanged.
    assert_eq!(
        verdicts_of(&c, "signup"),
        [RowVerdict::Unchanged, RowVerdict::Unchanged, RowVerdict::Inconclusive]
    );
    assert_eq!(verdicts_of(&c, "create_post"), [RowVerdict::Unchanged; 3], "{c:#?}");
    assert!(c.rows.iter().all(|r| r.change == Some(0.0)));
    assert!(c.warnings.is_empty());
    assert!(!c.regressed());
}

#[test]
fn independent_runs_of_the_same_system_are_unchanged() {
    let c = compare(&run(20_000.0, &[1.0], 1), &run(20_000.0, &[1.0], 2), &options()).expect("compares");
    let verdicts = verdicts_of(&c, "create_post");
    assert_eq!(verdicts[..2], [RowVerdict::Unchanged; 2], "{c:#?}");
    // p99 of 4,000 posts a run is noisier; it may be inconclusive, never a regression.
    assert_ne!(verdicts[2], RowVerdict::Regressed, "{c:#?}");
}

#[test]
fn slower_candidate_regressed_faster_improved() {
    let base = run(20_000.0, &[1.0], 1);
    let c = compare(&base, &run(26_000.0, &[1.0], 2), &options()).expect("compares");
    assert_eq!(verdicts_of(&c, "create_post"), [RowVerdict::Regressed; 3], "{c:#?}");
    // Signups did not change: 5 ms each in both runs.
    assert_eq!(verdicts_of(&c, "signup")[..2], [RowVerdict::Unchanged; 2]);
    assert!(c.regressed());
    let p50 = &c.rows.iter().find(|r| r.action == "create_post").expect("row");
    let change = p50.change.expect("change");
    assert!((change - 0.30).abs() < 0.04, "{change}");
    assert!(p50.ci_low.expect("ci") > 0.10 && p50.ci_high.expect("ci") > change);

    let c = compare(&base, &run(14_000.0, &[1.0], 3), &options()).expect("compares");
    assert_eq!(verdicts_of(&c, "create_post"), [RowVerdict::Improved; 3], "{c:#?}");
    assert!(!c.regressed());
}

#[test]
fn a_change_at_the_margin_with_noisy_seconds_is_inconclusive() {
    // Seconds wobble by ±25 %: the +10 % change cannot be told from the margin.
    let wobble = [0.75, 1.25, 1.0, 0.8, 1.2];
    let c = compare(&run(20_000.0, &wobble, 1), &run(22_000.0, &wobble, 2), &options()).expect("compares");
    let p50 = &c.rows[3];
    assert_eq!((p50.action.as_str(), p50.verdict), ("create_post", RowVerdict::Inconclusive), "{c:#?}");
    assert!(p50.ci_low.expect("ci") < 0.10 && p50.ci_high.expect("ci") > 0.10, "{p50:?}");
}

#[test]
fn too_little_data_is_inconclusive_with_a_reason() {
    let short = testkit::steady(3, Second::default(), 0.3, 1);
    let c = compare(&short, &short, &options()).expect("compares");
    assert!(c.rows.iter().all(|r| r.verdict == RowVerdict::Inconclusive));
    assert_eq!(c.rows[0].note, "3 intervals with requests (need 5)");
    // 10 signups a second for 20 s: 200 requests leave 2 values above p99.
    let c = compare(&run(20_000.0, &[1.0], 1), &run(20_000.0, &[1.0], 2), &options()).expect("compares");
    let signup_p99 = c.rows.iter().find(|r| r.action == "signup" && r.percentile == 99.0).expect("row");
    assert_eq!(signup_p99.verdict, RowVerdict::Inconclusive);
    assert_eq!(signup_p99.note, "200 requests: p99 rests on 2.0 values (need 5)");
}

#[test]
fn actions_missing_from_a_run_are_inconclusive() {
    let base = run(20_000.0, &[1.0], 1);
    let mut cand = run(20_000.0, &[1.0], 2);
    cand.actions.retain(|a| a.name != "signup");
    cand.intervals.iter_mut().for_each(|i| i.histograms.retain(|tag, _| !tag.starts_with("signup.")));
    let c = compare(&base, &cand, &options()).expect("compares");
    let signup: Vec<&Row> = c.rows.iter().filter(|r| r.action == "signup").collect();
    assert!(
        signup
            .iter()
            .all(|r| r.verdict == RowVerdict::Inconclusive && r.note == "no requests in the candidate")
    );
    assert_eq!(signup[0].message(), "p50: no requests in the candidate");
}

#[test]
fn changes_below_the_absolute_minimum_are_unchanged() {
    // 200 µs → 300 µs is +50 %, but 0.1 ms is below the 1 ms practical minimum.
    let c = compare(&run(200.0, &[1.0], 1), &run(300.0, &[1.0], 2), &options()).expect("compares");
    let p50 = &c.rows[3];
    assert_eq!(p50.verdict, RowVerdict::Unchanged, "{p50:?}");
    assert!(p50.margin.expect("margin") > 4.0);
    let strict = CompareOptions { min_absolute_us: 0.0, ..options() };
    let c = compare(&run(200.0, &[1.0], 1), &run(300.0, &[1.0], 2), &strict).expect("compares");
    assert_eq!(c.rows[3].verdict, RowVerdict::Regressed);
}

#[test]
fn verdicts_carry_names_values_and_messages() {
    let c = compare(&run(20_000.0, &[1.0], 1), &run(26_000.0, &[1.0], 2), &options()).expect("compares");
    let verdicts = c.verdicts();
    let v = verdicts.iter().find(|v| v.name == "create_post.service.p50").expect("verdict");
    assert_eq!(
        (v.kind.as_str(), v.outcome.as_str(), v.failed, v.unit.as_str()),
        ("comparison", "regressed", true, "us")
    );
    assert!(v.message.starts_with("p50 +"), "{}", v.message);
    assert!(v.message.contains("ms → "), "{}", v.message);
    let unchanged = verdicts.iter().find(|v| v.name == "signup.service.p50").expect("verdict");
    assert!(!unchanged.failed);
}

#[test]
fn differing_settings_are_warned_about() {
    let base = run(20_000.0, &[1.0], 1);
    let mut cand = base.clone();
    cand.run.seed = 7;
    cand.run.interrupted = true;
    let c = compare(&base, &cand, &options()).expect("compares");
    assert_eq!(c.warnings, ["seed differs: baseline 42, candidate 7", "the candidate run was interrupted"]);
}

#[test]
fn bad_options_are_refused() {
    let bad = [
        CompareOptions { percentiles: vec![], ..options() },
        CompareOptions { percentiles: vec![100.0], ..options() },
        CompareOptions { confidence: 1.0, ..options() },
        CompareOptions { min_relative: -0.1, ..options() },
        CompareOptions { resamples: 10, ..options() },
    ];
    for options in bad {
        assert!(options.validated().is_err());
    }
    let ok = CompareOptions { percentiles: vec![99.0, 50.0, 99.0], ..options() }.validated().expect("valid");
    assert_eq!(ok.percentiles, [50.0, 99.0]);
}
