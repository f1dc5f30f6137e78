//! Random quantities in a scenario: counts (how many follows, bytes, comments) and delays
//! (think times, reaction delays), each a distribution from `rand_distr`.
//!
//! Specs are externally tagged one-key maps, e.g. `{ poisson: { mean: 4 } }` or
//! `{ lognormal: { median: 30s, sigma: 1.0 } }`. Log-normals are written by their median
//! because that is the figure people know ("half the users think for less than 30 s"); the
//! mean, which the planner needs for Little's law, follows as `median · e^(σ²/2)`.

use rand::Rng;
use rand_distr::{Distribution, Exp, Geometric, LogNormal, Pareto, Poisson, Uniform, Zipf};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::limits::MAX_COUNT;
use crate::source::problem::{DocPath, Findings};
use crate::units::{MAX_SPAN_S, Span};

/// A non-negative whole number drawn per use (repeat counts, payload sizes, reactions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum CountDist {
    /// Always this many.
    Fixed(u64),
    /// Poisson with this mean.
    Poisson { mean: f64 },
    /// Geometric number of failures before a success, given by its mean (≥ 0).
    Geometric { mean: f64 },
    /// Zipf over 1..=n with exponent `s` (heavy-tailed: most draws small, a few near n).
    Zipf { n: u64, s: f64 },
    /// Log-normal, rounded to the nearest whole number; heavy-tailed.
    Lognormal { median: f64, sigma: f64 },
    /// Uniform over low..=high.
    Uniform { low: u64, high: u64 },
}

/// A non-negative duration drawn per use (think times, reaction delays).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum DelayDist {
    /// Always this long.
    Fixed(Span),
    /// Exponential with this mean (memoryless clicks; TPC-W uses a 7 s mean).
    Exponential { mean: Span },
    /// Log-normal given by its median and shape σ (human inter-activity times).
    Lognormal { median: Span, sigma: f64 },
    /// Uniform between low and high.
    Uniform { low: Span, high: Span },
    /// Pareto with minimum `scale` and tail index `shape` (> 1 for a finite mean).
    Pareto { scale: Span, shape: f64 },
}

/// A parameter as a problem shows it: `1e300` rather than its 301 digits.
pub fn number(x: f64) -> String {
    if x.abs() >= 1e9 { format!("{x:e}") } else { format!("{x}") }
}

fn finite_nonneg(x: f64) -> bool {
    x.is_finite() && x >= 0.0
}

/// The shape σ of a log-normal, count or delay alike.
fn check_sigma(sigma: f64, at: &DocPath, findings: &mut Findings) {
    findings.check(
        finite_nonneg(sigma) && sigma <= 10.0,
        &at.key("sigma"),
        || format!("sigma {sigma} is not allowed"),
        "a number between 0 and 10",
    );
}

impl CountDist {
    /// Checks parameters and that draws stay within `limit` (named `limit_name` in the
    /// problem): the largest possible value for bounded distributions, the mean for the
    /// others (their draws are capped at the limit). Every problem goes to `findings`.
    pub fn validate_within(&self, path: &DocPath, limit: u64, limit_name: &str, findings: &mut Findings) {
        self.validate(path, findings);
        let (key, value) = match self {
            Self::Fixed(n) => ("fixed", *n as f64),
            Self::Poisson { mean } => ("poisson", *mean),
            Self::Geometric { mean } => ("geometric", *mean),
            Self::Zipf { n, .. } => ("zipf", *n as f64),
            Self::Lognormal { .. } => ("lognormal", self.mean()),
            Self::Uniform { high, .. } => ("uniform", *high as f64),
        };
        let what = match self {
            Self::Fixed(_) => "the count",
            Self::Zipf { .. } => "n",
            Self::Uniform { .. } => "high",
            _ => "the mean",
        };
        // NaN parameters were reported by `validate`; `!(x <= limit)` would repeat them.
        if value > limit as f64 {
            findings.add(
                &path.key(key),
                format!("{what} {} is above the {limit_name} limit of {limit}", number(value)),
                format!("at most {limit} (see \"Scenario limits\" in the README)"),
            );
        }
    }

