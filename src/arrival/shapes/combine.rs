//! `sum` and `product` of shapes.
//!
//! A sum integrates term by term, so it keeps a closed form when all its terms have one.
//! A product generally has none (stages × diurnal has no tidy antiderivative); the table
//! builder then integrates it by Gauss–Legendre between breakpoints.

use super::super::shape::{Shape, ShapeBox};

#[derive(Debug)]
pub struct Sum(pub Vec<ShapeBox>);

impl Shape for Sum {
    fn rate(&self, t: f64) -> f64 {
        self.0.iter().map(|s| s.rate(t)).sum()
    }

    fn cumulative(&self, t: f64) -> Option<f64> {
        self.0.iter().map(|s| s.cumulative(t)).sum()
    }

    fn breakpoints(&self, out: &mut Vec<f64>) {
        self.0.iter().for_each(|s| s.breakpoints(out));
    }

    fn peak_hints(&self, out: &mut Vec<f64>) {
        self.0.iter().for_each(|s| s.peak_hints(out));
    }
}

#[derive(Debug)]
pub struct Product(pub Vec<ShapeBox>);

impl Shape for Product {
    fn rate(&self, t: f64) -> f64 {
        self.0.iter().map(|s| s.rate(t)).product()
    }

    fn cumulative(&self, t: f64) -> Option<f64> {
        match self.0.as_slice() {
            [only] => only.cumulative(t),
            _ => None,
        }
    }

    fn breakpoints(&self, out: &mut Vec<f64>) {
        self.0.iter().for_each(|s| s.breakpoints(out));
    }

    fn peak_hints(&self, out: &mut Vec<f64>) {
        self.0.iter().for_each(|s| s.peak_hints(out));
    }
}

#[cfg(test)]
mod tests {
    use super::super::factor::Window;
    use super::super::piecewise::Piecewise;
    use super::*;

    #[test]
    fn sums_integrate_term_by_term() {
        let sum = Sum(vec![
            Box::new(Piecewise::constant(1.0)),
            Box::new(Piecewise::polyline(&[(0.0, 0.0), (100.0, 2.0)])),
        ]);
        assert_eq!(sum.rate(50.0), 2.0);
        // 100 from the constant plus a triangle of 100.
        assert_eq!(sum.cumulative(100.0), Some(200.0));
    }

    #[test]
    fn products_multiply_and_defer_integration() {
        let product = Product(vec![
            Box::new(Piecewise::constant(3.0)),
            Box::new(Window { start: 10.0, end: 20.0, factor: 0.5 }),
        ]);
        assert_eq!(product.rate(15.0), 1.5);
        assert_eq!(product.rate(25.0), 3.0);
        assert_eq!(product.cumulative(15.0), None);
        let mut points = Vec::new();
        product.breakpoints(&mut points);
        assert_eq!(points, vec![0.0, 10.0, 20.0]);
    }
}
