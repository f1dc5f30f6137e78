//! Quantities with units as scenario files write them: durations (`48h`, `250ms`) and
//! rates (`14600/h`, `4.05/s`).
//!
//! Scenario authors mix time scales (a 48-hour curve, 7-second think times), so every
//! quantity carries its unit in the text and is converted once, here, to seconds. Parsing
//! is deliberately strict: `48 hours` or `48` are rejected with the accepted forms in the
//! message, because a silently misread unit is off by a factor of 3,600.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Units accepted after a number, with their length in seconds.
const DURATION_UNITS: &[(&str, f64)] =
    &[("us", 1e-6), ("ms", 1e-3), ("s", 1.0), ("m", 60.0), ("min", 60.0), ("h", 3_600.0), ("d", 86_400.0)];

/// The longest duration any quantity may have: 10 years (3,650 days). Real scenarios need
/// curves of a few years at most and think times or stays of days; the bound keeps every
/// span convertible to a [`std::time::Duration`] and every derived count (intervals,
/// arrivals) finite, whatever a file or flag says.
pub const MAX_SPAN_S: f64 = 3_650.0 * 86_400.0;
/// The highest rate any curve or flag may give: a billion per second, beyond any surge; it
/// keeps integrals over [`MAX_SPAN_S`] finite.
pub const MAX_RATE_PER_S: f64 = 1e9;

/// What a duration must look like; quoted in every error so the fix is obvious.
pub const DURATION_EXPECTED: &str = "a number with a unit: us, ms, s, m, h or d, e.g. `48h`, `7.5s`";
/// What a rate must look like.
pub const RATE_EXPECTED: &str = "a number per unit of time, e.g. `14600/h`, `4.05/s`, `250/min`";

/// A non-negative span of time written with a unit. Stored in seconds as `f64` because
/// curve math works in fractional seconds; convert with [`Span::as_duration`] at the edge.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Span {
    secs: f64,
    /// The unit the author wrote, kept so that a span prints back the way it was written.
    unit: &'static str,
}

/// Why a quantity failed to parse.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum UnitError {
    #[error("invalid duration `{text}` (expected {DURATION_EXPECTED})")]
    Duration { text: String },
    #[error("invalid rate `{text}` (expected {RATE_EXPECTED})")]
    Rate { text: String },
    #[error("negative or non-finite quantity `{text}` (expected a value >= 0)")]
    Negative { text: String },
    #[error("duration `{text}` is longer than the limit of 3650d (expected at most 10 years)")]
    TooLong { text: String },
    #[error("rate `{text}` is above the limit of 1e9/s (expected at most a billion per second)")]
    TooHigh { text: String },
}

impl Span {
    /// A span of `secs` seconds (printed in seconds).
    pub fn from_secs(secs: f64) -> Self {
        Self { secs, unit: "s" }
    }

    pub fn secs(self) -> f64 {
        self.secs
    }

    pub fn as_duration(self) -> std::time::Duration {
        duration_from_secs(self.secs)
    }
}

/// The longest duration stampede waits for anything (about a century): far beyond any run,
/// yet small enough that `Instant + it` cannot overflow.
pub const FOREVER: std::time::Duration = std::time::Duration::from_secs(100 * 365 * 24 * 3600);

/// `secs` seconds as a [`std::time::Duration`], never panicking: negatives and NaN become
/// zero, anything past [`FOREVER`] (infinity included) becomes `FOREVER`.
pub fn duration_from_secs(secs: f64) -> std::time::Duration {
    if secs.is_nan() || secs <= 0.0 {
        std::time::Duration::ZERO
    } else if secs >= FOREVER.as_secs_f64() {
        FOREVER
    } else {
        std::time::Duration::from_secs_f64(secs)
    }
}

/// Splits `text` into its leading number and the rest, e.g. `"1.5h"` → `(1.5, "h")`.
fn split_number(text: &str) -> Option<(f64, &str)> {
    let end = text
        .char_indices()
        .find(|&(i, c)| {
            !(c.is_ascii_digit() || c == '.' || ((c == '-' || c == '+') && i == 0) || c == 'e' && i > 0)
        })
        .map_or(text.len(), |(i, _)| i);
    // `e` is only part of the number when followed by digits (1e3s); otherwise it is a unit letter.
    let number: f64 = text[..end].parse().ok()?;
    Some((number, &text[end..]))
}

impl FromStr for Span {
    type Err = UnitError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = || UnitError::Duration { text: text.to_string() };
        let (number, unit) = split_number(text.trim()).ok_or_else(err)?;
        let &(unit, scale) = DURATION_UNITS.iter().find(|(name, _)| *name == unit).ok_or_else(err)?;
        if !number.is_finite() || number < 0.0 {
            return Err(UnitError::Negative { text: text.to_string() });
        }
        if number * scale > MAX_SPAN_S {
            return Err(UnitError::TooLong { text: text.to_string() });
        }
        Ok(Self { secs: number * scale, unit })
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scale = DURATION_UNITS.iter().find(|(name, _)| *name == self.unit).map_or(1.0, |u| u.1);
        write!(f, "{}{}", self.secs / scale, self.unit)
    }
}

/// An arrival or event rate written with its time unit; stored per second.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Rate {
    per_s: f64,
    /// The unit the author wrote after the slash, for printing back.
    unit: &'static str,
}

