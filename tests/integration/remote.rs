//! Remote targets end to end: the allowlist and rate rail refuse before any lookup or
//! connection, `--connect-to` sends a made-up name to loopback. Traffic goes only to
//! 127.0.0.1 (the network-namespace test makes its own remote host).

use crate::util::{Server, read_report, repo_root, stampede};

fn constant() -> std::path::PathBuf {
    repo_root().join("scenarios/examples/constant.yaml")
}

#[test]
fn a_name_is_refused_before_any_lookup_and_the_error_names_the_flag() {
    // `.invalid` never resolves: were it looked up, the error would be a lookup failure.
    let output = stampede()
        .env("STAMPEDE_ALLOW_HOSTS", "other.test, *.elsewhere.test")
        .args(["run", "--quiet", "--target", "https://staging.example.invalid:8443"])
        .arg(constant())
        .output()
        .expect("stampede runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("staging.example.invalid is not loopback and not allowlisted (pass --allow-host staging.example.invalid, or set STAMPEDE_ALLOW_HOSTS"),
        "{stderr}"
    );
    let output = stampede()
        .env("STAMPEDE_ALLOW_HOSTS", "http://x.test")
        .args(["run", "--quiet", "--target", "http://127.0.0.1:1"])
        .arg(constant())
        .output()
        .expect("stampede runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("in STAMPEDE_ALLOW_HOSTS") && stderr.contains("without scheme"), "{stderr}");
}

#[test]
fn a_plan_above_the_rate_rail_does_not_start() {
    // The plan's peak is about 1 request/s; nothing listens on port 1, and nothing is sent.
    let output = stampede()
        .args(["run", "--quiet", "--target", "http://127.0.0.1:1", "--max-rate", "0.5/s"])
        .arg(constant())
        .output()
        .expect("stampede runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("above --max-rate 0.5/s"), "{stderr}");
    let output = stampede()
        .args(["run", "--quiet", "--target", "http://127.0.0.1:1", "--max-rate", "NaN/s"])
        .arg(constant())
        .output()
        .expect("stampede runs");
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn connect_to_sends_a_made_up_name_to_loopback() {
    let server = Server::start::<&str>(&[]);
    let port = server.base.rsplit(':').next().expect("port").to_string();
    let out = tempfile::tempdir().expect("tempdir");
    let output = stampede()
        .env_remove("STAMPEDE_ALLOW_HOSTS")
        .args(["run", "--quiet", "--replay-in", "3s", "--target", &format!("http://api.made-up.test:{port}")])
        .args(["--connect-to", &format!("api.made-up.test:{port}:127.0.0.1:{port}"), "--out"])
        .arg(out.path())
        .arg(constant())
        .output()
        .expect("stampede runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let report = read_report(out.path());
    assert!(report["requests"].as_u64().unwrap_or(0) > 0);
    assert_eq!(report["errors"], 0);
    assert_eq!(report["transport"]["protocol"], "http/1.1");
    let opened = report["transport"]["connections_opened"].as_u64().expect("counted");
    assert!(opened >= 1, "{}", report["transport"]);
}
