//! Smooth single-event shapes with closed-form integrals: `logistic`, `bass`, `decay`.

use super::super::shape::Shape;

/// `peak · sech²((t − mid) / (2w))`, the logistic density scaled to its peak.
///
/// Since `d/dt tanh((t − mid)/(2w)) = sech²(…)/(2w)`, the integral from 0 is
/// `2w · peak · (tanh((t − mid)/(2w)) − tanh(−mid/(2w)))`; the whole pulse holds `4w·peak`.
#[derive(Debug, Clone)]
pub struct Logistic {
    pub peak: f64,
    pub mid: f64,
    pub width: f64,
}

impl Shape for Logistic {
    fn rate(&self, t: f64) -> f64 {
        let c = ((t - self.mid) / (2.0 * self.width)).cosh();
        self.peak / (c * c)
    }

    fn cumulative(&self, t: f64) -> Option<f64> {
        let at = |x: f64| ((x - self.mid) / (2.0 * self.width)).tanh();
        Some(2.0 * self.width * self.peak * (at(t) - at(0.0)))
    }

    fn breakpoints(&self, _out: &mut Vec<f64>) {}

    fn peak_hints(&self, out: &mut Vec<f64>) {
        out.push(self.mid);
    }
}

/// Bass diffusion with coefficients per `unit` seconds and market size `m`:
/// `Λ(t) = m·F(t/unit)`, `F(x) = (1 − e^{−(p+q)x}) / (1 + (q/p)·e^{−(p+q)x})`.
#[derive(Debug, Clone)]
pub struct Bass {
    pub p: f64,
    pub q: f64,
    pub m: f64,
    pub unit: f64,
}

impl Bass {
    /// `e^{−(p+q)x}` at real time `t`.
    fn decay(&self, t: f64) -> f64 {
        (-(self.p + self.q) * t / self.unit).exp()
    }
}

impl Shape for Bass {
    fn rate(&self, t: f64) -> f64 {
        // f(x) = ((p+q)²/p) · E / (1 + (q/p)E)²; per second divide by the unit.
        let e = self.decay(t);
        let s = self.p + self.q;
        let d = 1.0 + self.q / self.p * e;
        self.m * s * s / self.p * e / (d * d) / self.unit
    }

    fn cumulative(&self, t: f64) -> Option<f64> {
        let e = self.decay(t);
        // −expm1 keeps full precision for small t where 1 − e cancels.
        let rising = -(-(self.p + self.q) * t / self.unit).exp_m1();
        Some(self.m * rising / (1.0 + self.q / self.p * e))
    }

    fn breakpoints(&self, _out: &mut Vec<f64>) {}

    fn peak_hints(&self, out: &mut Vec<f64>) {
        // The peak of new adoptions: t* = ln(q/p)/(p+q) time units (only when q > p).
        if self.q > self.p {
            out.push((self.q / self.p).ln() / (self.p + self.q) * self.unit);
        }
    }
}

/// `initial · 2^{−(t − start)/half_life}` from `start` on, 0 before.
#[derive(Debug, Clone)]
pub struct Decay {
    pub initial: f64,
    pub half_life: f64,
    pub start: f64,
}

impl Shape for Decay {
    fn rate(&self, t: f64) -> f64 {
        if t < self.start {
            return 0.0;
        }
        self.initial * (-(t - self.start) / self.half_life).exp2()
    }

    fn cumulative(&self, t: f64) -> Option<f64> {
        if t <= self.start {
            return Some(0.0);
        }
        // ∫ initial·e^{−k u} du = initial/k · (1 − e^{−k u}), k = ln 2 / half_life.
        let k = std::f64::consts::LN_2 / self.half_life;
        Some(self.initial / k * -(-k * (t - self.start)).exp_m1())
    }

    fn breakpoints(&self, out: &mut Vec<f64>) {
        out.push(self.start);
    }

    fn peak_hints(&self, out: &mut Vec<f64>) {
        out.push(self.start);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Option<f64>, b: f64) {
        let a = a.unwrap_or(f64::NAN);
        assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "{a} vs {b}");
    }

    #[test]
    fn logistic_peaks_at_the_midpoint_and_holds_4_width_peak() {
        let pulse = Logistic { peak: 10.0, mid: 3600.0, width: 300.0 };
        assert_eq!(pulse.rate(3600.0), 10.0);
        // Half the pulse lies before the midpoint: 2·300·10·(0 − tanh(−6)).
        close(pulse.cumulative(3600.0), 6000.0 * 6.0f64.tanh());
        // sech²(asinh 1) = 1/2: half the peak rate at ±2·asinh(1)·width.
        let half = 2.0 * 1.0f64.asinh() * 300.0;
        assert!((pulse.rate(3600.0 + half) - 5.0).abs() < 1e-12);
    }

    #[test]
    fn bass_matches_the_textbook_cdf() {
        // p = 0.01, q = 0.14 per hour, m = 1000; after 10 h:
        // F = (1 − e^{−1.5}) / (1 + 14·e^{−1.5}).
        let bass = Bass { p: 0.01, q: 0.14, m: 1000.0, unit: 3600.0 };
        let e = (-1.5f64).exp();
        close(bass.cumulative(36_000.0), 1000.0 * (1.0 - e) / (1.0 + 14.0 * e));
        // At t = 0 the rate is m·p per unit: 10 per hour.
        close(Some(bass.rate(0.0)), 10.0 / 3600.0);
        let mut hints = Vec::new();
        bass.peak_hints(&mut hints);
        close(hints.first().copied(), 14.0f64.ln() / 0.15 * 3600.0);
    }

    #[test]
    fn decay_halves_every_half_life_and_is_zero_before_start() {
        // 7200/h = 2/s from t = 100 s, half-life 60 s: Λ(∞) = 2·60/ln 2.
        let decay = Decay { initial: 2.0, half_life: 60.0, start: 100.0 };
        assert_eq!(decay.rate(99.0), 0.0);
        close(Some(decay.rate(160.0)), 1.0);
        close(decay.cumulative(50.0), 0.0);
        // Λ(160) = 120/ln 2 · (1 − 1/2).
        close(decay.cumulative(160.0), 60.0 / std::f64::consts::LN_2);
    }
}
