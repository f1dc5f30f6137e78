//! Execution segments end to end: N = 1, 2 and 4 local `stampede run --segment i/N`
//! processes against one reference platform, merged with `stampede merge`.
//!
//! Every run of every N goes at once (distinct run ids keep their handles apart), so the
//! test costs one replay's time. Nothing here is timed: the assertions are exact counts and
//! histogram identities.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use stampede::metrics::Stats;
use stampede::metrics::histogram;

use crate::util::{Server, read_report, stampede, wait};

/// 240 newcomers over a 4 s replay; 24 natives with a post each, whom newcomers follow and
/// whose posts they like, so segments depend on natives other segments created.
const SCENARIO: &str = "\
name: segments-test
description: newcomers follow natives created by every segment
seed: 5
timeline: { span: 4m, compress: 60, sample: 1 }
arrivals:
  curve: { constant: { rate: 60/min } }
population:
  natives: 24
  posts_per_native: { fixed: 1 }
journeys:
  - name: join
    weight: 1
    steps:
      - action: signup
      - action: follow
        repeat: { fixed: 2 }
        pick: uniform
      - action: like
      - action: view_feed
";

const COUNTS: [u32; 3] = [1, 2, 4];

fn scenario_file(dir: &Path) -> PathBuf {
    let path = dir.join("segments.yaml");
    std::fs::write(&path, SCENARIO).expect("scenario written");
    path
}

fn total_arrivals(scenario: &Path) -> u64 {
    let out = stampede().args(["plan", "--format", "json"]).arg(scenario).output().expect("plan runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).expect("plan JSON");
    plan["total_arrivals"].as_u64().expect("total_arrivals")
}

fn start_at(in_s: u64) -> String {
    let at = std::time::SystemTime::now() + Duration::from_secs(in_s);
    let secs = at.duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_secs();
    let out = Command::new("date").args(["-u", "-d", &format!("@{secs}"), "+%Y-%m-%dT%H:%M:%SZ"]).output();
    String::from_utf8(out.expect("date runs").stdout).expect("utf-8").trim().to_string()
}

fn merge(dirs: &[PathBuf], out: &Path) -> std::process::Output {
    stampede().arg("merge").args(dirs).arg("--out").arg(out).output().expect("merge runs")
}

/// Sums one histogram (by a JSON pointer) over the segments' reports.
fn union(reports: &[serde_json::Value], pointer: &str) -> Stats {
    let mut total: Option<hdrhistogram::Histogram<u64>> = None;
    for text in reports.iter().filter_map(|r| r.pointer(pointer)?.as_str()).filter(|t| !t.is_empty()) {
        let h = histogram::decode_base64(text).expect("decodes");
        match &mut total {
            Some(t) => t.add(&h).expect("same bounds"),
            None => total = Some(h),
        }
    }
    Stats::of(total.as_ref())
}

fn action<'a>(report: &'a serde_json::Value, name: &str) -> Option<(usize, &'a serde_json::Value)> {
    report["actions"].as_array()?.iter().enumerate().find(|(_, a)| a["name"] == name)
}

/// A segment process that ended, with what it printed.
struct Finished {
    n: u32,
    i: u32,
    out: PathBuf,
    status: std::process::ExitStatus,
    stdout: String,
    stderr: String,
}

/// Runs every segment of every count in `COUNTS` on one `--start-at`, `margin_s` from now,
/// each into its own directory under `dir` (named by the margin, so a retry starts clean
/// with run ids of its own), and waits for all of them.
fn launch(scenario: &Path, base: &str, dir: &Path, margin_s: u64) -> Vec<Finished> {
    let start = start_at(margin_s);
    let mut children = Vec::new();
    for n in COUNTS {
        for i in 0..n {
            let out = dir.join(format!("m{margin_s}-n{n}-seg{i}"));
            let child = stampede()
                .arg("run")
                .arg(scenario)
                .args(["--target", base, "--think", "compressed", "--quiet"])
                .args(["--segment", &format!("{i}/{n}"), "--start-at", &start])
                .args(["--run-id", &format!("segt{n}m{margin_s}")])
                .arg("--out")
                .arg(&out)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("run starts");
            children.push((n, i, out, child));
        }
    }
    children
        .into_iter()
        .map(|(n, i, out, mut child)| {
            let status = wait(&mut child, Duration::from_secs(120 + margin_s));
            let mut stdout = String::new();
            let mut stderr = String::new();
            std::io::Read::read_to_string(child.stdout.as_mut().expect("piped"), &mut stdout)
                .expect("stdout");
            std::io::Read::read_to_string(child.stderr.as_mut().expect("piped"), &mut stderr)
                .expect("stderr");
            Finished { n, i, out, status, stdout, stderr }
        })
        .collect()
}

