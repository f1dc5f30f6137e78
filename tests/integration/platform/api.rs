//! The API in-process: a full user journey, and every class of bad input getting its
//! status and a JSON error body.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};
use stampede::platform::{App, Config, HashCost, router};
use tower::ServiceExt;

/// A router over a fresh data directory (kept alive by the returned guard).
pub fn app_with(configure: impl FnOnce(&mut Config)) -> (Router, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config::new(dir.path());
    config.hash_cost = HashCost::Low;
    configure(&mut config);
    let app = App::open(&config).expect("app opens");
    (router(app), dir)
}

/// One request; returns the status and the body parsed as JSON (`Null` when empty).
pub async fn call(
    app: &Router,
    method: Method,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let body = match body {
        Some(json) => {
            request = request.header("content-type", "application/json");
            Body::from(json.to_string())
        }
        None => Body::empty(),
    };
    send(app, request.body(body).expect("request builds")).await
}

pub async fn send(app: &Router, request: Request<Body>) -> (StatusCode, Value) {
    let response = app.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("body reads");
    let json = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| panic!("body is not JSON: {}", String::from_utf8_lossy(&bytes)))
    };
    (status, json)
}

/// Signs `handle` up; returns (id, token).
pub async fn signup(app: &Router, handle: &str) -> (i64, String) {
    let body =
        json!({"handle": handle, "email": format!("{handle}@example.com"), "password": "hunter2hunter2"});
    let (status, json) = call(app, Method::POST, "/api/signup", None, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{json}");
    (json["id"].as_i64().expect("id"), json["token"].as_str().expect("token").to_string())
}

fn upload(token: &str, content_type: &str, bytes: Vec<u8>) -> Request<Body> {
    Request::post("/api/media")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", content_type)
        .body(Body::from(bytes))
        .expect("request builds")
}

#[tokio::test]
async fn journey_from_signup_to_timeline() {
    let (app, _dir) = app_with(|_| {});
    let (status, json) = call(&app, Method::GET, "/health", None, None).await;
    assert_eq!((status, json), (StatusCode::OK, json!({"status": "ok"})));

    let (alice, alice_token) = signup(&app, "alice").await;
    let (bob, bob_token) = signup(&app, "bob").await;

    let (status, media) = send(&app, upload(&alice_token, "image/png", vec![0x89, b'P', b'N', b'G'])).await;
    assert_eq!(status, StatusCode::CREATED, "{media}");
    assert_eq!(media["bytes"], 4);
    let media_id = media["id"].as_i64().expect("media id");
    // Served back as the raster type it was stored as, never sniffed into something else.
    let request = Request::get(format!("/api/media/{media_id}"))
        .header("authorization", format!("Bearer {bob_token}"))
        .body(Body::empty())
        .expect("request builds");
    let response = app.clone().oneshot(request).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/png");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");

    let post = json!({"text": "launch day", "media_ids": [media_id]});
    let (status, created) = call(&app, Method::POST, "/api/posts", Some(&alice_token), Some(post)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let post_id = created["id"].as_i64().expect("post id");

    let follow = format!("/api/users/{alice}/follow");
    let (status, json) = call(&app, Method::POST, &follow, Some(&bob_token), None).await;
    assert_eq!((status, json), (StatusCode::OK, json!({"following": true})));

    let comments = format!("/api/posts/{post_id}/comments");
    let (status, json) =
        call(&app, Method::POST, &comments, Some(&bob_token), Some(json!({"text": "congrats"}))).await;
    assert_eq!(status, StatusCode::CREATED, "{json}");

    let like = format!("/api/posts/{post_id}/like");
    for _ in 0..2 {
        let (status, json) = call(&app, Method::POST, &like, Some(&bob_token), None).await;
        assert_eq!((status, json), (StatusCode::OK, json!({"likes": 1})), "likes are idempotent");
    }

    let (status, timeline) = call(&app, Method::GET, "/api/timeline?limit=10", Some(&bob_token), None).await;
    assert_eq!(status, StatusCode::OK, "{timeline}");
    let posts = timeline["posts"].as_array().expect("posts");
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0]["id"], post_id);
    assert_eq!(posts[0]["author_id"], alice);
    assert_eq!(posts[0]["author_handle"], "alice");
    assert_eq!(posts[0]["text"], "launch day");
    assert_eq!(posts[0]["media_ids"], json!([media_id]));
    assert_eq!(posts[0]["comment_count"], 1);
    assert_eq!(posts[0]["like_count"], 1);
    assert_eq!(timeline["next_cursor"], Value::Null);

    let (status, detail) =
        call(&app, Method::GET, &format!("/api/posts/{post_id}"), Some(&bob_token), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(detail["latest_comments"][0]["text"], "congrats");

    let (status, profile) =
        call(&app, Method::GET, &format!("/api/users/{alice}"), Some(&bob_token), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        profile,
        json!({"id": alice, "handle": "alice", "followers": 1, "following": 0, "posts": 1, "followed_by_you": true})
    );

    let (status, _) = call(&app, Method::DELETE, &follow, Some(&bob_token), None).await;
    assert_eq!(status, StatusCode::OK);
    let (_, timeline) = call(&app, Method::GET, "/api/timeline", Some(&bob_token), None).await;
    assert_eq!(timeline["posts"], json!([]));

    let login = json!({"handle": "bob", "password": "hunter2hunter2"});
    let (status, json) = call(&app, Method::POST, "/api/login", None, Some(login)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json["id"], bob);
}

