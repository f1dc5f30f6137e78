//! Reference platforms started for one side of an A/B run: `PATH serve` on a free loopback
//! port, from the build under test (a team comparing two builds of its server) or from this
//! binary with other fault settings (the gate's calibration). Each lives as long as its
//! [`Server`] value; dropping it kills the process.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::AbError;

/// How long a platform may take to say where it listens.
const STARTUP: Duration = Duration::from_secs(30);

/// A running platform process and its base URL.
#[derive(Debug)]
pub struct Server {
    child: Child,
    pub url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        // Its state is of no further use: the run directories hold what was measured.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `exe serve --listen 127.0.0.1:0 ARGS`, its output in `log`, and waits for its
/// `listening on URL` line.
pub fn start(side: &'static str, exe: &Path, args: &[String], log: &Path) -> Result<Server, AbError> {
    let spawn_error = |source| AbError::Platform { side, exe: exe.to_path_buf(), source };
    let file = File::create(log).map_err(|source| AbError::Write { path: log.to_path_buf(), source })?;
    let stderr = file.try_clone().map_err(spawn_error)?;
    let child = Command::new(exe)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::from(file))
        .stderr(Stdio::from(stderr))
        .spawn()
        .map_err(spawn_error)?;
    let mut server = Server { child, url: String::new() };
    let started = Instant::now();
    loop {
        if let Some(url) = listening_url(log) {
            server.url = url;
            return Ok(server);
        }
        let exited = server.child.try_wait().ok().flatten();
        if exited.is_some() || started.elapsed() > STARTUP {
            let why = exited
                .map_or_else(|| format!("no `listening on` line within {STARTUP:?}"), |s| s.to_string());
            return Err(AbError::NotListening { side, why, log: log.to_path_buf() });
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The URL of the first `listening on URL` line of the log, if written yet.
fn listening_url(log: &Path) -> Option<String> {
    let text = std::fs::read_to_string(log).ok()?;
    let rest = text.lines().find_map(|line| line.strip_prefix("listening on "))?;
    let url = rest.split_whitespace().next()?;
    url.starts_with("http").then(|| url.to_string())
}

/// The log file of a side's platform in the A/B run directory.
pub fn log_path(out: &Path, side: &str) -> PathBuf {
    out.join(format!("{side}-serve.log"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_listening_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = dir.path().join("serve.log");
        std::fs::write(&log, "starting\n").expect("write");
        assert_eq!(listening_url(&log), None);
        std::fs::write(&log, "starting\nlistening on http://127.0.0.1:4311 (h2c too)\n").expect("write");
        assert_eq!(listening_url(&log).as_deref(), Some("http://127.0.0.1:4311"));
    }

    #[test]
    fn a_platform_that_exits_is_an_error_naming_its_log() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = log_path(dir.path(), "baseline");
        // `false` exits 1 at once and never prints a listening line.
        let error = start("baseline", Path::new("false"), &[], &log).expect_err("exits");
        let text = error.to_string();
        assert!(text.contains("baseline") && text.contains("baseline-serve.log"), "{text}");
    }
}
