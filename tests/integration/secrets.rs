//! Secrets for gateways end to end: a profile whose health check carries a bearer token
//! read from the environment (`{{env.NAME}}`), against `stampede serve --admin-token`,
//! whose `/admin/faults` answers 200 only to that token. Unset, wrong and unsendable
//! values are refused; the right one passes; the value appears in no output or file.

use std::path::Path;
use std::process::Output;

use crate::util::{Server, read_report, repo_root, stampede};

const VARIABLE: &str = "STAMPEDE_TEST_GATEWAY_TOKEN";
const TOKEN: &str = "gw-7f3a9c1e-secret-value";

/// The reference profile, its health check behind the "gateway": `/admin/faults` with the
/// token from the environment.
fn gateway_profile(dir: &Path) -> std::path::PathBuf {
    let reference =
        std::fs::read_to_string(repo_root().join("src/profile/reference.yaml")).expect("reference profile");
    let health = format!(
        "health: {{ method: GET, path: /admin/faults, anonymous: true, success: [200], \
         headers: {{ authorization: \"Bearer {{{{env.{VARIABLE}}}}}\" }} }}\nenv: [{VARIABLE}]"
    );
    let lines: Vec<String> = (reference.lines())
        .map(|line| if line.starts_with("health:") { health.clone() } else { line.to_string() })
        .collect();
    assert!(lines.iter().any(|l| l.contains(VARIABLE)), "the health line was replaced");
    let path = dir.join("gateway.yaml");
    std::fs::write(&path, lines.join("\n")).expect("profile written");
    path
}

fn replay(target: &str, profile: &Path, token: Option<&str>, out: &Path) -> Output {
    let mut command = stampede();
    command.env_remove(VARIABLE);
    if let Some(token) = token {
        command.env(VARIABLE, token);
    }
    command
        .args(["run", "--replay-in", "2s", "--target", target, "--profile"])
        .arg(profile)
        .arg("--out")
        .arg(out)
        .arg(repo_root().join("scenarios/examples/constant.yaml"))
        .output()
        .expect("stampede runs")
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

#[test]
fn gateway_tokens_come_from_declared_variables_and_never_show() {
    let server = Server::start(&["--admin-token", TOKEN]);
    let dir = tempfile::tempdir().expect("tempdir");
    let profile = gateway_profile(dir.path());
    let out = dir.path().join("run");

    let unset = replay(&server.base, &profile, None, &out);
    assert_eq!(unset.status.code(), Some(2));
    assert!(text(&unset).contains(&format!("{VARIABLE} (declared in its `env:` list), which is not set")));

    let wrong = replay(&server.base, &profile, Some("not-the-gw-token"), &out);
    assert_eq!(wrong.status.code(), Some(2), "the gateway refuses a wrong token");
    assert!(text(&wrong).contains("health check answered 403"), "{}", text(&wrong));
    assert!(!text(&wrong).contains("not-the-gw-token"));

    let injected = replay(&server.base, &profile, Some("gw\r\nx-injected: 1"), &out);
    assert_eq!(injected.status.code(), Some(2));
    assert!(text(&injected).contains("CR, LF"), "{}", text(&injected));
    assert!(!text(&injected).contains("x-injected"));
    assert!(!out.join("report.json").exists(), "every refusal came before the run");

    let passed = replay(&server.base, &profile, Some(TOKEN), &out);
    assert_eq!(passed.status.code(), Some(0), "{}", text(&passed));
    assert!(!text(&passed).contains(TOKEN), "the token is never printed");
    let report = read_report(&out);
    assert!(report["requests"].as_u64().unwrap_or(0) > 0);
    for entry in std::fs::read_dir(&out).expect("run dir") {
        let path = entry.expect("entry").path();
        let bytes = std::fs::read(&path).expect("readable");
        let leaked = bytes.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes());
        assert!(!leaked, "{} holds the token", path.display());
    }

    let undeclared = std::fs::read_to_string(&profile)
        .expect("profile")
        .replace(&format!("env: [{VARIABLE}]"), "env: [SOMETHING_ELSE]");
    std::fs::write(&profile, undeclared).expect("rewritten");
    let refused = replay(&server.base, &profile, Some(TOKEN), &out);
    assert_eq!(refused.status.code(), Some(2));
    let said = text(&refused);
    assert!(said.contains("gateway.yaml:") && said.contains("does not declare"), "{said}");
}
