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
//! A slot wait is the *target's* doing instead when the slots were held by responses much
//! slower than the slots were sized for (a stalled or saturated platform): an open model
//! with slots to spare would have started on time and met the same slow platform. Those
//! late starts are counted apart (`late_target`) and never make a run invalid.
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
    /// Starts later than the lateness budget waiting for a slot while the slots were held
    /// by slow responses: the target's doing, not the generator's.
    pub late_target: u64,
    /// Slot wait of every start, µs.
    pub slot_wait: LazyHistogram,
    /// Runtime lag of every start, µs.
    pub runtime_lag: LazyHistogram,
}

/// How long a start waited for a free slot, and what held the slots meanwhile.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SlotWait {
    pub wait_us: u64,
    /// The slots were held by responses slower than they were sized for.
    pub held_by_slow: bool,
}

impl OnTime {
    /// One scheduled start, `late` when its whole lateness exceeded the budget; it is
    /// blamed on the larger of its two parts (a slot wait on the target when slow
    /// responses held the slots).
    pub fn record(&mut self, slot: SlotWait, runtime_lag_us: u64, late: bool) {
        let slot_wait_us = slot.wait_us;
        self.due += 1;
        self.slot_wait.record(slot_wait_us);
        self.runtime_lag.record(runtime_lag_us);
        if late {
            if slot_wait_us >= runtime_lag_us && slot.held_by_slow {
                self.late_target += 1;
            } else if slot_wait_us >= runtime_lag_us {
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
        let wait = |wait_us, held_by_slow| SlotWait { wait_us, held_by_slow };
        on_time.record(wait(0, false), 300, false);
        on_time.record(wait(6_000_000, false), 10, true);
        on_time.record(wait(1_000, true), 7_000_000, true);
        on_time.record(wait(6_000_000, true), 10, true);
        let counts = (on_time.due, on_time.late_slot, on_time.late_runtime, on_time.late_target);
        assert_eq!(counts, (4, 1, 1, 1));
        assert_eq!(on_time.slot_wait.count(), 4);
        assert_eq!(on_time.runtime_lag.get().map(|h| h.max() >= 6_990_000), Some(true));
    }
}
