//! The hostile corpus (`tests/hostile/`): scenario files (and the cases generated here
//! that are too big or too special to commit: a 17 MiB file, a million bad rows, a FIFO, a
//! symbolic link to `/dev/zero`) fail `validate` and `plan` with exit 2, their expected
//! `line:column` problem, no panic, no file content, in bounded time, under a memory
//! ceiling, so that a regression fails here instead of taking the machine down.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use super::util::{repo_root, wait};

/// Virtual memory allowed to each command, KiB: far above what a rejected file needs
/// (~20 MB resident), far below what the defects took (24 GB).
const MEMORY_CEILING_KIB: u64 = 1_000_000;
/// Wall time allowed to each command; generous for a busy runner, bounded for a hang.
const TIME_LIMIT: Duration = Duration::from_secs(60);

/// Runs the built binary with `args` under `ulimit -v`, bounded in time.
fn stampede_capped(args: &[&std::ffi::OsStr], envs: &[(&str, &str)]) -> Output {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {MEMORY_CEILING_KIB} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_stampede"))
        .args(args)
        .envs(envs.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sh runs");
    // Problems are capped at 50 lines, well under a pipe's buffer: waiting before reading
    // cannot block the child.
    wait(&mut child, TIME_LIMIT);
    child.wait_with_output().expect("output collected")
}

/// Asserts a hostile input was refused cleanly, with every `wanted` problem, and returns
/// stderr.
fn refused(what: &str, output: &Output, wanted: &[String]) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert_eq!(output.status.code(), Some(2), "{what}: {stderr}");
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    assert!(!stderr.contains("secret-value"), "{what} printed a file's content: {stderr}");
    assert!(stderr.lines().count() <= 51, "{what}: problem output is not capped");
    for want in wanted {
        assert!(stderr.contains(want.as_str()), "{what}: no problem matching `{want}` in:\n{stderr}");
    }
    stderr
}

fn hostile_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo_root().join("tests/hostile"))
        .expect("tests/hostile exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_hostile_file_is_refused_by_validate_and_plan() {
    let files = hostile_files();
    assert!(files.len() >= 25, "the corpus holds {}", files.len());
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable");
        let wanted: Vec<String> =
            text.lines().filter_map(|l| l.strip_prefix("# expect: ")).map(String::from).collect();
        assert!(!wanted.is_empty(), "{} has no `# expect:` header", file.display());
        for command in ["validate", "plan"] {
            let output = stampede_capped(&[command.as_ref(), file.as_os_str()], &[]);
            refused(&format!("{command} {}", file.display()), &output, &wanted);
        }
    }
}

fn scenario_with_csv(dir: &Path, csv: &str) -> PathBuf {
    let file = dir.join("s.yaml");
    let yaml = format!(
        "name: h\nseed: 1\ntimeline: {{ span: 1h, compress: 60 }}\n\
         arrivals: {{ curve: {{ csv: {{ file: {csv}, value_column: n, values: count }} }} }}\n\
         journeys: [ {{ name: a, weight: 1, steps: [ {{ action: signup }} ] }} ]\n"
    );
    std::fs::write(&file, yaml).expect("written");
    file
}

#[test]
fn oversized_files_fifos_and_links_out_are_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A scenario over 16 MiB (sparse: no disk is spent).
    let big = dir.path().join("big.yaml");
    std::fs::File::create(&big).and_then(|f| f.set_len(16 * 1024 * 1024 + 1)).expect("sparse file");
    let output = stampede_capped(&["validate".as_ref(), big.as_os_str()], &[]);
    refused("17 MiB scenario", &output, &["larger than the limit of 16 MiB".into()]);

    // A series that is a link to /dev/zero, then a FIFO (opening one would block).
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero.csv")).expect("symlink");
    let file = scenario_with_csv(dir.path(), "zero.csv");
    let output = stampede_capped(&["plan".as_ref(), file.as_os_str()], &[]);
    refused(
        "link to /dev/zero",
        &output,
        &["the path `zero.csv` leads out of the scenario's directory".into()],
    );
    let status = Command::new("mkfifo").arg(dir.path().join("fifo.csv")).status().expect("mkfifo runs");
    assert!(status.success());
    let file = scenario_with_csv(dir.path(), "fifo.csv");
    let output = stampede_capped(&["validate".as_ref(), file.as_os_str()], &[]);
    refused("FIFO", &output, &["fifo.csv: cannot read the series: not a regular file".into()]);
}

#[test]
fn a_million_bad_rows_print_fifty_problems() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut csv = String::from("t,n\n");
    for _ in 0..1_000_000 {
        csv.push_str("x,y\n");
    }
    std::fs::write(dir.path().join("bad.csv"), csv).expect("written");
    let file = scenario_with_csv(dir.path(), "bad.csv");
    let output = stampede_capped(&["validate".as_ref(), file.as_os_str()], &[]);
    let stderr = refused(
        "a million bad rows",
        &output,
        &["bad.csv: 1999950 more problems in this series are not listed".into(), "… and 1 more".into()],
    );
    assert_eq!(stderr.lines().count(), 51, "{stderr}");
}

#[test]
fn duration_flags_beyond_the_limit_are_errors_not_panics() {
    let scenario = repo_root().join("scenarios/examples/constant.yaml");
    for flag in ["--request-timeout", "--grace", "--drain", "--lateness-budget"] {
        let args = ["run".as_ref(), scenario.as_os_str(), flag.as_ref(), "1e20s".as_ref()];
        let output = stampede_capped(&args, &[]);
        refused(flag, &output, &["duration `1e20s` is longer than the limit of 3650d".into()]);
    }
    let output = stampede_capped(&["serve".as_ref(), "--fault-stall".as_ref(), "1e20s+1s".as_ref()], &[]);
    refused("serve --fault-stall", &output, &["longer than the limit of 3650d".into()]);
}

#[test]
fn hostile_profiles_are_refused_before_any_request() {
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = dir.path().join("p.yaml");
    std::fs::write(
        &profile,
        "name: p\nactions:\n  signup:\n    method: POST\n    path: /s\n    headers: { X-Bad: \"a\\r\\nX-Injected: 1\" }\n",
    )
    .expect("written");
    let scenario = repo_root().join("scenarios/examples/constant.yaml");
    // The target is never contacted: the profile is refused first.
    let args = ["run".as_ref(), scenario.as_os_str(), "--target".as_ref(), "http://127.0.0.1:9".as_ref()];
    let output = stampede_capped(&[&args[..], &["--profile".as_ref(), profile.as_os_str()]].concat(), &[]);
    refused("CR LF header", &output, &["p.yaml:6:".into(), "holds a CR, LF or NUL".into()]);
    // A file given on the command line may be anywhere, but is never quoted.
    let environ = [&args[..], &["--profile".as_ref(), "/proc/self/environ".as_ref()]].concat();
    let output = stampede_capped(&environ, &[("HOSTILE_TOKEN", "secret-value")]);
    // (NUL separators make it invalid YAML; a `.env` is refused as "not a YAML mapping".)
    refused("--profile /proc/self/environ", &output, &["/proc/self/environ:1:".into()]);
}
