//! The run's validity verdict (LDBC SNB's on-time rule): a run whose scheduled starts were
//! late for the generator's own reasons measured stampede, not the platform.
//!
//! The rule: a scheduled start (a newcomer's arrival, a parked journey's next step) is
//! *generator-late* when it started more than `--lateness-budget` behind its time; the run
//! is **generator-bound** when generator-late starts exceed [`MAX_LATE_SHARE`] of all
//! scheduled starts that came due. Its latency thresholds are then not judged, and the exit
//! code is 2 (an error of the measurement), never 1 (a failed platform). Computed from
//! counts alone, so `stampede merge` recomputes it exactly from the segments' sums.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::stats::LatencyStats;

/// Generator-late starts allowed, as a share of scheduled starts (1 %).
pub const MAX_LATE_SHARE: f64 = 0.01;
/// `verdict` of a run that kept its schedule.
pub const VALID: &str = "valid";
/// `verdict` of a run whose generator could not keep its schedule.
pub const GENERATOR_BOUND: &str = "generator-bound";

/// Whether the generator kept the schedule, with start lateness by cause.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Validity {
    /// `valid` or `generator-bound`.
    pub verdict: String,
    /// Scheduled starts that came due: arrivals (started or dropped as late) and parked
    /// journeys' next steps.
    pub due: u64,
    /// Starts later than the lateness budget, mostly waiting for a free worker slot.
    pub late_slot_wait: u64,
    /// Starts later than the lateness budget, mostly because the runtime woke late (timer
    /// lag, the process's CPU saturated).
    pub late_runtime_lag: u64,
    /// Starts later than the lateness budget waiting for a slot while slow responses held
    /// the slots: the target's doing, reported but never making the run invalid.
    #[serde(default)]
    pub late_target: u64,
    /// Generator-late starts allowed, as a share of `due`.
    pub max_late_share: f64,
    /// How long starts waited for a free slot, µs.
    pub slot_wait_us: LatencyStats,
    /// How late the runtime woke a slot that had its job in time, µs.
    pub runtime_lag_us: LatencyStats,
    /// `slot_wait_us`'s histogram, V2 deflate + base64 (empty when nothing came due).
    pub slot_wait_histogram: String,
    /// `runtime_lag_us`'s histogram, V2 deflate + base64.
    pub runtime_lag_histogram: String,
    /// CPU time of the stampede process (user + system) over the run, seconds; it includes
    /// the embedded reference platform when that ran in the same process.
    pub cpu_s: f64,
    /// CPU cores available to the process.
    pub cores: u32,
    /// Why the run is generator-bound, for people; absent when valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    /// What to change so the run keeps up; absent when valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remedy: Option<String>,
}

impl Validity {
    /// Generator-late starts.
    pub fn late(&self) -> u64 {
        self.late_slot_wait + self.late_runtime_lag
    }

    pub fn is_generator_bound(&self) -> bool {
        self.verdict == GENERATOR_BOUND
    }

    /// Sets `verdict`, `cause` and `remedy` from the counts; `elapsed_s` is the run's
    /// length, for the CPU share.
    pub fn judge(&mut self, elapsed_s: f64) {
        self.max_late_share = MAX_LATE_SHARE;
        let bound = self.late() as f64 > MAX_LATE_SHARE * self.due as f64;
        if !bound {
            (self.verdict, self.cause, self.remedy) = (VALID.to_string(), None, None);
            return;
        }
        self.verdict = GENERATOR_BOUND.to_string();
        let share = 100.0 * self.late() as f64 / self.due.max(1) as f64;
        let busy = if elapsed_s > 0.0 && self.cores > 0 {
            format!("; the process used {:.1} of {} cores", self.cpu_s / elapsed_s, self.cores)
        } else {
            String::new()
        };
        let (what, remedy) = if self.late_slot_wait >= self.late_runtime_lag {
            (
                "waiting for a free worker slot",
                "raise --max-in-flight, or split the run into segments (--segment), or replay a smaller --sample",
            )
        } else {
            (
                "the runtime behind schedule (timer lag, CPU saturated)",
                "give it more --threads or a bigger machine, split the run into segments (--segment) on several machines, or replay a smaller --sample",
            )
        };
        self.cause = Some(format!(
            "{} of {} scheduled starts ({share:.1}%, limit {:.0}%) started late for the generator's own reasons, mostly {what} ({} slot wait, {} runtime lag; {} more waited on slow responses, the target's){busy}",
            self.late(),
            self.due,
            100.0 * MAX_LATE_SHARE,
            self.late_slot_wait,
            self.late_runtime_lag,
            self.late_target,
        ));
        self.remedy = Some(remedy.to_string());
    }

    /// One line for consoles and pages: `INVALID: generator-bound — cause. Remedy: …`.
    pub fn headline(&self) -> Option<String> {
        self.is_generator_bound().then(|| {
            format!(
                "INVALID: generator-bound — {}; latency thresholds not judged. Remedy: {}.",
                self.cause.as_deref().unwrap_or("starts were late"),
                self.remedy.as_deref().unwrap_or("a smaller --sample")
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_than_one_percent_late_is_generator_bound() {
        let mut v = Validity { due: 1_000, late_slot_wait: 10, cores: 2, cpu_s: 3.0, ..Validity::default() };
        v.judge(2.0);
        assert_eq!(v.verdict, VALID, "exactly 1 % is still valid");
        v.late_runtime_lag = 20;
        v.judge(2.0);
        assert!(v.is_generator_bound());
        let cause = v.cause.clone().unwrap_or_default();
        assert!(cause.contains("runtime behind schedule") && cause.contains("1.5 of 2 cores"), "{cause}");
        assert!(v.headline().unwrap_or_default().starts_with("INVALID: generator-bound"));
    }
}
