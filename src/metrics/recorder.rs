//! [`Recorder`]: the handle every executor task records into.
//!
//! One `Mutex` guards compact state (a few dozen lazily allocated histograms and counters).
//! At the rates stampede targets (~5,000 requests/s) a record holds the lock for well under
//! a microsecond and never allocates, except the first record of a tag (its histogram) and
//! the first record of a new interval, which encodes the closed one (a few hundred µs once
//! per interval). Memory grows with tags × intervals, never with requests.
//!
//! Records are placed by the replay-clock offset `at` their caller measured. Tasks race to
//! the lock, so a record may arrive just after a later interval opened; it is then counted
//! in the open interval (off by the lock wait) rather than reopening a closed one.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use super::interval::TagLayout;
use super::ontime::SlotWait;
use super::run::RunMetrics;
use super::start::JobStart;
pub use super::state::LiveStats;
use super::state::State;
use super::{Delays, ErrorClass, MetricsConfig, StepKey, action_index};
use crate::scenario::Action;

/// Records requests, arrivals and journeys; clone it freely (it is an `Arc`).
#[derive(Debug, Clone)]
pub struct Recorder {
    state: Arc<Mutex<State>>,
}

impl Recorder {
    /// A recorder that closes full intervals on a `stampede-intervals` thread (see
    /// `closer`), so the recording thread is not stalled once per interval.
    pub fn new(config: MetricsConfig) -> Self {
        Recorder { state: Arc::new(Mutex::new(State::new(config, true))) }
    }

    /// A recorder that closes every interval in place, on the thread whose record opened
    /// the next one: what [`Recorder::new`] records, without the thread.
    pub fn closing_in_place(config: MetricsConfig) -> Self {
        Recorder { state: Arc::new(Mutex::new(State::new(config, false))) }
    }

    /// A request ended at `at`; `step` is `None` for requests outside journeys (reactions).
    pub fn record_request(
        &self,
        at: Duration,
        action: Action,
        step: Option<StepKey>,
        delays: Delays,
        outcome: Result<(), ErrorClass>,
    ) {
        let mut state = self.lock();
        let state = state.advance(at);
        let a = action_index(action);
        if let Some(metrics) = state.actions.get_mut(a) {
            metrics.record(delays, outcome);
        }
        if let Some(i) = step.and_then(|key| state.step_index(key))
            && let Some(step) = state.steps.get_mut(i)
        {
            step.metrics.record(delays, outcome);
        }
        let Delays { service_us, response_us, own_us } = delays;
        state.all_response.record(response_us);
        state.requests += 1;
        let open = &mut state.open;
        open.requests[a] += 1;
        if let Err(class) = outcome {
            state.errors += 1;
            open.errors[a].add(class);
        }
        open.record(TagLayout::service(action), service_us);
        open.record(TagLayout::response(action), response_us);
        open.record(TagLayout::own(action), own_us);
    }

    /// One request inside a multi-request action ended at `at`, recorded under its
    /// `ACTION/REQUEST` entry and tags only: the action itself is recorded once by
    /// [`Self::record_request`], so the run's totals count it once.
    pub fn record_part(&self, at: Duration, part: Action, delays: Delays, outcome: Result<(), ErrorClass>) {
        let mut state = self.lock();
        let state = state.advance(at);
        if let Some(metrics) = state.actions.get_mut(action_index(part)) {
            metrics.record(delays, outcome);
        }
        let open = &mut state.open;
        open.record(TagLayout::service(part), delays.service_us);
        open.record(TagLayout::response(part), delays.response_us);
        open.record(TagLayout::own(part), delays.own_us);
    }

    /// A scheduled start came due: its slot wait and runtime lag, and whether it was later
    /// than the lateness budget (see [`OnTime`]).
    pub fn record_on_time(&self, at: Duration, slot: SlotWait, runtime_lag_us: u64, late: bool) {
        let mut state = self.lock();
        state.advance(at).on_time.record(slot, runtime_lag_us, late);
    }

    /// A scheduled start came due: every counter it moves, under one lock (see [`JobStart`]).
    pub fn record_job_start(&self, start: &JobStart) {
        self.lock().record_job_start(start);
    }

    /// A newcomer arrival started `lateness_us` after its intended start.
    pub fn record_start(&self, at: Duration, lateness_us: u64) {
        let mut state = self.lock();
        let state = state.advance(at);
        state.started += 1;
        state.lateness.record(lateness_us);
        state.open.started += 1;
        state.open.record(TagLayout::lateness(), lateness_us);
    }

    /// An arrival was later than the lateness budget and was not run.
    pub fn record_dropped(&self, at: Duration) {
        let mut state = self.lock();
        let state = state.advance(at);
        state.dropped += 1;
        state.open.dropped += 1;
    }

