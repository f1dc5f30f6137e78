//! Per-second pacing end to end: each interval's started arrivals against the schedule
//! (even and Poisson spacing), lateness drops counted per interval and judged by the
//! `arrivals.dropped_rate` threshold, and coordinated omission on a two-step journey with
//! human think times whose later step a stall hits.
//!
//! The pacing bound. An arrival intended at τ starts at τ + ℓ with ℓ ≤ L, the run's
//! maximum lateness (the lateness budget too when some arrivals were dropped, since they are
//! counted when a slot takes them up). So by any interval boundary b, the arrivals started
//! or dropped are those planned before b except the ones planned in [b − L, b): at most
//! rate × L + 1 of them for even spacing, and for Poisson spacing, whose count in a window
//! of mean m has standard deviation √m, at most m + 4√m + 1 (4σ: a false failure
//! about once in 30,000 boundaries).

use std::path::Path;

use serde_json::Value;

use crate::shapes::{self, BUDGET_MS, RATE_PER_S, STALL_S};
use crate::util::{Server, read_report, repo_root, stampede};

fn counts(report: &Value, key: &str) -> Vec<u64> {
    let series = report["series"].as_array().expect("series");
    series.iter().map(|p| p[key].as_u64().unwrap_or_else(|| panic!("{key} in {p}"))).collect()
}

/// Holds cumulative started + dropped arrivals against the schedule at every interval
/// boundary; `slack` gives the most planned arrivals a window of `l_s` seconds can hold.
fn assert_paced(report: &Value, slack: impl Fn(f64) -> f64) {
    let planned = counts(report, "arrivals_planned");
    let started = counts(report, "arrivals_started");
    let dropped = counts(report, "dropped");
    let arrivals = &report["arrivals"];
    assert_eq!(planned.iter().sum::<u64>(), arrivals["planned"].as_u64().expect("planned"));
    assert_eq!(started.iter().sum::<u64>(), arrivals["started"].as_u64().expect("started"));
    assert_eq!(dropped.iter().sum::<u64>(), arrivals["dropped"].as_u64().expect("dropped"));
    let mut late_s = arrivals["lateness_us"]["max"].as_f64().expect("lateness max") / 1e6;
    if arrivals["dropped"].as_u64() != Some(0) {
        late_s = late_s.max(report["lateness_budget_ms"].as_f64().expect("budget") / 1e3);
    }
    let allowed = slack(late_s);
    let (mut due, mut done) = (0u64, 0u64);
    for i in 0..planned.len() {
        due += planned[i];
        done += started[i] + dropped[i];
        let behind = due as f64 - done as f64;
        assert!(
            (0.0..=allowed).contains(&behind),
            "interval {i}: {due} planned by its end, {done} started or dropped (allowed behind: {allowed:.1}, \
             max lateness {late_s}s)\nplanned {planned:?}\nstarted {started:?}\ndropped {dropped:?}"
        );
    }
    assert_eq!(due, done, "every planned arrival started or was dropped");
}

#[test]
fn even_spacing_starts_each_interval_on_schedule() {
    let (dir, code) = shapes::normal();
    assert_eq!(*code, Some(0), "the undisturbed replay passes its thresholds");
    let report = read_report(dir);
    let dt = report["interval_s"].as_f64().expect("interval_s");
    // Even spacing: exactly rate × dt per whole interval.
    for (i, planned) in counts(&report, "arrivals_planned").iter().enumerate() {
        assert_eq!(*planned as f64, RATE_PER_S * dt, "interval {i} plans rate × interval");
    }
    assert_paced(&report, |late_s| (RATE_PER_S * late_s).ceil() + 1.0);
}

#[test]
fn poisson_spacing_follows_the_curve_within_its_noise() {
    let server = Server::start::<&str>(&[]);
    let dir = shapes::fresh_dir("pacing-poisson");
    let output = stampede()
        .args(["run", "--quiet", "--target", &server.base, "--out"])
        .arg(&dir)
        .arg(repo_root().join("tests/fixtures/pacing-poisson.yaml"))
        .output()
        .expect("stampede runs");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let report = read_report(&dir);
    let dt = report["interval_s"].as_f64().expect("interval_s");
    let planned = counts(&report, "arrivals_planned");
    let mean = RATE_PER_S * dt;
    // The schedule is Poisson around the curve: each interval within 4σ of its mean, and not
    // the even schedule in disguise.
    for (i, n) in planned.iter().enumerate() {
        assert!((*n as f64 - mean).abs() <= 4.0 * mean.sqrt(), "interval {i}: {n} planned, mean {mean}");
    }
    assert!(planned.iter().any(|n| *n as f64 != mean), "Poisson counts vary: {planned:?}");
    assert_paced(&report, |late_s| {
        let m = RATE_PER_S * late_s;
        (m + 4.0 * m.sqrt()).ceil() + 1.0
    });
}

