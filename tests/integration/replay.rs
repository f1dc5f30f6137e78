//! The replay as a library: `stampede::replay::run` called from code — no subprocess, no
//! command line — against the embedded reference platform returns a complete report
//! (settings, measurements, phases, outage windows as injected), which the gate then judges.

use std::time::Duration;

use stampede::gate::{CompareOptions, Gate};
use stampede::plan::Plan;
use stampede::platform::HashCost;
use stampede::replay::{self, Config, Limits, Target};
use stampede::scenario::{Overrides, load};

use crate::util::repo_root;

/// The outage fixture's plan (40 newcomers/s for 6 s, signups refused from 2 s to 3 s by
/// an injected outage) and a library configuration replaying it on the embedded platform.
fn outage_config() -> Config {
    let file = repo_root().join("tests/fixtures/outage.yaml");
    let scenario = load(&file, &Overrides::default()).unwrap_or_else(|problems| panic!("{problems}"));
    let profile = stampede::profile::load(
        "reference",
        stampede::profile::Origin::CommandLine { scenario_dir: &repo_root() },
    )
    .unwrap_or_else(|problems| panic!("{problems}"));
    let plan = Plan::new(scenario);
    Config {
        limits: Limits {
            max_in_flight: 256,
            lateness_budget: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            health_timeout: Duration::from_secs(60),
            max_body_bytes: 16 << 20,
            drain: replay::config::default_drain(&plan),
            grace: Duration::from_secs(2),
        },
        plan,
        profile,
        profile_name: "reference".into(),
        target: Target::Embedded(HashCost::Low.into()),
        admin_token: None,
        run_id: "library".into(),
        segment: None,
        start_at: None,
        only_target: None,
        progress: replay::Progress::OFF,
        panic_after: None,
        net: stampede::net::NetConfig::default(),
        metrics: None,
        abort: Vec::new(),
    }
}

#[test]
fn a_replay_called_from_code_returns_a_complete_report() {
    let config = outage_config();
    let planned: u64 = config.plan.series().iter().map(|i| i.arrivals).sum();
    let scenario = config.plan.scenario.clone();
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let replayed = runtime.block_on(replay::run(config, std::future::pending())).expect("the replay runs");
    let mut report = replayed.report;

    assert!(planned > 200, "{planned}");
    assert_eq!(report.arrivals.planned, planned);
    assert!(!report.run.interrupted, "{:?}", report.run.interrupt_reason);
    let a = &report.arrivals;
    assert_eq!(a.started + a.dropped + a.not_started, planned);
    assert!(report.run.target.ends_with("(embedded reference platform)"), "{}", report.run.target);
    assert_eq!((report.run.scenario.as_str(), report.run.seed), ("fixture-outage", 7));
    assert_eq!(report.run.run_id.as_deref(), Some("library"));
    for name in ["signup", "view_feed"] {
        let action = report.actions.iter().find(|x| x.name == name).unwrap_or_else(|| panic!("no {name}"));
        assert!(action.stats.requests > 0, "{name} has requests");
    }
    // Filled in by the replay, not left for a caller: phases, outage windows, unsupported.
    let phases: Vec<(&str, f64, f64)> =
        report.phases.iter().map(|p| (p.name.as_str(), p.start_s, p.end_s)).collect();
    assert!(phases.contains(&("before", 0.0, 2.0)), "{phases:?}");
    assert!(phases.contains(&("signup-down", 2.0, 3.0)), "{phases:?}");
    assert_eq!(report.outages.len(), 1);
    assert_eq!(report.outages[0].name, "signup-down");
    assert!(report.outages[0].injected, "{}", report.outages[0].note);
    assert!(report.unsupported.is_empty());
    assert!(replayed.notes.iter().any(|n| n.starts_with("setup: ")), "{:?}", replayed.notes);

    // The report is ready for the gate: both of the scenario's thresholds are judged.
    let gate = Gate::for_scenario(&scenario, &[], None, CompareOptions::default()).expect("a gate");
    gate.judge(&mut report).expect("judged");
    let names: Vec<&str> = report.verdicts.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["all.error_rate < 1% during before", "signup.error_rate > 10% during signup-down"]);
}

/// A shutdown that resolves before the replay has started listening for stops (here: at
/// once, while the embedded platform starts) still stops it: during its set-up, or as soon
/// as it starts. A capacity search's Ctrl-C right after a step is this case; it used to be
/// lost, and the next step ran in full.
#[test]
fn a_shutdown_before_the_replay_listens_still_stops_it() {
    use stampede::executor::ExecutorError;
    let config = outage_config();
    let planned: u64 = config.plan.series().iter().map(|i| i.arrivals).sum();
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    match runtime.block_on(replay::run(config, std::future::ready(()))) {
        Err(replay::ReplayError::Executor(ExecutorError::Interrupted(name, when))) => {
            assert_eq!(name, "a shutdown request", "{when}");
        }
        Ok(replayed) => {
            let run = &replayed.report.run;
            assert!(run.interrupted, "ran in full: {:?}", run.interrupt_reason);
            assert_eq!(run.interrupt_reason.as_deref(), Some("interrupted by a shutdown request"));
            assert!(replayed.report.arrivals.started < planned / 2, "{:?}", replayed.report.arrivals);
        }
        Err(error) => panic!("{error}"),
    }
}
