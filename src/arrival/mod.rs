//! Arrival curves (doc to come).

mod compile;
mod csv_series;
mod curve;
mod shape;
mod shapes;
pub mod spec;
mod table;

pub use compile::{CompileContext, compile};
pub use curve::{Curve, NamedWindow};
pub use spec::{
    ArrivalsSpec, CsvSpec, CsvValues, CurveSpec, Interpolation, Spacing, StageSpec, TimeFormat,
    WindowBounds,
};
