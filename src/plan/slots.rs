//! How many worker slots a replay gets and what bounds them, and whether one process can
//! drive the plan on this machine: pure arithmetic on the plan, so that `stampede plan`
//! prints the figures `stampede run` uses, before any traffic.
//!
//! Slots follow Little's law (`λ·W`) on *requests* in flight at the replay's peak request
//! rate (journey steps, reactions, chat) with `W` = [`SLOT_LATENCY_S`], doubled for
//! headroom, plus a floor. Nothing that waits holds a slot (room stays are tasks, long think
//! times park the journey), so people in journeys do not count. A segment or a target's
//! share sizes for its fraction of the plan.
//!
//! The slots are capped by the smaller of `--max-in-flight` and what memory allows: an idle
//! slot costs [`IDLE_SLOT_BYTES`], and slots may take at most [`MEMORY_SHARE`] of the memory
//! available when the run starts (the rest is for the population, histograms, parked
//! journeys and, with the embedded platform, the platform itself).

use super::Plan;

/// Latency a slot is sized for: at the replay's peak request rate, a target answering
/// within this on average keeps every start on time. Slower than that, starts wait for
/// slots and the run reports it (slot wait) instead of silently slowing the load.
pub const SLOT_LATENCY_S: f64 = 0.1;

/// Memory of one idle worker slot (a free place in a goose user's group of 64, see
/// `executor::slots`), bytes. Measured on x86-64 Linux (2026-11-30) by
/// `tests/bench/generator.sh` (its idle-slot part, `TABLE=0 CALLGRIND=0 MAIN_JOB=0`): the
/// same ~120-journey replay against nginx with `--max-in-flight 64`, `4096` and `8192`
/// (8,032 slots; its 2 ms spike asks for them, few are ever busy) peaked at 34.1, 34.6 and
/// 34.7 MiB RSS: 78 bytes per added slot, rounded up to 256 for the group's share of its
/// goose user and task. Parked journeys are not slots: they cost their own state only.
pub const IDLE_SLOT_BYTES: u64 = 256;

/// `--max-in-flight` unless given.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 4096;

/// Share of the memory available at the start that idle slots may take.
pub const MEMORY_SHARE: f64 = 0.25;

/// Requests per second one stampede process keeps on time per core with the platform on
/// the same machine, measured on 2 cores (2026-11-30, the README's "Validity" table): one
/// `view_feed` per journey for 10 s, `stampede run --quiet --target` against `stampede
/// serve` on the same cores, one runtime thread. At 2,000/s start lateness p99 was 2.8 ms;
/// at 4,000/s the platform saturated the cores (service p99 413 ms, every slot busy,
/// lateness p99 325 ms). The generator alone costs ~100 µs of CPU per request (4.0 s for
/// 39,736 requests), so this is conservative for a target on another machine.
pub const DRIVEN_REQUESTS_PER_S_PER_CORE: f64 = 1_000.0;

/// What limits the slots when the plan asks for more than they allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotBound {
    /// `--max-in-flight` (4,096 by default).
    MaxInFlight,
    /// [`MEMORY_SHARE`] of the available memory at [`IDLE_SLOT_BYTES`] per slot.
    Memory,
}

impl SlotBound {
    pub fn name(self) -> &'static str {
        match self {
            Self::MaxInFlight => "--max-in-flight",
            Self::Memory => "memory",
        }
    }
}

/// The replay's worker slots: what the plan asks for and what is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotBudget {
    /// Slots the plan asks for.
    pub needed: usize,
    /// Most slots allowed, and by what.
    pub limit: usize,
    pub bound: SlotBound,
    /// Slots the replay runs: `needed` capped at `limit`.
    pub slots: usize,
}

impl SlotBudget {
    /// Sizes the slots of `plan` under `--max-in-flight` and, when known, the memory
    /// available now (bytes).
    pub fn size(plan: &Plan, max_in_flight: usize, available_bytes: Option<u64>) -> Self {
        let needed = 2.0 * peak_request_rate(plan) * SLOT_LATENCY_S * plan.fraction + 32.0;
        let needed = needed.ceil() as usize;
        let by_memory = available_bytes.map(|bytes| (bytes as f64 * MEMORY_SHARE) as u64 / IDLE_SLOT_BYTES);
        let by_memory = by_memory.map(|n| usize::try_from(n).unwrap_or(usize::MAX));
        let (limit, bound) = match by_memory {
            Some(memory) if memory < max_in_flight => (memory, SlotBound::Memory),
            _ => (max_in_flight, SlotBound::MaxInFlight),
        };
        let limit = limit.max(1);
        Self { needed, limit, bound, slots: needed.clamp(1, limit) }
    }

