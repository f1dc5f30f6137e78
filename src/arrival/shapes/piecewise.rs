//! Piecewise-linear rates: `constant`, `ramp`, `stages` and CSV replays all compile to this.
//!
//! The rate is given on segments `[knot_k, knot_k+1)`, each linear from `start_k` to
//! `end_k`, so both continuous polylines (stages) and jumps (CSV steps) fit. Before the
//! first knot the rate is `before`, from the last knot on it is `after`. The integral is
//! exact: prefix sums at the knots plus a trapezoid inside the segment.

use super::super::shape::Shape;

#[derive(Debug, Clone)]
pub struct Piecewise {
    /// Strictly increasing segment boundaries; `segments + 1` of them.
    knots: Vec<f64>,
    /// Rate at the start of each segment.
    start: Vec<f64>,
    /// Rate at the end of each segment (left limit at the next knot).
    end: Vec<f64>,
    /// Rate before the first knot.
    before: f64,
    /// Rate from the last knot on.
    after: f64,
    /// `∫₀^knot_k rate`, so a lookup costs one binary search.
    prefix: Vec<f64>,
}

impl Piecewise {
    /// The same rate everywhere.
    pub fn constant(rate: f64) -> Self {
        Self::segments(vec![0.0], Vec::new(), Vec::new(), rate, rate)
    }

    /// A continuous polyline through `points` (strictly increasing times), held constant
    /// before the first and after the last point.
    pub fn polyline(points: &[(f64, f64)]) -> Self {
        let knots = points.iter().map(|p| p.0).collect();
        let start = points.iter().map(|p| p.1).take(points.len().saturating_sub(1));
        let end = points.iter().map(|p| p.1).skip(1);
        let before = points.first().map_or(0.0, |p| p.1);
        let after = points.last().map_or(0.0, |p| p.1);
        Self::segments(knots, start.collect(), end.collect(), before, after)
    }

    /// General form; `knots` strictly increasing with one more entry than `start`/`end`.
    pub fn segments(mut knots: Vec<f64>, start: Vec<f64>, end: Vec<f64>, before: f64, after: f64) -> Self {
        let mut prefix = Vec::with_capacity(knots.len());
        let mut sum = before * knots.first().copied().unwrap_or(0.0);
        prefix.push(sum);
        for k in 0..start.len().min(end.len()).min(knots.len().saturating_sub(1)) {
            sum += 0.5 * (start[k] + end[k]) * (knots[k + 1] - knots[k]);
            prefix.push(sum);
        }
        knots.truncate(prefix.len());
        Self { knots, start, end, before, after, prefix }
    }

    /// Index of the segment holding `t`, or `None` before the first knot.
    fn locate(&self, t: f64) -> Option<usize> {
        self.knots.partition_point(|&k| k <= t).checked_sub(1)
    }

    /// Rate inside segment `k` at `t`.
    fn segment_rate(&self, k: usize, t: f64) -> f64 {
        let width = self.knots[k + 1] - self.knots[k];
        let along = if width > 0.0 { (t - self.knots[k]) / width } else { 0.0 };
        self.start[k] + (self.end[k] - self.start[k]) * along
    }

    fn segments_len(&self) -> usize {
        self.prefix.len() - 1
    }
}

impl Shape for Piecewise {
    fn rate(&self, t: f64) -> f64 {
        match self.locate(t) {
            None => self.before,
            Some(k) if k >= self.segments_len() => self.after,
            Some(k) => self.segment_rate(k, t),
        }
    }

    fn cumulative(&self, t: f64) -> Option<f64> {
        Some(match self.locate(t) {
            None => self.before * t,
            Some(k) if k >= self.segments_len() => self.prefix[k] + self.after * (t - self.knots[k]),
            Some(k) => {
                let along = t - self.knots[k];
                self.prefix[k] + 0.5 * (self.start[k] + self.segment_rate(k, t)) * along
            }
        })
    }

    fn breakpoints(&self, out: &mut Vec<f64>) {
        out.extend_from_slice(&self.knots);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0), "{a} vs {b}");
    }

    #[test]
    fn constant_integrates_to_rate_times_time() {
        // 3600/h = 1/s over 2 h: 1800 newcomers by t = 1800 s.
        let shape = Piecewise::constant(1.0);
        close(shape.cumulative(1800.0).unwrap_or(f64::NAN), 1800.0);
        close(shape.rate(7000.0), 1.0);
    }

    #[test]
    fn ramp_integrates_to_a_triangle() {
        // 0 → 7200/h (2/s) over 2 h: rate(t) = t/3600, Λ(3600) = 3600²/7200 = 1800.
        let shape = Piecewise::polyline(&[(0.0, 0.0), (7200.0, 2.0)]);
        close(shape.rate(3600.0), 1.0);
        close(shape.cumulative(3600.0).unwrap_or(f64::NAN), 1800.0);
        close(shape.cumulative(7200.0).unwrap_or(f64::NAN), 7200.0);
        // After the end the rate holds at 2/s.
        close(shape.cumulative(7300.0).unwrap_or(f64::NAN), 7400.0);
    }

    #[test]
    fn stages_hold_before_and_after_and_jump_where_told() {
        // 1/s until 100 s, up to 3/s at 200 s, then a step down to 0 from 300 s.
        let shape = Piecewise::segments(vec![100.0, 200.0, 300.0], vec![1.0, 3.0], vec![3.0, 3.0], 1.0, 0.0);
        close(shape.cumulative(100.0).unwrap_or(f64::NAN), 100.0);
        close(shape.cumulative(200.0).unwrap_or(f64::NAN), 300.0);
        close(shape.cumulative(300.0).unwrap_or(f64::NAN), 600.0);
        close(shape.cumulative(1000.0).unwrap_or(f64::NAN), 600.0);
        close(shape.rate(299.999), 3.0);
        close(shape.rate(300.0), 0.0);
        let mut points = Vec::new();
        shape.breakpoints(&mut points);
        assert_eq!(points, vec![100.0, 200.0, 300.0]);
    }
}
