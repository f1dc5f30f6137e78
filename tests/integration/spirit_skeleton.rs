//! Issue 17's promise, on a platform nobody here wrote: "a new user records signing up and
//! posting once and gets a profile that replays". The skeleton `stampede profile from-har`
//! makes of the committed Spirit recording (tests/fixtures/har/spirit.har), unedited, is
//! replayed against a live Spirit forum with only what README's "Replaying against your
//! platform" asks for: the credentials of provisioned accounts (`population.accounts` and
//! `population.newcomer_accounts`, since Spirit's signup waits for an emailed link). Its
//! `login`, `create_post` and `comment` must meet no error (every form's CSRF token comes
//! from the session's cookie, the login brings its own pair), and the forum's database must
//! hold what they wrote.
//!
//! Skipped visibly, like tests/integration/spirit.rs, only when Spirit cannot be installed
//! because PyPI is unreachable (and never under `CI=true` or `STAMPEDE_REQUIRE_SPIRIT=1`).

use std::ffi::OsStr;
use std::path::Path;

use serde_json::Value;

use crate::spirit::{Spirit, action, errors, install, sum};
use crate::util::{read_report, repo_root, run_against_live_target, stampede};

const NATIVES: u64 = 4;
/// Accounts provisioned for newcomers: more than the plan's arrivals (12).
const NEWCOMER_ACCOUNTS: u64 = 20;

/// Natives (one topic each, made at setup after their login) and newcomers who log in,
/// open a topic and reply to a recent one: 12 arrivals in 10 s.
fn scenario(dir: &Path) -> std::path::PathBuf {
    let yaml = format!(
        "name: spirit-skeleton\nseed: 11\ntimeline: {{ span: 1m, compress: 6, sample: 1 }}\n\
         arrivals:\n  curve: {{ constant: {{ rate: 12/min }} }}\n\
         population:\n  natives: {NATIVES}\n  posts_per_native: {{ fixed: 1 }}\n\
         \x20 accounts: natives.csv\n  newcomer_accounts: newcomers.csv\n\
         journeys:\n  - name: recorded\n    weight: 1\n    steps:\n\
         \x20     - action: login\n\
         \x20     - {{ action: create_post, payload: {{ text_len: {{ fixed: 40 }} }} }}\n\
         \x20     - {{ action: comment, pick: recent, payload: {{ text_len: {{ fixed: 30 }} }} }}\n"
    );
    let path = dir.join("skeleton.yaml");
    std::fs::write(&path, yaml).expect("scenario written");
    path
}

#[test]
fn the_unedited_skeleton_of_the_spirit_recording_logs_in_posts_and_replies() {
    let Some(dir) = crate::util::require_or_skip("SPIRIT", "the Spirit from-har skeleton test", install())
    else {
        return;
    };
    let work = tempfile::tempdir().expect("tempdir");
    let profile = work.path().join("spirit-skeleton.yaml");
    let output = stampede()
        .args(["profile", "from-har"])
        .arg(repo_root().join("tests/fixtures/har/spirit.har"))
        .arg("--out")
        .arg(&profile)
        .output()
        .expect("stampede runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let yaml = std::fs::read_to_string(&profile).expect("profile written");
    assert!(yaml.contains("csrfmiddlewaretoken\": \"{{cookie.csrftoken}}\""), "{yaml}");

    let spirit = Spirit::start(&dir);
    let csv = |name: &str, n: u64, prefix: &str| {
        let path = work.path().join(name);
        spirit.script("manage.sh", &["accounts", &n.to_string(), &path.to_string_lossy(), prefix]);
    };
    csv("natives.csv", NATIVES, "n");
    csv("newcomers.csv", NEWCOMER_ACCOUNTS, "c");
    let out = work.path().join("run");
    let profile_flag = [OsStr::new("--profile"), profile.as_os_str()];
    run_against_live_target(&spirit.base, &scenario(work.path()), &out, &profile_flag, &[0]);
    let report = read_report(&out);
    assert_eq!(report["interrupted"], false);
    let requests = |name: &str| action(&report, name)["requests"].as_u64().unwrap_or(0);
    for name in ["login", "create_post", "comment"] {
        let a = action(&report, name);
        assert!(requests(name) > 0, "{name} has requests: {a}");
        assert_eq!(errors(a), 0, "{name} has no errors: {}", a["errors"]);
    }

    let counts: Value = serde_json::from_str(&spirit.script("manage.sh", &["count"])).expect("count JSON");
    println!(
        "spirit skeleton replay: {NATIVES} natives, {} logins; on the forum: {counts}",
        requests("login")
    );
    // Natives logged in at setup, every newcomer with the skeleton's `login`; none signed up.
    assert_eq!(counts["users"].as_u64(), Some(NATIVES + NEWCOMER_ACCOUNTS), "{counts}");
    assert_eq!(counts["logged_in"].as_u64(), Some(NATIVES + requests("login")), "{counts}");
    // One topic per native (setup) and per newcomer's create_post; one reply per comment.
    assert_eq!(sum(&counts, "topics", "n"), NATIVES, "{counts}");
    assert_eq!(sum(&counts, "topics", "c"), requests("create_post"), "{counts}");
    assert_eq!(sum(&counts, "replies", "c"), requests("comment"), "{counts}");
}
