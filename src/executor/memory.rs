//! Memory available to the process now, for the slots' memory limit
//! (`plan::slots::SlotBudget`).
//!
//! Linux's `MemAvailable` (`/proc/meminfo`: free memory plus what the kernel can reclaim
//! without swapping), lowered to a cgroup v2 limit's headroom when the process runs in a
//! container; `None` elsewhere, where only `--max-in-flight` bounds the slots.

/// Bytes the process may still use, when the platform says.
pub fn available_bytes() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    // `MemAvailable:   19511268 kB`
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    let host = kib.saturating_mul(1024);
    Some(cgroup_headroom().map_or(host, |room| room.min(host)))
}

/// A cgroup v2 memory limit minus current usage; `None` without a limit (`max`).
fn cgroup_headroom() -> Option<u64> {
    let read = |name: &str| std::fs::read_to_string(format!("/sys/fs/cgroup/{name}")).ok();
    let max: u64 = read("memory.max")?.trim().parse().ok()?;
    let current: u64 = read("memory.current")?.trim().parse().ok()?;
    Some(max.saturating_sub(current))
}

#[cfg(test)]
mod tests {
    #[test]
    fn available_memory_is_plausible_where_known() {
        // On Linux a running test has at least a megabyte to spare and less than an exabyte.
        if let Some(bytes) = super::available_bytes() {
            assert!((1 << 20..1 << 60).contains(&bytes), "{bytes}");
        }
    }
}
