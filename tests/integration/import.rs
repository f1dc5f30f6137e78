//! `stampede import access-log`: the fixtures of each format (broken lines included), its
//! errors, and the round trip — replay a scenario against `stampede serve --access-log`,
//! import the log, plan the imported scenario, and find the replay again.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use crate::util::{Server, read_report, repo_root, stampede};

const REFERENCE_MAPS: [&str; 4] = [
    "POST /api/media=upload_media",
    "POST /api/posts=create_post",
    "GET /api/timeline*=view_feed",
    "POST /api/posts/*/like=like",
];

fn fixture(name: &str) -> PathBuf {
    repo_root().join("tests/fixtures/access").join(name)
}

fn import(files: &[PathBuf], extra: &[&str], out: &Path) -> Output {
    let mut command = stampede();
    command.args(["import", "access-log"]).args(files).arg("--out").arg(out);
    for map in REFERENCE_MAPS {
        command.args(["--map", map]);
    }
    command.args(extra).output().expect("import runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn plan_json(scenario: &Path) -> serde_json::Value {
    let out = stampede().args(["plan", "--format", "json"]).arg(scenario).output().expect("plan runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("plan JSON")
}

/// The plan's arrivals summed into bins of `bin_s` seconds.
fn arrivals_per_bin(plan: &serde_json::Value, bin_s: f64) -> Vec<u64> {
    let mut bins = Vec::new();
    for interval in plan["series"].as_array().expect("series") {
        let bin = (interval["t_s"].as_f64().expect("t_s") / bin_s) as usize;
        if bins.len() <= bin {
            bins.resize(bin + 1, 0);
        }
        bins[bin] += interval["arrivals"].as_u64().expect("arrivals");
    }
    bins
}

#[test]
fn a_combined_log_becomes_a_scenario_that_validates_and_plans() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = import(&[fixture("combined.log")], &["--format", "combined", "--name", "nginx"], dir.path());
    let summary = text(&out.stdout);
    assert!(out.status.success(), "{summary}\n{}", text(&out.stderr));
    for expected in [
        "lines        18 read, 15 requests, 3 bad",
        "combined.log:6: a quoted field is not closed",
        "combined.log:9: the time is not `dd/Mon/yyyy:HH:MM:SS +zzzz`",
        "combined.log:15: the status is not a number from 100 to 599",
        "signups      5 (1 answered 4xx/5xx)",
        "mapped       86.7 % of requests",
        "2  GET /health",
        "journeys     5 newcomers' and 1 existing users' sessions (0 closed early",
        "order      signup → upload_media → create_post → view_feed",
        "log-normal median 4.116 s, sigma 0.353 over 6 gaps",
    ] {
        assert!(summary.contains(expected), "missing {expected:?} in\n{summary}");
    }
    let scenario = dir.path().join("nginx.yaml");
    let validated = stampede().arg("validate").arg(&scenario).output().expect("validate runs");
    assert!(validated.status.success(), "{}", text(&validated.stderr));
    // Signups plus the existing user's session, per minute from 05:00.
    let plan = plan_json(&scenario);
    assert_eq!(arrivals_per_bin(&plan, 60.0), [2, 3, 1]);
    let csv = std::fs::read_to_string(dir.path().join("nginx.csv")).expect("series written");
    assert_eq!(
        csv,
        "time,signups,sessions,arrivals\n2025-01-13T05:00:00Z,1,1,2\n\
         2025-01-13T05:01:00Z,3,0,3\n2025-01-13T05:02:00Z,1,0,1\n"
    );
    // The same log gzipped gives the same series.
    let gz = tempfile::tempdir().expect("temp dir");
    let out = import(&[fixture("combined.log.gz")], &["--format", "combined", "--name", "nginx"], gz.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(gz.path().join("nginx.csv")).expect("written"), csv);
}

#[test]
fn json_and_alb_logs_import_with_their_bad_lines_counted() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = import(&[fixture("app.jsonl")], &["--format", "json", "--bin", "30s"], dir.path());
    let summary = text(&out.stdout);
    assert!(out.status.success(), "{summary}\n{}", text(&out.stderr));
    for expected in [
        "lines        9 read, 7 requests, 2 bad",
        "app.jsonl:5: the line is not JSON",
        "app.jsonl:8: the line is JSON but not an object",
        "signups      2 (0 answered 4xx/5xx)",
        "1  GET /api/users/5",
        "journeys     2 newcomers' and 1 existing users' sessions",
    ] {
        assert!(summary.contains(expected), "missing {expected:?} in\n{summary}");
    }
    assert_eq!(arrivals_per_bin(&plan_json(&dir.path().join("imported.yaml")), 30.0), [2, 0, 1]);

    let dir = tempfile::tempdir().expect("temp dir");
    let out = import(&[fixture("alb.log")], &["--format", "alb", "--bin", "1m"], dir.path());
    let summary = text(&out.stdout);
    assert!(out.status.success(), "{summary}\n{}", text(&out.stderr));
    for expected in [
        "lines        6 read, 5 requests, 1 bad",
        "alb.log:4: the line ends before the target address",
        "signups      2 (0 answered 4xx/5xx)",
        "1  GET /favicon.ico",
        "journeys     2 newcomers' and 0 existing users' sessions",
    ] {
        assert!(summary.contains(expected), "missing {expected:?} in\n{summary}");
    }
    assert_eq!(arrivals_per_bin(&plan_json(&dir.path().join("imported.yaml")), 60.0), [2]);
}

