//! `stampede capacity` end to end on loopback: a platform of known capacity
//! (`--fault-capacity`) is found within the precision, its page read back in Chromium; a
//! generator that cannot drive a size ends the search "invalid: generator-bound" (exit 2);
//! `--budget` stops the search early; `--min-headroom` gates (exit 1 when not met); bad
//! flags exit 2 with the rule they break.

use std::path::Path;
use std::sync::OnceLock;

use serde_json::Value;

use crate::chart_reader::{charts, layout};
use crate::util::{Server, repo_root, stampede};

/// The fixture: 10 feed views/s for 4 s at scale 1; the platform serves 40/s (scale 4).
const FIXTURE: &str = "tests/fixtures/capacity.yaml";
const CAPACITY_PER_S: f64 = 40.0;

struct Searched {
    code: Option<i32>,
    stdout: String,
    answer: Value,
    dir: tempfile::TempDir,
}

fn capacity(extra: &[&str]) -> Searched {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = stampede()
        .args(["capacity", "--quiet", "--out"])
        .arg(dir.path())
        .args(extra)
        .arg(repo_root().join(FIXTURE))
        .output()
        .expect("stampede runs");
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let text = std::fs::read_to_string(dir.path().join("capacity.json")).unwrap_or_default();
    let answer = serde_json::from_str(&text).unwrap_or(Value::Null);
    Searched { code: output.status.code(), stdout: format!("{stdout}\n{stderr}"), answer, dir }
}

/// The search of the known capacity, shared by the tests that read its answer.
fn found() -> &'static Searched {
    static FOUND: OnceLock<Searched> = OnceLock::new();
    FOUND.get_or_init(|| {
        capacity(&[
            "--fault-capacity",
            "view_feed=40/s,200ms",
            "--from",
            "1",
            "--to",
            "16",
            "--precision",
            "10%",
            "--min-headroom",
            "2",
        ])
    })
}

fn f(value: &Value) -> f64 {
    value.as_f64().unwrap_or_else(|| panic!("a number: {value}"))
}

#[test]
fn a_known_capacity_is_found_within_the_precision() {
    let run = found();
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let answer = &run.answer;
    assert_eq!(answer["schema"], "stampede.capacity/1");
    assert_eq!(answer["verdict"], "found", "{}", run.stdout);
    let pass = &answer["passing"];
    let fail = &answer["failing"];
    let (pass_rate, fail_rate) = (f(&pass["peak_arrivals_per_s"]), f(&fail["peak_arrivals_per_s"]));
    // Within the precision of the known capacity: the bracket is at most 10 % wide and
    // holds 40/s (the 200 ms queue and the 3 % error budget let a little more through).
    assert!(fail_rate / pass_rate <= 1.1 + 1e-9, "{pass_rate} → {fail_rate}");
    assert!((CAPACITY_PER_S * 0.9..=CAPACITY_PER_S * 1.1).contains(&pass_rate), "passes {pass_rate}/s");
    assert!(fail_rate > CAPACITY_PER_S, "fails {fail_rate}/s");
    // Scale 1 is 10 arrivals/s at sample 0.01 and compress 1: ×0.01 the real rate.
    let scale = f(&pass["scale"]);
    assert!((pass_rate - 10.0 * scale).abs() < 1e-6 * pass_rate, "{pass}");
    assert!((f(&pass["real_multiple"]) - 0.01 * scale).abs() < 1e-9, "{pass}");
    assert!(f(&pass["peak_requests_per_s"]) > 0.0, "{pass}");
    // What failed first, and how: the error threshold, refused requests.
    assert_eq!(fail["failed"][0]["threshold"], "all.error_rate < 3%", "{fail}");
    assert!(fail["how"].as_str().unwrap_or("").starts_with("errors:"), "{fail}");
    assert_eq!(answer["headroom"]["met"], true, "{}", answer["headroom"]);
    // Every step's run directory is kept, a complete run.
    let steps = answer["steps"].as_array().expect("steps");
    assert!(steps.len() >= 5, "{}", steps.len());
    for step in steps {
        let dir = run.dir.path().join(step["run_dir"].as_str().expect("run_dir"));
        assert!(dir.join("report.json").is_file() && dir.join("report.html").is_file(), "{}", dir.display());
    }
    for file in ["summary.md", "junit.xml", "capacity.html"] {
        assert!(run.dir.path().join(file).is_file(), "{file}");
    }
    assert!(run.stdout.contains("capacity found: passes ×"), "{}", run.stdout);
    assert!(run.stdout.contains("a fresh embedded reference platform per step"), "{}", run.stdout);
}

#[test]
fn the_capacity_page_plots_every_step_and_chromium_lays_it_out() {
    let run = found();
    let page = run.dir.path().join("capacity.html");
    let html = std::fs::read_to_string(&page).expect("capacity.html");
    let drawn = charts(&html);
    assert_eq!(drawn.len(), 2, "two charts");
    let steps = run.answer["steps"].as_array().expect("steps");
    let judged: Vec<&Value> =
        steps.iter().filter(|s| s["outcome"] == "pass" || s["outcome"] == "fail").collect();
    // The error-rate chart's view_feed line is each step's error rate, in %.
    let errors = drawn.iter().find(|c| c.title.starts_with("Error rate")).expect("an error chart");
    let series = errors.series("view_feed");
    assert_eq!(series.points.len(), judged.len());
    let tolerance = 0.06 * errors.frame.y_per_unit();
    for step in &judged {
        let x = f(&step["scale"]);
        let actions = step["actions"].as_array().expect("actions");
        let feed = actions.iter().find(|a| a["name"] == "view_feed").expect("view_feed");
        let y = 100.0 * f(&feed["error_rate"]);
        assert!(
            series
                .points
                .iter()
                .any(|(px, py)| (px - x).abs() < 0.01 * x.max(1.0) && (py - y).abs() <= tolerance),
            "step at ×{x} with {y}% not drawn: {:?}",
            series.points
        );
    }
    // The threshold is drawn as a line at 3 %.
    let limit =
        errors.series.iter().find(|s| s.name.starts_with("all.error_rate")).expect("a threshold line");
    assert_eq!(limit.marks, 1);
    // Chromium lays both charts out with a size.
    let scratch = tempfile::tempdir().expect("tempdir");
    let boxes = layout(&page, scratch.path());
    assert_eq!(boxes.len(), 2);
    assert!(boxes.iter().all(|b| b[2] > 300.0 && b[3] > 100.0), "{boxes:?}");
}

