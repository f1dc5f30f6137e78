//! `stampede profile from-har`, end to end: the committed Chromium recording of a web client
//! of `stampede serve` becomes a profile, a scenario naming its actions validates against
//! it, and a replay with it meets no error, every planned request reaching the server.

use std::path::Path;
use std::process::Output;

use crate::util::{Server, lines_when, read_report, repo_root, stampede};

/// Every action of the generated profile, once per newcomer, after natives who posted.
const SCENARIO: &str = "\
name: from-har
seed: 17
timeline: { span: 10m, replay_in: 4s, sample: 0.008 }
arrivals:
  curve: { constant: { rate: 600/min } }
population:
  natives: 2500
  posts_per_native: { fixed: 1 }
journeys:
  - name: recorded
    weight: 1
    steps:
      - action: signup
      - action: upload_media
      - action: create_post
      - action: view_post
      - action: follow
      - action: view_user
      - action: comment
      - action: like
      - action: view_feed
      - action: get_api_search
";

fn from_har(har: &Path, out: &Path) -> Output {
    stampede().args(["profile", "from-har"]).arg(har).arg("--out").arg(out).output().expect("stampede runs")
}

fn requests(report: &serde_json::Value, name: &str) -> u64 {
    let actions = report["actions"].as_array().expect("actions");
    let action =
        actions.iter().find(|a| a["name"] == name).unwrap_or_else(|| panic!("no {name}: {actions:?}"));
    action["requests"].as_u64().expect("a count")
}

#[test]
fn a_recorded_browser_session_becomes_a_profile_that_replays_without_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let profile = dir.path().join("p.yaml");
    let output = from_har(&repo_root().join("tests/fixtures/har/reference.har"), &profile);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("14 requests to http://127.0.0.1:") && stderr.contains("became 11 actions"),
        "{stderr}"
    );
    assert!(stderr.contains("left out 0 requests"), "{stderr}");

    let scenario = dir.path().join("from-har.yaml");
    std::fs::write(&scenario, SCENARIO).expect("written");
    let output =
        stampede().arg("validate").arg("--profile").arg(&profile).arg(&scenario).output().expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));

    let log = dir.path().join("access.log");
    let server = Server::start(&[std::ffi::OsStr::new("--access-log"), log.as_os_str()]);
    let run_dir = dir.path().join("run");
    let output = stampede()
        .args(["run", "--quiet", "--target", &server.base, "--profile"])
        .arg(&profile)
        .arg("--out")
        .arg(&run_dir)
        .arg(&scenario)
        .output()
        .expect("stampede runs");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let report = read_report(&run_dir);
    assert_eq!(report["errors"], 0, "{}", report["actions"]);
    let newcomers = requests(&report, "signup");
    assert!(newcomers >= 10, "{newcomers} newcomers");
    // One of each per journey, as planned, and each request reached the server.
    let seen = [
        ("upload_media", "\"POST /api/media "),
        ("create_post", "\"POST /api/posts "),
        ("view_post", "\"GET /api/posts/"),
        ("follow", "/follow "),
        ("view_user", "\"GET /api/users/"),
        ("comment", "/comments "),
        ("like", "/like "),
        ("view_feed", "\"GET /api/timeline?limit=20 "),
        ("get_api_search", "\"GET /api/search?q=cat&limit=10 "),
    ];
    let count = |lines: &[String], request: &str| lines.iter().filter(|l| l.contains(request)).count() as u64;
    let lines = lines_when(&log, |lines| seen.iter().all(|(_, request)| count(lines, request) >= newcomers));
    for (action, request) in seen {
        assert_eq!(requests(&report, action), newcomers, "{action}");
        // Natives' setup posts too: create_post is seen once more per native.
        let on_server = count(&lines, request);
        if action == "create_post" {
            assert!(on_server >= newcomers, "{action}: {on_server}");
        } else {
            assert_eq!(on_server, newcomers, "{action}: {request}");
        }
    }
}

#[test]
fn malformed_and_empty_recordings_are_refused_with_their_place() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad.har");
    std::fs::write(&bad, "{\"log\": {\"entries\": [\n  {\"request\": {\"method\": \"GET\"},\n}]}}")
        .expect("written");
    let output = from_har(&bad, &dir.path().join("p.yaml"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("bad.har:2:31: missing field `url`"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    let assets = dir.path().join("assets.har");
    let entry = |url: &str, mime: &str| {
        serde_json::json!({"request": {"method": "GET", "url": url, "headers": []},
                           "response": {"status": 200, "headers": [], "content": {"mimeType": mime}}})
    };
    let har = serde_json::json!({"log": {"entries": [
        entry("https://cdn.example.com/app.css", "text/css"),
        entry("https://cdn.example.com/logo.png", "image/png"),
    ]}});
    std::fs::write(&assets, har.to_string()).expect("written");
    let output = from_har(&assets, &dir.path().join("p.yaml"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no request to https://cdn.example.com is left"), "{stderr}");
    assert!(!dir.path().join("p.yaml").exists());
}