#[test]
fn no_signups_and_bad_flags_are_clear_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cases: [(&[&str], &str); 6] = [
        (
            &["--format", "combined", "--signup", "POST /register"],
            "no request matched the signup rule `POST /register` in 18 lines",
        ),
        (&["--format", "alb"], "no request matched the signup rule"),
        (
            &["--format", "combined", "--bin", "0s"],
            "--bin 0s: out of range (expected a duration from 1ms to 1d)",
        ),
        (&["--format", "combined", "--map", "GET /x=dance"], "unknown action `dance`"),
        (&["--format", "combined", "--origin", "noon"], "--origin \"noon\": not a time"),
        (&["--format", "combined", "--max-sessions", "0"], "--max-sessions 0: out of range"),
    ];
    for (extra, message) in cases {
        let out = import(&[fixture("combined.log")], extra, dir.path());
        assert_eq!(out.status.code(), Some(2), "{extra:?}");
        assert!(text(&out.stderr).contains(message), "{extra:?}: {}", text(&out.stderr));
    }
    let out = import(&[fixture("missing.log")], &["--format", "json"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("missing.log: No such file"), "{}", text(&out.stderr));
}

/// The replayed scenario: 1 newcomer a second, 2 a second in [4 s, 8 s). Even spacing puts
/// every arrival at least 250 ms from a second's boundary, so the log's bins are the plan's
/// whatever the start lateness on a busy machine.
const ROUND_TRIP: &str = "name: round-trip
seed: 11
timeline: { span: 12s, compress: 1 }
arrivals:
  spacing: even
  curve:
    product:
      - { constant: { rate: 1/s } }
      - { window: { name: busy, start: 4s, duration: 4s, factor: 2 } }
journeys:
  - name: poster
    weight: 1
    steps:
      - action: signup
      - action: create_post
        probability: 0.5
        think: { lognormal: { median: 200ms, sigma: 0.5 } }
      - action: view_feed
        repeat: { poisson: { mean: 2 } }
        think: { lognormal: { median: 200ms, sigma: 0.5 } }
";

fn start_at(in_s: u64) -> String {
    let at = std::time::SystemTime::now() + Duration::from_secs(in_s);
    let secs = at.duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_secs();
    let out = std::process::Command::new("date")
        .args(["-u", "-d", &format!("@{secs}"), "+%Y-%m-%dT%H:%M:%SZ"])
        .output();
    String::from_utf8(out.expect("date runs").stdout).expect("utf-8").trim().to_string()
}

#[test]
fn round_trip_replay_log_import_plan() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = dir.path().join("round-trip.yaml");
    std::fs::write(&scenario, ROUND_TRIP).expect("scenario written");
    let log = dir.path().join("access.jsonl");
    let server = Server::start(&[
        "--access-log".as_ref(),
        log.as_os_str(),
        "--access-log-format".as_ref(),
        "json".as_ref(),
    ]);
    // The replay's clock starts at a known instant, the import's first bin there too. A
    // start that passed during setup (a busy machine) is tried again with twice the margin.
    let mut margin_s = 5;
    let (run, origin) = loop {
        let origin = start_at(margin_s);
        let run = stampede()
            .arg("run")
            .arg(&scenario)
            .args(["--target", &server.base, "--start-at", &origin, "--quiet", "--out"])
            .arg(dir.path().join("run"))
            .output()
            .expect("run runs");
        if !text(&run.stderr).contains("give a later --start-at") || margin_s >= 40 {
            break (run, origin);
        }
        margin_s *= 2;
    };
    assert!(run.status.success(), "{}\n{}", text(&run.stdout), text(&run.stderr));
    assert!(server.interrupt(), "the server stops cleanly (and flushes its log)");
    let report = read_report(&dir.path().join("run"));

    let imported = dir.path().join("imported");
    let maps = ["--map", "POST /api/posts=create_post", "--map", "GET /api/timeline=view_feed"];
    let out = stampede()
        .args(["import", "access-log"])
        .arg(&log)
        .args([
            "--format",
            "json",
            "--bin",
            "1s",
            "--origin",
            &origin,
            "--name",
            "round-trip-imported",
            "--out",
        ])
        .arg(&imported)
        .args(maps)
        .output()
        .expect("import runs");
    let summary = text(&out.stdout);
    assert!(out.status.success(), "{summary}\n{}", text(&out.stderr));
    assert!(summary.contains("mapped       100.0 % of requests"), "{summary}");
    assert!(summary.contains("journeys     16 newcomers' and 0 existing users' sessions"), "{summary}");
    let plan = plan_json(&imported.join("round-trip-imported.yaml"));

    // Per-bin signups: the imported plan's are the replay's, second by second.
    let replayed: Vec<u64> = report["series"]
        .as_array()
        .expect("series")
        .iter()
        .map(|i| i["arrivals_started"].as_u64().expect("count"))
        .collect();
    let planned = arrivals_per_bin(&plan, 1.0);
    assert_eq!(planned, [1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 1, 1]);
    assert_eq!(replayed[..planned.len()], planned[..], "replayed {replayed:?}");
    assert!(replayed[planned.len()..].iter().all(|&n| n == 0), "replayed {replayed:?}");

    // The action mix: the imported plan's expected requests against the replay's counts,
    // within three Poisson standard deviations.
    for action in report["actions"].as_array().expect("actions") {
        let name = action["name"].as_str().expect("name");
        let replayed = action["requests"].as_f64().expect("requests");
        let expected =
            plan["actions"][name].as_f64().unwrap_or_else(|| panic!("{name} in the imported plan"));
        let tolerance = 3.0 * replayed.max(1.0).sqrt();
        assert!((expected - replayed).abs() <= tolerance, "{name}: imported {expected}, replayed {replayed}");
    }
}
