//! Outage windows (`outages:` in a scenario) injected into a real `stampede serve` through
//! its fault admin endpoint, and journeys' `retry` bringing the turned-away back.

use crate::util::{Server, read_report, repo_root, stampede};

const TOKEN: &str = "outage-test-token";

fn fixture() -> std::path::PathBuf {
    repo_root().join("tests/fixtures/outage.yaml")
}

/// The target's faults as its admin endpoint reports them.
fn faults(base: &str) -> serde_json::Value {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let response = reqwest::Client::new()
            .get(format!("{base}/admin/faults"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .expect("admin endpoint answers");
        assert!(response.status().is_success(), "{}", response.status());
        response.json().await.expect("JSON faults")
    })
}

#[test]
fn an_outage_window_refuses_signups_then_the_turned_away_come_back() {
    let server = Server::start(&["--admin-token", TOKEN]);
    let out = tempfile::tempdir().expect("tempdir");
    let output = stampede()
        .args(["run", "--quiet", "--target", &server.base, "--admin-token", TOKEN, "--out"])
        .arg(out.path())
        .arg(fixture())
        .output()
        .expect("stampede runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    let report = read_report(out.path());

    let outage = &report["outages"][0];
    assert_eq!(outage["name"], "signup-down");
    assert_eq!(outage["injected"], true, "{outage}");
    assert_eq!((outage["start_s"].as_f64(), outage["end_s"].as_f64()), (Some(2.0), Some(3.0)));

    // Refusals are 503s, only on signup, only around the window.
    let signup = report["actions"].as_array().expect("actions").iter().find(|a| a["name"] == "signup");
    let refused = signup.expect("signup requests")["errors"]["status_5xx"].as_u64().unwrap_or(0);
    assert!(refused >= 20, "about 40 signups fall in the 1 s window, {refused} were refused");
    assert_eq!(report["errors"].as_u64(), Some(refused), "nothing else failed");
    for point in report["series"].as_array().expect("series") {
        let t_s = point["t_s"].as_f64().unwrap_or(0.0);
        if !(2.0..4.0).contains(&t_s) {
            assert_eq!(point["errors"], 0, "errors at {t_s}s, outside the window");
        }
    }
    // Each refused newcomer came back once, 1.5 s later (after the window), and got in.
    assert_eq!(report["arrivals"]["retries"].as_u64(), Some(refused));
    assert_eq!(report["arrivals"]["retries_dropped"], 0);
    // Every arrival started or was dropped for lateness (a few may be, on a busy runner).
    let count = |key: &str| report["arrivals"][key].as_u64().unwrap_or(0);
    assert_eq!(count("started") + count("dropped"), count("planned"), "{}", report["arrivals"]);
    assert!(count("dropped") * 100 <= count("planned"), "{}", report["arrivals"]);
    // The window is a phase: both thresholds were judged, and passed.
    let verdicts = report["verdicts"].as_array().expect("verdicts");
    assert_eq!(verdicts.len(), 2);
    assert!(verdicts.iter().all(|v| v["outcome"] == "pass"), "{verdicts:?}");

    // The target's own faults (none) are back.
    let after = faults(&server.base);
    assert_eq!(after["error_rate"], serde_json::json!({}), "{after}");
    assert!(server.interrupt());
}

#[test]
fn without_the_admin_token_the_window_is_reported_not_injected() {
    let server = Server::start(&["--admin-token", TOKEN]);
    let out = tempfile::tempdir().expect("tempdir");
    let output = stampede()
        .env_remove("STAMPEDE_ADMIN_TOKEN")
        .args(["run", "--quiet", "--target", &server.base, "--out"])
        .arg(out.path())
        .arg(fixture())
        .output()
        .expect("stampede runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    // The outage did not happen, so the threshold expecting refusals fails: exit 1.
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("outage signup-down (signup: refused (100%)) NOT injected: no admin token"),
        "{stdout}"
    );
    let report = read_report(out.path());
    assert_eq!(report["outages"][0]["injected"], false);
    assert_eq!(report["errors"], 0);
    assert_eq!(report["arrivals"]["retries"], 0);
}
