//! [`OnTime`]: whether the generator kept its schedule, the run's validity evidence.
//!
//! LDBC SNB's on-time rule is the anchor: a run whose operations do not start on schedule
//! measures the generator, not the platform. Every scheduled start (a newcomer's arrival, a
//! parked journey's next step) records how late it started and why, split into the two
//! causes that are the generator's own:
//!
//! - **slot wait**: the job was claimed by a worker slot only after its time, because
//!   every slot was busy;
//! - **runtime lag**: a slot had it in time but the runtime woke it late (timer lag, the
//!   process's CPU saturated).
//!
//! Waiting on the target is not start lateness: connections are opened on demand (the
//! HTTP client's pool never makes a request wait for a free connection), so connecting
//! counts in the request's service time, the platform's share.

use super::histogram::LazyHistogram;

/// Start lateness of scheduled starts, by cause.
#[derive(Debug, Clone, Default)]
pub struct OnTime {
    /// Scheduled starts that came due (started or dropped as too late).
    pub due: u64,
    /// Starts later than the lateness budget, mostly for want of a free slot.
    pub late_slot: u64,
    /// Starts later than the lateness budget, mostly because the runtime lagged.
    pub late_runtime: u64,
    /// Slot wait of every start, µs.
    pub slot_wait: LazyHistogram,
    /// Runtime lag of every start, µs.
    pub runtime_lag: LazyHistogram,
}

impl OnTime {
    /// One scheduled start, `late` when its whole lateness exceeded the budget; it is
    /// blamed on the larger of its two parts.
    pub fn record(&mut self, slot_wait_us: u64, runtime_lag_us: u64, late: bool) {
        self.due += 1;
        self.slot_wait.record(slot_wait_us);
        self.runtime_lag.record(runtime_lag_us);
        if late {
            if slot_wait_us >= runtime_lag_us {
                self.late_slot += 1;
            } else {
                self.late_runtime += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn late_starts_are_blamed_on_their_larger_cause() {
        let mut on_time = OnTime::default();
        on_time.record(0, 300, false);
        on_time.record(6_000_000, 10, true);
        on_time.record(1_000, 7_000_000, true);
        assert_eq!((on_time.due, on_time.late_slot, on_time.late_runtime), (3, 1, 1));
        assert_eq!(on_time.slot_wait.count(), 3);
        assert_eq!(on_time.runtime_lag.get().map(|h| h.max() >= 6_990_000), Some(true));
    }
}
