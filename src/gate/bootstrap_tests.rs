use hdrhistogram::Histogram;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal};

use super::*;
use crate::metrics::histogram;

fn settings(seed: u64) -> Settings {
    Settings { resamples: 1_000, block_intervals: None, confidence: 0.95, seed }
}

/// `n` one-second histograms of `per` values lognormal around `median_us`, each second's
/// median itself drawn with spread `between` (correlation within a second).
fn run(n: usize, per: u64, median_us: f64, between: f64, seed: u64) -> Vec<Option<Histogram<u64>>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let level = LogNormal::new(0.0, between.max(1e-9)).expect("valid");
    (0..n)
        .map(|_| {
            let within = LogNormal::new((median_us * level.sample(&mut rng)).ln(), 0.3).expect("valid");
            let mut h = histogram::new().expect("bounds");
            for _ in 0..per {
                histogram::record_saturating(&mut h, within.sample(&mut rng) as u64);
            }
            Some(h)
        })
        .collect()
}

#[test]
fn quantiles_on_the_grid_are_exact() {
    let mut h = histogram::new().expect("bounds");
    (1..=1000).for_each(|v| histogram::record_saturating(&mut h, v));
    let one = vec![Some(h)];
    let e = estimate(&one, &one, &[50.0, 99.0], &settings(1)).expect("data");
    assert_eq!((e[0].baseline_us, e[0].candidate_us), (500.0, 500.0));
    assert_eq!(e[1].baseline_us, 990.0);
    // One interval: every resample is the run itself, so the interval is a point.
    assert_eq!((e[0].log_ratio, e[0].ci_low, e[0].ci_high), (0.0, 0.0, 0.0));
}

#[test]
fn empty_runs_have_no_estimate() {
    let full = run(3, 10, 1_000.0, 0.0, 1);
    assert!(estimate(&[None, None], &full, &[50.0], &settings(1)).is_none());
    assert!(estimate(&full, &[], &[50.0], &settings(1)).is_none());
    let s = sizes(&full, &[None]);
    assert_eq!(s, Sizes { intervals: (3, 0), requests: (30, 0) });
}

#[test]
fn block_length_grows_as_the_cube_root() {
    assert_eq!(
        [auto_block(0), auto_block(1), auto_block(8), auto_block(12), auto_block(300)],
        [1, 1, 2, 3, 7]
    );
}

#[test]
fn bias_corrected_interval_of_a_centred_distribution_is_the_percentile_interval() {
    let mut draws: Vec<f64> = (1..=1000).rev().map(|i| f64::from(i) / 1000.0).collect();
    let (low, high) = bias_corrected(&mut draws, 0.5005, 0.95);
    assert!((low - 0.025).abs() < 0.0015, "{low}");
    assert!((high - 0.975).abs() < 0.0015, "{high}");
    // An estimate near the top shifts the interval upwards.
    let (low, high) = bias_corrected(&mut draws, 0.7, 0.95);
    assert!(low > 0.15 && high > 0.99, "{low} {high}");
    assert_eq!(bias_corrected(&mut [], 0.0, 0.95), (f64::NEG_INFINITY, f64::INFINITY));
}

#[test]
fn same_seed_same_interval() {
    let (a, b) = (run(12, 100, 5_000.0, 0.1, 1), run(12, 100, 5_000.0, 0.1, 2));
    let first = estimate(&a, &b, &[50.0, 90.0], &settings(7));
    assert_eq!(first, estimate(&a, &b, &[50.0, 90.0], &settings(7)));
}

#[test]
fn small_runs_get_wider_intervals() {
    let f = |blocks| small_sample_factor(blocks, 0.95);
    assert!((f(4) - 3.182 / 1.960).abs() < 0.002, "{}", f(4));
    assert!((f(16) - 2.131 / 1.960).abs() < 0.002, "{}", f(16));
    assert!(f(0) > 6.0 && f(10_000) < 1.001);
}

/// A/A runs of 12 seconds that differ by a lognormal factor (sd 0.15) per second: the
/// blocks carry that between-second variance and the small-sample factor the uncertainty
/// of estimating it from 4 blocks, so 95 % intervals cover the true ratio (1) about 95 %
/// of the time. (Without the factor: 50 of 60 in the same trials.)
#[test]
fn intervals_cover_the_truth_when_seconds_are_correlated() {
    let trials = 60;
    let covered = (0..trials)
        .filter(|&t| {
            let a = run(12, 100, 10_000.0, 0.15, 100 + 2 * t);
            let b = run(12, 100, 10_000.0, 0.15, 101 + 2 * t);
            let e = estimate(&a, &b, &[50.0], &settings(t)).expect("data");
            e[0].ci_low <= 0.0 && 0.0 <= e[0].ci_high
        })
        .count();
    // Binomial(60, 0.95) is at least 52 with probability 0.99.
    assert!(covered >= 52, "{covered} of {trials}");
}
