//! [`RunMetrics`]: everything a run recorded, as plain data for `report`, `gate` and `hlog`.
//!
//! Cumulative histograms cover the whole run; the series in [`RunMetrics::intervals`]
//! carries the per-interval view. Histograms are [`LazyHistogram`]s because a tag that saw no
//! traffic has no histogram at all.

use std::time::Duration;

use super::chat::ChatMetrics;
use super::histogram::LazyHistogram;
use super::interval::IntervalMetrics;
use super::ontime::OnTime;
use super::{Delays, ErrorClass, ErrorCounts, StepKey};
use crate::scenario::Action;

/// Requests of one action or one journey step over the whole run.
#[derive(Debug, Clone, Default)]
pub struct RequestMetrics {
    /// Requests that ended, successful or not.
    pub requests: u64,
    pub errors: ErrorCounts,
    /// Send → last body byte, µs.
    pub service: LazyHistogram,
    /// Intended start → last body byte, µs: includes the time a late generator or a queue
    /// made the request wait, which is what a user would have experienced.
    pub response: LazyHistogram,
    /// Readiness (previous response + think time) → last body byte, µs: the delay this
    /// request caused itself, without earlier steps' stalls.
    pub own: LazyHistogram,
}

impl RequestMetrics {
    /// Counts one request.
    pub fn record(&mut self, delays: Delays, outcome: Result<(), ErrorClass>) {
        self.requests += 1;
        if let Err(class) = outcome {
            self.errors.add(class);
        }
        self.service.record(delays.service_us);
        self.response.record(delays.response_us);
        self.own.record(delays.own_us);
    }
}

/// One action over the whole run.
#[derive(Debug, Clone)]
pub struct ActionMetrics {
    pub action: Action,
    pub metrics: RequestMetrics,
}

/// One journey step over the whole run.
#[derive(Debug, Clone)]
pub struct StepMetrics {
    pub key: StepKey,
    /// Name of the journey the step belongs to.
    pub journey: String,
    /// The step's action as the scenario declares it.
    pub action: Action,
    pub metrics: RequestMetrics,
}

impl StepMetrics {
    /// `journey/step:action`, e.g. `cat-tax/2:create_post`.
    pub fn tag(&self) -> String {
        format!("{}/{}:{}", self.journey, self.key.step, self.action.name())
    }
}

/// One journey over the whole run.
#[derive(Debug, Clone, Default)]
pub struct JourneyMetrics {
    pub name: String,
    /// Journeys that ended (completed or abandoned) and were reported.
    pub started: u64,
    /// Journeys that ran every step they did not skip.
    pub completed: u64,
    /// Steps skipped because something they needed (an id, a token) was missing.
    pub skipped_steps: u64,
    /// Intended start of the journey → end of its last step, µs.
    pub response: LazyHistogram,
}

/// Everything a run recorded.
#[derive(Debug, Clone)]
pub struct RunMetrics {
    /// Width of each interval of [`RunMetrics::intervals`].
    pub interval: Duration,
    /// Arrivals the plan schedules over the whole replay.
    pub planned: u64,
    /// Newcomer arrivals that started.
    pub started: u64,
    /// Arrivals dropped for exceeding the lateness budget.
    pub dropped: u64,
    /// Planned arrivals never started because the run stopped first (interrupt, drain
    /// limit): with `started` and `dropped` they account for every planned arrival.
    pub not_started: u64,
    /// Natives' reactions that could not be queued or run.
    pub reactions_dropped: u64,
    /// Retries of newcomers turned away at the first step: started, and not run (late
    /// or not queued).
    pub retries: u64,
    pub retries_dropped: u64,
    /// Most journeys open at once: people between their arrival and their journey's end,
    /// parked between steps included (they hold no slot).
    pub journeys_open_max: u64,
    /// Most worker slots busy at once (running a started job); never above the slots.
    pub slots_busy_max: u64,
    /// Actual − intended start of started arrivals, µs.
    pub lateness: LazyHistogram,
    /// Start lateness of scheduled starts by cause, for the run's validity.
    pub on_time: OnTime,
    /// Actions with at least one request, in [`Action::report_order`].
    pub actions: Vec<ActionMetrics>,
    /// Requests inside multi-request actions (`ACTION/REQUEST`), not counted in the totals.
    pub parts: Vec<ActionMetrics>,
    /// Journey steps with at least one request, in journey then step order.
    pub steps: Vec<StepMetrics>,
    /// Every journey of the scenario, in scenario order.
    pub journeys: Vec<JourneyMetrics>,
    /// Live rooms: chat delivery and event streams (empty when no journey joins a room).
    pub chat: ChatMetrics,
    /// The series, one entry per interval from 0 to the later of the plan's end and the
    /// last record.
    pub intervals: Vec<IntervalMetrics>,
}

impl RunMetrics {
    /// Requests of every action.
    pub fn requests(&self) -> u64 {
        self.actions.iter().map(|a| a.metrics.requests).sum()
    }

    /// Failed requests of every action.
    pub fn errors(&self) -> u64 {
        self.actions.iter().map(|a| a.metrics.errors.total()).sum()
    }

    /// The metrics of `action`, when it had requests.
    pub fn action(&self, action: Action) -> Option<&ActionMetrics> {
        self.actions.iter().find(|a| a.action == action)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_metrics_count_outcomes_and_latencies() {
        let mut m = RequestMetrics::default();
        m.record(Delays { service_us: 100, response_us: 150, own_us: 120 }, Ok(()));
        m.record(Delays { service_us: 200, response_us: 900, own_us: 300 }, Err(ErrorClass::Status5xx));
        assert_eq!(m.requests, 2);
        assert_eq!(m.errors.get(ErrorClass::Status5xx), 1);
        assert_eq!(m.service.count(), 2);
        assert_eq!(m.response.get().map(|h| h.max()), Some(900));
        assert_eq!(m.own.get().map(|h| h.max()), Some(300));
    }

    #[test]
    fn step_tag_names_journey_step_and_action() {
        let step = StepMetrics {
            key: StepKey { journey: 0, step: 2 },
            journey: "cat-tax".to_string(),
            action: Action::CreatePost,
            metrics: RequestMetrics::default(),
        };
        assert_eq!(step.tag(), "cat-tax/2:create_post");
    }
}
