//! The state behind a [`super::recorder::Recorder`]'s lock: compact counters and lazily
//! allocated histograms laid out once from the [`MetricsConfig`], the interval that records
//! fall into (advanced by the replay-clock offset), and the summaries read out of it.

use std::time::Duration;

use super::chat::ChatMetrics;
use super::closer::Closer;
use super::histogram::{LazyHistogram, Stats};
use super::interval::{IntervalMetrics, OpenInterval, TagLayout};
use super::ontime::OnTime;
use super::run::{ActionMetrics, JourneyMetrics, RequestMetrics, RunMetrics, StepMetrics};
use super::{MetricsConfig, StepKey};
use crate::scenario::Action;

/// Narrowest interval accepted; a zero width would put every record in its own interval.
const MIN_INTERVAL: Duration = Duration::from_millis(1);
/// Last interval index; records beyond it (a bogus `at`, or a replay of more than a day at
/// 1 s) count in it, so a wild offset cannot fill memory with empty intervals.
const MAX_INTERVAL_INDEX: u64 = 100_000;

/// A cheap view of the run so far, for a progress bar.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LiveStats {
    /// Replay-clock offset of the latest record.
    pub at: Duration,
    /// Arrivals the whole plan schedules (the report's `arrivals.planned`).
    pub planned: u64,
    /// Arrivals the plan schedules up to and including the current interval.
    pub planned_so_far: u64,
    pub started: u64,
    pub dropped: u64,
    pub requests: u64,
    pub errors: u64,
    /// Journeys open now (parked ones included).
    pub journeys_open: u64,
    /// Worker slots busy now.
    pub slots_busy: u64,
    /// p99 response time of every action so far, µs.
    pub response_p99_us: u64,
}

#[derive(Debug)]
pub(super) struct State {
    pub(super) width: Duration,
    pub(super) tags: TagLayout,
    pub(super) planned_per_interval: Vec<u64>,
    /// `planned_cumulative[i]` = arrivals planned in intervals `0..=i`.
    pub(super) planned_cumulative: Vec<u64>,
    /// By [`super::action_index`].
    pub(super) actions: Vec<RequestMetrics>,
    /// Response time of every action, only for [`LiveStats`].
    pub(super) all_response: LazyHistogram,
    /// Every step of every journey, flattened; `step_base[j]` is journey `j`'s first.
    pub(super) steps: Vec<StepMetrics>,
    pub(super) step_base: Vec<usize>,
    pub(super) journeys: Vec<JourneyMetrics>,
    pub(super) lateness: LazyHistogram,
    pub(super) on_time: OnTime,
    pub(super) started: u64,
    pub(super) dropped: u64,
    pub(super) not_started: u64,
    pub(super) reactions_dropped: u64,
    pub(super) retries: u64,
    pub(super) retries_dropped: u64,
    pub(super) requests: u64,
    pub(super) errors: u64,
    pub(super) journeys_open: u64,
    pub(super) journeys_open_max: u64,
    pub(super) slots_busy: u64,
    pub(super) slots_busy_max: u64,
    pub(super) latest: Duration,
    pub(super) chat: ChatMetrics,
    /// Members connected to a room stream now.
    pub(super) members: u64,
    pub(super) open: OpenInterval,
    /// Where the open interval ends on the replay clock: a record before it (nearly every
    /// record) is placed without a division.
    open_until: Duration,
    /// Closes full intervals (on a thread of its own) and keeps their summaries.
    closer: Closer,
}

impl State {
    /// The state of a run described by `config`; `threaded` closes full intervals on a
    /// thread of their own (see [`Closer`]), else in place.
    pub(super) fn new(config: MetricsConfig, threaded: bool) -> Self {
        let names: Vec<String> = config.journeys.iter().map(|(n, _)| n.clone()).collect();
        let tags = TagLayout::new(&names);
        let mut steps = Vec::new();
        let mut step_base = Vec::with_capacity(config.journeys.len());
        for (j, (name, actions)) in config.journeys.iter().enumerate() {
            step_base.push(steps.len());
            for (s, action) in actions.iter().enumerate() {
                steps.push(StepMetrics {
                    // Journeys and steps beyond u16 cannot be addressed by a StepKey anyway.
                    key: StepKey {
                        journey: u16::try_from(j).unwrap_or(u16::MAX),
                        step: u16::try_from(s).unwrap_or(u16::MAX),
                    },
                    journey: name.clone(),
                    action: *action,
                    metrics: RequestMetrics::default(),
                });
            }
        }
        let journeys =
            names.into_iter().map(|name| JourneyMetrics { name, ..JourneyMetrics::default() }).collect();
        let planned_cumulative = config
            .planned_per_interval
            .iter()
            .scan(0u64, |sum, n| {
                *sum += n;
                Some(*sum)
            })
            .collect();
        let open = OpenInterval::new(tags.len());
        let width = config.interval.max(MIN_INTERVAL);
        State {
            width,
            open_until: width,
            closer: Closer::new(tags.clone(), width, threaded),
            tags,
            planned_per_interval: config.planned_per_interval,
            planned_cumulative,
            actions: vec![RequestMetrics::default(); Action::SLOTS],
            all_response: LazyHistogram::default(),
            steps,
            step_base,
            journeys,
            lateness: LazyHistogram::default(),
            on_time: OnTime::default(),
            started: 0,
            dropped: 0,
            not_started: 0,
            reactions_dropped: 0,
            retries: 0,
            retries_dropped: 0,
            requests: 0,
            errors: 0,
            journeys_open: 0,
            journeys_open_max: 0,
            slots_busy: 0,
            slots_busy_max: 0,
            latest: Duration::ZERO,
            chat: ChatMetrics::default(),
            members: 0,
            open,
        }
    }

