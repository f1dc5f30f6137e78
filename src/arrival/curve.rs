//! The compiled, immutable arrival curve that the planner samples.

use std::sync::Arc;

use super::shape::ShapeBox;
use super::table::Table;

/// A named event window of the curve (e.g. `tiktok-dark`), for phase-scoped reporting.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedWindow {
    pub name: String,
    /// Opening time, seconds from the timeline start.
    pub start_s: f64,
    /// Closing time (exclusive), seconds from the timeline start.
    pub end_s: f64,
}

/// The expected-newcomer curve over `[0, span_s]` real-world seconds: rate λ(t),
/// cumulative Λ(t) = ∫₀ᵗ λ and its inverse. Cheap to clone (shared), `Send + Sync`.
#[derive(Debug, Clone)]
pub struct Curve {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// Λ on a grid, already multiplied by `scale`.
    table: Table,
    /// The exact shape, for `rate_per_s` (unscaled).
    shape: ShapeBox,
    /// The `total` rescale factor (1 without `total`).
    scale: f64,
    windows: Vec<NamedWindow>,
}

impl Curve {
    pub(super) fn new(table: Table, shape: ShapeBox, scale: f64, windows: Vec<NamedWindow>) -> Self {
        Self { inner: Arc::new(Inner { table, shape, scale, windows }) }
    }

    /// Length of the timeline in real-world seconds.
    pub fn span_s(&self) -> f64 {
        self.inner.table.span()
    }

    /// Expected newcomers per second at `t_s` (after the `total` rescale); 0 outside the span.
    pub fn rate_per_s(&self, t_s: f64) -> f64 {
        if !(0.0..=self.span_s()).contains(&t_s) {
            return 0.0;
        }
        self.inner.scale * self.inner.shape.rate(t_s)
    }

    /// Expected newcomers in `[0, t_s]`; `t_s` is clamped to the span.
    pub fn cumulative(&self, t_s: f64) -> f64 {
        self.inner.table.cumulative(t_s)
    }

    /// Expected newcomers over the whole span: `cumulative(span_s)`.
    pub fn total(&self) -> f64 {
        self.inner.table.total()
    }

    /// The smallest `t` with `cumulative(t) >= count`. Counts <= 0 give 0, counts above
    /// [`Curve::total`] give `span_s`, NaN gives NaN.
    pub fn inverse(&self, count: f64) -> f64 {
        self.inner.table.inverse(count)
    }

    /// Named `window` factors, in the order they appear in the scenario.
    pub fn windows(&self) -> Vec<NamedWindow> {
        self.inner.windows.clone()
    }

    /// `(t_s, rate)` of the highest rate, found at the table's grid points (which include
    /// every breakpoint and shape peak) and cell middles.
    pub fn peak_rate_per_s(&self) -> (f64, f64) {
        self.inner.table.peak()
    }

    /// Number of table cells (for diagnostics and tests).
    pub fn cells(&self) -> usize {
        self.inner.table.cells()
    }
}

#[cfg(test)]
mod tests {
    use super::super::shapes::piecewise::Piecewise;
    use super::*;

    fn ramp_curve() -> Curve {
        // 0 → 7200/h (2/s) over 2 h.
        let shape = Piecewise::polyline(&[(0.0, 0.0), (7200.0, 2.0)]);
        let table = Table::build(&shape, 7200.0).unwrap_or_else(|e| panic!("{e}"));
        Curve::new(table, Box::new(shape), 1.0, Vec::new())
    }

    #[test]
    fn ramp_cumulative_and_inverse_are_exact() {
        let curve = ramp_curve();
        // Λ(t) = t²/7200: Λ(3600) = 1800, Λ(7200) = 7200, inverse(c) = √(7200 c).
        assert!((curve.cumulative(3600.0) - 1800.0).abs() < 1e-9);
        assert!((curve.total() - 7200.0).abs() < 1e-9);
        assert!((curve.inverse(1800.0) - 3600.0).abs() < 1e-9);
        assert!((curve.inverse(2.0) - 120.0).abs() < 1e-9);
        assert!((curve.inverse(0.5) - 60.0).abs() < 1e-9);
    }

    #[test]
    fn out_of_range_arguments_clamp() {
        let curve = ramp_curve();
        assert_eq!(curve.cumulative(-5.0), 0.0);
        assert!((curve.cumulative(1e9) - 7200.0).abs() < 1e-9);
        assert_eq!(curve.inverse(-1.0), 0.0);
        assert_eq!(curve.inverse(0.0), 0.0);
        assert_eq!(curve.inverse(1e9), 7200.0);
        assert!(curve.inverse(f64::NAN).is_nan());
        assert_eq!(curve.rate_per_s(-1.0), 0.0);
        assert_eq!(curve.rate_per_s(7201.0), 0.0);
        assert_eq!(curve.peak_rate_per_s().1, 2.0);
    }

    #[test]
    fn inverse_finds_the_start_of_a_plateau() {
        // Rate 1/s for 100 s, 0 for 100 s, 1/s again: count 100 is first reached at 100 s
        // and count 100.5 only at 200.5 s.
        let shape = Piecewise::segments(vec![100.0, 200.0], vec![0.0], vec![0.0], 1.0, 1.0);
        let table = Table::build(&shape, 300.0).unwrap_or_else(|e| panic!("{e}"));
        let curve = Curve::new(table, Box::new(shape), 1.0, Vec::new());
        assert!((curve.inverse(100.0) - 100.0).abs() < 1e-9);
        assert!((curve.inverse(100.5) - 200.5).abs() < 1e-9);
    }

    #[test]
    fn curves_are_send_and_sync() {
        fn shared<T: Send + Sync + Clone>() {}
        shared::<Curve>();
    }
}
