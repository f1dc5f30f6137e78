//! [`JobStart`]: everything a job's start tells the recorder, recorded under one lock.
//!
//! A job that comes due used to make four or five recorder calls in a row (slots busy, its
//! on-time evidence, started or dropped, journeys open), each taking the recorder's lock
//! and finding the open interval again; at 20,000 starts a second those calls were a sixth
//! of a job's instructions (callgrind). One call does the same updates in the same order,
//! so a report is the same whichever way its starts were recorded (tested below).

use std::time::Duration;

use super::interval::TagLayout;
use super::ontime::SlotWait;
use super::state::State;

/// What kind of job started, for the counters of late drops and starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartKind {
    /// A newcomer's arrival: counts for the run's validity and its lateness histogram.
    Arrival,
    /// A natives' reaction.
    Reaction,
    /// A newcomer coming back after being turned away.
    Retry,
    /// A parked journey's next step (its journey is already open): never dropped.
    Step,
}

/// One scheduled start that came due (or was dropped as too late).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobStart {
    /// Replay-clock offset of the start.
    pub at: Duration,
    pub kind: StartKind,
    /// Worker slots busy at the start.
    pub slots_busy: u64,
    /// How long the job waited for a free slot after its intended time.
    pub slot: SlotWait,
    /// Start lateness beyond the slot wait: the runtime woke the slot late, µs.
    pub runtime_lag_us: u64,
    /// Whole start lateness (slot wait + runtime lag), µs.
    pub lateness_us: u64,
    /// Later than the lateness budget: dropped, unless a [`StartKind::Step`].
    pub late: bool,
    /// Journeys open once this one opened; `None` when it opened none (a step, a drop).
    pub journeys_open: Option<u64>,
}

impl State {
    /// Records `start`: what `Recorder::{set_slots_busy, record_on_time, record_start,
    /// record_dropped, record_reaction_dropped, record_retry, set_journeys_open}` would,
    /// called in that order with the same offset.
    pub(super) fn record_job_start(&mut self, start: &JobStart) {
        let state = self.advance(start.at);
        state.slots_busy = start.slots_busy;
        state.slots_busy_max = state.slots_busy_max.max(start.slots_busy);
        state.open.slots_busy_max = state.open.slots_busy_max.max(start.slots_busy);
        if matches!(start.kind, StartKind::Arrival | StartKind::Step) {
            state.on_time.record(start.slot, start.runtime_lag_us, start.late);
        }
        match start.kind {
            StartKind::Arrival if start.late => {
                state.dropped += 1;
                state.open.dropped += 1;
            }
            StartKind::Reaction if start.late => {
                state.reactions_dropped += 1;
                state.open.reactions_dropped += 1;
            }
            StartKind::Retry if start.late => state.retries_dropped += 1,
            StartKind::Arrival => {
                state.started += 1;
                state.lateness.record(start.lateness_us);
                state.open.started += 1;
                state.open.record(TagLayout::lateness(), start.lateness_us);
            }
            StartKind::Retry => state.retries += 1,
            StartKind::Reaction | StartKind::Step => {}
        }
        if let Some(journeys_open) = start.journeys_open {
            state.journeys_open = journeys_open;
            state.journeys_open_max = state.journeys_open_max.max(journeys_open);
            state.open.journeys_open_max = state.open.journeys_open_max.max(journeys_open);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{MetricsConfig, Recorder, RunMetrics};

    fn recorder() -> Recorder {
        Recorder::new(MetricsConfig {
            interval: Duration::from_millis(100),
            journeys: vec![("j".to_string(), vec![crate::scenario::Action::ViewFeed])],
            planned_per_interval: vec![3; 12],
        })
    }

    /// The calls the executor made before [`JobStart`], one lock each.
    fn record_apart(r: &Recorder, s: &JobStart) {
        r.set_slots_busy(s.at, s.slots_busy);
        if matches!(s.kind, StartKind::Arrival | StartKind::Step) {
            r.record_on_time(s.at, s.slot, s.runtime_lag_us, s.late);
        }
        match s.kind {
            StartKind::Arrival if s.late => r.record_dropped(s.at),
            StartKind::Reaction if s.late => r.record_reaction_dropped(s.at),
            StartKind::Retry if s.late => r.record_retry(false),
            StartKind::Arrival => r.record_start(s.at, s.lateness_us),
            StartKind::Retry => r.record_retry(true),
            StartKind::Reaction | StartKind::Step => {}
        }
        if let Some(open) = s.journeys_open {
            r.set_journeys_open(s.at, open);
        }
    }

    /// Every kind, late and on time, over several intervals, from a fixed pseudo-random
    /// sequence.
    fn starts() -> Vec<JobStart> {
        let kinds = [StartKind::Arrival, StartKind::Reaction, StartKind::Retry, StartKind::Step];
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        (0..600u64)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let kind = kinds[(x % 4) as usize];
                let late = x.is_multiple_of(7);
                let opens = kind != StartKind::Step && !late;
                JobStart {
                    at: Duration::from_micros(i * 2_000 + x % 1_500),
                    kind,
                    slots_busy: x % 50,
                    slot: SlotWait { wait_us: x % 900, held_by_slow: x.is_multiple_of(3) },
                    runtime_lag_us: (x >> 8) % 3_000,
                    lateness_us: (x >> 16) % 4_000,
                    late,
                    journeys_open: opens.then_some((x >> 24) % 70),
                }
            })
            .collect()
    }

    fn same(a: &RunMetrics, b: &RunMetrics) {
        assert_eq!(a.intervals, b.intervals);
        let counters =
            |m: &RunMetrics| (m.started, m.dropped, m.reactions_dropped, m.retries, m.retries_dropped);
        assert_eq!(counters(a), counters(b));
        assert_eq!((a.journeys_open_max, a.slots_busy_max), (b.journeys_open_max, b.slots_busy_max));
        assert_eq!(a.lateness.get(), b.lateness.get());
        let on_time = |m: &RunMetrics| {
            let o = &m.on_time;
            (
                o.due,
                o.late_slot,
                o.late_runtime,
                o.late_target,
                o.slot_wait.get().cloned(),
                o.runtime_lag.get().cloned(),
            )
        };
        assert_eq!(on_time(a), on_time(b));
    }

    #[test]
    fn one_call_records_what_the_separate_calls_did() {
        let (apart, together) = (recorder(), recorder());
        let starts = starts();
        for s in &starts {
            record_apart(&apart, s);
            together.record_job_start(s);
        }
        let (a, b) = (apart.finish(), together.finish());
        same(&a, &b);
        // The sequence exercised every branch: drops of each kind, starts, steps.
        assert!(a.dropped > 0 && a.reactions_dropped > 0 && a.retries_dropped > 0, "{a:?}");
        assert!(a.started > 0 && a.retries > 0 && a.on_time.due > a.started, "{a:?}");
        assert!(a.intervals.len() >= 12, "{}", a.intervals.len());
        assert_eq!(together.snapshot_live(), apart.snapshot_live());
    }
}
