//! The historical surge library: each scenario's planned totals match the sourced figures
//! it cites, within the tolerance the figure's confidence allows (exact for totals the
//! file pins, 10–25 % where the source is a vendor estimate or our own derivation).

use stampede::scenario::{Overrides, Scenario, load};

use crate::util::repo_root;

const H: f64 = 3600.0;
const D: f64 = 86_400.0;

fn scenario(name: &str) -> Scenario {
    let path = repo_root().join("scenarios").join(format!("{name}.yaml"));
    load(&path, &Overrides::default()).unwrap_or_else(|problems| panic!("{problems}"))
}

/// Newcomers at real scale between `from_s` and `to_s` of the curve.
fn between(s: &Scenario, from_s: f64, to_s: f64) -> f64 {
    s.curve.cumulative(to_s) - s.curve.cumulative(from_s)
}

fn assert_near(what: &str, planned: f64, sourced: f64, tolerance: f64) {
    let error = (planned - sourced).abs() / sourced;
    assert!(
        error <= tolerance,
        "{what}: planned {planned:.0}, sourced {sourced:.0} ({:.1}% off, tolerance {:.0}%)",
        error * 100.0,
        tolerance * 100.0
    );
}

#[test]
fn rednote_has_700k_signups_in_the_first_two_days() {
    let s = scenario("rednote-2025-01");
    assert_near("RedNote, 0–48 h", between(&s, 0.0, 48.0 * H), 700_000.0, 0.001);
    // The blackout window doubles the plateau rate (same hour of day, a day apart).
    let ratio = s.curve.rate_per_s(148.0 * H) / s.curve.rate_per_s(124.0 * H);
    assert_near("RedNote, blackout rate ÷ plateau rate", ratio, 2.0, 0.02);
}

/// Reuters: more than 50,000 users in the "TikTok Refugees" live room on 13 Jan. The plan's
/// Little's-law occupancy (joins in the room's window × stays) must reach it at real scale,
/// without overshooting by more than the assumption's slack, on 13 Jan ET.
#[test]
fn rednote_fills_the_live_room_past_50k() {
    let plan = stampede::plan::Plan::new(scenario("rednote-2025-01"));
    let room = (plan.expectations.rooms.iter())
        .find(|r| r.room == "tiktok-refugees")
        .expect("the scenario replays the room storm");
    assert!(room.real_peak_members > 50_000.0, "{room:?}");
    assert_near("RedNote, live room members at once (>50,000)", room.real_peak_members, 50_000.0, 0.25);
    assert!((0.0..24.0 * H).contains(&room.peak_at_real_s), "the busiest moment is on 13 Jan: {room:?}");
    let replay = plan.scenario.replay;
    assert!(
        (room.peak_members - room.real_peak_members * replay.sample).abs() < 1e-6,
        "stays are curve time"
    );
}

#[test]
fn bluesky_brazil_matches_the_posted_milestones() {
    let s = scenario("bluesky-brazil-2024-08");
    assert_near("Brazil, 48 h (Bluesky: >500k)", between(&s, 0.0, 48.0 * H), 500_000.0, 0.10);
    assert_near("Brazil, 69 h (Bluesky: 1M)", between(&s, 0.0, 69.0 * H), 1_000_000.0, 0.10);
    // Announced Monday 2 Sep; the proposal (S2) places it at 112 h, 16:00 UTC.
    assert_near("Brazil, 2 Sep (TechCrunch: 2.11M)", between(&s, 0.0, 112.0 * H), 2_110_000.0, 0.15);
    assert_near("Brazil, week (AP: 2.6M)", between(&s, 0.0, 168.0 * H), 2_600_000.0, 0.10);
}

#[test]
fn bluesky_election_adds_10m_at_up_to_1m_a_day() {
    let s = scenario("bluesky-election-2024-11");
    assert_near("election, 28 days (14M → 24M)", between(&s, 0.0, 28.0 * D), 10_000_000.0, 0.15);
    let busiest = (0..28).map(|d| between(&s, d as f64 * D, (d + 1) as f64 * D)).fold(0.0, f64::max);
    assert_near("election, busiest day (~1M/day)", busiest, 1_000_000.0, 0.25);
}

#[test]
fn threads_hits_each_launch_anchor() {
    let s = scenario("threads-launch-2023-07");
    for (hours, signups) in [(2.0, 2e6), (4.0, 5e6), (7.0, 10e6), (14.0, 30e6), (38.0, 70e6), (120.0, 100e6)]
    {
        assert_near(&format!("Threads, {hours} h"), between(&s, 0.0, hours * H), signups, 0.001);
    }
}

