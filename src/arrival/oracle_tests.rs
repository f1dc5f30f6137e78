//! Every shape end to end (YAML → curve): exact hand-computed values, the independent
//! Simpson oracle, inverse round trips and the `total` rescale.

use std::f64::consts::{LN_2, TAU};

use super::testkit::{REDNOTE_START, check_against_oracle, check_inverse, close, curve};

const H: f64 = 3600.0;

#[test]
fn constant_3600_per_hour() {
    let c = curve("curve: {constant: {rate: 3600/h}}", 2.0 * H, None);
    close(c.cumulative(1800.0), 1800.0, 1e-9);
    close(c.total(), 7200.0, 1e-9);
    close(c.inverse(1800.0), 1800.0, 1e-9);
    close(c.rate_per_s(100.0), 1.0, 1e-15);
    check_against_oracle(&c, 1.0, 10, &[], 1e-10);
}

#[test]
fn ramp_from_0_to_7200_per_hour() {
    // rate(t) = t/3600 per s: Λ(t) = t²/7200, Λ(1 h) = 1800, inverse(c) = √(7200c).
    let c = curve("curve: {ramp: {from: 0/h, to: 7200/h}}", 2.0 * H, None);
    close(c.cumulative(H), 1800.0, 1e-9);
    close(c.total(), 7200.0, 1e-9);
    close(c.inverse(50.0), 600.0, 1e-9);
    check_against_oracle(&c, 1.0, 10, &[], 1e-10);
}

#[test]
fn ramp_with_start_and_end_holds_outside() {
    // 1/s for 1 h, ramp to 2/s by 2 h, 2/s for the last hour: 3600 + 5400 + 7200.
    let c = curve("curve: {ramp: {from: 3600/h, to: 7200/h, start: 1h, end: 2h}}", 3.0 * H, None);
    close(c.cumulative(H), 3600.0, 1e-9);
    close(c.cumulative(2.0 * H), 9000.0, 1e-9);
    close(c.total(), 16_200.0, 1e-9);
    check_against_oracle(&c, 1.0, 12, &[], 1e-10);
}

#[test]
fn stages_are_piecewise_linear() {
    let yaml = "curve: {stages: [{at: 1h, rate: 0/h}, {at: 2h, rate: 3600/h}, {at: 3h, rate: 3600/h}]}";
    let c = curve(yaml, 4.0 * H, None);
    // 0 until 1 h, triangle of 1800, then 1/s for 2 h.
    close(c.cumulative(H), 0.0, 1e-9);
    close(c.cumulative(2.0 * H), 1800.0, 1e-9);
    close(c.total(), 1800.0 + 7200.0, 1e-9);
    // The first newcomer is due where t²/7200 = 1 after the 1 h mark.
    close(c.inverse(1.0), H + 7200f64.sqrt(), 1e-7);
    check_against_oracle(&c, 1.0, 16, &[], 1e-10);
}

#[test]
fn logistic_pulse() {
    // 1/s peak at 1 h, width 5 min: Λ(2 h) = 2·300·(tanh 6 − tanh(−6)).
    let c = curve("curve: {logistic: {peak_rate: 60/min, midpoint: 1h, width: 5m}}", 2.0 * H, None);
    close(c.total(), 1200.0 * 6f64.tanh(), 1e-8);
    close(c.cumulative(H), 600.0 * 6f64.tanh(), 1e-8);
    close(c.inverse(c.total() / 2.0), H, 1e-6);
    let (peak_t, peak_rate) = c.peak_rate_per_s();
    close(peak_t, H, 1e-9);
    close(peak_rate, 1.0, 1e-12);
    check_against_oracle(&c, 0.5, 24, &[], 1e-9);
}

#[test]
fn bass_diffusion_in_hours() {
    let c = curve("curve: {bass: {p: 0.01, q: 0.14, m: 1000, time_unit: 1h}}", 48.0 * H, None);
    let f = |x: f64| (1.0 - (-0.15 * x).exp()) / (1.0 + 14.0 * (-0.15 * x).exp());
    close(c.cumulative(10.0 * H), 1000.0 * f(10.0), 1e-8);
    close(c.total(), 1000.0 * f(48.0), 1e-8);
    close(c.peak_rate_per_s().0, 14f64.ln() / 0.15 * H, 1e-6);
    check_against_oracle(&c, 2.0, 24, &[], 1e-9);
}

#[test]
fn decay_from_a_start() {
    // 2/s from 10 min, half-life 1 min: Λ(1 h) = 2·60/ln 2·(1 − 2⁻⁵⁰).
    let c = curve("curve: {decay: {initial: 7200/h, half_life: 1m, start: 10m}}", H, None);
    close(c.cumulative(600.0), 0.0, 1e-12);
    close(c.total(), 120.0 / LN_2 * (1.0 - 0.5f64.powi(50)), 1e-9);
    // Half of the first half-life's arrivals (60/ln 2) is at 10 min + 60 s.
    close(c.inverse(60.0 / LN_2), 660.0, 1e-6);
    check_against_oracle(&c, 0.05, 12, &[600.0], 1e-8);
}

#[test]
fn constant_times_diurnal() {
    // Midnight-UTC start, peak 20:00, amplitude 0.5: a whole day keeps 86400; the first
    // 6 h hold 21600 + 0.5·86400/2π·(sin(2π(¼ − ⅚)) − sin(−2π·⅚)).
    let yaml = "curve: {product: [{constant: {rate: 3600/h}}, {diurnal: {peak_hour: 20, amplitude: 0.5}}]}";
    let c = curve(yaml, 24.0 * H, Some(0));
    close(c.total(), 86_400.0, 1e-7);
    let six =
        21_600.0 + 0.5 * 86_400.0 / TAU * ((TAU * (0.25 - 20.0 / 24.0)).sin() - (-TAU * 20.0 / 24.0).sin());
    close(c.cumulative(6.0 * H), six, 1e-7);
    close(c.peak_rate_per_s().1, 1.5, 1e-6);
    check_against_oracle(&c, 2.0, 24, &[], 1e-10);
}

