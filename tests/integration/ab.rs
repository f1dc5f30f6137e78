//! `stampede ab`, end to end: two reference platforms started from this binary with
//! different injected latency on one action, replayed together; the paired comparison
//! names that action and exits 1. The same fault on both exits 0 (here with `--split`).
//! Traffic stays on 127.0.0.1; each replay is bounded (8 s of schedule).

use std::path::Path;

use crate::chart_reader::{charts, chromium};
use crate::util::{repo_root, stampede};

fn ab(out: &Path, baseline_fault: &str, candidate_fault: &str, extra: &[&str]) -> (i32, String) {
    let output = stampede()
        .arg("ab")
        .arg(repo_root().join("tests/bench/calibration.yaml"))
        .arg(format!("--baseline-serve-arg=--fault-latency={baseline_fault}"))
        .arg(format!("--candidate-serve-arg=--fault-latency={candidate_fault}"))
        // A practical margin of 25 %: the test's claim is the pairing and the verdict's
        // plumbing, not the gate's sensitivity (that is tests/bench/ab-calibrate.sh).
        .args(["--replay-in", "8s", "--min-relative", "0.25", "--out"])
        .arg(out)
        .args(extra)
        .output()
        .expect("stampede runs");
    let text =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.code().unwrap_or(-1), text)
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("file written")).expect("JSON")
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

#[test]
fn ab_names_the_slower_action_and_passes_a_same_build_pair() {
    let dir = tempfile::tempdir().expect("temp dir");

    // view_feed twice as slow on the candidate: regressed, and nothing else is. The
    // baseline is served by another copy of the build (as a team compares two builds).
    let build = dir.path().join("main-build-stampede");
    std::fs::copy(env!("CARGO_BIN_EXE_stampede"), &build).expect("copies the binary");
    let out = dir.path().join("slower");
    let build_flag = ["--baseline-build", build.to_str().expect("utf-8 path")];
    let (code, text) = ab(&out, "view_feed=lognormal:10ms,0.2", "view_feed=lognormal:20ms,0.2", &build_flag);
    assert_eq!(code, 1, "{text}");
    let file = read_json(&out.join("ab.json"));
    assert_eq!(file["regressed"], true);
    let target = file["baseline"]["target"].as_str().unwrap_or_default();
    assert!(target.contains("main-build-stampede serve"), "{target}");
    let rows = file["comparison"]["rows"].as_array().expect("rows");
    let regressed: Vec<&serde_json::Value> = rows.iter().filter(|r| r["verdict"] == "regressed").collect();
    assert!(!regressed.is_empty(), "{text}");
    assert!(regressed.iter().all(|r| r["action"] == "view_feed"), "{text}");
    for side in ["baseline", "candidate"] {
        let report = read_json(&out.join(side).join("report.json"));
        assert_eq!(report["arrivals"]["planned"], report["arrivals"]["started"], "{side}");
    }
    // Both runs' arrivals were the same schedule: the same count planned on each side.
    let planned = |side: &str| read_json(&out.join(side).join("report.json"))["arrivals"]["planned"].clone();
    assert_eq!(planned("baseline"), planned("candidate"));
    let ratios = file["intervals"].as_array().expect("intervals");
    let feed_p50 =
        ratios.iter().find(|r| r["action"] == "view_feed" && r["percentile"] == 50.0).expect("row");
    let mut per_interval: Vec<f64> =
        feed_p50["ratios"].as_array().expect("ratios").iter().filter_map(|r| r.as_f64()).collect();
    assert!(median(&mut per_interval) > 1.5, "{feed_p50}");

    // The page: both runs on one time axis; the candidate's view_feed p50 line lies above.
    let page = out.join("ab.html");
    let html = std::fs::read_to_string(&page).expect("ab.html written");
    let feed =
        charts(&html).into_iter().find(|c| c.title.starts_with("view_feed")).expect("a view_feed chart");
    let level = |name: &str| {
        median(
            &mut feed.series(name).points.iter().map(|p| p.1).filter(|y| y.is_finite()).collect::<Vec<_>>(),
        )
    };
    assert!(level("candidate p50") > 1.5 * level("baseline p50"), "{:?}", feed.series);
    let profile = tempfile::tempdir().expect("temp dir");
    let dom = chromium(profile.path(), &["--enable-logging=stderr", "--v=0", "--dump-dom"], &page);
    assert!(dom.status.success(), "chromium failed: {}", String::from_utf8_lossy(&dom.stderr));
    let actions = read_json(&out.join("baseline/report.json"))["actions"].as_array().map_or(0, Vec::len);
    assert_eq!(String::from_utf8_lossy(&dom.stdout).matches("<svg class=\"chart\"").count(), actions);

    // The same fault on both, arrivals alternating between them: nothing regressed.
    let out = dir.path().join("same");
    let fault = "view_feed=lognormal:10ms,0.2";
    let (code, text) = ab(&out, fault, fault, &["--split"]);
    assert_eq!(code, 0, "{text}");
    let file = read_json(&out.join("ab.json"));
    assert_eq!((file["regressed"].clone(), file["split"].clone()), (false.into(), true.into()));
    let started = |side: &str| read_json(&out.join(side).join("report.json"))["arrivals"]["started"].as_u64();
    let (b, c) = (started("baseline").expect("count"), started("candidate").expect("count"));
    assert!(b.abs_diff(c) <= 1 && b > 100, "alternating arrivals: {b} and {c}");
}

#[test]
fn ab_refuses_bad_sides_before_sending_anything() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = repo_root().join("tests/bench/calibration.yaml");
    // A host that is not allowlisted: refused by name before any lookup.
    let output = stampede()
        .arg("ab")
        .arg(&scenario)
        .args(["--baseline", "https://staging.example.com", "--out"])
        .arg(dir.path().join("refused"))
        .env_remove("STAMPEDE_ALLOW_HOSTS")
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("staging.example.com") && stderr.contains("--allow-host"), "{stderr}");
    assert!(!dir.path().join("refused").exists(), "nothing started");

    // A build that does not exist: a clear error naming the side.
    let output = stampede()
        .arg("ab")
        .arg(&scenario)
        .args(["--candidate-build", "/nonexistent/stampede", "--out"])
        .arg(dir.path().join("missing"))
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("candidate platform") && stderr.contains("/nonexistent/stampede"), "{stderr}");

    // A URL and a build for one side: a usage error.
    let output = stampede()
        .arg("ab")
        .arg(&scenario)
        .args(["--baseline", "http://127.0.0.1:9", "--baseline-build", "/bin/true"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
}
