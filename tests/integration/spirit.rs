//! A second platform nobody here wrote, different in kind from the PDS: the Spirit forum
//! (django-spirit from PyPI under gunicorn, SQLite) with HTML forms, a cookie session, CSRF
//! and redirects as answers, through the built-in `spirit` profile. Its signup waits for an
//! emailed activation link, so natives and newcomers are accounts provisioned on it
//! (`population.accounts`, `population.newcomer_accounts`). After a short RedNote replay
//! the forum's own database is asked what exists: one topic per `create_post` (natives'
//! posts by natives' accounts, newcomers' by theirs), one reply per `comment`, likes.
//!
//! Spirit comes from PyPI (tests/spirit/setup.sh, cached outside the repository). When
//! PyPI is unreachable the test prints a visible `SKIPPED:` line and passes on a
//! developer's machine; in CI (`CI=true`) or with `STAMPEDE_REQUIRE_SPIRIT=1` that is a
//! failure (see `util::require_or_skip`). Any other failed install fails the test.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::util::{read_report, repo_root, stampede};

/// A Spirit started by tests/spirit/start.sh; stopped by stop.sh on drop, even when the
/// test fails.
struct Spirit {
    dir: PathBuf,
    port: u16,
    base: String,
}

impl Spirit {
    fn start(dir: &Path) -> Spirit {
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        let output = Command::new(repo_root().join("tests/spirit/start.sh"))
            .arg(dir)
            .env("SPIRIT_PORT", port.to_string())
            .env("SPIRIT_WORKERS", "2")
            // Correctness, not login cost: MD5 as Spirit's own dev settings (README).
            .env("SPIRIT_HASH", "low")
            .env("SPIRIT_MAX_LIFETIME_S", "400") // a leaked server still stops by itself
            .output()
            .expect("start.sh runs");
        let spirit = Spirit { dir: dir.to_path_buf(), port, base: format!("http://127.0.0.1:{port}") };
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && stdout.contains(&format!("Spirit up at {}", spirit.base)),
            "start.sh failed: {stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        spirit
    }

    /// Runs a tests/spirit script against this instance; its stdout.
    fn script(&self, name: &str, args: &[&str]) -> String {
        let output = Command::new(repo_root().join("tests/spirit").join(name))
            .arg(&self.dir)
            .args(args)
            .env("SPIRIT_PORT", self.port.to_string())
            .output()
            .expect("the script runs");
        assert!(output.status.success(), "{name} {args:?}: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).into_owned()
    }
}

impl Drop for Spirit {
    fn drop(&mut self) {
        let _ = Command::new(repo_root().join("tests/spirit/stop.sh"))
            .arg(&self.dir)
            .env("SPIRIT_PORT", self.port.to_string())
            .status();
    }
}

/// Installs Spirit (a no-op when cached); `Err(reason)` only when PyPI is unreachable.
fn install() -> Result<PathBuf, String> {
    let dir = std::env::var_os("STAMPEDE_SPIRIT_DIR").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(std::env::var_os("HOME").unwrap_or_else(|| "/tmp".into()))
            .join(".cache/stampede/spirit")
    });
    let output =
        Command::new(repo_root().join("tests/spirit/setup.sh")).arg(&dir).output().expect("setup.sh runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    match output.status.code() {
        Some(0) => Ok(dir),
        Some(3) => Err(format!("tests/spirit/setup.sh: {}", stderr.lines().next().unwrap_or_default())),
        _ => panic!("tests/spirit/setup.sh failed (not for want of PyPI): {stderr}"),
    }
}

/// The plan's natives and newcomers for the replay's flags.
fn planned(flags: &[&str]) -> (u64, u64) {
    let output = stampede()
        .args(["plan", "--format", "json"])
        .args(flags)
        .arg(repo_root().join("scenarios/rednote-2025-01.yaml"))
        .output()
        .expect("stampede plan runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let plan: Value = serde_json::from_slice(&output.stdout).expect("plan JSON");
    (plan["natives"].as_u64().expect("natives"), plan["total_arrivals"].as_u64().expect("arrivals"))
}

fn action<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["actions"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["name"] == name))
        .unwrap_or_else(|| panic!("no action {name} in the report"))
}

