//! The declarative arrival curve as a scenario file writes it (the `arrivals:` section).
//!
//! Every curve is an externally tagged one-key map naming its shape (`constant:`,
//! `stages:`, `product:` …), so YAML reads like the maths and editors can complete the
//! shape names from the JSON Schema. Quantities carry units ([`Span`], [`Rate`]); plain
//! numbers are only used for dimensionless values (factors, Bass coefficients, counts).
//! Nothing here is validated beyond its type: [`super::compile`] checks the values and
//! reports every problem with its document path.

use std::path::Path;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::units::{Rate, Span};

/// The newcomers' signup curve over the real-world timeline.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct ArrivalsSpec {
    /// The shape of the signup rate over real-world time, e.g. `{constant: {rate: 14600/h}}`.
    pub curve: CurveSpec,
    /// Rescale the curve so that its integral equals this many newcomers (over
    /// `total_within`, by default over the whole timeline). Shapes then only give the form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<f64>,
    /// The part of the timeline that `total` counts; the rescale applies to the whole curve.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_within: Option<WindowBounds>,
    /// How arrivals are placed under the curve: `poisson` (random, the default) or `even`.
    #[serde(default)]
    pub spacing: Spacing,
}

/// A part of the timeline, both ends measured from its start.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct WindowBounds {
    /// Beginning of the part, from the timeline start, e.g. `0h`.
    pub start: Span,
    /// End of the part (exclusive), from the timeline start, e.g. `48h`.
    pub end: Span,
}

/// How individual arrivals are placed under the expected-count curve (used by the planner).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Spacing {
    /// A non-homogeneous Poisson process: realistic bursts and gaps.
    #[default]
    Poisson,
    /// Deterministic: arrivals evenly spaced in expected count (equal steps of Λ).
    Even,
}

/// One curve shape. Rate shapes give newcomers per second; factor shapes (`diurnal`,
/// `window`) are dimensionless multipliers meant for `product`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum CurveSpec {
    /// The same rate over the whole timeline.
    Constant {
        /// Newcomers per unit of time, e.g. `14600/h`.
        rate: Rate,
    },
    /// A linear change of rate: `from` until `start`, linear to `to` at `end`, `to` after.
    Ramp {
        /// Rate before `start`.
        from: Rate,
        /// Rate from `end` on.
        to: Rate,
        /// Where the ramp begins (default: the timeline start).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        start: Option<Span>,
        /// Where the ramp ends (default: the timeline end).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        end: Option<Span>,
    },
    /// Piecewise linear through points; constant before the first and after the last.
    Stages(Vec<StageSpec>),
    /// A smooth pulse, the logistic density: `peak_rate · sech²((t − midpoint) / (2·width))`.
    /// About 4·width·peak_rate newcomers in all; half the peak rate at ±1.76·width.
    Logistic {
        /// Rate at the midpoint, the top of the pulse.
        peak_rate: Rate,
        /// Where the pulse peaks, from the timeline start.
        midpoint: Span,
        /// The logistic scale s: the middle 50% of the pulse lies within ±1.1·width.
        width: Span,
    },
    /// Bass diffusion: adoption driven by outside influence `p` and imitation `q`.
    Bass {
        /// Innovation coefficient per `time_unit` (> 0), e.g. 0.01.
        p: f64,
        /// Imitation coefficient per `time_unit` (>= 0), e.g. 0.14.
        q: f64,
        /// Market size: newcomers in all if the timeline were endless.
        m: f64,
        /// The time unit of `p` and `q`, e.g. `1h` or `1d`.
        time_unit: Span,
    },
    /// Exponential decay from `initial` at `start`, halving every `half_life`; 0 before `start`.
    Decay {
        /// Rate at `start`.
        initial: Rate,
        /// Time for the rate to halve.
        half_life: Span,
        /// Where the decay begins (default: the timeline start); the rate is 0 before.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        start: Option<Span>,
    },
    /// Factor `1 + amplitude · cos(2π (local_hour − peak_hour) / 24)`: the daily rhythm.
    Diurnal {
        /// Local hour of the daily maximum, in [0, 24), e.g. 20.5 for 8:30 pm.
        peak_hour: f64,
        /// Relative swing in [0, 1]: 0.6 gives 1.6× at the peak and 0.4× twelve hours later.
        amplitude: f64,
        /// Local time zone as `±HH:MM` (default `+00:00`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        utc_offset: Option<String>,
    },
    /// Factor `factor` inside `[start, start + duration)`, 1 outside: an event window.
    Window {
        /// Name for phase-scoped reporting, e.g. `tiktok-dark`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// Where the window opens, from the timeline start.
        start: Span,
        /// How long it stays open.
        duration: Span,
        /// Multiplier inside the window (>= 0).
        factor: f64,
    },
    /// The sum of all children: all rates (giving a rate) or all factors (giving a factor).
    Sum(Vec<CurveSpec>),
    /// The product of all children: at most one rate times any factors gives a rate;
    /// factors only give a factor.
    Product(Vec<CurveSpec>),
    /// A replay of a historical series from a CSV file.
    Csv(CsvSpec),
}

/// One point of a `stages` curve.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct StageSpec {
    /// Time of the point, from the timeline start; strictly increasing along the list.
    pub at: Span,
    /// Rate at that point.
    pub rate: Rate,
}

