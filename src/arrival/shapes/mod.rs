//! Compiled curve shapes, one family per file.
//!
//! - [`piecewise`]: `constant`, `ramp`, `stages` and CSV replays (piecewise linear).
//! - [`pulse`]: `logistic`, `bass`, `decay` (smooth, closed-form integrals).
//! - [`factor`]: `diurnal`, `window` (dimensionless multipliers).
//! - [`combine`]: `sum` and `product`.

pub mod combine;
pub mod factor;
pub mod piecewise;
pub mod pulse;