    /// The largest value a draw can take, when the distribution is bounded.
    pub fn upper_bound(&self) -> Option<u64> {
        match self {
            Self::Fixed(n) => Some(*n),
            Self::Zipf { n, .. } => Some(*n),
            Self::Uniform { high, .. } => Some(*high),
            Self::Poisson { .. } | Self::Geometric { .. } | Self::Lognormal { .. } => None,
        }
    }

    /// Checks parameters; every problem goes to `findings` under `path`.
    pub fn validate(&self, path: &DocPath, findings: &mut Findings) {
        let positive = "a finite number > 0";
        match self {
            Self::Fixed(_) => {}
            Self::Poisson { mean } | Self::Geometric { mean } => {
                let key = if matches!(self, Self::Poisson { .. }) { "poisson" } else { "geometric" };
                findings.check(
                    finite_nonneg(*mean),
                    &path.key(key).key("mean"),
                    || format!("mean {mean} is not allowed"),
                    "a finite number >= 0",
                );
            }
            Self::Zipf { n, s } => {
                let at = path.key("zipf");
                findings.check(*n >= 1, &at.key("n"), || format!("n {n} is below 1"), "a whole number >= 1");
                findings.check(
                    s.is_finite() && *s > 0.0,
                    &at.key("s"),
                    || format!("exponent {s} is not allowed"),
                    positive,
                );
            }
            Self::Lognormal { median, sigma } => {
                let at = path.key("lognormal");
                findings.check(
                    median.is_finite() && *median > 0.0,
                    &at.key("median"),
                    || format!("median {median} is not allowed"),
                    positive,
                );
                check_sigma(*sigma, &at, findings);
            }
            Self::Uniform { low, high } => {
                findings.check(
                    low <= high,
                    &path.key("uniform").key("high"),
                    || format!("high {high} is below low {low}"),
                    "high >= low",
                );
            }
        }
    }

    /// The expected value, used by the planner for expected request counts.
    pub fn mean(&self) -> f64 {
        match self {
            Self::Fixed(n) => *n as f64,
            Self::Poisson { mean } | Self::Geometric { mean } => *mean,
            Self::Zipf { n, s } => {
                // E[X] = H(n, s-1) / H(n, s); computed directly, n is small in practice
                // and capped so a huge n cannot stall planning.
                let n = (*n).min(MAX_COUNT);
                let (mut num, mut den) = (0.0, 0.0);
                for k in 1..=n {
                    let w = (k as f64).powf(-s);
                    num += k as f64 * w;
                    den += w;
                }
                num / den
            }
            Self::Lognormal { median, sigma } => median * (sigma * sigma / 2.0).exp(),
            Self::Uniform { low, high } => (*low as f64 + *high as f64) / 2.0,
        }
    }

    /// Draws one value, at most [`MAX_COUNT`] (a heavy tail's rare giant draw cannot size
    /// an allocation). Parameters must have passed [`CountDist::validate`]; a distribution
    /// that cannot be built anyway yields its mean, never a panic.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        self.sample_at_most(rng, MAX_COUNT)
    }

    /// Draws one value, capped at `max` (one of the limits in [`super::limits`]).
    pub fn sample_at_most<R: Rng + ?Sized>(&self, rng: &mut R, max: u64) -> u64 {
        self.draw(rng).min(max)
    }

    fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        let fallback = self.mean().round() as u64;
        match self {
            Self::Fixed(n) => *n,
            Self::Poisson { mean } if *mean == 0.0 => 0,
            Self::Poisson { mean } => Poisson::new(*mean).map_or(fallback, |d| d.sample(rng) as u64),
            Self::Geometric { mean } => {
                // Failures before the first success with success probability p: mean = (1-p)/p.
                Geometric::new(1.0 / (1.0 + mean)).map_or(fallback, |d| d.sample(rng))
            }
            Self::Zipf { n, s } => Zipf::new(*n as f64, *s).map_or(fallback, |d| d.sample(rng) as u64),
            Self::Lognormal { median, sigma } => {
                LogNormal::new(median.ln(), *sigma).map_or(fallback, |d| d.sample(rng).round() as u64)
            }
            Self::Uniform { low, high } => {
                Uniform::new_inclusive(*low, *high).map_or(fallback, |d| d.sample(rng))
            }
        }
    }
}

