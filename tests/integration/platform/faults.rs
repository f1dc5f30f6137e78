//! Fault injection through the API: stall windows hold requests until they end, an error
//! rate of 1 answers 503, and the admin endpoint guards and applies changes.

use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use serde_json::json;
use stampede::platform::config::Secret;

use super::api::{app_with, call};

#[tokio::test]
async fn a_request_inside_a_stall_window_completes_at_its_end() {
    // Window [300 ms, 5300 ms) after the app opened. Its epoch lies between `before` and
    // `opened`, so a request sent at `opened + 300 ms` arrives inside the window unless
    // opening took 5 s (a window this long keeps a busy machine from missing it), and
    // cannot finish before `before + 5300 ms`.
    let before = Instant::now();
    let (app, _dir) = app_with(|config| {
        config.faults.stalls = vec!["300ms+5s".parse().expect("valid stall")];
    });
    let opened = Instant::now();
    assert!(
        opened - before < Duration::from_secs(5),
        "opening took {:?}: the window passed",
        opened - before
    );

    let (status, _) = call(&app, Method::GET, "/health", None, None).await;
    assert_eq!(status, StatusCode::OK);

    tokio::time::sleep_until((opened + Duration::from_millis(300)).into()).await;
    let (status, _) = call(&app, Method::GET, "/health", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let done = before.elapsed();
    assert!(done >= Duration::from_millis(5_300), "finished at {done:?}, inside the window");

    // After the window, requests pass: not held for another window's length.
    let start = Instant::now();
    let (status, _) = call(&app, Method::GET, "/health", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(start.elapsed() < Duration::from_secs(5), "held after the window: {:?}", start.elapsed());
}

#[tokio::test]
async fn an_error_rate_of_one_answers_503_on_its_routes_only() {
    let (app, _dir) = app_with(|config| {
        config.faults.error_rate.insert("signup".parse().expect("route"), 1.0.try_into().expect("rate"));
    });
    let body = json!({"handle": "alice", "email": "a@b", "password": "long enough"});
    let (status, json) = call(&app, Method::POST, "/api/signup", None, Some(body)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(json, json!({"error": "injected fault"}));
    let (status, _) = call(&app, Method::GET, "/health", None, None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn admin_endpoint_needs_its_token_and_applies_changes() {
    let (app, _dir) = app_with(|_| {});
    let (status, _) = call(&app, Method::GET, "/admin/faults", Some("anything"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "disabled without --admin-token");

    let (app, _dir) = app_with(|config| config.admin_token = Some(Secret("s3cret".into())));
    let (status, json) = call(&app, Method::GET, "/admin/faults", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{json}");
    let (status, json) = call(&app, Method::GET, "/admin/faults", Some("wrong"), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{json}");
    let (status, json) = call(&app, Method::GET, "/admin/faults", Some("s3cret"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json["stalls"], json!([]));
    // The scheme is case-insensitive, as on the user routes.
    for scheme in ["bearer", "BEARER"] {
        let request = axum::http::Request::builder()
            .uri("/admin/faults")
            .header("authorization", format!("{scheme} s3cret"))
            .body(axum::body::Body::empty())
            .expect("request builds");
        let response = tower::ServiceExt::oneshot(app.clone(), request).await.expect("answers");
        assert_eq!(response.status(), StatusCode::OK, "{scheme}");
    }

    let bad = json!({"latency": {"all": "fixed:20"}});
    let (status, json) = call(&app, Method::PUT, "/admin/faults", Some("s3cret"), Some(bad)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{json}");

    let faults = json!({
        "latency": {"health": "fixed:1ms"},
        "error_rate": {"view_feed": 1.0},
        "stalls": [{"start_in_ms": 200, "duration_ms": 5000}]
    });
    let put_at = Instant::now();
    let (status, json) = call(&app, Method::PUT, "/admin/faults", Some("s3cret"), Some(faults)).await;
    let put_done = Instant::now();
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["latency"], json!({"health": "fixed:1ms"}));
    assert_eq!(json["stalls"][0]["duration_ms"], 5000);

    // The stall starts 200 ms after the PUT was handled (between `put_at` and `put_done`)
    // and lasts 5 s: a request sent 200 ms after `put_done` is inside it unless answering
    // the PUT took 5 s, and cannot finish before `put_at + 5.2 s`.
    tokio::time::sleep_until((put_done + Duration::from_millis(200)).into()).await;
    let (status, _) = call(&app, Method::GET, "/health", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let done = put_at.elapsed();
    assert!(done >= Duration::from_millis(5_200), "finished at {done:?}, inside the window");

    let (status, _) = call(&app, Method::GET, "/api/timeline", Some("no matter"), None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "faults run before auth");

    let (status, json) = call(&app, Method::PUT, "/admin/faults", Some("s3cret"), Some(json!({}))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json["error_rate"], json!({}));
}
