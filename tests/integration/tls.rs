//! HTTPS and HTTP/2 end to end: `stampede serve --tls-self-signed` on 127.0.0.1, and
//! `stampede run` refused without the CA (a `tls` error at the health check, exit 2),
//! passing with `--ca-cert` (h2 by ALPN), with `--insecure` (recorded), with
//! `--connect-to` for a made-up name, with mutual TLS; h2c with `--http2` on plain HTTP.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::util::{Server, lines_when, read_report, repo_root, stampede};

/// A `stampede serve` with TLS flags; killed on drop.
struct TlsServer {
    child: Child,
    port: String,
}

impl TlsServer {
    fn start(dir: &Path, extra: &[&str]) -> TlsServer {
        let mut child = stampede()
            .args(["serve", "--listen", "127.0.0.1:0", "--hash-cost", "low", "--tls-self-signed"])
            .arg(dir)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("stampede starts");
        let stdout = child.stdout.take().expect("piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(Duration::from_secs(30)).expect("a first line within 30 s");
        let port = line
            .trim()
            .strip_prefix("listening on https://127.0.0.1:")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        TlsServer { child, port }
    }

    fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A three-second replay of the constant example against `target` with `flags`.
fn replay(target: &str, flags: &[&str], out: &Path) -> Output {
    stampede()
        .env_remove("STAMPEDE_ALLOW_HOSTS")
        .args(["run", "--quiet", "--replay-in", "3s", "--target", target, "--out"])
        .arg(out)
        .args(flags)
        .arg(repo_root().join("scenarios/examples/constant.yaml"))
        .output()
        .expect("stampede runs")
}

fn passed(output: &Output, out: &Path) -> serde_json::Value {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{}\n{stderr}", String::from_utf8_lossy(&output.stdout));
    let report = read_report(out);
    assert!(report["requests"].as_u64().unwrap_or(0) > 0);
    assert_eq!(report["errors"], 0, "{}", report["actions"]);
    assert!(report["transport"]["connections_opened"].as_u64().unwrap_or(0) >= 1, "{}", report["transport"]);
    report
}

/// Lines of the access log `log` that the server answered over `version` (the log records
/// the protocol each request really came in, e.g. `HTTP/2.0`).
fn seen_over(lines: &[String], version: &str) -> u64 {
    lines.iter().filter(|l| l.contains(&format!(" {version}\" "))).count() as u64
}

fn file(dir: &Path, name: &str) -> String {
    dir.join(name).display().to_string()
}

#[test]
fn https_is_refused_without_the_ca_and_replayed_with_it_or_insecure() {
    let certs = tempfile::tempdir().expect("tempdir");
    let log = certs.path().join("access.log");
    let server = TlsServer::start(certs.path(), &["--access-log", &log.display().to_string()]);
    let out = tempfile::tempdir().expect("tempdir");

    let refused = replay(&server.url(), &[], out.path());
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    // Refused at the health check, saying why and what to pass.
    assert!(
        stderr.contains("tls error: certificate signed by unknown authority: pass --ca-cert"),
        "{stderr}"
    );
    assert!(!out.path().join("report.json").exists(), "refused at the health check");

    let report =
        passed(&replay(&server.url(), &["--ca-cert", &file(certs.path(), "ca.pem")], out.path()), out.path());
    assert_eq!(report["transport"]["protocol"], "h2", "ALPN chose h2: {}", report["transport"]);
    assert_eq!(report["transport"]["tls"], true);
    assert_eq!(report["transport"]["insecure"], false);
    // The server saw h2 too: every request of the run (and the health check) came over it.
    let h2_requests = report["requests"].as_u64().expect("requests");
    let lines = lines_when(&log, |lines| seen_over(lines, "HTTP/2.0") >= h2_requests);
    assert!(seen_over(&lines, "HTTP/2.0") >= h2_requests, "{lines:?}");
    assert_eq!(seen_over(&lines, "HTTP/2.0"), lines.len() as u64, "{lines:?}");

    let insecure = tempfile::tempdir().expect("tempdir");
    let report = passed(&replay(&server.url(), &["--insecure", "--http1"], insecure.path()), insecure.path());
    assert_eq!(report["transport"]["insecure"], true);
    assert_eq!(report["transport"]["protocol"], "http/1.1");
    let h1_requests = report["requests"].as_u64().expect("requests");
    let lines = lines_when(&log, |lines| seen_over(lines, "HTTP/1.1") >= h1_requests);
    assert!(seen_over(&lines, "HTTP/1.1") >= h1_requests, "the server saw HTTP/1.1: {lines:?}");
    let html = std::fs::read_to_string(insecure.path().join("report.html")).expect("html");
    assert!(html.contains("INSECURE: certificates not verified (--insecure)"));
}

#[test]
fn a_made_up_name_is_sent_to_loopback_with_its_certificate_name_and_mutual_tls() {
    let certs = tempfile::tempdir().expect("tempdir");
    let ca = file(certs.path(), "ca.pem");
    let ca_path = PathBuf::from(&ca);
    // The CA file is generated by the server itself before it reads it back.
    let server = TlsServer::start(certs.path(), &["--tls-name", "api.made-up.test", "--tls-client-ca", &ca]);
    assert!(ca_path.is_file());
    let target = format!("https://api.made-up.test:{}", server.port);
    let connect_to = format!("api.made-up.test:{0}:127.0.0.1:{0}", server.port);
    let out = tempfile::tempdir().expect("tempdir");

    let refused = replay(&target, &["--ca-cert", &ca, "--connect-to", &connect_to], out.path());
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    // Refused at the health check. With TLS 1.3 the server's demand for a client
    // certificate arrives after the client's handshake ends, as an alert on the first
    // read, so the message may be the connection's failure rather than the explanation.
    assert!(stderr.contains("does not answer") || stderr.contains("tls error"), "{stderr}");

    let client = [
        "--client-cert",
        &file(certs.path(), "client.pem"),
        "--client-key",
        &file(certs.path(), "client-key.pem"),
    ];
    let mut flags = vec!["--ca-cert", ca.as_str(), "--connect-to", connect_to.as_str()];
    flags.extend(client);
    let report = passed(&replay(&target, &flags, out.path()), out.path());
    assert_eq!(report["transport"]["protocol"], "h2");
    assert!(report["target"].as_str().unwrap_or_default().contains("api.made-up.test"));
}

#[test]
fn h2c_with_http2_on_plain_http() {
    let out = tempfile::tempdir().expect("tempdir");
    let log = out.path().join("access.log");
    let server = Server::start(&[std::ffi::OsStr::new("--access-log"), log.as_os_str()]);
    let report = passed(&replay(&server.base, &["--http2"], out.path()), out.path());
    assert_eq!(report["transport"]["protocol"], "h2c");
    assert_eq!(report["transport"]["tls"], false);
    // The server saw h2 with prior knowledge: no request came over HTTP/1.1.
    let requests = report["requests"].as_u64().expect("requests");
    let lines = lines_when(&log, |lines| seen_over(lines, "HTTP/2.0") >= requests);
    assert!(seen_over(&lines, "HTTP/2.0") >= requests, "{lines:?}");
    assert_eq!(seen_over(&lines, "HTTP/1.1"), 0, "{lines:?}");
}
