//! Scenario files end to end: every file in `scenarios/` validates and plans; every file in
//! `tests/invalid/` fails `stampede validate` with exit 2 and the messages its header expects.

use std::path::{Path, PathBuf};

use crate::util::{repo_root, stampede};

/// All YAML files under `dir`, recursively, sorted.
fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable directory") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_library_scenario_validates() {
    let files = yaml_files(&repo_root().join("scenarios"));
    assert!(files.len() >= 8, "scenarios/ holds the library and one example per feature");
    let output = stampede().arg("validate").args(&files).output().expect("stampede runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert_eq!(stdout.lines().filter(|l| l.contains(": valid: ")).count(), files.len(), "{stdout}");
}

#[test]
fn every_library_scenario_plans_as_json_with_the_documented_fields() {
    for file in yaml_files(&repo_root().join("scenarios")) {
        let output =
            stampede().args(["plan", "--format", "json"]).arg(&file).output().expect("stampede runs");
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}: {}",
            file.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        let plan: serde_json::Value = serde_json::from_slice(&output.stdout).expect("plan JSON");
        for key in [
            "total_arrivals",
            "replay_duration_s",
            "real_duration_s",
            "peak_arrivals_per_s",
            "actions",
            "series",
        ] {
            assert!(plan.get(key).is_some(), "{}: no `{key}`", file.display());
        }
        let series = plan["series"].as_array().expect("series list");
        let summed: u64 = series.iter().map(|i| i["arrivals"].as_u64().expect("count")).sum();
        assert_eq!(Some(summed), plan["total_arrivals"].as_u64(), "{}", file.display());
        assert!(plan["total_arrivals"].as_u64().unwrap_or(0) > 0, "{}: no arrivals", file.display());
        assert!(plan["actions"]["signup"].as_f64().unwrap_or(0.0) > 0.0, "{}", file.display());
    }
}

#[test]
fn text_and_csv_plans_render() {
    let file = repo_root().join("scenarios/rednote-2025-01.yaml");
    let text = stampede().arg("plan").arg(&file).output().expect("stampede runs");
    let text = String::from_utf8_lossy(&text.stdout);
    for needle in ["peak (real)", "concurrency", "create_post", "arrivals over the replay"] {
        assert!(text.contains(needle), "text plan lacks `{needle}`:\n{text}");
    }
    let csv = stampede().args(["plan", "--format", "csv"]).arg(&file).output().expect("stampede runs");
    let csv = String::from_utf8_lossy(&csv.stdout);
    assert!(csv.starts_with("t_s,real_t_s,arrivals,expected_arrivals,"), "{csv}");
    assert!(csv.lines().count() > 10);
}

/// `# expect: LINE:COL: message` headers of an invalid file.
fn expectations(file: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).expect("readable");
    text.lines().filter_map(|l| l.strip_prefix("# expect: ")).map(str::to_string).collect()
}

#[test]
fn every_invalid_file_fails_with_its_expected_problems() {
    let files = yaml_files(&repo_root().join("tests/invalid"));
    assert!(files.len() >= 8);
    for file in files {
        let wanted = expectations(&file);
        assert!(!wanted.is_empty(), "{} has no `# expect:` header", file.display());
        let output = stampede().arg("validate").arg(&file).output().expect("stampede runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{}: {stderr}", file.display());
        assert!(!stderr.contains("panicked"), "{stderr}");
        let problems: Vec<&str> = stderr.lines().collect();
        for want in &wanted {
            assert!(
                problems.iter().any(|p| p.contains(want.as_str())),
                "{}: no problem matching `{want}` in:\n{stderr}",
                file.display()
            );
        }
        for problem in &problems {
            assert!(
                problem.contains(".yaml:") || problem.contains(".csv"),
                "problem names its file: {problem}"
            );
        }
    }
}

#[test]
fn validate_reports_all_files_and_a_missing_one() {
    let good = repo_root().join("scenarios/examples/constant.yaml");
    let output =
        stampede().arg("validate").arg(&good).arg("no/such/file.yaml").output().expect("stampede runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stdout).contains("valid"));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no/such/file.yaml: cannot read the file"));
}

#[test]
fn plan_overrides_change_the_replay() {
    let file = repo_root().join("scenarios/examples/constant.yaml");
    let plan = |args: &[&str]| -> serde_json::Value {
        let output =
            stampede().args(["plan", "--format", "json"]).args(args).arg(&file).output().expect("runs");
        serde_json::from_slice(&output.stdout).expect("plan JSON")
    };
    let base = plan(&[]);
    let fast = plan(&["--compress", "120", "--sample", "0.1"]);
    assert_eq!(base["replay_duration_s"], serde_json::json!(10.0));
    assert_eq!(fast["replay_duration_s"], serde_json::json!(5.0));
    assert_eq!(fast["expected_arrivals"], serde_json::json!(600.0));
    let again = plan(&["--compress", "120", "--sample", "0.1"]);
    assert_eq!(fast["series"], again["series"], "same seed, same schedule");
    let reseeded = plan(&["--compress", "120", "--sample", "0.1", "--seed", "99"]);
    assert_ne!(fast["series"], reseeded["series"]);
    let bad = stampede().args(["plan", "--sample", "2"]).arg(&file).output().expect("runs");
    assert_eq!(bad.status.code(), Some(2));
}
