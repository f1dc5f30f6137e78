//! Numbers in human units, one rendering per quantity for every output (`plan`, the console
//! summary, report files, verdict messages, the `compare` table):
//! - durations from µs: `850µs`, `12.1ms`, `1.50s`, `2m05s`, `1h02m` — three significant
//!   digits, the histograms' precision;
//! - curve spans: `250ms`, `59.5s`, `1h 30m`, `48h` (the scenario's real-world clock);
//! - counts `700,000`, rates `4.05`, percents `2%`, `0.50%`, `0.0030%` (two significant
//!   digits however small: samples of 0.0005% are common), changes `+31.2%`, percentiles
//!   `p99.9`.
//!
//! It sits on the ground floor so that plan, report and gate share it without importing
//! each other.

/// A duration in µs in the largest unit that keeps it ≥ 1: `850µs`, `12.1ms`, `1.50s`,
/// `2m05s`; `n/a` when not finite.
pub fn micros(us: f64) -> String {
    if !us.is_finite() {
        return "n/a".to_string();
    }
    let magnitude = us.abs();
    if magnitude < 1_000.0 {
        format!("{us:.0}µs")
    } else if magnitude < 1_000_000.0 {
        sig3(us / 1_000.0, "ms")
    } else {
        seconds(us / 1_000_000.0)
    }
}

/// A whole number of µs, as [`micros`] renders it.
pub fn us(us: u64) -> String {
    micros(us as f64)
}

/// A duration in seconds: `1.20s`, `42.0s`, `2m05s`, `1h02m`; `n/a` when not finite.
pub fn seconds(s: f64) -> String {
    if !s.is_finite() {
        return "n/a".to_string();
    }
    if s.abs() < 60.0 {
        return sig3(s, "s");
    }
    let sign = if s < 0.0 { "-" } else { "" };
    let whole = s.abs().round() as u64;
    if whole < 3_600 {
        format!("{sign}{}m{:02}s", whole / 60, whole % 60)
    } else {
        format!("{sign}{}h{:02}m", whole / 3_600, whole % 3_600 / 60)
    }
}

/// Three significant digits with a unit: `12.1ms`, `152ms`, `1.50s`.
fn sig3(value: f64, unit: &str) -> String {
    let magnitude = value.abs();
    if magnitude >= 100.0 {
        format!("{value:.0}{unit}")
    } else if magnitude >= 10.0 {
        format!("{value:.1}{unit}")
    } else {
        format!("{value:.2}{unit}")
    }
}

/// A span of the scenario's clock as `1h 30m`, `48h`, `59.5s`, `250ms`.
pub fn span(secs: f64) -> String {
    if secs < 1.0 {
        return format!("{:.0}ms", secs * 1000.0);
    }
    if secs < 120.0 {
        return format!("{}s", (secs * 10.0).round() / 10.0);
    }
    let minutes = (secs / 60.0).round() as u64;
    let (h, m) = (minutes / 60, minutes % 60);
    match (h, m) {
        (0, m) => format!("{m}m"),
        (h, 0) => format!("{h}h"),
        (h, m) => format!("{h}h {m}m"),
    }
}

/// A count with thousands separators (rounded).
pub fn count(value: f64) -> String {
    let rounded = value.round() as i128;
    let digits = rounded.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if rounded < 0 { format!("-{out}") } else { out }
}

/// A rate or small quantity with three significant figures.
pub fn rate(value: f64) -> String {
    if value >= 1000.0 {
        count(value)
    } else if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

/// A fraction as a percentage: whole from 10% up or when whole (`2%`, `16%`), else two
/// significant digits however small (`0.50%`, `0.0030%`); `n/a` when not finite.
pub fn percent(fraction: f64) -> String {
    if !fraction.is_finite() {
        return "n/a".to_string();
    }
    let p = fraction * 100.0;
    if p.abs() >= 10.0 || p == p.round() {
        format!("{p:.0}%")
    } else {
        let decimals = (1.0 - p.abs().log10().floor()).clamp(1.0, 8.0) as usize;
        format!("{p:.decimals$}%")
    }
}

/// `part` of `whole` as a [`percent`]; `0%` when `whole` is 0.
pub fn percent_of(part: u64, whole: u64) -> String {
    if whole == 0 { percent(0.0) } else { percent(part as f64 / whole as f64) }
}

/// A relative change with its sign: `+31.2%`, `-4.0%`.
pub fn change(fraction: f64) -> String {
    if !fraction.is_finite() {
        return "n/a".to_string();
    }
    format!("{:+.1}%", fraction * 100.0)
}

/// A percentile's short name: `p50`, `p99`, `p99.9`.
pub fn percentile(p: f64) -> String {
    if p.fract() == 0.0 { format!("p{p:.0}") } else { format!("p{p}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_keep_three_significant_digits() {
        assert_eq!(us(0), "0µs");
        assert_eq!(us(999), "999µs");
        assert_eq!(micros(850.0), "850µs");
        assert_eq!(us(1_000), "1.00ms");
        assert_eq!(micros(1_234.0), "1.23ms");
        assert_eq!(us(12_345), "12.3ms");
        assert_eq!(micros(152_400.0), "152ms");
        assert_eq!(us(1_200_000), "1.20s");
        assert_eq!(us(42_000_000), "42.0s");
        assert_eq!(us(125_000_000), "2m05s");
        assert_eq!(seconds(3_720.0), "1h02m");
        assert_eq!(micros(f64::NAN), "n/a");
    }

    #[test]
    fn spans_counts_and_rates() {
        assert_eq!(count(700_000.4), "700,000");
        assert_eq!(count(999.0), "999");
        assert_eq!(rate(4.051), "4.05");
        assert_eq!(span(172_800.0), "48h");
        assert_eq!(span(5400.0), "1h 30m");
        assert_eq!(span(59.54), "59.5s");
    }

    #[test]
    fn fractions_and_changes() {
        assert_eq!(percent(0.02), "2%");
        assert_eq!(percent(0.005), "0.50%");
        assert_eq!(percent(0.0052), "0.52%");
        assert_eq!(percent(0.00003), "0.0030%");
        assert_eq!(percent(0.16), "16%");
        assert_eq!(percent(0.0), "0%");
        assert_eq!(percent_of(1, 3), "33%");
        assert_eq!(percent_of(5, 0), "0%");
        assert_eq!(change(0.312), "+31.2%");
        assert_eq!(change(-0.04), "-4.0%");
        assert_eq!(percentile(99.0), "p99");
        assert_eq!(percentile(99.9), "p99.9");
    }
}
