//! A remote target for real: `stampede serve` in a network namespace the test makes (a
//! veth pair, addresses from the RFC 2544 benchmarking range 198.18.0.0/15), stampede
//! outside. Without `--allow-host` the run is refused before anything is sent (the
//! server's access log stays empty); with it the replay runs. Traffic goes only to the
//! namespace's address.
//!
//! Needs `ip` (iproute2) and CAP_NET_ADMIN; without them the test prints `SKIPPED:` and
//! passes, except where it must run (`STAMPEDE_REQUIRE_NETNS=1`, or CI).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::util::{lines_when, read_report, repo_root, require_or_skip, stampede};

/// A namespace and its veth pair; both deleted on drop, also when the test fails.
struct Netns {
    name: String,
    /// The host's end of the pair (deleting it deletes the peer inside).
    outside: String,
    /// The host's address, then the namespace's (a /30 of 198.18.0.0/15).
    addresses: (String, String),
}

/// Runs `ip` with `args`; the error says which command failed and why.
fn ip(args: &[&str]) -> Result<(), String> {
    let output = Command::new("ip").args(args).output().map_err(|e| format!("cannot run `ip`: {e}"))?;
    if output.status.success() {
        return Ok(());
    }
    Err(format!("`ip {}` failed: {}", args.join(" "), String::from_utf8_lossy(&output.stderr).trim()))
}

impl Netns {
    /// Makes the namespace, named and addressed after this process so that concurrent test
    /// runs on one machine never share a name or a subnet.
    fn create() -> Result<Netns, String> {
        let pid = std::process::id();
        // 32,768 blocks of 4 addresses in 198.18.0.0/15.
        let block = (pid % 32_768) * 4;
        let address = |host: u32| {
            let n = block + host;
            format!("198.{}.{}.{}", 18 + n / 65_536, (n / 256) % 256, n % 256)
        };
        let name = format!("stampede-test-{pid}");
        ip(&["netns", "add", &name])?;
        // From here on, the guard cleans up whatever was made.
        let netns = Netns { name, outside: format!("stp{pid}o"), addresses: (address(1), address(2)) };
        let inside = format!("stp{pid}i");
        let (host, target) = (&netns.addresses.0, &netns.addresses.1);
        let exec = |args: &[&str]| {
            let mut all = vec!["netns", "exec", &netns.name, "ip"];
            all.extend(args);
            ip(&all)
        };
        ip(&["link", "add", &netns.outside, "type", "veth", "peer", "name", &inside])?;
        ip(&["link", "set", &inside, "netns", &netns.name])?;
        ip(&["addr", "add", &format!("{host}/30"), "dev", &netns.outside])?;
        ip(&["link", "set", &netns.outside, "up"])?;
        exec(&["addr", "add", &format!("{target}/30"), "dev", &inside])?;
        exec(&["link", "set", &inside, "up"])?;
        exec(&["link", "set", "lo", "up"])?;
        Ok(netns)
    }

    /// `stampede serve` inside the namespace on its address (port chosen by the kernel),
    /// logging every request it sees to `log`.
    fn serve(&self, log: &Path) -> Result<Served, String> {
        let mut child = Command::new("ip")
            .args(["netns", "exec", &self.name, env!("CARGO_BIN_EXE_stampede")])
            .args(["serve", "--hash-cost", "low", "--listen", &format!("{}:0", self.addresses.1)])
            .arg("--access-log")
            .arg(log)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start the server in the namespace: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        // Made before the wait, so that the server is killed if it never answers.
        let mut served = Served { child, base: String::new() };
        let line = rx.recv_timeout(Duration::from_secs(30)).map_err(|_| "the server said nothing in 30 s")?;
        let Some(base) = line.trim().strip_prefix("listening on ") else {
            return Err(format!("unexpected first line {line:?}"));
        };
        served.base = base.to_string();
        Ok(served)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        // The veth may not exist yet (creation failed half-way): errors are expected then.
        let _ = ip(&["link", "del", &self.outside]);
        let _ = ip(&["netns", "del", &self.name]);
    }
}

/// The server in the namespace; killed on drop (before the namespace goes).
struct Served {
    child: Child,
    /// `http://ADDR:PORT`, from the server's first line.
    base: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

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

#[test]
fn a_remote_target_in_a_namespace_is_refused_without_allow_host_and_replayed_with_it() {
    let test = "a_remote_target_in_a_namespace_is_refused_without_allow_host_and_replayed_with_it";
    let Some(netns) = require_or_skip("netns", test, Netns::create()) else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("access.log");
    let server = netns.serve(&log).expect("the server starts in the namespace");
    let base = server.base.clone();
    let host = &netns.addresses.1;
    assert!(base.starts_with(&format!("http://{host}:")), "{base}");

    let out = tempfile::tempdir().expect("tempdir");
    let refused = replay(&base, &[], out.path());
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains(&format!("{host} is not loopback and not allowlisted (pass --allow-host {host}"))
    );
    // Refused before any connection: the process has exited, and the server saw nothing.
    assert_eq!(std::fs::read_to_string(&log).unwrap_or_default(), "");

    let replayed = replay(&base, &["--allow-host", host], out.path());
    let stdout = String::from_utf8_lossy(&replayed.stdout);
    assert_eq!(replayed.status.code(), Some(0), "{stdout}\n{}", String::from_utf8_lossy(&replayed.stderr));
    // Where the traffic goes is said before the first request.
    assert!(stdout.contains(&format!("remote target {host}:")), "{stdout}");
    let report = read_report(out.path());
    let requests = report["requests"].as_u64().expect("requests");
    assert!(requests > 0);
    assert_eq!(report["errors"], 0, "{}", report["actions"]);
    // The server saw at least the replay's requests, the health check first.
    let lines = lines_when(&log, |lines| lines.len() as u64 >= requests);
    assert!(lines.len() as u64 >= requests, "{} lines for {requests} requests", lines.len());
    assert!(lines[0].contains("\"GET /health HTTP/1.1\""), "{}", lines[0]);
    assert!(lines.iter().all(|l| l.starts_with(&format!("{} ", netns.addresses.0))), "{lines:?}");
}
