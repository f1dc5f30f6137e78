//! Arrival curves: when newcomers sign up, over the real-world timeline.
//!
//! The scenario's `arrivals:` section ([`ArrivalsSpec`]) describes the expected signup
//! rate λ(t) as a tree of shapes; [`compile`] validates it (every problem at once, each
//! with its document path, CSV problems with `file:line:column`) and turns it into a
//! [`Curve`]: λ(t), the cumulative intensity Λ(t) = ∫₀ᵗ λ (expected newcomers by t) and
//! Λ⁻¹. Time is real-world seconds from the timeline start, over `[0, span]`;
//! compression, sampling and Poisson generation belong to the planner, which only needs
//! [`Curve::cumulative`] and [`Curve::inverse`]. This module is pure: no randomness, and
//! no IO except reading CSV series while compiling.
//!
//! # Shapes
//!
//! Each curve is a one-key map naming its shape. Rate shapes give newcomers per second:
//!
//! | shape | λ(t) |
//! |---|---|
//! | `constant: {rate}` | `rate` |
//! | `ramp: {from, to, start?, end?}` | `from` before `start` (default 0), linear to `to` at `end` (default the span), `to` after |
//! | `stages: [{at, rate}, …]` | linear between points, `at` strictly increasing; held before the first and after the last |
//! | `logistic: {peak_rate, midpoint, width}` | `peak_rate · sech²((t − midpoint)/(2·width))`: the logistic density with scale `width`; ≈ `4·width·peak_rate` in all, half the peak at ±1.76·width |
//! | `bass: {p, q, m, time_unit}` | `m·f(t/u)/u`, with `Λ = m·F(t/u)`, `F(x) = (1 − e^{−(p+q)x}) / (1 + (q/p)e^{−(p+q)x})` |
//! | `decay: {initial, half_life, start?}` | 0 before `start` (default 0), then `initial · 2^{−(t − start)/half_life}` |
//! | `csv: {file, value_column, values, …}` | a historical series, see "CSV replays" below |
//!
//! Factor shapes are dimensionless multipliers:
//!
//! | shape | factor(t) |
//! |---|---|
//! | `diurnal: {peak_hour, amplitude, utc_offset?}` | `1 + amplitude · cos(2π (local_hour − peak_hour)/24)`; averages 1 over a day; needs the timeline's absolute start |
//! | `window: {name?, start, duration, factor}` | `factor` in `[start, start + duration)`, 1 outside; named windows are listed by [`Curve::windows`] |
//!
//! `sum: [...]` adds children of one kind; `product: [...]` multiplies at most one rate by
//! any number of factors (factors only give a factor). The top-level curve must be a rate.
//! `total: N` rescales the whole curve so that Λ over the span (or over `total_within:
//! {start, end}`) is N; the shapes then only give the form.
//!
//! CSV replays: row i at time tᵢ covers `[tᵢ, tᵢ₊₁)` (the last row ends at `end`, default
//! one row spacing later); `values: count` gives its newcomers, `values: rate` (per
//! `rate_unit`, default `1s`) its average rate. `interpolation: step` spreads them evenly;
//! `linear` uses a continuous piecewise-linear rate that still keeps every row's count
//! exactly (a middle knot per row absorbs the difference). Times are offsets (`90m` or
//! seconds) or, with `time_format: timestamp`, RFC 3339 instants.
//!
//! # Worked example
//!
//! A 2-hour timeline, signups rising linearly from 1/s to 2/s, with a 30-minute outage
//! during which nobody can sign up:
//!
//! ```yaml
//! arrivals:
//!   curve:
//!     product:
//!       - stages: [{at: 0h, rate: 3600/h}, {at: 2h, rate: 7200/h}]
//!       - window: {name: outage, start: 1h, duration: 30m, factor: 0}
//! ```
//!
//! λ(t) = 1 + t/7200 per second, except 0 in `[3600, 5400)`. So
//! Λ(3600) = 3600 + 3600²/14400 = **4500**; Λ stays 4500 through the outage;
//! Λ(7200) = 4500 + 1800 + (7200² − 5400²)/14400 = 4500 + 3375 = **7875** = total.
//! `inverse(4500)` is exactly **3600 s** (the smallest such t), and the next newcomer,
//! `inverse(4501)`, is due at 5400 + x with x + (10800x + x²)/14400 = 1, i.e.
//! **5400.571 415 6 s**. With `total: 1000` every count above is multiplied by 1000/7875.
//!
//! # Accuracy and speed
//!
//! [`Curve`] keeps a table of exact Λ values on a grid of ≥ 4096 cells that includes every
//! breakpoint, with a monotone cubic inside each cell, refined until it is within about
//! 1e-11 × total (+ 1e-9 × the cell's count) of the exact integral (closed forms, or
//! Gauss–Legendre for products). `cumulative` and `inverse` are a binary search plus a
//! cubic; see `table.rs` for the details.

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
    ArrivalsSpec, CsvSpec, CsvValues, CurveSpec, Interpolation, Spacing, StageSpec, TimeFormat, WindowBounds,
};

#[cfg(test)]
mod csv_tests;
#[cfg(test)]
mod findings_tests;
#[cfg(test)]
mod oracle_tests;
#[cfg(test)]
pub(crate) mod testkit;
