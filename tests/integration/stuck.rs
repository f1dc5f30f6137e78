//! `stampede run` against targets that misbehave, and against its own bugs: a target that
//! accepts and never answers (Ctrl-C must still end the run with a report), one that sends
//! an endless body (memory must stay bounded), and a job that panics.
//!
//! The targets are hand-rolled HTTP/1.1 servers on 127.0.0.1 port 0: the health check is
//! answered, every other request gets the misbehaviour.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::util::{interrupt, read_report, repo_root, stampede, wait};

/// What the test target does with a request other than the health check.
#[derive(Debug, Clone, Copy)]
enum Misbehaviour {
    /// Read it and never answer.
    Stall,
    /// Answer 200 with a chunked body that never ends.
    EndlessBody,
}

/// A misbehaving target; its threads stop when it is dropped.
struct Target {
    base: String,
    /// Requests that got the misbehaviour so far.
    hit: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

impl Target {
    fn start(misbehaviour: Misbehaviour) -> Target {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        listener.set_nonblocking(true).expect("nonblocking");
        let (hit, stop) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicBool::new(false)));
        let (hit2, stop2) = (hit.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop2.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let (hit, stop) = (hit2.clone(), stop2.clone());
                        std::thread::spawn(move || serve(stream, misbehaviour, &hit, &stop));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Target { base, hit, stop }
    }

    /// Waits (at most 60 s) until `n` requests got the misbehaviour.
    fn wait_for_hits(&self, n: u64) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.hit.load(Ordering::Relaxed) < n {
            assert!(Instant::now() < deadline, "the run never reached the target");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// One connection: keep-alive requests until the client leaves or the test ends.
fn serve(stream: TcpStream, misbehaviour: Misbehaviour, hit: &AtomicU64, stop: &AtomicBool) {
    let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
    let mut writer = stream.try_clone().expect("clone");
    let mut reader = BufReader::new(stream);
    while !stop.load(Ordering::Relaxed) {
        let Some((path, length)) = read_head(&mut reader, stop) else { return };
        let mut body = vec![0; length.min(1 << 20)];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        if path == "/health" {
            let _ = writer.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}");
            continue;
        }
        hit.fetch_add(1, Ordering::Relaxed);
        match misbehaviour {
            Misbehaviour::Stall => {
                while !stop.load(Ordering::Relaxed) && reader.fill_buf().map_or(true, |b| !b.is_empty()) {
                    std::thread::sleep(Duration::from_millis(50));
                }
                return;
            }
            Misbehaviour::EndlessBody => {
                let _ = writer.write_all(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n");
                let chunk = [b'x'; 64 << 10];
                let deadline = Instant::now() + Duration::from_secs(60);
                // Until the client hangs up (the write fails), the test ends, or a minute.
                while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
                    let sent = write!(writer, "{:x}\r\n", chunk.len())
                        .and_then(|()| writer.write_all(&chunk))
                        .and_then(|()| writer.write_all(b"\r\n"));
                    if sent.is_err() {
                        return;
                    }
                }
                return;
            }
        }
    }
}

/// Reads a request head: its path and content length; `None` when the client left.
fn read_head(reader: &mut BufReader<TcpStream>, stop: &AtomicBool) -> Option<(String, usize)> {
    let (mut path, mut length) = (None, 0);
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) => return None,
            Ok(_) => {}
            Err(_) if !stop.load(Ordering::Relaxed) => continue,
            Err(_) => return None,
        }
        let line = line.trim_end();
        if line.is_empty() {
            return path.map(|p| (p, length));
        }
        if path.is_none() {
            path = line.split(' ').nth(1).map(str::to_string);
        } else if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
}

