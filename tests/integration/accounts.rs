//! Test accounts end to end: `population.accounts: FILE.csv` lists accounts already on
//! `stampede serve`; the natives log in as them (no native signs up) and post, newcomers
//! follow them; the passwords appear in no output and no file of the run. A file shorter
//! than the replay needs fails `validate` naming both counts.

use std::path::Path;

use serde_json::Value;

use crate::util::{Server, read_report, stampede};

const NATIVES: usize = 4;

fn password(i: usize) -> String {
    format!("Pw-9f2k-secret-{i}")
}

fn scenario(dir: &Path, natives: usize) -> std::path::PathBuf {
    let yaml = format!(
        "name: listed-natives\nseed: 3\ntimeline: {{ span: 1m, compress: 30, sample: 1 }}\n\
         arrivals:\n  curve: {{ constant: {{ rate: 10/min }} }}\n\
         population: {{ natives: {natives}, posts_per_native: {{ fixed: 1 }}, accounts: accounts.csv }}\n\
         journeys:\n  - name: follow\n    weight: 1\n    steps:\n      - action: signup\n      - action: follow\n"
    );
    let path = dir.join("listed.yaml");
    std::fs::write(&path, yaml).expect("scenario written");
    path
}

fn write_accounts(dir: &Path, rows: usize) {
    let mut csv = String::from("handle,password,team\n");
    for i in 0..rows {
        csv.push_str(&format!("listed_{i},{},blue\n", password(i)));
    }
    std::fs::write(dir.join("accounts.csv"), csv).expect("accounts written");
}

/// Signs up the listed accounts on the server (pre-provisioned, as a platform's test
/// accounts would be); returns their `{id, token}` answers.
fn provision(base: &str, count: usize) -> Vec<Value> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let client = reqwest::Client::new();
        let mut out = Vec::new();
        for i in 0..count {
            let body = serde_json::json!({"handle": format!("listed_{i}"), "email": "l@example.test", "password": password(i)});
            let response = client.post(format!("{base}/api/signup")).json(&body).send().await.expect("answers");
            assert_eq!(response.status().as_u16(), 201);
            out.push(response.json().await.expect("JSON"));
        }
        out
    })
}

fn get(base: &str, token: &str, path: &str) -> Value {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let response = reqwest::Client::new()
            .get(format!("{base}{path}"))
            .bearer_auth(token)
            .send()
            .await
            .expect("answers");
        response.json().await.expect("JSON")
    })
}

#[test]
fn natives_from_an_accounts_file_log_in_instead_of_signing_up() {
    let server = Server::start::<&str>(&[]);
    let dir = tempfile::tempdir().expect("tempdir");
    write_accounts(dir.path(), NATIVES);
    let file = scenario(dir.path(), NATIVES);
    let provisioned = provision(&server.base, NATIVES);
    let out = dir.path().join("run");
    let output = stampede()
        .args(["run", "--quiet", "--target", &server.base, "--out"])
        .arg(&out)
        .arg(&file)
        .output()
        .expect("stampede runs");
    let said =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(0), "{said}");
    let report = read_report(&out);
    let signups = (report["actions"].as_array().expect("actions").iter())
        .find(|a| a["name"] == "signup")
        .and_then(|a| a["requests"].as_u64())
        .expect("signups");
    // Only the newcomers signed up: the next account's id is provisioned + newcomers + 1.
    let checker = provision_one(&server.base);
    assert_eq!(checker["id"].as_u64(), Some(NATIVES as u64 + signups + 1), "no native signed up");
    let token = checker["token"].as_str().expect("token");
    for native in &provisioned {
        let user = get(&server.base, token, &format!("/api/users/{}", native["id"]));
        assert_eq!(user["posts"], 1, "each native logged in and posted once: {user}");
    }
    // Credentials never leave memory.
    for i in 0..NATIVES {
        assert!(!said.contains(&password(i)), "output holds a password");
    }
    for entry in std::fs::read_dir(&out).expect("run dir") {
        let bytes = std::fs::read(entry.expect("entry").path()).expect("readable");
        for i in 0..NATIVES {
            let secret = password(i);
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "a run file holds a password"
            );
        }
    }
}

fn provision_one(base: &str) -> Value {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let body =
            serde_json::json!({"handle": "checker", "email": "c@example.test", "password": "checker-pw"});
        let response = reqwest::Client::new()
            .post(format!("{base}/api/signup"))
            .json(&body)
            .send()
            .await
            .expect("answers");
        response.json().await.expect("JSON")
    })
}

#[test]
fn an_accounts_file_shorter_than_the_natives_fails_validate_with_both_counts() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_accounts(dir.path(), 3);
    let file = scenario(dir.path(), 5);
    let output = stampede().arg("validate").arg(&file).output().expect("stampede runs");
    let said =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(2), "{said}");
    assert!(said.contains("listed.yaml:"), "{said}");
    assert!(said.contains("holds 3 accounts, but the replay needs 5 natives"), "{said}");
    assert!(!said.contains(&password(0)), "{said}");
}
