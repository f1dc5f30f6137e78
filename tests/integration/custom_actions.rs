//! Custom actions and multi-request actions, end to end against `stampede serve`: a
//! profile with `search`, a parallel "open the app", a custom read that picks a post and a
//! sequence that creates one; the scenario is validated against the profile it runs with.

use std::path::Path;
use std::process::Output;

use crate::util::{Server, lines_when, read_report, repo_root, stampede};

fn fixture(name: &str) -> std::path::PathBuf {
    repo_root().join("tests/fixtures").join(name)
}

/// The entry `name` of the report's list `list` (`actions` or `parts`).
fn entry<'r>(report: &'r serde_json::Value, list: &str, name: &str) -> &'r serde_json::Value {
    let entries = report[list].as_array().unwrap_or_else(|| panic!("report has `{list}`"));
    entries.iter().find(|a| a["name"] == name).unwrap_or_else(|| panic!("no `{name}` in {list}: {entries:?}"))
}

fn requests(report: &serde_json::Value, list: &str, name: &str) -> u64 {
    entry(report, list, name)["requests"].as_u64().expect("a count")
}

/// Access-log lines of requests to `path_prefix` (e.g. `GET /api/search?q=cat`).
fn seen(lines: &[String], request: &str) -> u64 {
    lines.iter().filter(|l| l.contains(request)).count() as u64
}

fn ok(output: &Output) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{}\n{stderr}", String::from_utf8_lossy(&output.stdout));
}