/// A historical series to replay. Each row covers the interval up to the next row's time.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct CsvSpec {
    /// Path of the CSV file (with a header row; lines starting with `#` are comments, e.g.
    /// the sources), relative to the scenario file's directory.
    pub file: String,
    /// Header of the time column (default `t`).
    #[serde(default = "default_time_column")]
    pub time_column: String,
    /// Header of the value column.
    pub value_column: String,
    /// How times are written: `offset` (default) or `timestamp`.
    #[serde(default)]
    pub time_format: TimeFormat,
    /// What a value means: `count` (newcomers in the row's interval) or `rate`.
    pub values: CsvValues,
    /// For `values: rate`, the time unit the rate is per, e.g. `1h` (default `1s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_unit: Option<Span>,
    /// How the rate is spread inside each interval: `step` (default) or `linear`.
    #[serde(default)]
    pub interpolation: Interpolation,
    /// End of the last row's interval, from the timeline start (default: the last row's
    /// time plus the spacing of the last two rows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<Span>,
}

fn default_time_column() -> String {
    "t".to_string()
}

/// How the CSV time column is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TimeFormat {
    /// From the timeline start: a duration such as `90m`, or plain seconds such as `5400`.
    #[default]
    Offset,
    /// Absolute RFC 3339 instants such as `2025-01-13T05:00:00Z`; needs the timeline start.
    Timestamp,
}

/// What the CSV value column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CsvValues {
    /// Newcomers during the row's interval.
    Count,
    /// Newcomers per `rate_unit`, averaged over the row's interval.
    Rate,
}

/// How a CSV row's newcomers are spread over its interval. Both keep every interval's total.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Interpolation {
    /// Evenly: the rate jumps at row boundaries.
    #[default]
    Step,
    /// A continuous piecewise-linear rate that still keeps each interval's total.
    Linear,
}

/// What compilation needs to know about the timeline around the curve.
#[derive(Debug, Clone, Copy)]
pub struct CompileContext<'a> {
    /// Length of the real-world timeline in seconds.
    pub span_s: f64,
    /// Absolute timeline start (unix seconds): places `diurnal` hours and CSV timestamps.
    pub start_unix_s: Option<i64>,
    /// Directory of the scenario file; CSV paths are relative to it.
    pub base_dir: &'a Path,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::yaml as source;

    fn parse(yaml: &str) -> Result<ArrivalsSpec, serde_json::Error> {
        let (value, _) = source::parse(yaml).unwrap_or_else(|e| panic!("{e:?}"));
        serde_json::from_value(value)
    }

    #[test]
    fn every_shape_reads_from_yaml() {
        let shapes = [
            "constant: {rate: 14600/h}",
            "ramp: {from: 0/h, to: 36500/h, start: 0h, end: 6h}",
            "stages: [{at: 0h, rate: 14600/h}, {at: 48h, rate: 7300/h}]",
            "logistic: {peak_rate: 36500/h, midpoint: 20h, width: 2h}",
            "bass: {p: 0.0107, q: 0.136, m: 87000000, time_unit: 1h}",
            "decay: {initial: 7300/h, half_life: 24h, start: 155.5h}",
            "diurnal: {peak_hour: 20.5, amplitude: 0.6, utc_offset: '-05:00'}",
            "window: {name: tiktok-dark, start: 141.5h, duration: 14h, factor: 2}",
            "sum: [{constant: {rate: 1/s}}]",
            "product: [{constant: {rate: 1/s}}, {diurnal: {peak_hour: 20, amplitude: 0.5}}]",
            "csv: {file: s.csv, value_column: signups, values: rate, rate_unit: 1h, interpolation: linear}",
        ];
        for shape in shapes {
            let spec = parse(&format!("curve: {{{shape}}}\ntotal: 700000\nspacing: even"))
                .unwrap_or_else(|e| panic!("{shape}: {e}"));
            assert_eq!(spec.spacing, Spacing::Even);
        }
        let spec = parse("curve: {csv: {file: s.csv, value_column: v, values: count}}")
            .unwrap_or_else(|e| panic!("{e}"));
        let CurveSpec::Csv(csv) = spec.curve else { panic!("not csv") };
        assert_eq!((csv.time_column.as_str(), csv.time_format), ("t", TimeFormat::Offset));
        assert_eq!((spec.spacing, csv.interpolation), (Spacing::Poisson, Interpolation::Step));
    }

    #[test]
    fn unknown_fields_shapes_and_unitless_numbers_are_refused() {
        for bad in [
            "curve: {constant: {rate: 1/s, typo: 1}}",
            "curve: {wave: {rate: 1/s}}",
            "curve: {constant: {rate: 14600}}",
            "curve: {constant: {rate: 1/s}, ramp: {from: 0/s, to: 1/s}}",
            "curve: {constant: {rate: 1/s}}\nspacing: uniform",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_json_schema_carries_the_field_docs() {
        let schema = schemars::schema_for!(ArrivalsSpec);
        let text = serde_json::to_string(&schema).unwrap_or_default();
        for needle in ["Rescale the curve", "Innovation coefficient", "local_hour", "tiktok-dark"] {
            assert!(text.contains(needle), "{needle}");
        }
    }
}
