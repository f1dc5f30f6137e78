//! The gate end to end: `stampede run --threshold` exits 1 and stores the failed verdict,
//! and `stampede compare` exits 0 / 1 / 2 on real run directories (one real 10 s run, and a
//! copy whose latencies are scaled by 1.5 through the library's histogram helpers).

use std::path::Path;

use stampede::metrics::histogram;
use stampede::report::Report;

use crate::util::{repo_root, stampede};

/// A copy of `report` with every action's latencies multiplied by `factor`.
fn slowed(report: &Report, factor: f64) -> Report {
    let scale = |text: &String| -> String {
        if text.is_empty() {
            return String::new();
        }
        let h = histogram::decode_base64(text).expect("decodes");
        let mut out = histogram::new().expect("bounds");
        for v in h.iter_recorded() {
            let scaled = (v.value_iterated_to() as f64 * factor) as u64;
            out.record_n(scaled.max(1), v.count_at_value()).expect("records");
        }
        histogram::encode_base64(&out).expect("encodes")
    };
    let mut slow = report.clone();
    for action in &mut slow.actions {
        action.stats.histogram.response = scale(&action.stats.histogram.response);
        action.stats.histogram.service = scale(&action.stats.histogram.service);
    }
    for interval in &mut slow.intervals {
        for (tag, text) in interval.histograms.iter_mut() {
            if tag.ends_with(".response") || tag.ends_with(".service") {
                *text = scale(text);
            }
        }
    }
    slow
}

fn compare(baseline: &Path, candidate: &Path) -> (Option<i32>, String) {
    // The embedded platform answers in about a millisecond: no absolute minimum, so the
    // relative change alone decides.
    let output = (stampede().arg("compare").arg(baseline).arg(candidate))
        .args(["--min-absolute", "0us"])
        .output()
        .expect("stampede runs");
    let text =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.code(), text)
}

#[test]
fn run_thresholds_and_compare_exit_codes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let output = stampede()
        .args(["run", "scenarios/examples/constant.yaml", "--quiet", "--out"])
        .arg(&a)
        .args(["--threshold", "all.response.p99 < 1us", "--threshold", "all.error_rate < 50%"])
        .current_dir(repo_root())
        .output()
        .expect("stampede runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("FAIL  all.response.p99 < 1us"), "{stdout}");

    let report = Report::read(&a.join("report.json")).expect("report");
    let failed: Vec<_> = report.verdicts.iter().filter(|v| v.failed).collect();
    assert_eq!(failed.len(), 1, "{:?}", report.verdicts);
    assert_eq!((failed[0].kind.as_str(), failed[0].name.as_str()), ("threshold", "all.response.p99 < 1us"));
    assert_eq!(report.run.thresholds, ["all.response.p99 < 1us", "all.error_rate < 50%"]);

    // The same run twice: unchanged, exit 0; 4× slower: regressed, exit 1; the other way
    // round: improved, exit 0. (A 10 s debug-build run is noisy: its intervals are wide.)
    let (code, text) = compare(&a, &a);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("unchanged") && !text.contains("regressed  "), "{text}");
    slowed(&report, 4.0).write(&b).expect("writes");
    let (code, text) = compare(&a, &b.join("report.json"));
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("regressed"), "{text}");
    let (code, text) = compare(&b, &a);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("improved"), "{text}");

    let (code, text) = compare(&a, &dir.path().join("missing"));
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("cannot read"), "{text}");

    // `run --baseline` against a baseline 4× as fast: the regression is in the report.
    let fast = dir.path().join("fast");
    slowed(&report, 0.25).write(&fast).expect("writes");
    let c = dir.path().join("c");
    let output = stampede()
        .args(["run", "scenarios/examples/constant.yaml", "--quiet", "--out"])
        .arg(&c)
        .arg("--baseline")
        .arg(&fast)
        .args(["--min-absolute", "0us"])
        .current_dir(repo_root())
        .output()
        .expect("stampede runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("compared with the baseline"), "{stdout}");
    let report = Report::read(&c.join("report.json")).expect("report");
    let regressed = report.verdicts.iter().filter(|v| v.kind == "comparison" && v.outcome == "regressed");
    assert!(regressed.count() >= 1, "{:?}", report.verdicts);
}

#[test]
fn bad_thresholds_fail_before_the_run() {
    let cases = [
        ("signup.response.p99 < soon", "is not a latency"),
        ("signup.response.p99 < 1s during peak", "unknown phase `peak`"),
    ];
    for (threshold, want) in cases {
        let output = stampede()
            .args(["run", "scenarios/examples/constant.yaml", "--quiet", "--out", "/nonexistent/never"])
            .args(["--threshold", threshold])
            .current_dir(repo_root())
            .output()
            .expect("stampede runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(want), "{stderr}");
    }
}

#[test]
fn compare_refuses_bad_options() {
    let output = stampede().args(["compare", "a", "b", "--percentiles", "p100"]).output().expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a percentile"));
}

#[test]
fn the_calibration_scenario_validates() {
    let output = stampede()
        .arg("validate")
        .arg(repo_root().join("tests/bench/calibration.yaml"))
        .output()
        .expect("stampede runs");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
}