fn errors(action: &Value) -> u64 {
    action["errors"].as_object().map_or(0, |classes| classes.values().filter_map(Value::as_u64).sum())
}

/// The counts of `tests/spirit/manage.sh count` (`{"topics": {handle: n}, …}`) summed over
/// the accounts whose handle starts with `prefix` (`n` natives, `c` newcomers).
fn sum(counts: &Value, table: &str, prefix: &str) -> u64 {
    let per_user: BTreeMap<String, u64> =
        serde_json::from_value(counts[table].clone()).expect("per-user counts");
    per_user.iter().filter(|(handle, _)| handle.starts_with(prefix)).map(|(_, n)| n).sum()
}

#[test]
fn a_rednote_replay_against_a_local_spirit_forum_writes_every_topic_and_reply() {
    let Some(dir) = crate::util::require_or_skip("SPIRIT", "the Spirit forum end-to-end test", install())
    else {
        return;
    };
    let spirit = Spirit::start(&dir);
    let flags = ["--replay-in", "20s", "--sample", "0.00003"];
    let (natives, newcomers) = planned(&flags);
    let work = tempfile::tempdir().expect("tempdir");
    let scenario = spirit.script(
        "scenario.sh",
        &[&work.path().to_string_lossy(), &natives.to_string(), &newcomers.to_string()],
    );
    let out = work.path().join("run");
    let output = stampede()
        .args(["run", "--quiet"])
        .args(flags)
        // Correctness, not speed: a starved forum may be slow, never a timeout error.
        .args(["--request-timeout", "120s", "--drain", "120s", "--target", &spirit.base, "--out"])
        .arg(&out)
        .arg(scenario.trim())
        .output()
        .expect("stampede runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    // The scenario's latency thresholds may fail on a starved forum (exit 1); nothing else.
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = read_report(&out);
    assert_eq!(report["interrupted"], false);
    for verdict in report["verdicts"].as_array().expect("verdicts") {
        let latency = verdict["name"].as_str().is_some_and(|n| n.contains(".response."));
        assert!(verdict["outcome"] != "fail" || latency, "{verdict}");
    }
    let requests = |name: &str| action(&report, name)["requests"].as_u64().unwrap_or(0);
    for name in ["login", "create_post", "view_feed", "view_post", "like", "comment"] {
        let a = action(&report, name);
        assert!(requests(name) > 0, "{name} has requests: {a}");
        assert_eq!(errors(a), 0, "{name} has no errors: {}", a["errors"]);
    }
    let unsupported: Vec<&str> = report["unsupported"]
        .as_array()
        .expect("unsupported")
        .iter()
        .filter_map(|u| u["action"].as_str())
        .collect();
    for name in ["follow", "upload_media", "join_room"] {
        assert!(unsupported.contains(&name), "{name} is listed unsupported: {unsupported:?}");
    }

    let counts: Value = serde_json::from_str(&spirit.script("manage.sh", &["count"])).expect("count JSON");
    println!("spirit replay: natives {natives}, newcomers {newcomers}, on the forum: {counts}");
    // No account was made: every native and newcomer logged in as a provisioned one.
    assert_eq!(counts["users"].as_u64(), Some(natives + newcomers), "{counts}");
    assert_eq!(counts["logged_in"].as_u64(), Some(natives + requests("login")), "{counts}");
    // One topic per newcomer's create_post, and the natives' posts made before the replay.
    assert_eq!(sum(&counts, "topics", "c"), requests("create_post"), "{counts}");
    assert_eq!(sum(&counts, "topics", "n"), 2 * natives, "{counts}");
    // One reply per comment (natives' storms and newcomers' comments alike).
    assert_eq!(sum(&counts, "replies", "c") + sum(&counts, "replies", "n"), requests("comment"), "{counts}");
    // A repeated like of the same comment keeps one like (Spirit answers it with the form).
    let likes = sum(&counts, "likes", "c");
    assert!(likes > 0 && likes <= requests("like"), "{likes} likes for {} requests", requests("like"));
}
