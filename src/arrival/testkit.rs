//! Test helpers: YAML → spec → curve, and an independent numeric oracle.

use std::path::Path;

use super::{ArrivalsSpec, CompileContext, Curve, compile};
use crate::source::problem::{DocPath, Finding, Findings, Problem};
use crate::source::yaml as source;

/// 2025-01-13 00:00 ET (05:00 UTC), the RedNote clock.
pub const REDNOTE_START: i64 = 1_736_744_400;

/// Parses an `arrivals:` section written in YAML.
pub fn spec(yaml: &str) -> ArrivalsSpec {
    let (value, _) = source::parse(yaml).unwrap_or_else(|e| panic!("{e:?}"));
    serde_json::from_value(value).unwrap_or_else(|e| panic!("{e}\n{yaml}"))
}

/// Compiles, returning the curve or everything that was reported.
pub fn try_compile(
    yaml: &str,
    span_s: f64,
    start: Option<i64>,
    dir: &Path,
) -> Result<Curve, (Vec<Finding>, Vec<Problem>)> {
    let ctx = CompileContext { span_s, start_unix_s: start, base_dir: dir };
    let (mut findings, mut problems) = (Findings::new(), Vec::new());
    let root = DocPath::root().key("arrivals");
    match compile(&spec(yaml), &ctx, &root, &mut findings, &mut problems) {
        Some(curve) if findings.is_empty() && problems.is_empty() => Ok(curve),
        _ => Err((findings.into_vec(), problems)),
    }
}

pub fn curve(yaml: &str, span_s: f64, start: Option<i64>) -> Curve {
    try_compile(yaml, span_s, start, Path::new(".")).unwrap_or_else(|e| panic!("{e:?}"))
}

/// The findings of a spec that must not compile, as `(path, message)`.
pub fn findings(yaml: &str, span_s: f64, start: Option<i64>) -> Vec<(String, String)> {
    match try_compile(yaml, span_s, start, Path::new(".")) {
        Ok(_) => panic!("compiled but should not:\n{yaml}"),
        Err((findings, _)) => findings.into_iter().map(|f| (f.path.to_string(), f.message)).collect(),
    }
}

/// `∫ rate_per_s` from 0 to each checkpoint by composite Simpson with `step`-wide halves:
/// an oracle that shares nothing with the table but `rate_per_s`. `breaks` are the
/// curve's jumps, written out by the test, so no Simpson panel straddles one.
pub fn simpson(curve: &Curve, step: f64, checkpoints: &[f64], breaks: &[f64]) -> Vec<f64> {
    let mut bounds: Vec<f64> = checkpoints.iter().chain(breaks).copied().collect();
    bounds.sort_by(f64::total_cmp);
    bounds.dedup();
    let mut out = Vec::with_capacity(checkpoints.len());
    let (mut from, mut sum) = (0.0, 0.0);
    for to in bounds {
        let panels = ((to - from) / (2.0 * step)).round().max(1.0) as usize;
        let h = (to - from) / (2 * panels) as f64;
        let f = |i: usize| curve.rate_per_s(from + h * i as f64);
        let inner: f64 = (1..2 * panels).map(|i| if i % 2 == 1 { 4.0 * f(i) } else { 2.0 * f(i) }).sum();
        // The right end uses the left limit, in case a jump sits exactly there.
        sum += h / 3.0 * (f(0) + inner + curve.rate_per_s(to.next_down()));
        if checkpoints.contains(&to) {
            out.push(sum);
        }
        from = to;
    }
    out
}

/// Checks the curve against the oracle at `points` checkpoints, to `rel` of the total,
/// and checks monotonicity and `inverse` round trips at many points.
pub fn check_against_oracle(curve: &Curve, step: f64, points: usize, breaks: &[f64], rel: f64) {
    let span = curve.span_s();
    let checkpoints: Vec<f64> = (1..=points).map(|i| span * i as f64 / points as f64).collect();
    let oracle = simpson(curve, step, &checkpoints, breaks);
    let total = curve.total();
    for (t, expected) in checkpoints.iter().zip(oracle) {
        let got = curve.cumulative(*t);
        assert!((got - expected).abs() <= rel * total, "Λ({t}) = {got}, oracle {expected}, total {total}");
    }
    check_inverse(curve);
}

/// Monotone cumulative, and `cumulative(inverse(c)) == c` and `inverse(cumulative(t)) == t`
/// wherever the rate is positive.
pub fn check_inverse(curve: &Curve) {
    let (span, total) = (curve.span_s(), curve.total());
    let mut previous = 0.0;
    for i in 0..=2000 {
        let t = span * i as f64 / 2000.0 * 0.999_7;
        let c = curve.cumulative(t);
        assert!(c >= previous, "cumulative decreases at {t}: {c} < {previous}");
        previous = c;
        let back = curve.inverse(c);
        assert!((curve.cumulative(back) - c).abs() <= 1e-9 * total.max(1.0), "Λ(Λ⁻¹({c})) at t = {t}");
        if curve.rate_per_s(t) > 1e-6 * total / span && c > 0.0 {
            assert!((back - t).abs() <= 1e-6 * span, "inverse(cumulative({t})) = {back}");
        }
    }
}

pub fn close(got: f64, expected: f64, tolerance: f64) {
    assert!((got - expected).abs() <= tolerance, "got {got}, expected {expected} (±{tolerance})");
}

/// A constant curve of `rate_per_s` over `span_s`, for other modules' tests.
pub fn constant(rate_per_s: f64, span_s: f64) -> Curve {
    curve(&format!("curve: {{ constant: {{ rate: {rate_per_s}/s }} }}"), span_s, None)
}
