//! The real `stampede serve` binary over a socket: the startup line, a few calls with a
//! plain HTTP client, a clean exit on SIGINT, and data surviving a restart.

use std::time::Duration;

use serde_json::{Value, json};

use crate::util::Server;

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

    let server = Server::start(&[std::ffi::OsStr::new("--data"), data.path().as_os_str()]);
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

    let server = Server::start(&[std::ffi::OsStr::new("--data"), data.path().as_os_str()]);
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

/// A client that sends half a request's headers and stops is not held forever: the
/// server closes the connection after its header-read timeout (10 s), and still serves
/// others meanwhile.
#[test]
fn half_sent_headers_are_cut_off_after_the_header_read_timeout() {
    use std::io::{Read, Write};
    let server = Server::start::<&str>(&[]);
    let address = server.base.trim_start_matches("http://").to_string();
    let mut half = std::net::TcpStream::connect(&address).expect("connects");
    half.write_all(b"GET /health HTTP/1.1\r\nHost: stampede\r\nX-Slow: ").expect("writes");
    half.set_read_timeout(Some(Duration::from_secs(60))).expect("sets a timeout");
    // Another client is served while the half request waits.
    let mut whole = std::net::TcpStream::connect(&address).expect("connects");
    whole.write_all(b"GET /health HTTP/1.1\r\nHost: stampede\r\nConnection: close\r\n\r\n").expect("writes");
    let mut answer = String::new();
    whole.read_to_string(&mut answer).expect("reads");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // The half request: the server gives up on it (a close, maybe after a 408), well
    // before the 60 s read timeout of this client.
    let mut rest = Vec::new();
    let closed = half.read_to_end(&mut rest);
    assert!(closed.is_ok(), "the server closed the connection instead of holding it: {closed:?}");
    let text = String::from_utf8_lossy(&rest);
    assert!(text.is_empty() || text.starts_with("HTTP/1.1 408"), "{text}");
}