    /// `642 (limit 4,096 by --max-in-flight)`.
    pub fn describe(&self) -> String {
        let count = |n: usize| crate::human::count(n as f64);
        format!("{} (limit {} by {})", count(self.slots), count(self.limit), self.bound.name())
    }
}

/// The replay's peak request rate, every action together, per second of replay.
pub fn peak_request_rate(plan: &Plan) -> f64 {
    plan.expectations.actions.values().map(|a| a.peak_per_s).sum()
}

/// Warnings for `stampede plan` (and `run`, before any traffic): the plan asks for more
/// slots than allowed, or a higher request rate than one process drives on `cores`.
pub fn warnings(plan: &Plan, budget: &SlotBudget, cores: usize) -> Vec<String> {
    let count = |n: f64| crate::human::count(n);
    let mut out = Vec::new();
    if budget.needed > budget.limit {
        out.push(format!(
            "the replay asks for {} worker slots but {} allows {}: starts may wait for a slot \
             (the run's validity says whether they did); raise --max-in-flight, or split the \
             replay into segments (--segment) or a smaller --sample",
            count(budget.needed as f64),
            budget.bound.name(),
            count(budget.limit as f64),
        ));
    }
    let rate = peak_request_rate(plan) * plan.fraction;
    let drivable = DRIVEN_REQUESTS_PER_S_PER_CORE * cores.max(1) as f64;
    if rate > drivable {
        out.push(format!(
            "the replay's peak is {} requests/s, more than one process keeps on time on this \
             machine's {cores} cores (~{} requests/s, measured: README \"Validity\"): expect an \
             invalid, generator-bound run; use segments on more machines (--segment), or a \
             smaller --sample",
            count(rate),
            count(drivable),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(rate_per_s: u32) -> Plan {
        let yaml = format!(
            "name: t\nseed: 1\ntimeline: {{ span: 10s, compress: 1 }}\n\
             arrivals: {{ curve: {{ constant: {{ rate: {rate_per_s}/s }} }} }}\n\
             population: {{ natives: 5 }}\n\
             journeys: [ {{ name: j, weight: 1, steps: [ {{ action: view_feed }} ] }} ]\n"
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("t.yaml");
        std::fs::write(&file, yaml).expect("written");
        let overrides = crate::scenario::Overrides::default();
        Plan::new(crate::scenario::load(&file, &overrides).unwrap_or_else(|p| panic!("{p}")))
    }

    #[test]
    fn slots_follow_requests_in_flight_and_name_their_bound() {
        // 1,000 requests/s × 100 ms × 2 + 32 = 232 slots.
        let budget = SlotBudget::size(&plan(1_000), 4_096, Some(1 << 34));
        assert_eq!(
            budget,
            SlotBudget { needed: 232, limit: 4_096, bound: SlotBound::MaxInFlight, slots: 232 }
        );
        assert_eq!(budget.describe(), "232 (limit 4,096 by --max-in-flight)");
        // 64 KiB available: a quarter of it holds 64 idle slots.
        let budget = SlotBudget::size(&plan(1_000), 4_096, Some(1 << 16));
        assert_eq!((budget.slots, budget.limit, budget.bound), (64, 64, SlotBound::Memory));
        // Memory unknown: only the flag bounds.
        assert_eq!(
            SlotBudget::size(&plan(1_000), 100, None).describe(),
            "100 (limit 100 by --max-in-flight)"
        );
    }

    #[test]
    fn plans_beyond_the_slots_or_the_process_are_warned_about() {
        let small = plan(100);
        assert!(warnings(&small, &SlotBudget::size(&small, 4_096, None), 2).is_empty());
        let big = plan(50_000);
        let warned = warnings(&big, &SlotBudget::size(&big, 4_096, None), 2);
        assert_eq!(warned.len(), 2, "{warned:?}");
        assert!(warned[0].contains("asks for 10,032 worker slots but --max-in-flight allows 4,096"));
        assert!(warned[1].contains("50,000 requests/s") && warned[1].contains("2 cores"), "{}", warned[1]);
    }
}
