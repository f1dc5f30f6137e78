//! Unit tests of the fault model: flag syntax, lookup precedence, stall windows, sampling.

use std::time::Duration;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::*;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn parses_every_latency_kind_and_prints_it_back() {
    for text in ["fixed:20ms", "uniform:10ms..50ms", "exp:50ms", "lognormal:40ms,0.5"] {
        let latency: Latency = text.parse().expect("must parse");
        assert_eq!(latency.to_string(), text);
    }
    assert_eq!(
        "exponential:1s".parse::<Latency>().expect("must parse"),
        Latency::Exponential { mean: "1s".parse().expect("must parse") }
    );
}

#[test]
fn rejects_bad_latencies_with_the_accepted_forms() {
    for text in [
        "20ms",
        "fixed:20",
        "uniform:50ms..10ms",
        "uniform:10ms",
        "exp:0ms",
        "lognormal:40ms",
        "lognormal:40ms,-1",
        "gamma:1s",
    ] {
        let err = text.parse::<Latency>().expect_err("must be rejected");
        assert!(err.contains("fixed:20ms"), "{text}: {err}");
    }
}

#[test]
fn parses_scoped_flags() {
    assert_eq!(
        parse_latency_flag("create_post=exp:50ms").expect("must parse"),
        (Scope::Route(Route::CreatePost), "exp:50ms".parse::<Latency>().expect("must parse"))
    );
    assert_eq!(parse_latency_flag("all=fixed:20ms").expect("must parse").0, Scope::All);
    assert!(parse_latency_flag("fixed:20ms").is_err());
    assert!(parse_latency_flag("posts=fixed:20ms").is_err());

    assert_eq!(parse_error_rate_flag("0.05").expect("must parse"), (Scope::All, ErrorRate(0.05)));
    assert_eq!(
        parse_error_rate_flag("signup=1").expect("must parse"),
        (Scope::Route(Route::Signup), ErrorRate(1.0))
    );
    assert!(parse_error_rate_flag("1.5").is_err());
    assert!(parse_error_rate_flag("-0.1").is_err());
    assert!(parse_error_rate_flag("lots").is_err());
}

#[test]
fn parses_stalls() {
    assert_eq!(
        "3s+2s".parse::<Stall>().expect("must parse"),
        Stall { start: ms(3_000), duration: ms(2_000) }
    );
    assert_eq!("300ms+1s".parse::<Stall>().expect("must parse").end(), ms(1_300));
    assert!("3s".parse::<Stall>().is_err());
    assert!("3s+2".parse::<Stall>().is_err());
}

#[test]
fn route_setting_overrides_all() {
    let mut faults = Faults::default();
    faults.error_rate.insert(Scope::All, ErrorRate(0.5));
    faults.error_rate.insert(Scope::Route(Route::Health), ErrorRate(0.0));
    assert_eq!(faults.error_rate_for(Route::Signup), 0.5);
    assert_eq!(faults.error_rate_for(Route::Health), 0.0);
    assert!(faults.latency_for(Route::Signup).is_none());
}

#[test]
fn stall_windows_are_half_open_and_overlaps_take_the_latest_end() {
    let faults = Faults {
        stalls: vec!["1s+1s".parse().expect("must parse"), "1500ms+1s".parse().expect("must parse")],
        ..Faults::default()
    };
    assert_eq!(faults.stall_until(ms(999)), None);
    assert_eq!(faults.stall_until(ms(1_000)), Some(ms(2_000)));
    assert_eq!(faults.stall_until(ms(1_600)), Some(ms(2_500)));
    assert_eq!(faults.stall_until(ms(2_400)), Some(ms(2_500)));
    assert_eq!(faults.stall_until(ms(2_500)), None);
}

#[test]
fn samples_follow_their_distribution() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let fixed: Latency = "fixed:20ms".parse().expect("must parse");
    assert_eq!(fixed.sample(&mut rng), ms(20));

    let uniform: Latency = "uniform:10ms..50ms".parse().expect("must parse");
    for _ in 0..1_000 {
        let d = uniform.sample(&mut rng);
        assert!(d >= ms(10) && d <= ms(50), "{d:?}");
    }

    // Mean of n exponential samples: standard error = mean / sqrt(n); allow 5 of them.
    let n = 10_000;
    let exp: Latency = "exp:50ms".parse().expect("must parse");
    let mean_s = (0..n).map(|_| exp.sample(&mut rng).as_secs_f64()).sum::<f64>() / n as f64;
    let tolerance = 5.0 * 0.050 / (n as f64).sqrt();
    assert!((mean_s - 0.050).abs() < tolerance, "mean {mean_s}");

    // Median of a lognormal: half the samples fall below it.
    let lognormal: Latency = "lognormal:40ms,0.5".parse().expect("must parse");
    let below = (0..n).filter(|_| lognormal.sample(&mut rng) < ms(40)).count();
    let fraction = below as f64 / n as f64;
    assert!((fraction - 0.5).abs() < 5.0 * 0.5 / (n as f64).sqrt(), "{fraction}");
}
