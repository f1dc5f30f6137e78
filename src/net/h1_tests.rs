//! The HTTP/1.1 pool against tiny loopback servers that answer, close or refuse as told.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use http_body_util::BodyExt as _;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::*;
use crate::net::connector::{self, Wire};

/// A server answering every request with a small body; with `close_after_one`, each
/// connection is closed (without a `Connection: close`) right after its first answer, as
/// a server's idle timeout would. Returns its address and the requests it saw, with their
/// Host headers.
async fn server(close_after_one: bool) -> (std::net::SocketAddr, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 1024];
                loop {
                    while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..end]).to_string();
                        buf.drain(..end + 4);
                        log.lock().expect("log").push(head);
                        let answer = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";
                        if stream.write_all(answer).await.is_err() || close_after_one {
                            return;
                        }
                    }
                    match stream.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
            });
        }
    });
    (addr, seen)
}

/// A loopback address nothing listens on (bound, then closed): connecting is refused.
async fn refused() -> std::net::SocketAddr {
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    closed.local_addr().expect("addr")
}

/// A pool and the wire its connections are counted in.
fn pool() -> (Arc<Pool>, Arc<Wire>) {
    let wire = Arc::new(Wire::new(false));
    let config = crate::net::NetConfig::default();
    (Pool::new(connector::build(&config, wire.clone()).expect("connector"), Duration::from_secs(10)), wire)
}

fn get(url: &str) -> Request<Body> {
    Request::get(url).body(Body::default()).expect("request")
}

/// Sends a GET and reads its whole body, then drops the head (and with it the lease).
async fn exchange(pool: &Arc<Pool>, url: &str) -> Result<String, SendError> {
    let response = pool.send(get(url)).await?;
    let (head, body) = response.into_parts();
    let bytes = body.collect().await.expect("body").to_bytes();
    drop(head);
    Ok(String::from_utf8_lossy(&bytes).to_string())
}

#[tokio::test]
async fn one_connection_serves_requests_one_after_another_in_origin_form() {
    let (addr, seen) = server(false).await;
    let (pool, wire) = pool();
    for i in 0..5 {
        let body = exchange(&pool, &format!("http://{addr}/feed?page={i}")).await.expect("answered");
        assert_eq!(body, "ok");
    }
    assert_eq!(wire.opened(), 1, "reused");
    assert_eq!(pool.idle(&addr.to_string()), 1);
    let seen = seen.lock().expect("log");
    assert!(seen[3].starts_with("GET /feed?page=3 HTTP/1.1\r\n"), "{}", seen[3]);
    assert!(seen[3].to_ascii_lowercase().contains(&format!("host: {addr}")), "{}", seen[3]);
}

#[tokio::test]
async fn a_connection_the_server_closed_while_idle_is_replaced_not_failed() {
    let (addr, seen) = server(true).await;
    let (pool, wire) = pool();
    for _ in 0..4 {
        exchange(&pool, &format!("http://{addr}/")).await.expect("answered despite the close");
        // Let the close reach the client, as an idle timeout would between requests.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(seen.lock().expect("log").len(), 4);
    assert_eq!(wire.opened(), 4, "one connection per answer");
}

#[tokio::test]
async fn concurrent_requests_open_connections_and_all_come_back() {
    let (addr, _) = server(false).await;
    let (pool, wire) = pool();
    let url = format!("http://{addr}/");
    let done = AtomicUsize::new(0);
    let all = (0..8).map(|_| async {
        exchange(&pool, &url).await.expect("answered");
        done.fetch_add(1, Ordering::Relaxed);
    });
    futures_util::future::join_all(all).await;
    assert_eq!(done.load(Ordering::Relaxed), 8);
    let opened = usize::try_from(wire.opened()).expect("small");
    assert!((1..=8).contains(&opened), "{opened}");
    assert_eq!(pool.idle(&addr.to_string()), opened, "every connection is idle again");
}

#[tokio::test]
async fn a_response_dropped_unread_gives_its_connection_back_once_ready() {
    let (addr, _) = server(false).await;
    let (pool, wire) = pool();
    // Dropped with its body (2 bytes, already read by hyper) and head together.
    drop(pool.send(get(&format!("http://{addr}/"))).await.expect("answered"));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while pool.idle(&addr.to_string()) == 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    exchange(&pool, &format!("http://{addr}/")).await.expect("answered");
    assert_eq!(wire.opened(), 1, "the first connection was reused");
}

#[tokio::test]
async fn nothing_listening_is_a_connect_error() {
    let addr = refused().await;
    let (pool, _) = pool();
    let error = exchange(&pool, &format!("http://{addr}/")).await.expect_err("refused");
    assert!(error.is_connect(), "{error:?}");
}

#[tokio::test]
async fn the_host_header_omits_port_80_and_keeps_others() {
    let (pool, _) = pool();
    let host = |text: &str| pool.host(&text.parse().expect("authority"));
    assert_eq!(host("example.test:80"), "example.test");
    assert_eq!(host("example.test"), "example.test");
    assert_eq!(host("127.0.0.1:8080"), "127.0.0.1:8080");
    assert_eq!(host("[::1]:9000"), "[::1]:9000");
}

#[tokio::test]
async fn origins_beyond_the_cap_are_served_but_not_pooled() {
    let (pool, _) = pool();
    for port in 0..MAX_ORIGINS + 10 {
        let _ = pool.host(&format!("127.0.0.1:{}", 10_000 + port).parse().expect("authority"));
    }
    assert_eq!(pool.lock().len(), MAX_ORIGINS);
    // One more origin still gets its exchange, on a connection that is then dropped.
    let (addr, _) = server(false).await;
    assert_eq!(exchange(&pool, &format!("http://{addr}/")).await.expect("answered"), "ok");
    assert_eq!(pool.idle(&addr.to_string()), 0);
    assert_eq!(pool.lock().len(), MAX_ORIGINS);
}

#[tokio::test]
async fn a_request_that_gives_up_waiting_leaves_its_opening_to_the_next() {
    let (addr, _) = server(false).await;
    let (pool, wire) = pool();
    let url = format!("http://{addr}/");
    // Polled once (it waits, its opening starts), then dropped as a timeout would.
    {
        use std::future::Future as _;
        let mut send = std::pin::pin!(pool.send(get(&url)));
        let first = std::future::poll_fn(|cx| std::task::Poll::Ready(send.as_mut().poll(cx))).await;
        assert!(first.is_pending(), "still waiting when dropped");
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while pool.idle(&addr.to_string()) == 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(pool.idle(&addr.to_string()), 1, "the opening went idle");
    exchange(&pool, &url).await.expect("answered");
    assert_eq!(wire.opened(), 1, "the next request took it");
}

#[tokio::test]
async fn every_request_waiting_on_a_refused_origin_gets_its_connect_error() {
    let addr = refused().await;
    let (pool, _) = pool();
    let url = format!("http://{addr}/");
    let all = (0..6).map(|_| exchange(&pool, &url));
    let answers = tokio::time::timeout(Duration::from_secs(10), futures_util::future::join_all(all))
        .await
        .expect("no request is left waiting");
    for answer in answers {
        assert!(answer.as_ref().is_err_and(SendError::is_connect), "{answer:?}");
    }
}
