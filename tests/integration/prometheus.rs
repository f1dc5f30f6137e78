//! The live metrics endpoint (`run --metrics-listen`): a real Prometheus (Debian's
//! `prometheus`, started here on loopback with a temporary database) scrapes a replay
//! against `stampede serve`, and its per-action request counts equal report.json's; a
//! direct scrape serves every series the Grafana dashboard queries; a non-loopback address
//! needs the allowlist.

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{Server, interrupt, read_report, repo_root, require_or_skip, stampede, wait};

/// A short replay with two actions (signup, view_feed), ~300 newcomers.
fn scenario() -> std::path::PathBuf {
    repo_root().join("scenarios/examples/constant.yaml")
}

/// A port free on 127.0.0.1 when asked (bound, then released).
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("an address").port()
}

/// `GET path` on 127.0.0.1:`port`: the status code and the body (HTTP/1.0, bounded in time).
fn get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    Some((status, body.to_string()))
}

/// A Prometheus process, killed on drop.
struct Prometheus {
    child: Child,
    port: u16,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Prometheus {
    /// Starts Prometheus on loopback scraping 127.0.0.1:`target_port` every second, and
    /// waits (bounded) until it is ready.
    fn start(dir: &std::path::Path, target_port: u16) -> Prometheus {
        let config = dir.join("prometheus.yml");
        let yaml = format!(
            "global: {{ scrape_interval: 1s, scrape_timeout: 1s }}\nscrape_configs:\n  - job_name: stampede\n    \
             static_configs: [{{ targets: ['127.0.0.1:{target_port}'] }}]\n"
        );
        std::fs::write(&config, yaml).expect("config written");
        let port = free_port();
        let log = std::fs::File::create(dir.join("prometheus.log")).expect("log file");
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", dir.join("data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("prometheus starts");
        let prometheus = Prometheus { child, port };
        let deadline = Instant::now() + Duration::from_secs(60);
        while get(port, "/-/ready").is_none_or(|(status, _)| status != 200) {
            assert!(Instant::now() < deadline, "prometheus not ready in 60 s: {}", prometheus.log(dir));
            std::thread::sleep(Duration::from_millis(200));
        }
        prometheus
    }

    fn log(&self, dir: &std::path::Path) -> String {
        std::fs::read_to_string(dir.join("prometheus.log")).unwrap_or_default()
    }

    /// An instant query's samples: the value of `label` → the sample's value.
    fn query(&self, promql: &str, label: &str) -> BTreeMap<String, f64> {
        let encoded: String = promql
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect();
        let Some((200, body)) = get(self.port, &format!("/api/v1/query?query={encoded}")) else {
            return BTreeMap::new();
        };
        let json: serde_json::Value = serde_json::from_str(&body).expect("the API answers JSON");
        let samples = json["data"]["result"].as_array().cloned().unwrap_or_default();
        samples
            .iter()
            .map(|s| {
                let key = s["metric"][label].as_str().unwrap_or_default().to_string();
                let value = s["value"][1].as_str().and_then(|v| v.parse().ok()).unwrap_or(f64::NAN);
                (key, value)
            })
            .collect()
    }
}

fn prometheus_installed() -> Result<(), String> {
    match Command::new("prometheus").arg("--version").output() {
        Ok(output) if output.status.success() => Ok(()),
        Ok(output) => {
            Err(format!("`prometheus --version` failed: {}", String::from_utf8_lossy(&output.stderr)))
        }
        Err(e) => Err(format!("prometheus is not installed ({e}; apt-get install prometheus)")),
    }
}

#[test]
fn prometheus_scrapes_a_replay_and_its_request_counts_equal_the_reports() {
    let test = "prometheus_scrapes_a_replay_and_its_request_counts_equal_the_reports";
    if require_or_skip("prometheus", test, prometheus_installed()).is_none() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let metrics_port = free_port();
    let prometheus = Prometheus::start(dir.path(), metrics_port);
    let server = Server::start::<&str>(&[]);
    let out = dir.path().join("run");
    let mut run = stampede()
        .args(["run", "--quiet", "--replay-in", "4s", "--think", "compressed", "--run-id", "promtest"])
        .args(["--target", &server.base, "--metrics-linger", "2m", "--metrics-listen"])
        .arg(format!("127.0.0.1:{metrics_port}"))
        .arg("--out")
        .arg(&out)
        .arg(scenario())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("stampede runs");
    // A scrape that saw the run finished saw its final counters; the linger leaves time.
    let finished = r#"max_over_time(stampede_run_finished{run_id="promtest"}[10m])"#;
    let deadline = Instant::now() + Duration::from_secs(90);
    while prometheus.query(finished, "run_id").get("promtest") != Some(&1.0) {
        if let Some(status) = run.try_wait().expect("wait works") {
            panic!("stampede exited ({status}) before a final scrape: {}", prometheus.log(dir.path()));
        }
        assert!(Instant::now() < deadline, "no final scrape in 90 s: {}", prometheus.log(dir.path()));
        std::thread::sleep(Duration::from_millis(250));
    }
    let scraped =
        prometheus.query(r#"last_over_time(stampede_requests_total{run_id="promtest"}[10m])"#, "action");
    let started = prometheus
        .query(r#"last_over_time(stampede_arrivals_started_total{run_id="promtest"}[10m])"#, "run_id");
    // Ctrl-C ends the linger at once; the report was written before it.
    interrupt(&run);
    let status = wait(&mut run, Duration::from_secs(20));
    assert_eq!(status.code(), Some(0), "{status}");
    let report = read_report(&out);
    let reported: BTreeMap<String, f64> = (report["actions"].as_array().expect("actions").iter())
        .map(|a| (a["name"].as_str().unwrap_or_default().to_string(), a["requests"].as_f64().unwrap_or(-1.0)))
        .collect();
    assert_eq!(reported.keys().collect::<Vec<_>>(), ["signup", "view_feed"], "{reported:?}");
    assert!(reported.values().all(|n| *n > 100.0), "{reported:?}");
    assert_eq!(scraped, reported, "Prometheus vs report.json");
    assert_eq!(started.get("promtest").copied(), report["arrivals"]["started"].as_f64());
}

/// The `stampede_…` names a PromQL expression uses.
fn names_in(expr: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = expr;
    while let Some(at) = rest.find("stampede_") {
        let tail = &rest[at..];
        let end = tail.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(tail.len());
        names.push(tail[..end].to_string());
        rest = &tail[end..];
    }
    names
}

/// Every `expr` in a Grafana dashboard, panels nested in rows included.
fn exprs(value: &serde_json::Value, found: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("expr", serde_json::Value::String(expr)) => found.push(expr.clone()),
                    _ => exprs(v, found),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| exprs(v, found)),
        _ => {}
    }
}

#[test]
fn a_scrape_serves_every_series_the_grafana_dashboard_queries() {
    let dashboard =
        std::fs::read_to_string(repo_root().join("reports/grafana-dashboard.json")).expect("dashboard");
    let dashboard: serde_json::Value = serde_json::from_str(&dashboard).expect("the dashboard is JSON");
    let mut found = Vec::new();
    exprs(&dashboard, &mut found);
    let queried: std::collections::BTreeSet<String> = found.iter().flat_map(|e| names_in(e)).collect();
    assert!(queried.len() >= 10, "{queried:?}");
    let out = tempfile::tempdir().expect("tempdir");
    let mut run = stampede()
        .args(["run", "--quiet", "--replay-in", "2s", "--think", "compressed", "--sample", "0.01"])
        .args(["--metrics-listen", "127.0.0.1:0", "--metrics-linger", "1m", "--out"])
        .arg(out.path())
        .arg(scenario())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("stampede runs");
    let stderr = BufReader::new(run.stderr.take().expect("piped stderr"));
    let line = stderr.lines().map_while(Result::ok).find(|l| l.starts_with("metrics: http://"));
    let url = line.expect("a `metrics:` line on stderr");
    let port: u16 =
        url.trim_end_matches("/metrics").rsplit(':').next().and_then(|p| p.parse().ok()).expect("a port");
    // The linger keeps the endpoint up after the run: poll until the run is finished.
    let deadline = Instant::now() + Duration::from_secs(60);
    let text = loop {
        let scrape = get(port, "/metrics").map(|(_, body)| body).unwrap_or_default();
        if scrape.lines().any(|l| l.starts_with("stampede_run_finished{") && l.ends_with(" 1")) {
            break scrape;
        }
        assert!(Instant::now() < deadline, "no finished scrape in 60 s:\n{scrape}");
        std::thread::sleep(Duration::from_millis(200));
    };
    interrupt(&run);
    assert_eq!(wait(&mut run, Duration::from_secs(20)).code(), Some(0));
    let series: std::collections::BTreeSet<&str> =
        (text.lines()).filter(|l| !l.starts_with('#')).filter_map(|l| l.split(['{', ' ']).next()).collect();
    for name in &queried {
        assert!(series.contains(name.as_str()), "{name} is queried but not served:\n{text}");
    }
}

#[test]
fn a_metrics_address_off_loopback_needs_the_allowlist() {
    let output = stampede()
        .args(["run", "--metrics-listen", "0.0.0.0:9464"])
        .arg(scenario())
        .output()
        .expect("stampede runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--metrics-listen 0.0.0.0:9464"), "{stderr}");
    for bad in ["localhost", "127.0.0.1", "--metrics-linger=11m", "--metrics-linger=NaN"] {
        let args: Vec<&str> = if bad.starts_with("--") { vec![bad] } else { vec!["--metrics-listen", bad] };
        let output = stampede().arg("run").args(&args).arg(scenario()).output().expect("stampede runs");
        assert_eq!(output.status.code(), Some(2), "{bad}: {}", String::from_utf8_lossy(&output.stderr));
    }
}
