//! The real `stampede serve` binary over a socket: the startup line, a few calls with a
//! plain HTTP client, a clean exit on SIGINT, and data surviving a restart.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::util::stampede;

/// A running `stampede serve`; killed on drop if a test fails before stopping it.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(data: &Path) -> Server {
        let mut child = stampede()
            .args(["serve", "--listen", "127.0.0.1:0", "--hash-cost", "low", "--data"])
            .arg(data)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("stampede starts");
        let stdout = child.stdout.take().expect("piped stdout");
        // Read the first line on a thread so a silent server fails the test in bounded time.
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(Duration::from_secs(30)).expect("a first stdout line within 30 s");
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        assert!(base.starts_with("http://127.0.0.1:"), "{base}");
        Server { child, base }
    }

    /// Sends SIGINT and returns whether the process exited with status 0.
    fn interrupt(mut self) -> bool {
        let status = std::process::Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("wait works") {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("stampede serve did not exit within 20 s of SIGINT");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn request(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut builder = client.request(method, url).timeout(Duration::from_secs(20));
    if let Some(token) = token {
        builder = builder.bearer_auth(token);
    }
    if let Some(body) = body {
        builder = builder.json(&body);
    }
    let response = builder.send().await.expect("request completes");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON body"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_over_a_socket_stops_on_sigint_and_keeps_data_across_restarts() {
    let data = tempfile::tempdir().expect("temp dir");
    let client = reqwest::Client::new();
    let post = reqwest::Method::POST;
    let get = reqwest::Method::GET;

    let server = Server::start(data.path());
    let base = server.base.clone();
    let (status, json) = request(&client, get.clone(), format!("{base}/health"), None, None).await;
    assert_eq!((status, json), (200, json!({"status": "ok"})));
    let signup = json!({"handle": "alice", "email": "a@example.com", "password": "hunter2hunter2"});
    let (status, json) =
        request(&client, post.clone(), format!("{base}/api/signup"), None, Some(signup)).await;
    assert_eq!(status, 201, "{json}");
    let token = json["token"].as_str().expect("token").to_string();
    let (status, json) = request(
        &client,
        post.clone(),
        format!("{base}/api/posts"),
        Some(&token),
        Some(json!({"text": "survives restarts"})),
    )
    .await;
    assert_eq!(status, 201, "{json}");
    let post_id = json["id"].as_i64().expect("post id");
    assert!(server.interrupt(), "exit status 0 after SIGINT");

    let server = Server::start(data.path());
    let base = server.base.clone();
    let login = json!({"handle": "alice", "password": "hunter2hunter2"});
    let (status, json) = request(&client, post.clone(), format!("{base}/api/login"), None, Some(login)).await;
    assert_eq!(status, 200, "login after restart: {json}");
    let token = json["token"].as_str().expect("token").to_string();
    let (status, json) =
        request(&client, get.clone(), format!("{base}/api/posts/{post_id}"), Some(&token), None).await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["text"], "survives restarts");
    let (status, _) = request(&client, get, format!("{base}/api/timeline"), Some("stale"), None).await;
    assert_eq!(status, 401);
    assert!(server.interrupt(), "exit status 0 after SIGINT");
}