#[test]
fn constant_times_window() {
    // 1/s, doubled from 1 h to 3 h: Λ(2 h) = 3600 + 7200, total 21600.
    let yaml = "curve: {product: [{constant: {rate: 3600/h}}, {window: {name: dark, start: 1h, duration: 2h, factor: 2}}]}";
    let c = curve(yaml, 4.0 * H, None);
    close(c.cumulative(2.0 * H), 10_800.0, 1e-8);
    close(c.total(), 21_600.0, 1e-8);
    close(c.inverse(10_800.0), 2.0 * H, 1e-6);
    let windows = c.windows();
    assert_eq!(windows.len(), 1);
    assert_eq!((windows[0].name.as_str(), windows[0].start_s, windows[0].end_s), ("dark", H, 3.0 * H));
    check_against_oracle(&c, 1.0, 16, &[H, 3.0 * H], 1e-10);
}

#[test]
fn sum_of_baseline_and_pulse() {
    let yaml = "curve: {sum: [{constant: {rate: 3600/h}}, {logistic: {peak_rate: 60/min, midpoint: 1h, width: 5m}}]}";
    let c = curve(yaml, 2.0 * H, None);
    close(c.total(), 7200.0 + 1200.0 * 6f64.tanh(), 1e-8);
    check_against_oracle(&c, 0.5, 16, &[], 1e-9);
}

/// The S1 RedNote shape: stages × diurnal (ET, evening peak) × the 14 h TikTok blackout.
pub const REDNOTE: &str = "
curve:
  product:
    - stages:
        - {at: 0h, rate: 14600/h}
        - {at: 48h, rate: 14600/h}
        - {at: 50h, rate: 7300/h}
        - {at: 155.5h, rate: 7300/h}
        - {at: 157.5h, rate: 1460/h}
    - diurnal: {peak_hour: 20.5, amplitude: 0.6, utc_offset: '-05:00'}
    - window: {name: tiktok-dark, start: 141.5h, duration: 14h, factor: 2}
total: 700000
total_within: {start: 0h, end: 48h}
";

#[test]
fn rednote_product_matches_the_oracle_and_the_total() {
    let c = curve(REDNOTE, 192.0 * H, Some(REDNOTE_START));
    close(c.cumulative(48.0 * H), 700_000.0, 1e-6);
    // Peak in an evening of the first two days, local 20:30 = 20.5 h or 44.5 h.
    let (peak_t, peak_rate) = c.peak_rate_per_s();
    assert!([20.5 * H, 44.5 * H].iter().any(|t| (peak_t - t).abs() < 120.0), "{peak_t}");
    close(peak_rate, c.rate_per_s(peak_t), 1e-12);
    check_against_oracle(&c, 1.0, 32, &[141.5 * H, 155.5 * H], 1e-10);
    assert_eq!(c.windows()[0].name, "tiktok-dark");
}

#[test]
fn total_rescales_the_whole_span() {
    let c = curve("curve: {ramp: {from: 0/h, to: 7200/h}}\ntotal: 1000", 2.0 * H, None);
    close(c.total(), 1000.0, 1e-9);
    close(c.cumulative(H), 250.0, 1e-9);
    close(c.rate_per_s(H), 1000.0 / 7200.0, 1e-12);
    check_inverse(&c);
}

#[test]
fn even_a_narrow_pulse_on_a_long_span_is_resolved() {
    // A 2 s wide pulse on a 2-day span: far narrower than the 42 s base cells.
    let yaml = "curve: {logistic: {peak_rate: 100/s, midpoint: 30h, width: 2s}}";
    let c = curve(yaml, 48.0 * H, None);
    close(c.total(), 800.0, 1e-7);
    close(c.inverse(400.0), 30.0 * H, 1e-6);
    close(c.cumulative(30.0 * H + 2.0), 400.0 + 400.0 * 0.5f64.tanh(), 1e-7);
}

/// Timing, not a check: `cargo test --release --lib rednote_inverse_speed -- --ignored --nocapture`.
#[test]
#[ignore = "timing; run in release"]
fn rednote_inverse_speed() {
    let c = curve(REDNOTE, 192.0 * H, Some(REDNOTE_START));
    let n = 10_000_000;
    let step = c.total() / n as f64;
    let started = std::time::Instant::now();
    let mut checksum = 0.0;
    for k in 0..n {
        checksum += c.inverse((k as f64 + 0.5) * step);
    }
    let elapsed = started.elapsed();
    println!(
        "{n} inverse calls on {} cells: {elapsed:?} ({:.1} ns/call, checksum {checksum:e})",
        c.cells(),
        elapsed.as_nanos() as f64 / n as f64
    );
}

#[test]
fn the_module_doc_example() {
    let yaml = "curve:\n  product:\n    - stages: [{at: 0h, rate: 3600/h}, {at: 2h, rate: 7200/h}]\n    - window: {name: outage, start: 1h, duration: 30m, factor: 0}\n";
    let c = curve(yaml, 2.0 * H, None);
    close(c.cumulative(H), 4500.0, 1e-8);
    close(c.cumulative(1.25 * H), 4500.0, 1e-8);
    close(c.total(), 7875.0, 1e-8);
    close(c.inverse(4500.0), H, 1e-6);
    close(c.inverse(4501.0), 5400.571415614452, 1e-6);
    check_against_oracle(&c, 1.0, 8, &[H, 1.5 * H], 1e-10);
}
