//! Abort thresholds end to end: against a `stampede serve` failing half of its feed reads,
//! a threshold carrying `abort` (or any threshold with `--abort-on-fail`) stops the replay
//! early; the report is written, marked aborted with the threshold, and the exit code is 1
//! (a failed verdict, not an error).

use crate::util::{Server, read_report, repo_root, stampede};

#[test]
fn an_error_storm_with_an_abort_threshold_stops_the_run_early() {
    let server = Server::start(&["--fault-error-rate", "view_feed=0.5"]);
    // (threshold, flags, earliest judgement on the replay clock, s)
    let cases: [(&str, &[&str], f64); 2] = [
        ("all.error_rate < 5% abort after 2s", &[], 2.0),
        ("view_feed.error_rate < 5%", &["--abort-on-fail"], 0.0),
    ];
    for (threshold, flags, earliest_s) in cases {
        let out = tempfile::tempdir().expect("tempdir");
        let output = stampede()
            .args(["run", "--quiet", "--replay-in", "30s", "--think", "compressed", "--target", &server.base])
            .args(["--threshold", threshold])
            .args(flags)
            .arg("--out")
            .arg(out.path())
            .arg(repo_root().join("scenarios/examples/constant.yaml"))
            .output()
            .expect("stampede runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{threshold}: {stdout}\n{stderr}");
        let report = read_report(out.path());
        // The run's settings sit at the top level of report.json.
        let run = &report;
        assert_eq!(run["aborted"]["threshold"], threshold, "{stdout}");
        assert_eq!(run["interrupted"], false, "an abort is a verdict, not an interruption: {stdout}");
        let (elapsed, planned) =
            (run["elapsed_s"].as_f64().unwrap_or(0.0), run["replay_duration_s"].as_f64());
        assert_eq!(planned, Some(30.0));
        assert!(elapsed < 15.0, "stopped early: {elapsed}s of 30s");
        let at = run["aborted"]["at_s"].as_f64().unwrap_or(0.0);
        assert!(at >= earliest_s && at > 0.0 && at <= elapsed, "judged at {at}s of {elapsed}s");
        // Arrivals after the stop never started, and are counted so.
        let arrivals = &report["arrivals"];
        assert!(arrivals["not_started"].as_u64().unwrap_or(0) > 0, "{arrivals}");
        assert!(
            stdout.contains(&format!("ABORTED: `{threshold}` failed at {at:.1}s (measured ")),
            "{stdout}"
        );
        let html = std::fs::read_to_string(out.path().join("report.html")).expect("report.html");
        assert!(html.contains("FAIL: aborted") && html.contains("Aborted: `"), "badge and reason");
    }
    assert!(server.interrupt());
}

#[test]
fn a_healthy_run_is_not_aborted() {
    let out = tempfile::tempdir().expect("tempdir");
    let output = stampede()
        .args(["run", "--quiet", "--replay-in", "3s", "--think", "compressed", "--abort-on-fail"])
        .args(["--threshold", "all.error_rate < 5% abort"])
        .arg("--out")
        .arg(out.path())
        .arg(repo_root().join("scenarios/examples/constant.yaml"))
        .output()
        .expect("stampede runs");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let report = read_report(out.path());
    assert!(report.get("aborted").is_none(), "{}", report["aborted"]);
}