#[test]
fn custom_and_parallel_actions_replay_and_are_reported_and_judged() {
    let out = tempfile::tempdir().expect("tempdir");
    let log = out.path().join("access.log");
    let server = Server::start(&[std::ffi::OsStr::new("--access-log"), log.as_os_str()]);
    let run_dir = out.path().join("run");
    let output = stampede()
        .args(["run", "--quiet", "--target", &server.base, "--out"])
        .arg(&run_dir)
        .arg(fixture("custom-actions.yaml"))
        .output()
        .expect("stampede runs");
    ok(&output);
    let report = read_report(&run_dir);
    assert_eq!(report["errors"], 0, "{}", report["actions"]);

    let signups = requests(&report, "actions", "signup");
    assert!(signups >= 10, "{signups} signups");
    // Each journey opens the app once, searches once, writes and reads one post.
    for action in ["open_app", "search", "post_and_read"] {
        assert_eq!(requests(&report, "actions", action), signups, "{action}");
    }
    for part in
        ["open_app/feed", "open_app/me", "open_app/trending", "post_and_read/write", "post_and_read/read"]
    {
        assert_eq!(requests(&report, "parts", part), signups, "{part}");
    }
    assert!(requests(&report, "actions", "reread") > 0);
    // The parts are counted in their action, not in the totals.
    let total: u64 = report["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .map(|a| a["requests"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(report["requests"].as_u64(), Some(total));
    // An action's response time covers its slowest request.
    let open_p99 = entry(&report, "actions", "open_app")["response_us"]["max"].as_u64().expect("max");
    for part in ["open_app/feed", "open_app/me", "open_app/trending"] {
        let part_max = entry(&report, "parts", part)["response_us"]["max"].as_u64().expect("max");
        assert!(part_max <= open_p99, "{part}: {part_max} > {open_p99}");
    }

    // The server saw exactly what the report counts (the natives' setup never searches).
    let searches = requests(&report, "actions", "search");
    let trending = requests(&report, "parts", "open_app/trending");
    let lines = lines_when(&log, |lines| {
        seen(lines, "GET /api/search?q=cat") >= searches && seen(lines, "GET /api/search?q=tax") >= trending
    });
    assert_eq!(seen(&lines, "GET /api/search?q=cat"), searches);
    assert_eq!(seen(&lines, "GET /api/search?q=tax"), trending);

    // The thresholds on custom actions were judged.
    let verdicts = report["verdicts"].as_array().expect("verdicts");
    for name in ["search.response.p99 < 60s", "open_app.error_rate < 1%"] {
        let verdict =
            verdicts.iter().find(|v| v["name"] == name).unwrap_or_else(|| panic!("{name}: {verdicts:?}"));
        assert_eq!(verdict["outcome"], "pass", "{verdict}");
    }
    assert!(
        std::fs::read_to_string(run_dir.join("summary.md"))
            .expect("summary.md")
            .contains("open_app/trending")
    );
    assert!(
        std::fs::read_to_string(run_dir.join("report.html")).expect("report.html").contains("open_app/feed")
    );
    rerendered_merged_and_compared(&run_dir, out.path());
}

/// The report goes through `report` and `compare` like one with built-ins only (merging
/// needs segmented runs; its name handling is the same list code).
fn rerendered_merged_and_compared(run_dir: &Path, _tmp: &Path) {
    ok(&stampede().arg("report").arg(run_dir).output().expect("report runs"));
    assert!(std::fs::read_to_string(run_dir.join("summary.md")).expect("summary.md").contains("open_app/me"));
    let output = stampede().arg("compare").arg(run_dir).arg(run_dir).output().expect("compare runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("search"), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
}

fn validate(profile: &Path, scenario: &Path) -> Output {
    stampede().arg("validate").arg("--profile").arg(profile).arg(scenario).output().expect("validate runs")
}

#[test]
fn validate_and_run_check_actions_against_the_profile() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read_to_string(fixture("custom-actions.yaml")).expect("fixture");
    let text = text.replace("target: custom-profile.yaml\n", "");
    let (good, typo) = (dir.path().join("good.yaml"), dir.path().join("typo.yaml"));
    std::fs::write(&good, &text).expect("write");
    std::fs::write(&typo, text.replace("- action: search", "- action: serch")).expect("write");
    let line = text.lines().position(|l| l.contains("- action: search")).expect("a search step") + 1;
    let profile = fixture("custom-profile.yaml");

    ok(&validate(&profile, &good));
    let output = validate(&profile, &typo);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&format!("typo.yaml:{line}:17: unknown action 'serch'")), "{stderr}");
    assert!(stderr.contains("one of: signup, login"), "{stderr}");
    assert!(stderr.contains("open_app, post_and_read, reread, search"), "{stderr}");
    assert_eq!(stderr.matches("unknown action").count(), 1, "{stderr}");

    // Without `--profile` nor `target:`, the reference profile: every custom action is unknown.
    let output = stampede().arg("validate").arg(&good).output().expect("validate runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for action in ["open_app", "search", "reread", "post_and_read"] {
        assert!(stderr.contains(&format!("unknown action '{action}'")), "{stderr}");
    }

    // `run` checks the same before it starts anything.
    let output = stampede()
        .args(["run", "--quiet", "--profile"])
        .arg(&profile)
        .arg("--out")
        .arg(dir.path().join("never"))
        .arg(&typo)
        .output()
        .expect("run runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown action 'serch'"));
    assert!(!dir.path().join("never").exists());
}

#[test]
fn profiles_with_too_many_or_bad_custom_names_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = std::fs::read_to_string(fixture("custom-profile.yaml")).expect("fixture");
    let scenario = fixture("custom-actions.yaml");
    let extra = |names: &mut dyn Iterator<Item = String>| -> String {
        names.map(|n| format!("  {n}: {{ method: GET, path: /health }}\n")).collect()
    };
    // Four custom actions in the fixture, plus 61 more: 65.
    let many = dir.path().join("many.yaml");
    std::fs::write(&many, format!("{base}{}", extra(&mut (0..61).map(|i| format!("extra_{i}")))))
        .expect("write");
    let output = validate(&many, &scenario);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("many.yaml:") && stderr.contains("more than 64 custom actions"), "{stderr}");

    let long = dir.path().join("long.yaml");
    std::fs::write(&long, format!("{base}{}", extra(&mut std::iter::once("x".repeat(49))))).expect("write");
    let output = validate(&long, &scenario);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("is not an action name") && stderr.contains("at most 48 characters"), "{stderr}");

    let parts = dir.path().join("parts.yaml");
    let list: String =
        (0..17).map(|i| format!("      - {{ name: p{i}, method: GET, path: /health }}\n")).collect();
    std::fs::write(&parts, format!("{base}  burst:\n    parallel:\n{list}")).expect("write");
    let output = validate(&parts, &scenario);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("17 requests in one action (expected at most 16)"), "{stderr}");
}
