//! The common interface of compiled shapes, and the quadrature used where a shape has no
//! closed-form integral.
//!
//! Each shape knows its rate, its integral from the timeline start when there is a closed
//! form, and its breakpoints (jumps and kinks). The table builder in [`super::table`]
//! places a grid point on every breakpoint, so no grid cell ever straddles a
//! non-smooth point and Gauss–Legendre quadrature inside a cell converges fast.

/// Whether a shape gives newcomers per second or a dimensionless multiplier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Rate,
    Factor,
}

/// A compiled curve shape over real-world seconds from the timeline start.
pub trait Shape: Send + Sync + std::fmt::Debug {
    /// Value at `t` (rate per second, or factor). Right-continuous at jumps.
    fn rate(&self, t: f64) -> f64;

    /// `∫₀ᵗ rate` in closed form, or `None` when the shape has none (products).
    fn cumulative(&self, t: f64) -> Option<f64>;

    /// Appends the times where the shape jumps or kinks (any order, may repeat).
    fn breakpoints(&self, out: &mut Vec<f64>);

    /// Appends times worth sampling when searching for the peak (e.g. a pulse's top).
    fn peak_hints(&self, _out: &mut Vec<f64>) {}
}

/// A shared compiled shape.
pub type ShapeBox = Box<dyn Shape>;

/// Nodes and weights of 8-point Gauss–Legendre quadrature on [-1, 1] (exact for
/// polynomials up to degree 15).
const GAUSS_LEGENDRE_8: [(f64, f64); 4] = [
    (0.183_434_642_495_649_8, 0.362_683_783_378_362),
    (0.525_532_409_916_329, 0.313_706_645_877_887_3),
    (0.796_666_477_413_626_7, 0.222_381_034_453_374_5),
    (0.960_289_856_497_536_3, 0.101_228_536_290_376_3),
];

/// `∫ₐᵇ rate` for a shape that is smooth on `[a, b]`.
pub fn gauss_legendre(shape: &dyn Shape, a: f64, b: f64) -> f64 {
    let half = 0.5 * (b - a);
    let mid = 0.5 * (a + b);
    GAUSS_LEGENDRE_8
        .iter()
        .map(|&(x, w)| w * (shape.rate(mid - half * x) + shape.rate(mid + half * x)))
        .sum::<f64>()
        * half
}

/// `∫ₐᵇ rate`: the closed form when the shape has one, else quadrature (smooth cells only).
pub fn integral(shape: &dyn Shape, a: f64, b: f64) -> f64 {
    match (shape.cumulative(a), shape.cumulative(b)) {
        (Some(lo), Some(hi)) => hi - lo,
        _ => gauss_legendre(shape, a, b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Poly7;

    impl Shape for Poly7 {
        fn rate(&self, t: f64) -> f64 {
            t.powi(7) + 3.0 * t.powi(2)
        }
        fn cumulative(&self, _t: f64) -> Option<f64> {
            None
        }
        fn breakpoints(&self, _out: &mut Vec<f64>) {}
    }

    #[test]
    fn gauss_legendre_is_exact_for_polynomials() {
        // ∫₀² t⁷ + 3t² dt = 2⁸/8 + 2³ = 32 + 8 = 40.
        let value = gauss_legendre(&Poly7, 0.0, 2.0);
        assert!((value - 40.0).abs() < 1e-12, "{value}");
        let weights: f64 = GAUSS_LEGENDRE_8.iter().map(|p| 2.0 * p.1).sum();
        assert!((weights - 2.0).abs() < 1e-14);
    }
}
