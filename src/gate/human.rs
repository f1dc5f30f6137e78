//! Numbers in human units for verdict messages and the `compare` table: `850us`, `12.1ms`,
//! `1.50s`, `0.52%`, `+31.2%`. Three significant digits match the histograms' precision.

/// A latency in µs: `850us`, `12.1ms`, `1.50s`.
pub fn micros(us: f64) -> String {
    if !us.is_finite() {
        return "n/a".to_string();
    }
    let magnitude = us.abs();
    if magnitude < 1_000.0 {
        format!("{us:.0}us")
    } else if magnitude < 1_000_000.0 {
        sig3(us / 1_000.0, "ms")
    } else {
        sig3(us / 1_000_000.0, "s")
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

/// A fraction as a percentage: `0.52%`, `12.5%`, `0%`.
pub fn percent(fraction: f64) -> String {
    if !fraction.is_finite() {
        return "n/a".to_string();
    }
    let p = fraction * 100.0;
    if p == 0.0 {
        "0%".to_string()
    } else if p.abs() >= 10.0 {
        format!("{p:.1}%")
    } else {
        format!("{p:.2}%")
    }
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
    fn latencies_keep_three_significant_digits() {
        assert_eq!(micros(850.0), "850us");
        assert_eq!(micros(12_100.0), "12.1ms");
        assert_eq!(micros(1_234.0), "1.23ms");
        assert_eq!(micros(152_400.0), "152ms");
        assert_eq!(micros(1_500_000.0), "1.50s");
        assert_eq!(micros(f64::NAN), "n/a");
    }

    #[test]
    fn fractions_and_changes() {
        assert_eq!(percent(0.0052), "0.52%");
        assert_eq!(percent(0.125), "12.5%");
        assert_eq!(percent(0.0), "0%");
        assert_eq!(change(0.312), "+31.2%");
        assert_eq!(change(-0.04), "-4.0%");
        assert_eq!(percentile(99.0), "p99");
        assert_eq!(percentile(99.9), "p99.9");
    }
}