    /// `count` planned arrivals never started: the run stopped before their time.
    pub fn record_not_started(&self, count: u64) {
        self.lock().not_started += count;
    }

    /// A journey ended; `response_us` runs from its intended start.
    pub fn record_journey(
        &self,
        at: Duration,
        journey: u16,
        response_us: u64,
        completed: bool,
        skipped_steps: u32,
    ) {
        let mut state = self.lock();
        let state = state.advance(at);
        let j = usize::from(journey);
        let Some(metrics) = state.journeys.get_mut(j) else {
            return;
        };
        metrics.started += 1;
        metrics.completed += u64::from(completed);
        metrics.skipped_steps += u64::from(skipped_steps);
        metrics.response.record(response_us);
        state.open.record(TagLayout::journey(j), response_us);
    }

    /// A newcomer's retry started (`ran`) or could not be queued or run in time.
    pub fn record_retry(&self, ran: bool) {
        let mut state = self.lock();
        if ran {
            state.retries += 1;
        } else {
            state.retries_dropped += 1;
        }
    }

    /// A natives' reaction could not be queued or run.
    pub fn record_reaction_dropped(&self, at: Duration) {
        let mut state = self.lock();
        let state = state.advance(at);
        state.reactions_dropped += 1;
        state.open.reactions_dropped += 1;
    }

    /// The number of journeys open at `at` (from arrival to the journey's end, parked
    /// between steps included).
    pub fn set_journeys_open(&self, at: Duration, journeys_open: u64) {
        let mut state = self.lock();
        let state = state.advance(at);
        state.journeys_open = journeys_open;
        state.journeys_open_max = state.journeys_open_max.max(journeys_open);
        state.open.journeys_open_max = state.open.journeys_open_max.max(journeys_open);
    }

    /// The number of worker slots busy at `at` (running a started job).
    pub fn set_slots_busy(&self, at: Duration, slots_busy: u64) {
        let mut state = self.lock();
        let state = state.advance(at);
        state.slots_busy = slots_busy;
        state.slots_busy_max = state.slots_busy_max.max(slots_busy);
        state.open.slots_busy_max = state.open.slots_busy_max.max(slots_busy);
    }

    /// A room member read one of this run's chat messages `delivery_us` after its send.
    pub fn record_delivery(&self, at: Duration, delivery_us: u64) {
        let mut state = self.lock();
        let state = state.advance(at);
        state.chat.deliveries += 1;
        state.chat.delivery.record(delivery_us);
        let tag = state.tags.chat_delivery();
        state.open.record(tag, delivery_us);
    }

    /// A member's stream skipped `missed` messages (it fell behind the room's buffer).
    pub fn record_missed(&self, at: Duration, missed: u64) {
        let mut state = self.lock();
        state.advance(at).chat.missed += missed;
    }

    /// A room stream opened after `connect_us` (the member is now connected), or failed.
    pub fn record_stream_open(&self, at: Duration, outcome: Result<u64, ErrorClass>) {
        let mut state = self.lock();
        let state = state.advance(at);
        match outcome {
            Ok(connect_us) => {
                state.chat.streams_opened += 1;
                state.chat.connect.record(connect_us);
                state.members += 1;
                state.chat.max_members = state.chat.max_members.max(state.members);
            }
            Err(class) => state.chat.stream_errors.add(class),
        }
    }

    /// An open room stream closed; `broken` when it ended before its member's stay did.
    pub fn record_stream_closed(&self, at: Duration, broken: bool) {
        let mut state = self.lock();
        let state = state.advance(at);
        state.members = state.members.saturating_sub(1);
        state.chat.streams_broken += u64::from(broken);
    }

    /// The run so far, as of the latest record.
    pub fn snapshot_live(&self) -> LiveStats {
        self.lock().live()
    }

    /// The value of `metric` of `subject` on the run so far (µs for latencies, a fraction
    /// for rates), or `None` when nothing was measured yet: what an `abort` threshold is
    /// judged on.
    pub fn measure(
        &self,
        subject: &crate::scenario::threshold::Subject,
        metric: &crate::scenario::threshold::Metric,
    ) -> Option<f64> {
        super::measure::measure(&self.lock(), subject, metric)
    }

    /// The running totals a live metrics scrape exports (see [`super::export`]).
    pub fn export(&self) -> super::export::Export {
        super::export::of(&self.lock())
    }

    /// Everything recorded so far, with the open interval summarised (not closed, so
    /// recording may continue) and the series padded to the end of the plan.
    pub fn finish(&self) -> RunMetrics {
        self.lock().finish()
    }

    /// The state, even if a recording task panicked while holding the lock: counters are
    /// never left half-updated in a way that matters more than losing the run's metrics.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
#[path = "recorder_tests.rs"]
mod tests;
