//! Runs of a known shape, shared by the tests that check what the report shows: the
//! `tests/fixtures/stall-window.yaml` replay (100 arrivals/s for 10 s, 10 executor slots,
//! a 300 ms lateness budget) once with its stall window injected into the target, and
//! once without (the same replay, undisturbed).
//!
//! Each run directory lives under the test target's tmp dir, replaced on every test run,
//! so nothing is left behind in the system's temp dir.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::util::{Server, repo_root, stampede};

const TOKEN: &str = "shapes-test-token";

/// The lateness budget of both runs, milliseconds: short, so the stall's arrivals drop.
pub const BUDGET_MS: u64 = 300;

/// The stall window of the fixture on the replay clock, seconds.
pub const STALL_S: (f64, f64) = (4.0, 6.0);

/// The planned rate of the fixture, arrivals per second.
pub const RATE_PER_S: f64 = 100.0;

/// A fresh run directory `name` under the test target's tmp dir.
pub fn fresh_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("creates run dir");
    dir
}

/// Runs the fixture against a fresh `stampede serve`; `inject` gives stampede the admin
/// token, so the stall window happens. Returns the run directory and the exit code.
fn run(name: &str, inject: bool) -> (PathBuf, Option<i32>) {
    let server = Server::start(&["--admin-token", TOKEN]);
    let dir = fresh_dir(name);
    let budget = format!("{BUDGET_MS}ms");
    let mut command = stampede();
    command.env_remove("STAMPEDE_ADMIN_TOKEN").args([
        "run",
        "--quiet",
        "--max-in-flight",
        "10",
        "--lateness-budget",
        &budget,
        "--target",
        &server.base,
        "--out",
    ]);
    command.arg(&dir).arg(repo_root().join("tests/fixtures/stall-window.yaml"));
    if inject {
        command.args(["--admin-token", TOKEN]);
    }
    let output = command.output().expect("stampede runs");
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (dir, output.status.code())
}

/// The stalled run: its directory and exit code.
pub fn stalled() -> &'static (PathBuf, Option<i32>) {
    static RUN: OnceLock<(PathBuf, Option<i32>)> = OnceLock::new();
    RUN.get_or_init(|| run("shape-stalled", true))
}

/// The undisturbed run: its directory and exit code.
pub fn normal() -> &'static (PathBuf, Option<i32>) {
    static RUN: OnceLock<(PathBuf, Option<i32>)> = OnceLock::new();
    RUN.get_or_init(|| run("shape-normal", false))
}