/// Launches every batch of segments; when the barrier proved too short, again with twice
/// the margin.
fn launch_with_margin(scenario: &Path, base: &str, dir: &Path) -> Vec<Finished> {
    // The common start must come after every process's setup (its own natives, then logins
    // for the others'). Rather than trust a guess of how long that takes on this machine,
    // when the barrier proved too short — a segment reports that the start passed during
    // its setup (exit 2), or could not resolve every native before it — the batch runs
    // again with twice the margin: the barrier follows the setup time measured here.
    let mut margin_s = 8;
    loop {
        let children = launch(scenario, base, dir, margin_s);
        let too_short = children
            .iter()
            .any(|c| c.stderr.contains("give a later --start-at") || !c.stdout.contains("setup: 24 natives"));
        if !too_short || margin_s >= 64 {
            break children;
        }
        margin_s *= 2;
    }
}

/// Each action's merged response times are exactly those of the segments' histograms' union.
fn assert_actions_merge_exactly(n: u32, merged: &serde_json::Value, segments: &[serde_json::Value]) {
    for name in ["signup", "follow", "like", "view_feed"] {
        let (_, stats) = action(merged, name).unwrap_or_else(|| panic!("N = {n}: no {name}"));
        assert_eq!(stats["errors"]["status_4xx"].as_u64(), Some(0), "N = {n}: {name} targets exist");
        let each: Vec<serde_json::Value> = segments
            .iter()
            .filter_map(|r| {
                action(r, name).map(|(_, a)| serde_json::json!({ "h": a["histogram"]["response"] }))
            })
            .collect();
        let want = union(&each, "/h");
        let got = &stats["response_us"];
        assert_eq!(got["count"].as_u64(), Some(want.count), "N = {n} {name}");
        assert_eq!(got["p50"].as_u64(), Some(want.p50_us), "N = {n} {name}");
        assert_eq!(got["p99"].as_u64(), Some(want.p99_us), "N = {n} {name}");
        assert_eq!(got["max"].as_u64(), Some(want.max_us), "N = {n} {name}");
    }
}

