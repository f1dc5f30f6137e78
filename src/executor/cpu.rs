//! The process's own CPU time, for the validity verdict's "generator CPU saturated" cause.
//!
//! Read from `/proc/self/stat` (user + system time in clock ticks of `USER_HZ`, which
//! Linux fixes at 100 for this file on every mainstream architecture); `None` elsewhere,
//! where the report then shows no CPU figure rather than a made-up one.

/// Clock ticks per second of `/proc/self/stat`'s `utime` and `stime`.
const USER_HZ: f64 = 100.0;

/// User + system CPU time of this process so far, seconds.
pub fn process_cpu_s() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) may contain spaces: fields count from its closing ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after ')'.
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / USER_HZ)
}

#[cfg(test)]
mod tests {
    #[test]
    fn cpu_time_grows_with_work() {
        let Some(before) = super::process_cpu_s() else { return };
        let mut x = 0u64;
        for i in 0..50_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        std::hint::black_box(x);
        let after = super::process_cpu_s().unwrap_or(before);
        assert!(after >= before && before >= 0.0);
    }
}