/// `stampede run` of the hostile fixture against `base`, plus `extra` flags.
fn spawn_run(base: &str, out: &std::path::Path, extra: &[&str]) -> Child {
    stampede()
        .args(["run", "--quiet", "--target", base, "--out"])
        .arg(out)
        .args(extra)
        .arg(repo_root().join("tests/fixtures/hostile.yaml"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("stampede starts")
}

fn stderr_of(child: &mut Child) -> String {
    let mut text = String::new();
    if let Some(mut stderr) = child.stderr.take() {
        let _ = stderr.read_to_string(&mut text);
    }
    text
}

#[test]
fn ctrl_c_against_a_target_that_never_answers_ends_the_run_within_grace() {
    let target = Target::start(Misbehaviour::Stall);
    let out = tempfile::tempdir().expect("tempdir");
    let mut child = spawn_run(&target.base, out.path(), &["--grace", "1s"]);
    // Every slot that started a journey now waits on a response that never comes.
    target.wait_for_hits(3);
    interrupt(&child);
    let sent = Instant::now();
    // Grace (1 s) plus a margin for a busy machine; before, this took the drain limit.
    let status = wait(&mut child, Duration::from_secs(20));
    let took = sent.elapsed();
    let stderr = stderr_of(&mut child);
    assert_eq!(status.code(), Some(2), "{stderr}");
    let report = read_report(out.path());
    assert_eq!(report["interrupted"], true);
    assert_eq!(report["interrupt_reason"], "interrupted by SIGINT", "{stderr}");
    eprintln!("SIGINT against a stalled target: exit after {took:?}");
}

#[test]
fn a_second_ctrl_c_abandons_in_flight_requests_at_once() {
    let target = Target::start(Misbehaviour::Stall);
    let out = tempfile::tempdir().expect("tempdir");
    // A grace longer than the wait below: only the second Ctrl-C can end the run in time.
    let mut child = spawn_run(&target.base, out.path(), &["--grace", "10m"]);
    target.wait_for_hits(3);
    interrupt(&child);
    // The second Ctrl-C must come after the first was handled: its message says so.
    let mut stderr = BufReader::new(child.stderr.take().expect("piped"));
    let mut line = String::new();
    while !line.contains("again abandons") {
        line.clear();
        assert!(stderr.read_line(&mut line).expect("stderr readable") > 0, "no stop message");
    }
    interrupt(&child);
    let status = wait(&mut child, Duration::from_secs(60));
    assert_eq!(status.code(), Some(2), "never 1, the failed-verdict code");
    let report = read_report(out.path());
    assert_eq!(report["interrupted"], true);
}

#[test]
fn ctrl_c_during_the_health_check_is_a_clear_error() {
    // The health check itself stalls: a listener that never accepts answers nothing.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let out = tempfile::tempdir().expect("tempdir");
    let mut child = spawn_run(&base, out.path(), &[]);
    // The connection waits in the listen backlog once stampede checks the target's health.
    listener.set_nonblocking(true).expect("nonblocking");
    let deadline = Instant::now() + Duration::from_secs(30);
    let _held = loop {
        if let Ok((stream, _)) = listener.accept() {
            break stream;
        }
        assert!(Instant::now() < deadline, "no health check");
        std::thread::sleep(Duration::from_millis(20));
    };
    interrupt(&child);
    let status = wait(&mut child, Duration::from_secs(20));
    let stderr = stderr_of(&mut child);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("interrupted by SIGINT during the health check"), "{stderr}");
}

#[test]
fn a_panic_in_a_job_ends_the_run_with_a_marked_report() {
    let target = Target::start(Misbehaviour::Stall);
    let out = tempfile::tempdir().expect("tempdir");
    let mut child = spawn_run(&target.base, out.path(), &["--grace", "1s", "--test-panic-after", "5"]);
    let status = wait(&mut child, Duration::from_secs(60));
    let stderr = stderr_of(&mut child);
    assert_eq!(status.code(), Some(2), "{stderr}");
    let report = read_report(out.path());
    assert_eq!(report["interrupted"], true);
    let reason = report["interrupt_reason"].as_str().unwrap_or_default();
    assert_eq!(reason, "internal error: injected by --test-panic-after 5", "{stderr}");
}

#[test]
fn an_endless_body_fails_as_too_large_and_memory_stays_bounded() {
    let target = Target::start(Misbehaviour::EndlessBody);
    let out = tempfile::tempdir().expect("tempdir");
    let child = spawn_run(&target.base, out.path(), &[]);
    let (status, peak_kib) = wait_measuring_peak_rss(child, Duration::from_secs(120));
    assert_eq!(status.code(), Some(0), "every request failed, but the run completed");
    let report = read_report(out.path());
    assert_eq!(report["interrupted"], false);
    let signup = &report["actions"][0];
    assert_eq!(signup["name"], "signup");
    let too_large = signup["errors"]["body_too_large"].as_u64().unwrap_or(0);
    assert!(too_large > 0, "{}", signup["errors"]);
    assert_eq!(signup["requests"].as_u64(), Some(too_large), "every request got the endless body");
    assert!(peak_kib > 0, "VmHWM was read");
    assert!(peak_kib < 200 << 10, "peak RSS {peak_kib} KiB stays under 200 MB");
}

/// Waits for `child` (at most `limit`) while reading its peak resident set (VmHWM, KiB)
/// from /proc: the last value read before it exits.
fn wait_measuring_peak_rss(mut child: Child, limit: Duration) -> (std::process::ExitStatus, u64) {
    let deadline = Instant::now() + limit;
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0;
    loop {
        let status = std::fs::read_to_string(&status_file).unwrap_or_default();
        let hwm = status.lines().find_map(|l| l.strip_prefix("VmHWM:"));
        if let Some(kib) = hwm.and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok()) {
            peak_kib = peak_kib.max(kib);
        }
        if let Some(status) = child.try_wait().expect("wait works") {
            return (status, peak_kib);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("process did not exit within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_default_drain_covers_reaction_delays() {
    let out = tempfile::tempdir().expect("tempdir");
    let output = stampede()
        .args(["run", "--quiet", "--out"])
        .arg(out.path())
        .arg(repo_root().join("tests/fixtures/reaction-tail.yaml"))
        .output()
        .expect("stampede runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    let report = read_report(out.path());
    assert_eq!(report["interrupted"], false, "{}", report["interrupt_reason"]);
    let replay_s = report["replay_duration_s"].as_f64().unwrap_or(0.0);
    let elapsed_s = report["elapsed_s"].as_f64().unwrap_or(f64::MAX);
    // The run ends once its work is done, not at the drain limit (20 s + about a minute).
    assert!(elapsed_s < replay_s + 55.0, "elapsed {elapsed_s} s");
}

#[test]
fn the_health_check_gives_up_after_health_timeout() {
    // A listener that never accepts: the health request waits in its backlog unanswered.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let out = tempfile::tempdir().expect("tempdir");
    let mut child = spawn_run(&base, out.path(), &["--health-timeout", "1s"]);
    // Well below the 30 s default: the flag, not the default, ended the wait.
    let status = wait(&mut child, Duration::from_secs(20));
    let stderr = stderr_of(&mut child);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("does not answer: timeout error"), "{stderr}");
}
