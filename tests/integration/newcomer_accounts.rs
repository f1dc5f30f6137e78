//! Newcomers from pre-provisioned accounts end to end: `population.newcomer_accounts`
//! lists accounts already on `stampede serve`; each newcomer logs in as its row where its
//! journey signs up (no account is created: the server's next id proves it), then posts as
//! planned; the passwords appear in no output and no file of the run. A file shorter than
//! the planned newcomers fails `validate` naming both counts.

use std::path::Path;

use serde_json::Value;

use crate::util::{Server, read_report, stampede};

/// Even spacing: exactly ten arrivals (10/min over a minute of curve).
const NEWCOMERS: usize = 10;

fn password(i: usize) -> String {
    format!("Nw-4x7q-secret-{i}")
}

fn scenario(dir: &Path) -> std::path::PathBuf {
    let yaml = "name: listed-newcomers\nseed: 5\ntimeline: { span: 1m, compress: 30, sample: 1 }\n\
         arrivals:\n  spacing: even\n  curve: { constant: { rate: 10/min } }\n\
         population: { natives: 0, newcomer_accounts: newcomers.csv }\n\
         journeys:\n  - name: post\n    weight: 1\n    steps:\n      - action: signup\n      - action: create_post\n";
    let path = dir.join("newcomers.yaml");
    std::fs::write(&path, yaml).expect("scenario written");
    path
}

fn write_accounts(dir: &Path, rows: usize) {
    let mut csv = String::from("handle,password\n");
    for i in 0..rows {
        csv.push_str(&format!("arriving_{i},{}\n", password(i)));
    }
    std::fs::write(dir.join("newcomers.csv"), csv).expect("accounts written");
}

/// Signs up `handles` on the server (as its test accounts would be provisioned); returns
/// each `{id, token}` answer.
fn signup(base: &str, accounts: &[(String, String)]) -> Vec<Value> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let client = reqwest::Client::new();
        let mut out = Vec::new();
        for (handle, password) in accounts {
            let body = serde_json::json!({"handle": handle, "email": "n@example.test", "password": password});
            let response =
                client.post(format!("{base}/api/signup")).json(&body).send().await.expect("answers");
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

fn requests(report: &Value, name: &str) -> u64 {
    (report["actions"].as_array().expect("actions").iter())
        .find(|a| a["name"] == name)
        .and_then(|a| a["requests"].as_u64())
        .unwrap_or(0)
}

#[test]
fn newcomers_from_an_accounts_file_log_in_instead_of_signing_up() {
    let server = Server::start::<&str>(&[]);
    let dir = tempfile::tempdir().expect("tempdir");
    // Two spare rows: the file may be longer than the plan needs.
    let rows = NEWCOMERS + 2;
    write_accounts(dir.path(), rows);
    let file = scenario(dir.path());
    let listed: Vec<(String, String)> = (0..rows).map(|i| (format!("arriving_{i}"), password(i))).collect();
    let provisioned = signup(&server.base, &listed);
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
    assert_eq!(requests(&report, "signup"), 0, "no newcomer signed up");
    assert_eq!(requests(&report, "login"), NEWCOMERS as u64, "every newcomer logged in");
    assert_eq!(requests(&report, "create_post"), NEWCOMERS as u64, "and posted");
    // No account was created: the next one gets the id after the provisioned ones.
    let checker = signup(&server.base, &[("checker".into(), "checker-pw".into())]).remove(0);
    assert_eq!(checker["id"].as_u64(), Some(rows as u64 + 1), "no signup happened");
    let token = checker["token"].as_str().expect("token");
    for (i, account) in provisioned.iter().enumerate() {
        let user = get(&server.base, token, &format!("/api/users/{}", account["id"]));
        let planned = u64::from(i < NEWCOMERS);
        assert_eq!(user["posts"], planned, "row {i} posted as planned: {user}");
    }
    // Credentials never leave memory.
    for i in 0..rows {
        assert!(!said.contains(&password(i)), "output holds a password");
    }
    for entry in std::fs::read_dir(&out).expect("run dir") {
        let bytes = std::fs::read(entry.expect("entry").path()).expect("readable");
        for i in 0..rows {
            let secret = password(i);
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "a run file holds a password"
            );
        }
    }
}

#[test]
fn a_newcomer_accounts_file_shorter_than_the_plan_fails_validate_with_both_counts() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_accounts(dir.path(), 3);
    let file = scenario(dir.path());
    let output = stampede().arg("validate").arg(&file).output().expect("stampede runs");
    let said =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(2), "{said}");
    assert!(said.contains("newcomers.yaml:"), "{said}");
    assert!(said.contains("holds 3 accounts, but the replay needs 10 newcomers"), "{said}");
    assert!(!said.contains(&password(0)), "{said}");
}