#[test]
fn a_stall_drops_late_arrivals_counted_per_interval_and_judged() {
    let (dir, code) = shapes::stalled();
    assert_eq!(*code, Some(1), "the dropped_rate threshold fails");
    let report = read_report(dir);
    let arrivals = &report["arrivals"];
    let (planned, dropped) =
        (arrivals["planned"].as_u64().expect("n"), arrivals["dropped"].as_u64().expect("n"));
    // Per interval, the drops add up to the total, and nothing planned went missing.
    assert_eq!(counts(&report, "dropped").iter().sum::<u64>(), dropped);
    assert_eq!(arrivals["started"].as_u64().expect("n") + dropped, planned);
    // Arrivals of the stall wait for one of the 10 stalled slots; all but those within the
    // budget of its end are dropped: about rate × (stall − budget) − slots.
    let expected = RATE_PER_S * (STALL_S.1 - STALL_S.0 - BUDGET_MS as f64 / 1e3) - 10.0;
    assert!(dropped as f64 >= 0.7 * expected, "{dropped} dropped, about {expected} expected");
    assert!(
        dropped as f64 <= RATE_PER_S * (STALL_S.1 - STALL_S.0),
        "{dropped} dropped: more than the stall held"
    );
    // Counted where they happened: from the stall's start to a budget after its end.
    let dt = report["interval_s"].as_f64().expect("interval_s");
    for point in report["series"].as_array().expect("series") {
        let t_s = point["t_s"].as_f64().expect("t_s");
        let inside = t_s + dt > STALL_S.0 && t_s < STALL_S.1 + BUDGET_MS as f64 / 1e3 + 0.5;
        assert!(inside || point["dropped"] == 0, "drops at {t_s}s, away from the stall: {point}");
    }
    let verdict = (report["verdicts"].as_array().expect("verdicts").iter())
        .find(|v| v["name"] == "arrivals.dropped_rate < 1%")
        .expect("the dropped_rate verdict");
    assert_eq!(verdict["outcome"], "fail", "{verdict}");
    let measured = verdict["measured"].as_f64().expect("measured");
    assert!((measured - dropped as f64 / planned as f64).abs() < 1e-9, "{verdict}");
}

/// Requests of step `step` of journey `journey` whose response took longer than `us`.
fn slower_than(report: &Value, journey: &str, step: u64, us: u64) -> (u64, u64, u64) {
    let s = (report["steps"].as_array().expect("steps").iter())
        .find(|s| s["journey"] == journey && s["step"] == step)
        .unwrap_or_else(|| panic!("no step {journey}/{step}"));
    let h =
        stampede::metrics::histogram::decode_base64(s["histogram"]["response"].as_str().expect("histogram"))
            .expect("decodes");
    let slow = h.count_between(us, h.max().max(us));
    (slow, h.len(), h.value_at_quantile(0.5))
}

fn run_think_stall(dir: &Path) {
    const TOKEN: &str = "think-stall-token";
    let server = Server::start(&["--admin-token", TOKEN]);
    let output = stampede()
        .args(["run", "--quiet", "--target", &server.base, "--admin-token", TOKEN, "--out"])
        .arg(dir)
        .arg(repo_root().join("tests/fixtures/think-stall.yaml"))
        .output()
        .expect("stampede runs");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn a_stall_on_a_later_step_counts_from_arrival_plus_think_times() {
    let dir = shapes::fresh_dir("think-stall");
    run_think_stall(&dir);
    let report = read_report(&dir);
    assert_eq!(report["outages"][0]["injected"], true, "{}", report["outages"]);
    // 50 arrivals/s; the stall (4–6 s) holds the signups of arrivals at 4–6 s: those at
    // 4–5.5 s wait more than 0.5 s. The feed read 3 s after signup is due at a + 3 s: it
    // waits more than 0.5 s for arrivals at 1–2.5 s (the read falls in the stall) and for
    // arrivals at 4–5.5 s, whose read is sent after the stalled signup + 3 s, yet was due at
    // a + 3 s. So twice as many slow reads as slow signups; a read timed from its send
    // (think time measured from the actual end of the previous step) would show as many,
    // a read timed without its think time would be at least 3 s slow every time.
    let (slow_signups, signups, _) = slower_than(&report, "join", 0, 500_000);
    let (slow_reads, reads, read_p50_us) = slower_than(&report, "join", 1, 500_000);
    assert_eq!((signups, reads), (500, 500), "every journey ran both steps");
    assert!(slow_signups >= 50, "{slow_signups} signups waited for the stall, about 75 expected");
    let ratio = slow_reads as f64 / slow_signups as f64;
    assert!(
        (1.5..=2.5).contains(&ratio),
        "{slow_reads} slow feed reads for {slow_signups} slow signups (about twice as many expected)"
    );
    assert!(read_p50_us < 1_000_000, "a typical read took {read_p50_us} µs from its intended start");
}