#[test]
fn signal_follows_sensor_tower() {
    let s = scenario("signal-2021-01");
    assert_near("Signal, 4–17 Jan (47M)", between(&s, 0.0, 14.0 * D), 47_000_000.0, 0.001);
    assert_near("Signal, 6–10 Jan (7.5M)", between(&s, 2.0 * D, 7.0 * D), 7_500_000.0, 0.25);
    assert_near("Signal, 15 Jan (7.7M)", between(&s, 11.0 * D, 12.0 * D), 7_700_000.0, 0.25);
}

#[test]
fn mastodon_matches_the_network_counts() {
    let s = scenario("mastodon-2022-11");
    assert_near("Mastodon, 27 Oct → 7 Nov (489,003)", between(&s, 0.0, 11.0 * D), 489_003.0, 0.10);
    assert_near("Mastodon, 18 Nov (~250k)", between(&s, 22.0 * D, 23.0 * D), 250_000.0, 0.25);
}

/// Every scenario in `scenarios/` replays against the embedded reference platform at a
/// small sample (about 150 newcomers in 5 s, think times compressed so journeys are
/// short): it runs, every arrival starts, nothing fails — except inside the outage windows
/// a scenario injects, which must have been injected.
#[test]
fn every_scenario_replays_at_small_scale() {
    let mut files: Vec<_> = ["scenarios", "scenarios/examples"]
        .iter()
        .flat_map(|dir| {
            std::fs::read_dir(repo_root().join(dir)).expect("readable").map(|e| e.expect("entry").path())
        })
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    for file in files {
        let s = load(&file, &Overrides::default()).unwrap_or_else(|problems| panic!("{problems}"));
        let sample = (150.0 / s.curve.total()).min(1.0);
        // Phases are judged on whole 1 s intervals: a replay long enough that the phases
        // around an outage window do not share an interval with it.
        let replay_in = if s.spec.outages.is_empty() { "5s" } else { "20s" };
        let out = tempfile::tempdir().expect("tempdir");
        let output = crate::util::stampede()
            .args(["run", "--quiet", "--replay-in", replay_in, "--think", "compressed", "--drain", "30s"])
            .args(["--sample", &sample.to_string(), "--out"])
            .arg(out.path())
            .arg(&file)
            .output()
            .expect("stampede runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            matches!(output.status.code(), Some(0 | 1)),
            "{}:\n{stdout}\n{}",
            file.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        let report = crate::util::read_report(out.path());
        // Every threshold is judged and passes, except latency (the runner's benchmark
        // figure at this squeeze) and a room storm with no delivery to judge.
        for verdict in report["verdicts"].as_array().expect("verdicts") {
            assert!(verdict["outcome"] != "skip", "{}: {verdict}", file.display());
            assert!(crate::util::forgivable_on_a_shared_runner(verdict), "{}: {verdict}", file.display());
        }
        assert_eq!(report["arrivals"]["started"], report["arrivals"]["planned"], "{}", file.display());
        assert!(report["arrivals"]["started"].as_u64().unwrap_or(0) > 0, "{}", file.display());
        let outages = report["outages"].as_array().cloned().unwrap_or_default();
        assert_eq!(outages.len(), s.spec.outages.len(), "{}", file.display());
        for outage in &outages {
            assert_eq!(outage["injected"], true, "{}: {outage}", file.display());
        }
        // Errors only in intervals that overlap an outage window.
        let width_s = report["interval_s"].as_f64().unwrap_or(1.0);
        for point in report["series"].as_array().expect("series") {
            let t_s = point["t_s"].as_f64().unwrap_or(0.0);
            let in_outage = outages.iter().any(|o| {
                let (start, end) = (o["start_s"].as_f64().unwrap_or(0.0), o["end_s"].as_f64().unwrap_or(0.0));
                t_s < end && t_s + width_s > start
            });
            if !in_outage {
                assert_eq!(point["errors"], 0, "{} at {t_s}s: {stdout}", file.display());
            }
        }
    }
}

/// The committed `scenarios/NAME.plan.txt` files (the capacity-planning answer: real-scale
/// peak rates per action) are what `stampede plan` prints today.
#[test]
fn committed_plans_are_current() {
    for entry in std::fs::read_dir(repo_root().join("scenarios")).expect("readable") {
        let path = entry.expect("entry").path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()).and_then(|n| n.strip_suffix(".plan.txt"))
        else {
            continue;
        };
        let scenario = repo_root().join("scenarios").join(format!("{name}.yaml"));
        let output = crate::util::stampede().arg("plan").arg(&scenario).output().expect("stampede runs");
        let committed = std::fs::read_to_string(&path).expect("readable");
        assert!(
            String::from_utf8_lossy(&output.stdout) == committed,
            "{} is stale: run `stampede plan scenarios/{name}.yaml > scenarios/{name}.plan.txt`",
            path.display()
        );
    }
}
