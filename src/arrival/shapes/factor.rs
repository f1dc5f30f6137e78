//! Dimensionless factor shapes, multiplied onto a rate by `product`: `diurnal`, `window`.

use std::f64::consts::TAU;

use super::super::shape::Shape;

const DAY_S: f64 = 86_400.0;

/// `1 + amplitude · cos(phase0 + ω t)` with `ω = 2π / 1 day`, so that the phase is 0 at
/// the local `peak_hour` of every day.
#[derive(Debug, Clone)]
pub struct Diurnal {
    amplitude: f64,
    /// Phase at the timeline start, in [−2π, 2π): small numbers keep `sin` exact.
    phase0: f64,
}

impl Diurnal {
    /// `start_local_s` is the timeline start as local seconds since an epoch midnight
    /// (unix time plus the UTC offset).
    pub fn new(peak_hour: f64, amplitude: f64, start_local_s: i64) -> Self {
        let into_day = start_local_s.rem_euclid(86_400) as f64;
        let phase0 = TAU * (into_day / DAY_S - peak_hour / 24.0);
        Self { amplitude, phase0 }
    }
}

impl Shape for Diurnal {
    fn rate(&self, t: f64) -> f64 {
        1.0 + self.amplitude * (self.phase0 + TAU * t / DAY_S).cos()
    }

    fn cumulative(&self, t: f64) -> Option<f64> {
        let swing = self.amplitude * DAY_S / TAU;
        Some(t + swing * ((self.phase0 + TAU * t / DAY_S).sin() - self.phase0.sin()))
    }

    fn breakpoints(&self, _out: &mut Vec<f64>) {}
}

/// `factor` inside `[start, end)`, 1 outside.
#[derive(Debug, Clone)]
pub struct Window {
    pub start: f64,
    pub end: f64,
    pub factor: f64,
}

impl Shape for Window {
    fn rate(&self, t: f64) -> f64 {
        if t >= self.start && t < self.end { self.factor } else { 1.0 }
    }

    fn cumulative(&self, t: f64) -> Option<f64> {
        let inside = t.clamp(self.start, self.end.max(self.start)) - self.start;
        Some(t + (self.factor - 1.0) * inside)
    }

    fn breakpoints(&self, out: &mut Vec<f64>) {
        out.extend([self.start, self.end]);
    }

    fn peak_hints(&self, out: &mut Vec<f64>) {
        out.push(self.start);
    }
}

/// `±HH:MM` (or `Z`) → seconds east of UTC.
pub fn parse_utc_offset(text: &str) -> Option<i64> {
    let text = text.trim();
    if text == "Z" {
        return Some(0);
    }
    let (sign, rest) = match text.split_at_checked(1)? {
        ("+", rest) => (1, rest),
        ("-", rest) => (-1, rest),
        _ => return None,
    };
    let (hours, minutes) = rest.split_once(':')?;
    let all_digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(hours) || !all_digits(minutes) {
        return None;
    }
    let (hours, minutes): (i64, i64) = (hours.parse().ok()?, minutes.parse().ok()?);
    (hours <= 18 && minutes < 60).then_some(sign * (hours * 3600 + minutes * 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0), "{a} vs {b}");
    }

    #[test]
    fn diurnal_peaks_at_the_local_peak_hour() {
        // Timeline starts at local midnight; peak at 20:00, amplitude 0.5.
        let day = Diurnal::new(20.0, 0.5, 0);
        close(day.rate(20.0 * 3600.0), 1.5);
        close(day.rate(8.0 * 3600.0), 0.5);
        // A whole day integrates to exactly one day of factor 1.
        close(day.cumulative(DAY_S).unwrap_or(f64::NAN), DAY_S);
        // The first 6 h: 21600 + 0.5·86400/2π·(sin(−π/6·… ) − sin(−5π/3)).
        let expected =
            21_600.0 + 0.5 * DAY_S / TAU * ((TAU * (0.25 - 20.0 / 24.0)).sin() - (-TAU * 20.0 / 24.0).sin());
        close(day.cumulative(21_600.0).unwrap_or(f64::NAN), expected);
    }

    #[test]
    fn diurnal_follows_the_utc_offset() {
        // Start 2025-01-13 00:00 ET = 05:00 UTC; in local seconds that is a midnight.
        let start_unix = 1_736_744_400;
        let day = Diurnal::new(20.0, 0.5, start_unix - 5 * 3600);
        close(day.rate(20.0 * 3600.0), 1.5);
    }

    #[test]
    fn window_multiplies_only_inside() {
        // Factor 2 for 14 h from 141.5 h.
        let window = Window { start: 509_400.0, end: 559_800.0, factor: 2.0 };
        assert_eq!(window.rate(509_399.0), 1.0);
        assert_eq!(window.rate(509_400.0), 2.0);
        assert_eq!(window.rate(559_800.0), 1.0);
        close(window.cumulative(600_000.0).unwrap_or(f64::NAN), 600_000.0 + 50_400.0);
    }

    #[test]
    fn utc_offsets_parse_strictly() {
        assert_eq!(parse_utc_offset("-05:00"), Some(-18_000));
        assert_eq!(parse_utc_offset("+05:30"), Some(19_800));
        assert_eq!(parse_utc_offset("Z"), Some(0));
        for bad in ["5", "-5:00", "+05", "EST", "", "+25:00", "+05:60"] {
            assert_eq!(parse_utc_offset(bad), None, "{bad}");
        }
    }
}
