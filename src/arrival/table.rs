//! The cumulative-intensity table behind [`super::Curve`]: exact values at grid points and
//! a monotone cubic inside each cell.
//!
//! Why a table: the planner asks for `inverse` once per arrival (10⁷ times for a large
//! surge), and a product of stages × diurnal × window has no closed-form integral, let
//! alone an inverse. So the curve is compiled once:
//!
//! 1. Grid: 4096 equal cells over the span, plus every breakpoint (jumps, kinks) and peak
//!    hint of the shape, so no cell straddles a non-smooth point.
//! 2. Exact cell integrals: the closed form where the shape has one, else 8-point
//!    Gauss–Legendre (exact to degree 15, and the rate is smooth inside a cell).
//! 3. Inside a cell, Λ is the cubic Hermite interpolant of the exact end values with the
//!    rate at both ends as slopes, limited (Fritsch–Carlson) so it never decreases.
//! 4. Refinement: a cell is halved until the cubic matches the exact integral at its
//!    quarter, half and three-quarter points within `1e-11·total + 1e-9·cell`. The
//!    cubic's error peaks near the middle of a cell, so this bounds the in-cell error.
//!
//! Accuracy: at grid points Λ is exact to rounding; between them the error is within
//! about `1e-11 × total + 1e-9 × (the cell's count)`; `inverse` solves the cubic to
//! ~1e-13 of the cell, so `cumulative(inverse(c))` equals `c` to the same tolerance.

use super::shape::{Shape, integral};

/// Equal cells laid over the span before breakpoints and refinement.
const BASE_CELLS: usize = 4096;
/// Refinement stops adding cells past this many (pathological curves stay bounded).
const MAX_CELLS: usize = 1 << 21;
/// Error allowed in a cell, relative to the curve's total and to the cell's own count.
const TOTAL_TOLERANCE: f64 = 1e-11;
const CELL_TOLERANCE: f64 = 1e-9;

/// One grid cell: Λ(a + s·h) = base + H(s) for s in [0, 1].
#[derive(Debug, Clone, Copy)]
struct Cell {
    /// Λ at the left end.
    base: f64,
    /// Width in seconds.
    h: f64,
    /// Λ(right) − Λ(left), exact.
    delta: f64,
    /// h × slope at the left end (the Hermite tangent, already limited).
    hm0: f64,
    /// h × slope at the right end.
    hm1: f64,
}

impl Cell {
    fn new(h: f64, delta: f64, rate_left: f64, rate_right: f64) -> Self {
        let (mut m0, mut m1) = (rate_left.max(0.0), rate_right.max(0.0));
        let secant = delta / h;
        if secant <= 0.0 {
            (m0, m1) = (0.0, 0.0);
        } else {
            // Fritsch–Carlson: slopes within a circle of radius 3 × secant keep H monotone.
            let (alpha, beta) = (m0 / secant, m1 / secant);
            let norm = alpha.hypot(beta);
            if norm > 3.0 {
                (m0, m1) = (m0 * 3.0 / norm, m1 * 3.0 / norm);
            }
        }
        Self { base: 0.0, h, delta, hm0: h * m0, hm1: h * m1 }
    }

    /// H(s): the count from the left end to the fraction `s` of the cell.
    fn count(&self, s: f64) -> f64 {
        let s2 = s * s;
        let s3 = s2 * s;
        self.delta * (3.0 * s2 - 2.0 * s3) + self.hm0 * (s3 - 2.0 * s2 + s) + self.hm1 * (s3 - s2)
    }

    /// dH/ds.
    fn slope(&self, s: f64) -> f64 {
        let s2 = s * s;
        self.delta * 6.0 * (s - s2) + self.hm0 * (3.0 * s2 - 4.0 * s + 1.0) + self.hm1 * (3.0 * s2 - 2.0 * s)
    }

    /// The fraction s in [0, 1] where H(s) = `target` (0 < target <= delta): Newton steps
    /// kept inside a shrinking bisection bracket, so it always converges.
    fn solve(&self, target: f64) -> f64 {
        let (mut lo, mut hi) = (0.0, 1.0);
        let mut s = (target / self.delta).clamp(0.0, 1.0);
        let tolerance = 1e-13 * self.delta;
        for _ in 0..60 {
            let miss = self.count(s) - target;
            if miss.abs() <= tolerance {
                break;
            }
            if miss < 0.0 {
                lo = s
            } else {
                hi = s
            }
            let d = self.slope(s);
            let next = s - miss / d;
            s = if d > 0.0 && next > lo && next < hi { next } else { 0.5 * (lo + hi) };
            if hi - lo <= f64::EPSILON {
                break;
            }
        }
        s
    }
}

/// Λ on a grid over `[0, span]`, unscaled or scaled, with O(log n) lookups.
#[derive(Debug, Clone)]
pub struct Table {
    /// Grid points, `knots[0] = 0`, `knots[n] = span`.
    knots: Vec<f64>,
    /// Λ at each grid point (non-decreasing).
    cum: Vec<f64>,
    cells: Vec<Cell>,
    /// (time, rate) of the largest rate seen at grid points and cell middles.
    peak: (f64, f64),
}

/// Why a table could not be built.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum TableError {
    #[error("the curve is not a finite number near {t_s} s")]
    NotFinite { t_s: f64 },
}

/// The rate just before `t` (left limit at a jump).
fn rate_before(shape: &dyn Shape, t: f64) -> f64 {
    shape.rate(t.next_down())
}

