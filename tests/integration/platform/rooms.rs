//! Live rooms in-process: join (creating the room), the event stream delivering each
//! message to every member, membership rules, leaving, and streams ending at shutdown.

use axum::body::{Body, BodyDataStream};
use axum::http::{Method, Request, StatusCode};
use futures_util::StreamExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use super::api::{app_with, call, signup};

/// Opens `name`'s event stream as `token`; returns the status and the body stream.
async fn events(app: &axum::Router, name: &str, token: &str) -> (StatusCode, BodyDataStream) {
    let request = Request::builder()
        .method(Method::GET)
        .uri(format!("/api/rooms/{name}/events"))
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .expect("request builds");
    let response = app.clone().oneshot(request).await.expect("infallible");
    (response.status(), response.into_body().into_data_stream())
}

/// Reads the stream until it has yielded `n` events (name, data), skipping comments.
async fn next_events(stream: &mut BodyDataStream, n: usize) -> Vec<(String, String)> {
    let mut text = String::new();
    let mut out = Vec::new();
    while out.len() < n {
        let chunk = stream.next().await.expect("stream open").expect("chunk");
        text.push_str(std::str::from_utf8(&chunk).expect("utf-8"));
        while let Some(end) = text.find("\n\n") {
            let block: String = text.drain(..end + 2).collect();
            let field = |name: &str| {
                block.lines().find_map(|l| l.strip_prefix(name)).map(|v| v.trim_start().to_string())
            };
            if let Some(data) = field("data:") {
                out.push((field("event:").unwrap_or_else(|| "message".into()), data));
            }
        }
    }
    out
}

#[tokio::test]
async fn members_receive_every_message_and_outsiders_are_refused() {
    let (app, _dir) = app_with(|_| {});
    let (alice, alice_token) = signup(&app, "alice").await;
    let (_, bob_token) = signup(&app, "bob").await;
    let (_, carol_token) = signup(&app, "carol").await;

    let join = "/api/rooms/tiktok-refugees/join";
    let (status, joined) = call(&app, Method::POST, join, Some(&alice_token), None).await;
    assert_eq!(status, StatusCode::OK, "{joined}");
    assert_eq!(joined["members"], 1);
    let room_id = joined["room_id"].clone();
    let (_, again) = call(&app, Method::POST, join, Some(&alice_token), None).await;
    assert_eq!(again, json!({"room_id": room_id, "members": 1}), "joining twice is one membership");
    let (_, joined) = call(&app, Method::POST, join, Some(&bob_token), None).await;
    assert_eq!(joined["members"], 2);

    let (status, mut alice_stream) = events(&app, "tiktok-refugees", &alice_token).await;
    assert_eq!(status, StatusCode::OK);
    let (_, mut bob_stream) = events(&app, "tiktok-refugees", &bob_token).await;
    assert_eq!(next_events(&mut alice_stream, 1).await[0].0, "ready");
    assert_eq!(next_events(&mut bob_stream, 1).await[0].0, "ready");

    let messages = "/api/rooms/tiktok-refugees/messages";
    for text in ["hello from the other side", "cat tax"] {
        let (status, sent) =
            call(&app, Method::POST, messages, Some(&alice_token), Some(json!({"text": text}))).await;
        assert_eq!(status, StatusCode::CREATED, "{sent}");
    }
    for stream in [&mut alice_stream, &mut bob_stream] {
        let got = next_events(stream, 2).await;
        let texts: Vec<Value> = got
            .iter()
            .map(|(name, data)| {
                assert_eq!(name, "message");
                let message: Value = serde_json::from_str(data).expect("JSON message");
                assert_eq!(message["author_id"], alice);
                assert!(message["sent_at"].as_str().is_some_and(|t| t.ends_with('Z')));
                message["text"].clone()
            })
            .collect();
        assert_eq!(
            texts,
            [json!("hello from the other side"), json!("cat tax")],
            "in order, to every member"
        );
    }

    // Carol never joined; nobody can use a room that does not exist or a bad name.
    let (status, _) = events(&app, "tiktok-refugees", &carol_token).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, json) =
        call(&app, Method::POST, messages, Some(&carol_token), Some(json!({"text": "hi"}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{json}");
    let (status, _) = events(&app, "no-such-room", &carol_token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(&app, Method::POST, "/api/rooms/a!/join", Some(&carol_token), None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = call(&app, Method::POST, join, None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = call(&app, Method::POST, messages, Some(&bob_token), Some(json!({"text": " "}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let leave = "/api/rooms/tiktok-refugees/leave";
    let (status, left) = call(&app, Method::POST, leave, Some(&bob_token), None).await;
    assert_eq!((status, left), (StatusCode::OK, json!({"members": 1})));
    let (status, _) = call(&app, Method::POST, messages, Some(&bob_token), Some(json!({"text": "x"}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a member who left cannot write");
}

#[tokio::test]
async fn streams_end_when_the_platform_closes_its_rooms() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = stampede::platform::Config::new(dir.path());
    config.hash_cost = stampede::platform::HashCost::Low;
    let app = stampede::platform::App::open(&config).expect("app opens");
    let live = app.live.clone();
    let router = stampede::platform::router(app);
    let (_, token) = signup(&router, "alice").await;
    call(&router, Method::POST, "/api/rooms/lobby/join", Some(&token), None).await;
    let (_, mut stream) = events(&router, "lobby", &token).await;
    assert_eq!(next_events(&mut stream, 1).await[0].0, "ready");
    live.close();
    assert!(stream.next().await.is_none(), "the stream ends instead of holding shutdown open");
}
