//! The run directory's files, checked by independent readers: Chromium renders
//! `report.html` (no console errors, charts in the DOM, a screenshot), Python's
//! `hdrhistogram` decodes the `.hlog`, `junitparser` reads `junit.xml`.
//!
//! These need `chromium`, `python3` and the PyPI packages `hdrhistogram` and `junitparser`
//! (`.ci/run` installs them); a missing tool fails the test rather than skipping it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::chart_reader::chromium;
use crate::util::{repo_root, stampede};

/// One real 10-second run on the embedded platform, shared by every test here. Its
/// directory is under the test target's tmp dir, replaced by the next test run (a static
/// `TempDir` is never dropped, so it would be left behind in the system's temp dir).
fn run_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = crate::shapes::fresh_dir("reports-run");
        let out = stampede()
            .current_dir(repo_root())
            .args(["run", "scenarios/examples/constant.yaml", "--quiet", "--out"])
            .arg(&dir)
            .output()
            .expect("runs stampede");
        assert!(out.status.success(), "stampede run failed: {}", String::from_utf8_lossy(&out.stderr));
        dir
    })
}

/// A private copy of the shared run, for tests that rewrite files.
fn copy_of_run() -> tempfile::TempDir {
    let copy = tempfile::tempdir().expect("temp dir");
    for entry in std::fs::read_dir(run_dir()).expect("lists run dir") {
        let path = entry.expect("entry").path();
        std::fs::copy(&path, copy.path().join(path.file_name().expect("name"))).expect("copies");
    }
    copy
}

fn python(script: &str, dir: &Path) {
    let out = Command::new("python3")
        .arg(repo_root().join("tests/integration/python").join(script))
        .arg(dir)
        .output()
        .expect("python3 is installed");
    assert!(
        out.status.success(),
        "{script} failed (needs `pip install hdrhistogram junitparser`):\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_file_is_written() {
    for name in ["report.json", "report.html", "summary.md", "junit.xml", "intervals.hlog"] {
        let path = run_dir().join(name);
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        assert!(size > 0, "{name} missing or empty");
    }
    let summary = std::fs::read_to_string(run_dir().join("summary.md")).expect("reads");
    assert!(summary.starts_with("## ✅ stampede · example-constant · PASS"), "{summary}");
}

#[test]
fn the_html_report_renders_in_chromium() {
    let page = run_dir().join("report.html");
    let profile = tempfile::tempdir().expect("temp dir");

    let dom = chromium(profile.path(), &["--enable-logging=stderr", "--v=0", "--dump-dom"], &page);
    assert!(dom.status.success(), "chromium failed: {}", String::from_utf8_lossy(&dom.stderr));
    let html = String::from_utf8_lossy(&dom.stdout);
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run_dir().join("report.json")).expect("reads")).expect("json");
    let actions = report["actions"].as_array().map_or(0, Vec::len);
    assert!(actions > 0);
    // Four load charts, then over-time (response, service) and a spectrum per action.
    assert_eq!(html.matches("<svg class=\"chart\"").count(), 4 + 3 * actions);
    assert!(html.matches("<path d=\"M").count() >= 4 + 3 * actions, "charts have no lines");
    let stderr = String::from_utf8_lossy(&dom.stderr);
    for line in stderr.lines() {
        assert!(!line.contains("CONSOLE") && !line.contains("Uncaught"), "console message: {line}");
        assert!(!line.contains("net::ERR"), "network fetch: {line}");
    }

    let shot = profile.path().join("report.png");
    let out = chromium(
        profile.path(),
        &[&format!("--screenshot={}", shot.display()), "--window-size=1400,2400"],
        &page,
    );
    assert!(out.status.success(), "chromium screenshot failed: {}", String::from_utf8_lossy(&out.stderr));
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(png.starts_with(b"\x89PNG") && png.len() > 50_000, "screenshot is suspiciously small");
    // Kept for people to look at: target/tmp/report.png.
    let _ = std::fs::write(Path::new(env!("CARGO_TARGET_TMPDIR")).join("report.png"), &png);
}

#[test]
fn the_hlog_matches_the_report_in_an_independent_reader() {
    python("hlog_check.py", run_dir());
}

#[test]
fn junit_matches_the_verdicts_in_an_independent_reader() {
    let copy = copy_of_run();
    let json = copy.path().join("report.json");
    let mut report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("reads")).expect("json");
    // The gate is not part of this test: give the report verdicts as it would.
    report["verdicts"] = serde_json::json!([
        {"kind": "threshold", "name": "post.response.p99 < 1us", "outcome": "fail", "failed": true,
         "measured": 2100.0, "limit": 1.0, "unit": "us", "message": ""},
        {"kind": "threshold", "name": "errors < 1%", "outcome": "pass", "failed": false,
         "measured": 0.0, "limit": 0.01, "unit": "ratio", "message": "measured 0.00%, limit < 1.00%"},
    ]);
    std::fs::write(&json, serde_json::to_string_pretty(&report).expect("serializes")).expect("writes");
    let out = stampede().arg("report").arg(copy.path()).output().expect("runs stampede report");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    python("junit_check.py", copy.path());
    let junit = std::fs::read_to_string(copy.path().join("junit.xml")).expect("reads");
    assert!(junit.contains(r#"<failure message="measured 2.10ms""#), "{junit}");
    python("junit_check.py", run_dir());
}

#[test]
fn stampede_report_rerenders_the_same_files() {
    let copy = copy_of_run();
    let rendered = ["report.html", "summary.md", "junit.xml", "intervals.hlog"];
    for name in rendered {
        std::fs::remove_file(copy.path().join(name)).expect("removes");
    }
    // Given the report.json path rather than the directory.
    let out = stampede().arg("report").arg(copy.path().join("report.json")).output().expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for name in rendered {
        let original = std::fs::read(run_dir().join(name)).expect("reads");
        let again = std::fs::read(copy.path().join(name)).expect("re-rendered");
        assert!(original == again, "{name} differs after stampede report");
    }
    let missing = stampede().arg("report").arg(copy.path().join("nope")).output().expect("runs");
    assert_eq!(missing.status.code(), Some(2));
}