    /// The run so far, as of the latest record.
    pub(super) fn live(&self) -> LiveStats {
        let state = self;
        let current = usize::try_from(state.open.index).unwrap_or(usize::MAX);
        let planned_so_far = match state.planned_cumulative.get(current) {
            Some(n) => *n,
            None => state.planned_cumulative.last().copied().unwrap_or(0),
        };
        LiveStats {
            at: state.latest,
            planned: state.planned_cumulative.last().copied().unwrap_or(0),
            planned_so_far,
            started: state.started,
            dropped: state.dropped,
            requests: state.requests,
            errors: state.errors,
            journeys_open: state.journeys_open,
            slots_busy: state.slots_busy,
            response_p99_us: Stats::of(state.all_response.get()).p99_us,
        }
    }

    /// Everything recorded so far, with the open interval summarised (not closed, so
    /// recording may continue) and the series padded to the end of the plan.
    pub(super) fn finish(&mut self) -> RunMetrics {
        let mut intervals = self.closer.all().to_vec();
        let state = &*self;
        let open = state.open.index;
        intervals.push(state.open.summarize(&state.tags, state.width, state.planned(open)));
        let planned_len = u64::try_from(state.planned_per_interval.len()).unwrap_or(u64::MAX);
        for index in open + 1..planned_len {
            intervals.push(IntervalMetrics::empty(index, state.width, state.planned(index)));
        }
        let mut actions: Vec<ActionMetrics> = (state.actions.iter().enumerate())
            .filter(|(_, m)| m.requests > 0)
            .filter_map(|(i, m)| Some(ActionMetrics { action: Action::from_index(i)?, metrics: m.clone() }))
            .collect();
        actions.sort_by(|a, b| {
            Action::report_order(a.action.name()).cmp(&Action::report_order(b.action.name()))
        });
        let (parts, actions) = actions.into_iter().partition(|a| a.action.is_part());
        RunMetrics {
            interval: state.width,
            planned: state.planned_per_interval.iter().sum(),
            started: state.started,
            dropped: state.dropped,
            not_started: state.not_started,
            reactions_dropped: state.reactions_dropped,
            retries: state.retries,
            retries_dropped: state.retries_dropped,
            journeys_open_max: state.journeys_open_max,
            slots_busy_max: state.slots_busy_max,
            lateness: state.lateness.clone(),
            on_time: state.on_time.clone(),
            actions,
            parts,
            steps: (state.steps.iter()).filter(|s| s.metrics.requests > 0).cloned().collect(),
            journeys: state.journeys.clone(),
            chat: state.chat.clone(),
            intervals,
        }
    }

    /// Makes the interval containing `at` the open one (closing earlier ones) and returns
    /// `self` for chaining.
    pub(super) fn advance(&mut self, at: Duration) -> &mut Self {
        self.latest = self.latest.max(at);
        if at >= self.open_until {
            self.open_next(at);
        }
        self
    }

    /// `advance`'s slow path, once per interval. Out of line because its frame holds a
    /// fresh interval's metrics (~200 KB): inlined, every record paid the stack probe of
    /// that frame, page by page (4 % of a 10,000/s run's CPU in `perf`).
    #[cold]
    #[inline(never)]
    fn open_next(&mut self, at: Duration) {
        let index =
            u64::try_from(at.as_nanos() / self.width.as_nanos()).unwrap_or(u64::MAX).min(MAX_INTERVAL_INDEX);
        if index > self.open.index {
            let fresh = self.closer.fresh(index);
            let full = std::mem::replace(&mut self.open, fresh);
            let closing = full.index;
            self.closer.close(full, self.planned(closing));
            for gap in closing + 1..index {
                self.closer.push_empty(IntervalMetrics::empty(gap, self.width, self.planned(gap)));
            }
        }
        let next = u32::try_from(self.open.index.saturating_add(1)).unwrap_or(u32::MAX);
        self.open_until = self.width.saturating_mul(next);
    }

    pub(super) fn planned(&self, index: u64) -> u64 {
        usize::try_from(index).ok().and_then(|i| self.planned_per_interval.get(i)).copied().unwrap_or(0)
    }

    pub(super) fn step_index(&self, key: StepKey) -> Option<usize> {
        let j = usize::from(key.journey);
        let base = *self.step_base.get(j)?;
        let end = self.step_base.get(j + 1).copied().unwrap_or(self.steps.len());
        let i = base + usize::from(key.step);
        (i < end).then_some(i)
    }
}
