//! Every class of invalid input produces a finding at the right document path, and
//! compilation never panics.

use super::testkit::findings;

const H: f64 = 3600.0;

fn has(found: &[(String, String)], path: &str, needle: &str) {
    assert!(
        found.iter().any(|(p, m)| p == path && m.contains(needle)),
        "no `{needle}` at {path} in {found:#?}"
    );
}

#[test]
fn bass_coefficients_and_market() {
    let found = findings("curve: {bass: {p: 0, q: -0.1, m: -5, time_unit: 0s}}", H, None);
    has(&found, "arrivals.curve.bass.p", "p is 0");
    has(&found, "arrivals.curve.bass.q", "q is -0.1");
    has(&found, "arrivals.curve.bass.m", "m is -5");
    has(&found, "arrivals.curve.bass.time_unit", "time_unit");
}

#[test]
fn diurnal_amplitude_hour_offset_and_start() {
    let yaml = "curve: {product: [{constant: {rate: 1/s}}, {diurnal: {peak_hour: 24, amplitude: 1.5, utc_offset: EST}}]}";
    let found = findings(yaml, H, None);
    has(&found, "arrivals.curve.product[1].diurnal.peak_hour", "24");
    has(&found, "arrivals.curve.product[1].diurnal.amplitude", "1.5");
    has(&found, "arrivals.curve.product[1].diurnal.utc_offset", "EST");
    has(&found, "arrivals.curve.product[1].diurnal", "absolute start");
}

#[test]
fn stages_empty_or_not_increasing_or_past_the_end() {
    has(&findings("curve: {stages: []}", H, None), "arrivals.curve.stages", "no stages");
    let yaml = "curve: {stages: [{at: 10m, rate: 1/s}, {at: 10m, rate: 2/s}, {at: 2h, rate: 1/s}]}";
    let found = findings(yaml, H, None);
    has(&found, "arrivals.curve.stages[1].at", "not after");
    has(&found, "arrivals.curve.stages[2].at", "after the timeline end");
}

#[test]
fn empty_combinations_and_two_rates_in_a_product() {
    has(&findings("curve: {sum: []}", H, None), "arrivals.curve.sum", "empty sum");
    has(&findings("curve: {product: []}", H, None), "arrivals.curve.product", "empty product");
    let yaml = "curve: {product: [{constant: {rate: 1/s}}, {constant: {rate: 2/s}}]}";
    has(&findings(yaml, H, None), "arrivals.curve.product[1]", "product of 2 rates");
    let yaml = "curve: {sum: [{constant: {rate: 1/s}}, {window: {start: 0s, duration: 1m, factor: 2}}]}";
    has(&findings(yaml, H, None), "arrivals.curve.sum[1]", "mixes rates and factors");
}

#[test]
fn a_factor_alone_is_not_a_curve() {
    let yaml = "curve: {window: {start: 0s, duration: 1m, factor: 2}}";
    has(&findings(yaml, H, None), "arrivals.curve", "only a factor");
}

#[test]
fn windows_outside_the_span_and_bad_factors() {
    let yaml = "curve: {product: [{constant: {rate: 1/s}}, {window: {start: 2h, duration: 1m, factor: -1}}, {window: {start: 50m, duration: 20m, factor: 0}}]}";
    let found = findings(yaml, H, None);
    has(&found, "arrivals.curve.product[1].window.start", "after the timeline end");
    has(&found, "arrivals.curve.product[1].window.factor", "factor is -1");
    has(&found, "arrivals.curve.product[2].window.duration", "after the timeline end");
}

#[test]
fn ramps_decays_and_logistics() {
    let found = findings("curve: {ramp: {from: 1/s, to: 2/s, start: 2h, end: 1h}}", 3.0 * H, None);
    has(&found, "arrivals.curve.ramp.end", "starts at");
    has(
        &findings("curve: {decay: {initial: 1/s, half_life: 0s}}", H, None),
        "arrivals.curve.decay.half_life",
        "0",
    );
    let yaml = "curve: {logistic: {peak_rate: 1/s, midpoint: 1h, width: 0s}}";
    has(&findings(yaml, H, None), "arrivals.curve.logistic.width", "0");
}

#[test]
fn empty_curves_and_bad_totals() {
    has(&findings("curve: {constant: {rate: 0/h}}", H, None), "arrivals.curve", "no arrivals");
    let yaml = "curve: {stages: [{at: 30m, rate: 0/s}, {at: 40m, rate: 1/s}]}\ntotal: 100\ntotal_within: {start: 0s, end: 20m}";
    has(&findings(yaml, H, None), "arrivals.total_within", "no arrivals");
    has(&findings("curve: {constant: {rate: 1/s}}\ntotal: 0", H, None), "arrivals.total", "total is 0");
    let yaml = "curve: {constant: {rate: 1/s}}\ntotal: 5\ntotal_within: {start: 30m, end: 2h}";
    has(&findings(yaml, H, None), "arrivals.total_within.end", "after the timeline end");
}

#[test]
fn every_problem_is_reported_at_once() {
    let yaml = "curve: {sum: [{bass: {p: 0, q: 0.1, m: 1, time_unit: 1h}}, {stages: []}, {decay: {initial: 1/s, half_life: 0s}}]}\ntotal: -3";
    assert_eq!(findings(yaml, H, None).len(), 4);
}

#[test]
fn overflowing_curves_are_findings_not_panics() {
    let yaml =
        "curve: {product: [{constant: {rate: 1e9/s}}, {window: {start: 0s, duration: 1h, factor: 1e300}}]}";
    has(&findings(yaml, H, None), "arrivals.curve", "not a finite number");
}