impl Rate {
    pub fn per_s(per_s: f64) -> Self {
        Self { per_s, unit: "s" }
    }

    pub fn as_per_s(self) -> f64 {
        self.per_s
    }
}

impl FromStr for Rate {
    type Err = UnitError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = || UnitError::Rate { text: text.to_string() };
        let (count, unit) = text.trim().split_once('/').ok_or_else(err)?;
        let count: f64 = count.trim().parse().map_err(|_| err())?;
        let unit = unit.trim();
        // `/h` means per one hour; `/2h` is not accepted, to keep rates unambiguous.
        let &(unit, scale) = DURATION_UNITS.iter().find(|(name, _)| *name == unit).ok_or_else(err)?;
        if !count.is_finite() || count < 0.0 {
            return Err(UnitError::Negative { text: text.to_string() });
        }
        if count / scale > MAX_RATE_PER_S {
            return Err(UnitError::TooHigh { text: text.to_string() });
        }
        Ok(Self { per_s: count / scale, unit })
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scale = DURATION_UNITS.iter().find(|(name, _)| *name == self.unit).map_or(1.0, |u| u.1);
        write!(f, "{}/{}", self.per_s * scale, self.unit)
    }
}

/// Serde glue shared by [`Span`] and [`Rate`]: both are written as strings in YAML/JSON.
macro_rules! string_quantity {
    ($ty:ty, $schema_name:literal, $pattern:literal, $description:expr) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                // Numbers are refused on purpose: a bare `48` has no unit.
                let text = String::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }

        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl schemars::JsonSchema for $ty {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                $schema_name.into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "type": "string",
                    "pattern": $pattern,
                    "description": $description,
                })
            }
        }
    };
}

string_quantity!(Span, "Duration", r"^[0-9.eE+]+(us|ms|s|m|min|h|d)$", DURATION_EXPECTED);
string_quantity!(Rate, "Rate", r"^ *[0-9.eE+]+ */ *(us|ms|s|m|min|h|d) *$", RATE_EXPECTED);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_parse_with_every_unit() {
        let cases = [
            ("48h", 172_800.0),
            ("250ms", 0.25),
            ("7.5s", 7.5),
            ("2m", 120.0),
            ("2min", 120.0),
            ("1d", 86_400.0),
            ("1500us", 0.0015),
            ("0s", 0.0),
        ];
        for (text, secs) in cases {
            let span: Span = text.parse().expect(text);
            assert!((span.secs() - secs).abs() < 1e-12, "{text}");
        }
    }

    #[test]
    fn spans_reject_missing_or_spelled_out_units() {
        for text in ["48 hours", "48", "h", "", "48hours", "4 8h", "1.2.3s"] {
            assert!(matches!(text.parse::<Span>(), Err(UnitError::Duration { .. })), "{text}");
        }
        assert!(matches!("-3s".parse::<Span>(), Err(UnitError::Negative { .. })));
    }

    #[test]
    fn spans_print_back_as_written() {
        assert_eq!("1.5h".parse::<Span>().expect("valid").to_string(), "1.5h");
        assert_eq!("250ms".parse::<Span>().expect("valid").to_string(), "250ms");
    }

    #[test]
    fn rates_convert_to_per_second() {
        let rate: Rate = "14400/h".parse().expect("valid");
        assert!((rate.as_per_s() - 4.0).abs() < 1e-12);
        let rate: Rate = "30 / min".parse().expect("valid");
        assert!((rate.as_per_s() - 0.5).abs() < 1e-12);
        assert_eq!(rate.to_string(), "30/min");
    }

    #[test]
    fn rates_reject_bad_forms() {
        for text in ["14600", "14600 per hour", "x/h", "3/hours"] {
            assert!(matches!(text.parse::<Rate>(), Err(UnitError::Rate { .. })), "{text}");
        }
        assert!(matches!("-1/s".parse::<Rate>(), Err(UnitError::Negative { .. })));
    }

    #[test]
    fn quantities_beyond_the_limits_are_errors_not_panics() {
        for text in ["1e20s", "3651d", "1e300h", "87601h"] {
            assert!(matches!(text.parse::<Span>(), Err(UnitError::TooLong { .. })), "{text}");
        }
        assert_eq!("3650d".parse::<Span>().map(Span::secs), Ok(MAX_SPAN_S));
        for text in ["nan s", "NaNs", "infs", "-infh", "1e400s"] {
            assert!(text.parse::<Span>().is_err(), "{text}");
        }
        assert!(matches!("2e9/s".parse::<Rate>(), Err(UnitError::TooHigh { .. })));
        assert!(matches!("inf/s".parse::<Rate>(), Err(UnitError::Negative { .. })));
        assert!("3.6e12/h".parse::<Rate>().is_ok());
    }

    #[test]
    fn durations_convert_without_panicking() {
        assert_eq!(duration_from_secs(1.5), std::time::Duration::from_millis(1500));
        assert_eq!(duration_from_secs(-3.0), std::time::Duration::ZERO);
        assert_eq!(duration_from_secs(f64::NAN), std::time::Duration::ZERO);
        assert_eq!(duration_from_secs(1e20), FOREVER);
        assert_eq!(duration_from_secs(f64::INFINITY), FOREVER);
        // The cap leaves room to add it to the clock.
        let _ = std::time::Instant::now() + FOREVER;
    }
}
