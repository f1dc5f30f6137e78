//! The gate: judges a run against thresholds (and, later, a baseline) from saved reports.

pub mod threshold;

pub use threshold::{Threshold, ThresholdError};
