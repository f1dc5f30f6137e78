//! Scenarios with several weighted `targets`: `run` replays each target's share in a
//! process of its own and combines the reports exactly.

use crate::util::{Server, read_report, repo_root, stampede};

fn fixture() -> std::path::PathBuf {
    repo_root().join("tests/fixtures/targets.yaml")
}

fn planned_total() -> u64 {
    let output = stampede().args(["plan", "--format", "json"]).arg(fixture()).output().expect("plan runs");
    let plan: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON plan");
    plan["total_arrivals"].as_u64().expect("a total")
}

#[test]
fn every_target_replays_its_share_and_the_reports_combine_exactly() {
    let out = tempfile::tempdir().expect("tempdir");
    let output =
        stampede().args(["run", "--quiet", "--out"]).arg(out.path()).arg(fixture()).output().expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    let report = read_report(out.path());

    // The shares partition the plan: every arrival ran on exactly one target.
    let targets = report["targets"].as_array().expect("a breakdown");
    let names: Vec<&str> = targets.iter().filter_map(|t| t["name"].as_str()).collect();
    assert_eq!(names, ["big", "mid", "small"]);
    let planned: u64 = targets.iter().filter_map(|t| t["arrivals_planned"].as_u64()).sum();
    assert_eq!(planned, planned_total());
    assert_eq!(report["arrivals"]["planned"].as_u64(), Some(planned));
    assert_eq!(report["arrivals"]["started"].as_u64(), Some(planned));
    let requests: u64 = targets.iter().filter_map(|t| t["requests"].as_u64()).sum();
    assert_eq!(report["requests"].as_u64(), Some(requests));
    // Weights 6:3:1 over ~240 newcomers: the big target gets the most, the small the fewest.
    let arrivals: Vec<u64> = targets.iter().filter_map(|t| t["arrivals_planned"].as_u64()).collect();
    assert!(arrivals[0] > arrivals[1] && arrivals[1] > arrivals[2], "{arrivals:?}");

    // Each target's run directory is complete; its histogram counts add up to the total.
    let mut signups = 0;
    for name in names {
        let part = read_report(&out.path().join("targets").join(name));
        assert_eq!(part["only_target"], name);
        let signup = part["actions"].as_array().expect("actions").iter().find(|a| a["name"] == "signup");
        signups += signup.map_or(0, |a| a["response_us"]["count"].as_u64().unwrap_or(0));
    }
    let signup = report["actions"].as_array().expect("actions").iter().find(|a| a["name"] == "signup");
    assert_eq!(signup.expect("signups")["response_us"]["count"].as_u64(), Some(signups));

    // The outage went to the mid-size target only.
    let outages = report["outages"].as_array().expect("outages");
    assert_eq!(outages.len(), 1, "{outages:?}");
    assert_eq!(outages[0]["injected"], true);
    assert!(outages[0]["effect"].as_str().is_some_and(|e| e.starts_with("mid: ")), "{outages:?}");
    assert_eq!(targets[0]["errors"], 0);
    assert_eq!(targets[2]["errors"], 0);
}

#[test]
fn targets_can_be_given_urls_and_unknown_names_are_refused() {
    let (a, b) = (Server::start(&["--admin-token", "t"]), Server::start(&["--admin-token", "t"]));
    let out = tempfile::tempdir().expect("tempdir");
    let output = stampede()
        .env("STAMPEDE_ADMIN_TOKEN", "t")
        .args(["run", "--quiet", "--target", &a.base, "--target-url", &format!("small={}", b.base), "--out"])
        .arg(out.path())
        .arg(fixture())
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let report = read_report(out.path());
    let urls: Vec<&str> =
        report["targets"].as_array().expect("targets").iter().filter_map(|t| t["url"].as_str()).collect();
    assert_eq!(urls, [a.base.as_str(), a.base.as_str(), b.base.as_str()]);

    let output =
        stampede().args(["run", "--quiet", "--only-target", "huge"]).arg(fixture()).output().expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("expected big, mid, small"));
    let output = stampede()
        .args(["run", "--quiet", "--target-url", "big=http://10.0.0.1:80"])
        .arg(fixture())
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not allowlisted (pass --allow-host 10.0.0.1"));
}