impl DelayDist {
    /// Checks parameters; every problem goes to `findings` under `path`.
    pub fn validate(&self, path: &DocPath, findings: &mut Findings) {
        self.validate_parameters(path, findings);
        let mean_s = self.mean_s();
        // A heavy tail (σ near 10, a Pareto shape near 1) can have a mean beyond any span.
        if mean_s > MAX_SPAN_S {
            findings.add(
                path,
                format!("the mean delay {}s is longer than the limit of 3650d", number(mean_s)),
                "a mean of at most 10 years (see \"Scenario limits\" in the README)",
            );
        }
    }

    fn validate_parameters(&self, path: &DocPath, findings: &mut Findings) {
        match self {
            Self::Fixed(_) | Self::Exponential { .. } => {}
            Self::Lognormal { median, sigma } => {
                let at = path.key("lognormal");
                findings.check(
                    median.secs() > 0.0,
                    &at.key("median"),
                    || format!("median {median} is not allowed"),
                    "a duration > 0",
                );
                check_sigma(*sigma, &at, findings);
            }
            Self::Uniform { low, high } => {
                findings.check(
                    low.secs() <= high.secs(),
                    &path.key("uniform").key("high"),
                    || format!("high {high} is below low {low}"),
                    "high >= low",
                );
            }
            Self::Pareto { scale, shape } => {
                let at = path.key("pareto");
                findings.check(
                    scale.secs() > 0.0,
                    &at.key("scale"),
                    || format!("scale {scale} is not allowed"),
                    "a duration > 0",
                );
                findings.check(
                    shape.is_finite() && *shape > 1.0,
                    &at.key("shape"),
                    || format!("shape {shape} gives an infinite mean"),
                    "a tail index > 1",
                );
            }
        }
    }

    /// The expected delay in seconds.
    pub fn mean_s(&self) -> f64 {
        match self {
            Self::Fixed(span) => span.secs(),
            Self::Exponential { mean } => mean.secs(),
            Self::Lognormal { median, sigma } => median.secs() * (sigma * sigma / 2.0).exp(),
            Self::Uniform { low, high } => (low.secs() + high.secs()) / 2.0,
            Self::Pareto { scale, shape } => shape * scale.secs() / (shape - 1.0),
        }
    }

