//! HTML forms end to end against `stampede serve`'s `/web/` routes, the way a Django-like
//! platform works: newcomers sign up, open the login page (its `csrftoken` cookie kept, its
//! hidden `csrf` input extracted by regex), log in by form (302, not followed), post by form
//! with `X-CSRFToken: {{cookie.csrftoken}}` (302, the post id taken from `Location` by
//! regex), then read a post by that id. A rule that finds nothing counts `bad_body`; a bad
//! regex is a profile problem at its `line:column`.

use std::path::Path;
use std::process::Output;

use serde_json::Value;

use crate::util::{Server, read_report, repo_root, stampede};

fn fixture(name: &str) -> std::path::PathBuf {
    repo_root().join("tests/fixtures/web_forms").join(name)
}

fn run(target: &str, profile: &Path, out: &Path) -> Output {
    stampede()
        .args(["run", "--replay-in", "2s", "--quiet", "--target", target, "--profile"])
        .arg(profile)
        .arg("--out")
        .arg(out)
        .arg(fixture("forms-journey.yaml"))
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

/// The `/api/users/{id}` of users `1..=count`, read with a fresh account's token.
fn users(base: &str, count: u64) -> Vec<Value> {
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
        for id in 1..=count {
            let response = (client.get(format!("{base}/api/users/{id}")).bearer_auth(&token).send().await)
                .expect("answers");
            out.push(response.json().await.expect("JSON"));
        }
        out
    })
}

#[test]
fn csrf_forms_redirects_and_location_ids_replay_without_errors() {
    let server = Server::start::<&str>(&[]);
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("run");
    let output = run(&server.base, &fixture("forms.yaml"), &out);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let report = read_report(&out);
    let signups = action(&report, "signup")["requests"].as_u64().expect("signups");
    assert!(signups >= 5, "most of the ten newcomers arrived: {signups}");
    for name in ["signup", "open_login", "login", "create_post", "view_post"] {
        let a = action(&report, name);
        assert_eq!(a["requests"].as_u64(), Some(signups), "{name}: {a}");
        assert_eq!(errors(a), 0, "{name} has no errors: {}", a["errors"]);
    }
    // Server side: every newcomer posted exactly once, through the CSRF-checked form.
    for user in users(&server.base, signups) {
        assert_eq!(user["posts"], 1, "{user}");
    }
}

#[test]
fn a_missing_header_or_a_regex_that_finds_nothing_is_a_bad_body() {
    let server = Server::start::<&str>(&[]);
    let dir = tempfile::tempdir().expect("tempdir");
    let base = std::fs::read_to_string(fixture("forms.yaml")).expect("profile");
    let cases = [
        // The server answers `/posts/ID`: nothing matches `/topics/`.
        ("no-match", base.replace("^/posts/(\\\\d+)$", "^/topics/(\\\\d+)$"), "create_post"),
        // The login page sets no such header.
        (
            "no-header",
            base.replace("landing: { header: location }", "landing: { header: x-landing }"),
            "login",
        ),
    ];
    for (name, profile, failing) in cases {
        assert_ne!(profile, base, "{name}: the fixture changed under the test");
        let path = dir.path().join(format!("{name}.yaml"));
        std::fs::write(&path, profile).expect("profile written");
        let out = dir.path().join(name);
        let output = run(&server.base, &path, &out);
        assert_eq!(output.status.code(), Some(0), "{name}: no thresholds to fail: {}", text(&output));
        let report = read_report(&out);
        let a = action(&report, failing);
        let requests = a["requests"].as_u64().expect("requests");
        assert!(requests >= 5, "{name}: {a}");
        assert_eq!(a["errors"]["bad_body"].as_u64(), Some(requests), "{name}: every one failed: {a}");
        // The journeys ended at the failure: nothing read a post.
        let read = report["actions"].as_array().and_then(|a| a.iter().find(|x| x["name"] == "view_post"));
        assert!(read.is_none_or(|a| a["requests"] == 0), "{name}: {read:?}");
    }
}

#[test]
fn invalid_regexes_and_regexes_without_a_group_are_placed_problems() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = std::fs::read_to_string(fixture("forms.yaml")).expect("profile");
    let line_of = |needle: &str| base.lines().position(|l| l.contains(needle)).expect("in the fixture") + 1;
    let cases = [
        ("unclosed", base.replace("^/posts/(\\\\d+)$", "^/posts/(\\\\d+$"), "invalid regex", "post_id:"),
        ("no-group", base.replace("value=\"([^\"]+)\"", "value=\"[^\"]+\""), "has no capture group", "csrf:"),
    ];
    for (name, profile, message, key) in cases {
        let path = dir.path().join(format!("{name}.yaml"));
        std::fs::write(&path, profile).expect("profile written");
        let output = stampede()
            .arg("validate")
            .arg("--profile")
            .arg(&path)
            .arg(fixture("forms-journey.yaml"))
            .output()
            .expect("validate runs");
        assert_eq!(output.status.code(), Some(2), "{name}: {}", text(&output));
        let stderr = String::from_utf8_lossy(&output.stderr);
        let place = format!("{name}.yaml:{}:", line_of(key));
        assert!(stderr.contains(&place) && stderr.contains(message), "{name}: {place} {message}: {stderr}");
        assert!(stderr.contains("expected a regex with a capture group"), "{stderr}");
    }
}