#[test]
fn a_generator_that_cannot_drive_a_size_ends_the_search_invalid() {
    // One slot and 20 ms per request drive at most 50 requests/s: scale 8 (80/s) cannot
    // be kept on schedule. The target is used as it stands.
    let server = Server::start(&["--fault-latency", "all=fixed:20ms"]);
    let run = capacity(&[
        "--target",
        &server.base,
        "--test-max-slots",
        "1",
        "--lateness-budget",
        "200ms",
        "--from",
        "1",
        "--to",
        "16",
        "--factor",
        "8",
    ]);
    assert_eq!(run.code, Some(2), "{}", run.stdout);
    assert_eq!(run.answer["verdict"], "invalid", "{}", run.stdout);
    let invalid = &run.answer["invalid"];
    assert!(invalid["reason"].as_str().unwrap_or("").contains("late"), "{invalid}");
    assert_eq!(invalid["largest_judged"], 1.0, "{invalid}");
    assert!(run.stdout.contains("invalid: generator-bound at ×8"), "{}", run.stdout);
    assert!(run.stdout.contains("The largest size this generator judged: ×1"), "{}", run.stdout);
    assert!(run.stdout.contains("used as it stands"), "{}", run.stdout);
}

#[test]
fn the_budget_stops_the_search_and_the_headroom_is_judged_on_what_passed() {
    // One step of ~4 s fits in 9 s, a second (4 s + set-up) does not.
    let run = capacity(&["--budget", "9s", "--min-headroom", "1"]);
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(run.answer["verdict"], "budget", "{}", run.stdout);
    assert_eq!(run.answer["steps"].as_array().map(Vec::len), Some(1), "{}", run.stdout);
    assert_eq!(run.answer["passing"]["scale"], 1.0);
    assert_eq!(run.answer["headroom"]["met"], true);
    assert!(run.stdout.contains("budget spent"), "{}", run.stdout);
}

#[test]
fn an_unmet_headroom_exits_1() {
    // The range ends at ×2, below the ×3 required: not met, whatever the platform.
    let run = capacity(&["--to", "2", "--min-headroom", "3"]);
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert_eq!(run.answer["verdict"], "at-least");
    assert_eq!(run.answer["headroom"]["met"], false);
    assert!(run.stdout.contains("headroom: ×3 required: NOT MET"), "{}", run.stdout);
    let junit = std::fs::read_to_string(run.dir.path().join("junit.xml")).expect("junit");
    assert!(junit.contains("name=\"headroom ×3\"><failure"), "{junit}");
}

#[test]
fn bad_flags_exit_2_with_the_rule_they_break() {
    for (flags, expected) in [
        (&["--precision", "0%"][..], "--precision"),
        (&["--from", "NaN"], "--from NaN must be"),
        (&["--to", "inf"], "--to inf must be"),
        (&["--to", "1000"], "above 1, every newcomer"),
        (&["--repeats", "0"], "--repeats 0 is outside"),
        (&["--min-headroom=-2"], "not a size multiple"),
        (&["--min-headroom", "0"], "not a size multiple"),
        (&["--budget", "1e400s"], "invalid"),
        (&["--slo", "view_feed.bogus < 1"], "bogus"),
        (&["--scale", "users"], "users"),
        (&["--segment", "0/2", "--target", "http://127.0.0.1:9"], "not with `capacity`"),
        (&["--fault-capacity", "view_feed=0/s"], "the rate must be above 0"),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let output = stampede()
            .args(["capacity", "--quiet", "--out"])
            .arg(dir.path())
            .args(flags)
            .arg(repo_root().join(FIXTURE))
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{flags:?}: {stderr}");
        assert!(stderr.contains(expected), "{flags:?}: {stderr}");
        assert!(!Path::new(&dir.path().join("capacity.json")).exists(), "{flags:?}");
    }
}

#[test]
fn ctrl_c_stops_the_search_and_writes_the_answer_so_far() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    use std::time::Duration;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = stampede()
        .args(["capacity", "--quiet", "--out"])
        .arg(dir.path())
        .arg(repo_root().join(FIXTURE))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("stampede starts");
    let stdout = child.stdout.take().expect("piped stdout");
    // Lines are read on a thread so a silent search fails the test in bounded time.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let first_step = std::iter::from_fn(|| rx.recv_timeout(Duration::from_secs(120)).ok())
        .find(|line| line.starts_with("step  1:"))
        .expect("a first step within 2 minutes");
    assert!(first_step.contains("PASS"), "{first_step}");
    crate::util::interrupt(&child);
    let status = crate::util::wait(&mut child, Duration::from_secs(60));
    assert_eq!(status.code(), Some(2));
    let text = std::fs::read_to_string(dir.path().join("capacity.json")).expect("capacity.json written");
    let answer: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(answer["verdict"], "interrupted", "{answer}");
    assert_eq!(answer["passing"]["scale"], 1.0, "{answer}");
}
