//! Short number formats for axis ticks and captions, where `1.00ms` would be noise.

/// A latency in µs, compactly: `0`, `850µs`, `1.5ms`, `12ms`, `2.25s`.
pub fn short_us(us: f64) -> String {
    if !us.is_finite() || us <= 0.0 {
        return "0".to_string();
    }
    if us < 1_000.0 {
        format!("{}µs", trim(us))
    } else if us < 1_000_000.0 {
        format!("{}ms", trim(us / 1e3))
    } else {
        format!("{}s", trim(us / 1e6))
    }
}

/// A duration in seconds at a round unit: `0`, `45s`, `90s`, `2.5m`, `3h`, `2d`.
pub fn short_duration_s(s: f64) -> String {
    if !s.is_finite() || s <= 0.0 {
        return "0".to_string();
    }
    // Switch units only at twice the next unit, so ticks stay round (`90s`, not `1.5m`).
    if s < 120.0 {
        format!("{}s", trim(s))
    } else if s < 7_200.0 {
        format!("{}m", trim(s / 60.0))
    } else if s < 172_800.0 {
        format!("{}h", trim(s / 3_600.0))
    } else {
        format!("{}d", trim(s / 86_400.0))
    }
}

/// Up to two decimals, without trailing zeros.
fn trim(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_units() {
        assert_eq!(short_us(0.0), "0");
        assert_eq!(short_us(850.0), "850µs");
        assert_eq!(short_us(1_500.0), "1.5ms");
        assert_eq!(short_us(2_250_000.0), "2.25s");
        assert_eq!(short_us(f64::NAN), "0");
        assert_eq!(short_duration_s(45.0), "45s");
        assert_eq!(short_duration_s(80.0), "80s");
        assert_eq!(short_duration_s(150.0), "2.5m");
        assert_eq!(short_duration_s(10_800.0), "3h");
        assert_eq!(short_duration_s(86_400.0), "24h");
        assert_eq!(short_duration_s(172_800.0), "2d");
        assert_eq!(short_duration_s(0.5), "0.5s");
    }
}
