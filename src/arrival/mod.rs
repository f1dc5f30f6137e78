//! Arrival curves (doc to come).

mod compile;
mod csv_series;
mod curve;
mod shape;
mod shapes;
pub mod spec;
mod table;
mod walk;

pub use compile::{CompileContext, compile};
pub use curve::{Curve, NamedWindow};
pub use spec::{
    ArrivalsSpec, CsvSpec, CsvValues, CurveSpec, Interpolation, Spacing, StageSpec, TimeFormat,
    WindowBounds,
};

#[cfg(test)]
mod csv_tests;
#[cfg(test)]
mod findings_tests;
#[cfg(test)]
mod oracle_tests;
#[cfg(test)]
mod testkit;