#[tokio::test]
async fn timeline_pages_by_cursor_newest_first() {
    let (app, _dir) = app_with(|_| {});
    let (author, author_token) = signup(&app, "author").await;
    let (_, reader_token) = signup(&app, "reader").await;
    call(&app, Method::POST, &format!("/api/users/{author}/follow"), Some(&reader_token), None).await;
    for i in 0..5 {
        let post = json!({"text": format!("post {i}")});
        call(&app, Method::POST, "/api/posts", Some(&author_token), Some(post)).await;
    }
    let mut seen = Vec::new();
    let mut uri = "/api/timeline?limit=2".to_string();
    loop {
        let (status, page) = call(&app, Method::GET, &uri, Some(&reader_token), None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        for post in page["posts"].as_array().expect("posts") {
            seen.push(post["text"].as_str().expect("text").to_string());
        }
        match page["next_cursor"].as_str() {
            Some(cursor) => uri = format!("/api/timeline?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, ["post 4", "post 3", "post 2", "post 1", "post 0"]);
}

#[tokio::test]
async fn bad_input_gets_its_status_and_a_json_error() {
    let (app, _dir) = app_with(|_| {});
    let (alice, bearer) = signup(&app, "alice").await;
    let token = Some(bearer.as_str());

    let malformed = Request::post("/api/signup")
        .header("content-type", "application/json")
        .body(Body::from("{\"handle\": "))
        .expect("request builds");
    let cases: Vec<(&str, Request<Body>, StatusCode)> = vec![
        ("malformed JSON", malformed, StatusCode::BAD_REQUEST),
        ("bad limit", get("/api/timeline?limit=0", token), StatusCode::BAD_REQUEST),
        ("bad cursor", get("/api/timeline?cursor=x", token), StatusCode::BAD_REQUEST),
        ("non-numeric id", get("/api/posts/abc", token), StatusCode::BAD_REQUEST),
        ("missing token", get("/api/timeline", None), StatusCode::UNAUTHORIZED),
        ("unknown token", get("/api/timeline", Some("nope")), StatusCode::UNAUTHORIZED),
        ("unknown post", get("/api/posts/999", token), StatusCode::NOT_FOUND),
        ("unknown user", get("/api/users/999", token), StatusCode::NOT_FOUND),
        ("unknown route", get("/api/nothing", token), StatusCode::NOT_FOUND),
        (
            "oversized media",
            upload(&bearer, "image/png", vec![0; 5 * 1024 * 1024 + 1]),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        ("wrong media type", upload(&bearer, "text/plain", vec![1]), StatusCode::UNSUPPORTED_MEDIA_TYPE),
        (
            "scriptable image type",
            upload(&bearer, "image/svg+xml", b"<svg onload=\"alert(1)\"/>".to_vec()),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
    ];
    for (what, request, expected) in cases {
        let (status, json) = send(&app, request).await;
        assert_eq!(status, expected, "{what}: {json}");
        assert!(json["error"].is_string(), "{what}: {json}");
    }

    let json_cases = [
        (
            "/api/signup",
            json!({"handle": "alice", "email": "a@b", "password": "long enough"}),
            StatusCode::CONFLICT,
        ),
        ("/api/signup", json!({"handle": "carol"}), StatusCode::UNPROCESSABLE_ENTITY),
        (
            "/api/signup",
            json!({"handle": "x!", "email": "a@b", "password": "long enough"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        ("/api/login", json!({"handle": "alice", "password": "wrong password"}), StatusCode::UNAUTHORIZED),
        ("/api/login", json!({"handle": "nobody", "password": "wrong password"}), StatusCode::UNAUTHORIZED),
        ("/api/posts", json!({"text": "x".repeat(501)}), StatusCode::UNPROCESSABLE_ENTITY),
        ("/api/posts", json!({"text": "hi", "media_ids": [42]}), StatusCode::UNPROCESSABLE_ENTITY),
        ("/api/posts", json!({"text": "x".repeat(70_000)}), StatusCode::PAYLOAD_TOO_LARGE),
        ("/api/posts/999/comments", json!({"text": "hi"}), StatusCode::NOT_FOUND),
        (&format!("/api/users/{alice}/follow"), json!({}), StatusCode::UNPROCESSABLE_ENTITY),
        ("/api/users/999/follow", json!({}), StatusCode::NOT_FOUND),
        ("/api/posts/999/like", json!({}), StatusCode::NOT_FOUND),
    ];
    for (uri, body, expected) in json_cases {
        let (status, json) = call(&app, Method::POST, uri, token, Some(body)).await;
        assert_eq!(status, expected, "{uri}: {json}");
        assert!(json["error"].is_string(), "{uri}: {json}");
    }
}

fn get(uri: &str, token: Option<&str>) -> Request<Body> {
    let mut request = Request::get(uri);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    request.body(Body::empty()).expect("request builds")
}