/// Grid points: equal cells, plus breakpoints and peak hints strictly inside the span.
fn grid(shape: &dyn Shape, span: f64) -> Vec<f64> {
    let mut points: Vec<f64> = (0..=BASE_CELLS).map(|i| span * i as f64 / BASE_CELLS as f64).collect();
    let mut extra = Vec::new();
    shape.breakpoints(&mut extra);
    shape.peak_hints(&mut extra);
    points.extend(extra.into_iter().filter(|t| *t > 0.0 && *t < span));
    points.sort_by(f64::total_cmp);
    points.dedup();
    points
}

impl Table {
    pub fn build(shape: &dyn Shape, span: f64) -> Result<Self, TableError> {
        let points = grid(shape, span);
        let rough_total: f64 = points.windows(2).map(|w| integral(shape, w[0], w[1])).sum();
        if !rough_total.is_finite() {
            return Err(TableError::NotFinite { t_s: span });
        }
        let total_tolerance = TOTAL_TOLERANCE * rough_total.abs();
        let closed_form = shape.cumulative(0.0).is_some();

        let mut table = Self { knots: vec![0.0], cum: vec![0.0], cells: Vec::new(), peak: (0.0, 0.0) };
        let mut running = 0.0;
        let mut stack = Vec::new();
        for w in points.windows(2) {
            stack.push((w[0], w[1]));
            while let Some((a, b)) = stack.pop() {
                let delta = integral(shape, a, b);
                let (ra, rb, rm) = (shape.rate(a), rate_before(shape, b), shape.rate(0.5 * (a + b)));
                // Validation keeps rates non-negative; only overflow or NaN can get here.
                for (t, r) in [(a, ra), (b, rb), (0.5 * (a + b), rm), (b, delta)] {
                    if !r.is_finite() {
                        return Err(TableError::NotFinite { t_s: t });
                    }
                }
                let cell = Cell::new(b - a, delta, ra, rb);
                let can_split = table.cells.len() + stack.len() < MAX_CELLS && (b - a) > 1e-9 * span.max(1.0);
                if can_split && !fits(shape, &cell, a, total_tolerance) {
                    let mid = 0.5 * (a + b);
                    stack.push((mid, b));
                    stack.push((a, mid));
                    continue;
                }
                for (t, r) in [(a, ra), (0.5 * (a + b), rm), (b.next_down(), rb)] {
                    if r > table.peak.1 {
                        table.peak = (t, r);
                    }
                }
                running += delta;
                // Closed forms give each grid value directly, so rounding never accumulates.
                let at_b = if closed_form {
                    shape.cumulative(b).map_or(running, |c| c - shape.cumulative(0.0).unwrap_or(0.0))
                } else {
                    running
                };
                table.cells.push(Cell { base: table.cum[table.cum.len() - 1], ..cell });
                table.knots.push(b);
                table.cum.push(at_b.max(table.cum[table.cum.len() - 1]));
            }
        }
        let at_end = shape.rate(span);
        if at_end.is_finite() && at_end > table.peak.1 {
            table.peak = (span, at_end);
        }
        Ok(table)
    }

    /// Multiplies every count by `factor` (the `total` rescale).
    pub fn scale(&mut self, factor: f64) {
        self.cum.iter_mut().for_each(|c| *c *= factor);
        for cell in &mut self.cells {
            cell.base *= factor;
            cell.delta *= factor;
            cell.hm0 *= factor;
            cell.hm1 *= factor;
        }
        self.peak.1 *= factor;
    }

    pub fn span(&self) -> f64 {
        self.knots.last().copied().unwrap_or(0.0)
    }

    pub fn total(&self) -> f64 {
        self.cum.last().copied().unwrap_or(0.0)
    }

    pub fn peak(&self) -> (f64, f64) {
        self.peak
    }

    pub fn cells(&self) -> usize {
        self.cells.len()
    }

    /// Λ(t), t clamped to the span.
    pub fn cumulative(&self, t: f64) -> f64 {
        let t = t.clamp(0.0, self.span());
        let i =
            self.knots.partition_point(|&k| k <= t).saturating_sub(1).min(self.cells.len().saturating_sub(1));
        let Some(cell) = self.cells.get(i) else {
            return 0.0;
        };
        let s = ((t - self.knots[i]) / cell.h).clamp(0.0, 1.0);
        cell.base + cell.count(s)
    }

    /// The smallest t with Λ(t) >= count; 0 for count <= 0, the span past the total.
    pub fn inverse(&self, count: f64) -> f64 {
        if count.is_nan() {
            return f64::NAN;
        }
        let i = self.cum.partition_point(|&c| c < count);
        if i == 0 {
            return 0.0;
        }
        let (Some(cell), Some(&at)) = (self.cells.get(i - 1), self.knots.get(i)) else {
            return self.span();
        };
        if self.cum[i] == count {
            return at;
        }
        self.knots[i - 1] + cell.solve(count - cell.base) * cell.h
    }
}

/// Whether the cell's cubic matches the exact integral at s = 1/4, 1/2, 3/4.
fn fits(shape: &dyn Shape, cell: &Cell, a: f64, total_tolerance: f64) -> bool {
    let tolerance = total_tolerance + CELL_TOLERANCE * cell.delta.abs();
    [0.25, 0.5, 0.75].iter().all(|&s| {
        let exact = integral(shape, a, a + s * cell.h);
        (cell.count(s) - exact).abs() <= tolerance
    })
}