#[test]
fn merged_segments_replay_the_single_process_plan_exactly() {
    let server = Server::start::<&str>(&[]);
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = scenario_file(dir.path());
    let planned = total_arrivals(&scenario);
    let children = launch_with_margin(&scenario, &server.base, dir.path());
    for Finished { n, i, status, stdout, stderr, .. } in &children {
        assert!(status.success(), "segment {i}/{n}: {status}\n{stdout}\n{stderr}");
        // Every segment knows all 24 natives: its own by signup, the others' by login.
        assert!(stdout.contains("setup: 24 natives"), "segment {i}/{n}:\n{stdout}");
        if *n > 1 {
            assert!(stdout.contains("0 natives of other segments not found"), "segment {i}/{n}:\n{stdout}");
        }
    }
    let children: Vec<(u32, u32, PathBuf)> = children.into_iter().map(|c| (c.n, c.i, c.out)).collect();
    for n in COUNTS {
        let dirs: Vec<PathBuf> =
            children.iter().filter(|(m, ..)| *m == n).map(|(_, _, out)| out.clone()).collect();
        let segments: Vec<serde_json::Value> = dirs.iter().map(|d| read_report(d)).collect();
        let shares: u64 = segments.iter().map(|r| r["arrivals"]["planned"].as_u64().expect("planned")).sum();
        assert_eq!(shares, planned, "N = {n}: the shares add up to the plan");

        let merged_dir = dir.path().join(format!("n{n}-merged"));
        let out = merge(&dirs, &merged_dir);
        assert!(out.status.success(), "N = {n}: {}", String::from_utf8_lossy(&out.stderr));
        let merged = read_report(&merged_dir);
        let arrivals = &merged["arrivals"];
        assert_eq!(arrivals["planned"].as_u64(), Some(planned), "N = {n}");
        assert_eq!(
            arrivals["started"].as_u64().unwrap_or(0) + arrivals["dropped"].as_u64().unwrap_or(0),
            planned,
            "N = {n}: every planned arrival started or was dropped"
        );
        assert_eq!(merged["merged_segments"].as_u64(), Some(u64::from(n)));
        assert!(
            std::fs::read_to_string(merged_dir.join("summary.md"))
                .expect("summary")
                .contains(&format!("merged from {n} segments"))
        );
        for file in ["report.html", "junit.xml", "intervals.hlog"] {
            assert!(merged_dir.join(file).exists(), "{file}");
        }
        assert_actions_merge_exactly(n, &merged, &segments);
        // Order does not matter: the reversed inputs give the same report.json, byte for byte.
        let reversed_dir = dir.path().join(format!("n{n}-reversed"));
        let reversed: Vec<PathBuf> = dirs.iter().rev().cloned().collect();
        assert!(merge(&reversed, &reversed_dir).status.success());
        assert_eq!(
            std::fs::read(merged_dir.join("report.json")).expect("merged"),
            std::fs::read(reversed_dir.join("report.json")).expect("reversed"),
            "N = {n}"
        );
    }
    // The merged plan and series line up with the single process's, bucket by bucket.
    let single = read_report(&dir.path().join("n1-merged"));
    for n in [2, 4] {
        let merged = read_report(&dir.path().join(format!("n{n}-merged")));
        assert_eq!(merged["plan"], single["plan"], "N = {n}");
        let planned = |r: &serde_json::Value| -> Vec<u64> {
            r["series"]
                .as_array()
                .expect("series")
                .iter()
                .map(|p| p["arrivals_planned"].as_u64().unwrap_or(0))
                .collect()
        };
        assert_eq!(planned(&merged), planned(&single), "N = {n}");
    }
    // Thresholds are judged on the merged data: an impossible one fails the merge (exit 1).
    let dirs: Vec<PathBuf> =
        children.iter().filter(|(m, ..)| *m == 2).map(|(_, _, out)| out.clone()).collect();
    let judged = dir.path().join("judged");
    let out = stampede()
        .arg("merge")
        .args(&dirs)
        .args(["--threshold", "signup.response.p50 < 1us", "--out"])
        .arg(&judged)
        .output()
        .expect("merge runs");
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
    let verdicts = &read_report(&judged)["verdicts"];
    assert_eq!(verdicts[0]["name"], "signup.response.p50 < 1us");
    assert_eq!(verdicts[0]["failed"], true);
    // A missing segment is an error (exit 2) that names it.
    let partial: Vec<PathBuf> =
        children.iter().filter(|(m, i, ..)| *m == 4 && *i != 2).map(|(_, _, out)| out.clone()).collect();
    let out = merge(&partial, &dir.path().join("partial"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("segments missing: 2 of 4"));
    // A start time that has passed by the end of setup is an error, not a late start.
    let out = stampede()
        .arg("run")
        .arg(&scenario)
        .args(["--target", &server.base, "--quiet", "--segment", "0/2", "--start-at", "2020-01-01T00:00:00Z"])
        .arg("--out")
        .arg(dir.path().join("late"))
        .output()
        .expect("run runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("give a later --start-at"));
    drop(server);
}

#[test]
fn segment_flags_are_checked_before_anything_runs() {
    let scenario = crate::util::repo_root().join("scenarios/examples/constant.yaml");
    let cases: [(&[&str], &str); 4] = [
        (&["--segment", "2/2"], "I must be less than N"),
        (&["--segment", "0/2"], "--segment needs --target"),
        (&["--segment", "0/2", "--target", "http://127.0.0.1:9"], "needs --start-at"),
        (&["--run-id", "no-dashes"], "expected 1 to 16 characters"),
    ];
    for (flags, message) in cases {
        let out = stampede().arg("run").arg(&scenario).args(flags).output().expect("run runs");
        assert_eq!(out.status.code(), Some(2), "{flags:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{flags:?}: {stderr}");
    }
}
