//! The validity verdict and per-step own delay, end to end on loopback: a starved
//! generator is invalid (exit 2, latency thresholds skipped), a slow platform fails its
//! thresholds in a valid run (exit 1), and a stall on a journey's first step shows in the
//! later steps' journey delay but not in their own delay, and a room storm whose stays
//! far outlast the slots still starts every arrival on time.

use serde_json::Value;

use crate::util::{Server, read_report, repo_root, stampede};

fn run(server: &Server, extra: &[&str]) -> (Option<i32>, Value, String) {
    let out = tempfile::tempdir().expect("tempdir");
    let output = stampede()
        .args(["run", "--quiet", "--target", &server.base, "--out"])
        .arg(out.path())
        .args(extra)
        .arg(repo_root().join("tests/fixtures/validity.yaml"))
        .output()
        .expect("stampede runs");
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    (output.status.code(), read_report(out.path()), stdout)
}

fn step(report: &Value, index: u64) -> &Value {
    let steps = report["steps"].as_array().expect("steps");
    steps.iter().find(|s| s["step"] == index).expect("the step ran")
}

#[test]
fn a_starved_generator_is_invalid_and_its_latency_is_not_judged() {
    // Two slots and 50 ms per request drive 40 requests/s against 100 arrivals/s: the
    // backlog passes the 500 ms budget within a second, so far more than 1 % start late.
    let server = Server::start(&["--fault-latency", "all=fixed:50ms"]);
    let (code, report, stdout) = run(&server, &["--test-max-slots", "2", "--lateness-budget", "500ms"]);
    assert_eq!(code, Some(2), "{stdout}");
    let validity = &report["validity"];
    assert_eq!(validity["verdict"], "generator-bound", "{validity}");
    assert!(validity["late_slot_wait"].as_u64().unwrap_or(0) > 0, "{validity}");
    assert!(stdout.contains("INVALID: generator-bound"), "{stdout}");
    let verdicts = report["verdicts"].as_array().expect("verdicts");
    let latency = verdicts.iter().find(|v| v["name"] == "all.response.p99 < 100ms").expect("judged");
    assert_eq!(latency["outcome"], "skip", "{latency}");
    assert!(latency["message"].as_str().unwrap_or("").contains("generator-bound"));
}

#[test]
fn a_slow_platform_fails_its_thresholds_in_a_valid_run() {
    // 300 ms per request at 100 arrivals/s: ~30 requests in flight, within the slots the
    // plan sizes, so every start is on time and the latency is the platform's.
    let server = Server::start(&["--fault-latency", "all=fixed:300ms"]);
    let (code, report, stdout) = run(&server, &[]);
    assert_eq!(code, Some(1), "{stdout}");
    assert_eq!(report["validity"]["verdict"], "valid", "{}", report["validity"]);
    let verdicts = report["verdicts"].as_array().expect("verdicts");
    let latency = verdicts.iter().find(|v| v["name"] == "all.response.p99 < 100ms").expect("judged");
    assert_eq!(latency["outcome"], "fail", "{latency}");
}

#[test]
fn a_slow_first_step_delays_the_journey_but_not_the_later_steps_own_delay() {
    // Only the first step's route is slow (400 ms); the later steps are served in
    // milliseconds. Their journey delay carries the first step's 400 ms, their own delay
    // stays near their service time.
    let server = Server::start(&["--fault-latency", "view_feed=fixed:400ms"]);
    let (_code, report, stdout) = run(&server, &[]);
    assert_eq!(report["validity"]["verdict"], "valid", "{stdout}");
    let first_own = step(&report, 0)["own_us"]["p50"].as_u64().unwrap_or(0);
    assert!(first_own >= 400_000, "the slow step's own delay {first_own} µs carries its stall");
    for k in [1, 2] {
        let later = step(&report, k);
        let own = later["own_us"]["p50"].as_u64().unwrap_or(u64::MAX);
        let journey = later["response_us"]["p50"].as_u64().unwrap_or(0);
        let service = later["service_us"]["p50"].as_u64().unwrap_or(u64::MAX);
        assert!(journey >= 400_000, "step {k}'s journey delay {journey} µs carries the stall");
        // Own delay = service time + the runtime's wake-up lag; far from the 400 ms stall.
        assert!(own < service + 200_000, "step {k}'s own delay {own} µs vs service {service} µs");
    }
}

#[test]
fn a_room_storm_beyond_the_slot_budget_starts_every_arrival_on_time() {
    // ~300 members stay 8 s each in one room while the generator has 4 slots: stays are
    // plain tasks, so the slots only carry the requests (join, feed), and every arrival
    // starts on time. Were stays to hold slots, the fifth member would wait 8 s for one,
    // past the 5 s budget, and most of the storm would be dropped.
    let server = Server::start::<&str>(&[]);
    let out = tempfile::tempdir().expect("tempdir");
    let output = stampede()
        .args(["run", "--quiet", "--target", &server.base, "--test-max-slots", "4", "--out"])
        .arg(out.path())
        .arg(repo_root().join("tests/fixtures/room-storm.yaml"))
        .output()
        .expect("stampede runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    let report = read_report(out.path());
    assert_eq!(report["slots"], 4, "the test's slot cap");
    let busy = report["slots_busy_max"].as_u64().unwrap_or(0);
    assert!((1..=4).contains(&busy), "slots busy max {busy} of 4");
    let arrivals = &report["arrivals"];
    let planned = arrivals["planned"].as_u64().expect("planned");
    assert!(planned >= 250, "{arrivals}");
    assert_eq!(arrivals["started"].as_u64(), Some(planned), "{arrivals}");
    assert_eq!(arrivals["dropped"], 0, "{arrivals}");
    let validity = &report["validity"];
    assert_eq!(validity["verdict"], "valid", "{validity}");
    assert_eq!(validity["late_slot_wait"], 0, "no start waited past the budget for a slot: {validity}");
    // The stays really overlapped far beyond the slots.
    let members = report["chat"]["max_members"].as_u64().unwrap_or(0);
    assert!(members > 50, "most members at once {members}: {}", report["chat"]);
}
