//! Sessions, bodies and GraphQL end to end against `stampede serve`: newcomers sign up,
//! log in by form to get a session cookie, upload a multipart file and post with only
//! that cookie, and read the feed over GraphQL, where a query the server rejects with a
//! 200 `{"errors": …}` counts as failed through `fail_if`.

use std::path::Path;
use std::process::Output;

use serde_json::Value;

use crate::util::{Server, read_report, repo_root, stampede};

fn fixture(name: &str) -> std::path::PathBuf {
    repo_root().join("tests/fixtures/sessions").join(name)
}

fn run(target: &str, profile: &Path, scenario: &Path, out: &Path) -> Output {
    stampede()
        .args(["run", "--replay-in", "2s", "--quiet", "--target", target, "--profile"])
        .arg(profile)
        .arg("--out")
        .arg(out)
        .arg(scenario)
        .output()
        .expect("stampede runs")
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

fn action<'a>(report: &'a Value, name: &str) -> &'a Value {
    (report["actions"].as_array())
        .and_then(|a| a.iter().find(|x| x["name"] == name))
        .unwrap_or_else(|| panic!("no action {name} in the report: {}", report["actions"]))
}

fn errors(action: &Value) -> u64 {
    action["errors"].as_object().map_or(0, |classes| classes.values().filter_map(Value::as_u64).sum())
}

/// GETs `path` on the server with a fresh account's bearer token, as JSON.
fn get_json(base: &str, paths: &[String]) -> Vec<Value> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let client = reqwest::Client::new();
        let signup =
            serde_json::json!({"handle": "checker", "email": "c@example.test", "password": "checker-pw"});
        let session: Value = (client.post(format!("{base}/api/signup")).json(&signup).send().await)
            .expect("signup answers")
            .json()
            .await
            .expect("JSON session");
        let token = session["token"].as_str().expect("a token").to_string();
        let mut out = Vec::new();
        for path in paths {
            let response =
                client.get(format!("{base}{path}")).bearer_auth(&token).send().await.expect("answers");
            out.push(response.json().await.expect("JSON"));
        }
        out
    })
}

#[test]
fn a_form_login_cookie_signs_posts_uploads_and_graphql_reads() {
    let server = Server::start::<&str>(&[]);
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("run");
    let output = run(&server.base, &fixture("web.yaml"), &fixture("web-journey.yaml"), &out);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let report = read_report(&out);
    let signups = action(&report, "signup")["requests"].as_u64().expect("signups");
    assert!(signups >= 5, "most of the ten newcomers arrived: {signups}");
    for name in ["signup", "login", "upload_media", "create_post", "view_feed"] {
        let a = action(&report, name);
        assert_eq!(a["requests"].as_u64(), Some(signups), "{name}: {a}");
        assert_eq!(errors(a), 0, "{name} has no errors: {}", a["errors"]);
    }
    // Server side: every newcomer (users 1..=signups, the checker comes after) has exactly
    // the one post it made with nothing but its session cookie.
    let paths: Vec<String> = (1..=signups).map(|id| format!("/api/users/{id}")).collect();
    for user in get_json(&server.base, &paths) {
        assert_eq!(user["posts"], 1, "{user}");
    }
}

#[test]
fn a_graphql_error_answered_with_200_counts_as_failed_through_fail_if() {
    let server = Server::start::<&str>(&[]);
    let dir = tempfile::tempdir().expect("tempdir");
    let profile = std::fs::read_to_string(fixture("web.yaml"))
        .expect("profile")
        .replace("{ feed { id text } }", "{ trending { id } }");
    let profile_path = dir.path().join("bad-query.yaml");
    std::fs::write(&profile_path, profile).expect("profile written");
    let out = dir.path().join("run");
    let output = run(&server.base, &profile_path, &fixture("web-journey.yaml"), &out);
    assert_eq!(output.status.code(), Some(0), "no thresholds to fail: {}", text(&output));
    let report = read_report(&out);
    let feed = action(&report, "view_feed");
    let requests = feed["requests"].as_u64().expect("requests");
    assert!(requests >= 5, "{feed}");
    assert_eq!(feed["errors"]["bad_body"].as_u64(), Some(requests), "every 200 with /errors failed: {feed}");
    assert_eq!(errors(action(&report, "create_post")), 0);
}