    /// Draws one delay in seconds, at most [`MAX_SPAN_S`] (falls back to the mean if
    /// parameters are unusable), so it always converts to a `Duration`.
    pub fn sample_s<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let drawn = self.draw_s(rng);
        if drawn.is_nan() { 0.0 } else { drawn.clamp(0.0, MAX_SPAN_S) }
    }

    fn draw_s<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let fallback = self.mean_s();
        match self {
            Self::Fixed(span) => span.secs(),
            Self::Exponential { mean } if mean.secs() == 0.0 => 0.0,
            Self::Exponential { mean } => Exp::new(1.0 / mean.secs()).map_or(fallback, |d| d.sample(rng)),
            Self::Lognormal { median, sigma } => {
                LogNormal::new(median.secs().ln(), *sigma).map_or(fallback, |d| d.sample(rng))
            }
            Self::Uniform { low, high } => {
                Uniform::new_inclusive(low.secs(), high.secs()).map_or(fallback, |d| d.sample(rng))
            }
            Self::Pareto { scale, shape } => {
                Pareto::new(scale.secs(), *shape).map_or(fallback, |d| d.sample(rng))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;

    fn span(text: &str) -> Span {
        text.parse().expect("valid span")
    }

    #[test]
    fn means_match_closed_forms() {
        assert_eq!(CountDist::Fixed(3).mean(), 3.0);
        assert_eq!(CountDist::Uniform { low: 2, high: 6 }.mean(), 4.0);
        // Zipf n=2, s=1: (1·1 + 2·½) / (1 + ½) = 4/3.
        assert!((CountDist::Zipf { n: 2, s: 1.0 }.mean() - 4.0 / 3.0).abs() < 1e-12);
        let lognormal = DelayDist::Lognormal { median: span("10s"), sigma: 1.0 };
        assert!((lognormal.mean_s() - 10.0 * 0.5f64.exp()).abs() < 1e-9);
        // Pareto xm=2s, α=3: α·xm/(α−1) = 3 s.
        assert!((DelayDist::Pareto { scale: span("2s"), shape: 3.0 }.mean_s() - 3.0).abs() < 1e-12);
    }

    #[test]
    fn sample_means_converge_with_a_fixed_seed() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let n = 200_000;
        let cases = [
            CountDist::Poisson { mean: 4.0 },
            CountDist::Geometric { mean: 2.5 },
            CountDist::Lognormal { median: 3.0, sigma: 0.5 },
        ];
        for dist in cases {
            let total: u64 = (0..n).map(|_| dist.sample(&mut rng)).sum();
            let mean = total as f64 / n as f64;
            // Rounding shifts the log-normal mean slightly; 2 % covers it and the sampling error.
            assert!((mean - dist.mean()).abs() / dist.mean() < 0.02, "{dist:?}: {mean}");
        }
        let exp = DelayDist::Exponential { mean: span("7s") };
        let total: f64 = (0..n).map(|_| exp.sample_s(&mut rng)).sum();
        // Standard error of the mean is 7/sqrt(n) ≈ 0.016 s; 5 standard errors is 0.08 s.
        assert!((total / n as f64 - 7.0).abs() < 0.08);
    }

    #[test]
    fn invalid_parameters_are_findings_not_panics() {
        let mut findings = Findings::new();
        let root = DocPath::root().key("repeat");
        CountDist::Poisson { mean: -1.0 }.validate(&root, &mut findings);
        CountDist::Zipf { n: 0, s: 0.0 }.validate(&root, &mut findings);
        DelayDist::Pareto { scale: span("1s"), shape: 0.5 }.validate(&root, &mut findings);
        let paths: Vec<String> = findings.iter().map(|f| f.path.to_string()).collect();
        assert_eq!(paths, ["repeat.poisson.mean", "repeat.zipf.n", "repeat.zipf.s", "repeat.pareto.shape"]);
        // Sampling an invalid spec falls back instead of panicking.
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let _ = CountDist::Poisson { mean: -1.0 }.sample(&mut rng);
    }

    #[test]
    fn limits_are_checked_at_validation_and_enforced_at_draws() {
        let mut findings = Findings::new();
        let root = DocPath::root().key("repeat");
        CountDist::Poisson { mean: 1e300 }.validate_within(&root, 1_000, "per-step repeat", &mut findings);
        CountDist::Uniform { low: 0, high: 1_001 }.validate_within(
            &root,
            1_000,
            "per-step repeat",
            &mut findings,
        );
        CountDist::Lognormal { median: 2.0, sigma: 1.0 }.validate_within(&root, 1_000, "x", &mut findings);
        let found: Vec<String> = findings.iter().map(|f| format!("{}: {}", f.path, f.message)).collect();
        assert_eq!(
            found,
            [
                "repeat.poisson: the mean 1e300 is above the per-step repeat limit of 1000",
                "repeat.uniform: high 1001 is above the per-step repeat limit of 1000",
            ]
        );
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        // A validated heavy tail still draws giants now and then: the cap holds them.
        let heavy = CountDist::Lognormal { median: 1.0, sigma: 10.0 };
        assert!((0..1_000).all(|_| heavy.sample_at_most(&mut rng, 50) <= 50));
        assert!((0..1_000).all(|_| heavy.sample(&mut rng) <= MAX_COUNT));
        let pareto = DelayDist::Pareto { scale: span("3000d"), shape: 1.01 };
        assert!((0..1_000).all(|_| pareto.sample_s(&mut rng) <= MAX_SPAN_S));
        let mut findings = Findings::new();
        DelayDist::Lognormal { median: span("1s"), sigma: 10.0 }.validate(&root, &mut findings);
        assert_eq!(findings.len(), 1, "a mean of e^50 s is refused");
    }
}
