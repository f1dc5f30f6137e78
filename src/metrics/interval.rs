//! The per-interval series: what happened in each slice of the replay clock.
//!
//! The recorder fills one [`OpenInterval`]; when a record arrives for a later interval the
//! open one is summarised into an [`IntervalMetrics`] — counters, percentiles and the
//! histograms encoded with the V2 deflate serializer (a few hundred bytes each) — and its
//! histograms are reset in place. Closed intervals therefore cost bytes, not the ~180 KiB
//! of a live histogram, and the encoded form is exactly what `.hlog` files carry.

use std::time::Duration;

use super::histogram::{self, LazyHistogram, Stats};
use super::{ErrorCounts, action_index, tag_safe};
use crate::scenario::Action;

/// Number of actions, the length of per-action arrays.
pub(crate) const ACTIONS: usize = Action::SLOTS;

/// One interval's histogram for one tag, V2 deflate encoded (base64 it for text formats).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedHistogram {
    /// `create_post.service`, `create_post.response`, `lateness`, `journey/<name>.response`.
    pub tag: String,
    pub bytes: Vec<u8>,
}

/// One action's requests within an interval.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionInterval {
    pub action: Action,
    pub requests: u64,
    pub errors: ErrorCounts,
    /// Send → last body byte.
    pub service: Stats,
    /// Intended start → last body byte (coordinated-omission free).
    pub response: Stats,
}

/// One closed interval of the series.
#[derive(Debug, Clone, PartialEq)]
pub struct IntervalMetrics {
    /// Position in the series (interval `i` covers `[i·width, (i+1)·width)`).
    pub index: u64,
    /// Start of the interval on the replay clock.
    pub start_offset: Duration,
    /// Width of the interval.
    pub duration: Duration,
    /// Arrivals the plan schedules in this interval.
    pub arrivals_planned: u64,
    /// Arrivals that started in this interval.
    pub arrivals_started: u64,
    /// Arrivals dropped for exceeding the lateness budget in this interval.
    pub arrivals_dropped: u64,
    /// Natives' reactions that could not be queued or run.
    pub reactions_dropped: u64,
    /// Most journeys open at once in this interval (parked ones included).
    pub journeys_open_max: u64,
    /// Most worker slots busy at once in this interval.
    pub slots_busy_max: u64,
    /// Actions with at least one request ending in this interval, in [`Action::index`]
    /// order.
    pub actions: Vec<ActionInterval>,
    /// Non-empty histograms of this interval, in tag order.
    pub histograms: Vec<EncodedHistogram>,
}

impl IntervalMetrics {
    /// An interval in which nothing was recorded.
    pub fn empty(index: u64, duration: Duration, arrivals_planned: u64) -> Self {
        IntervalMetrics {
            index,
            start_offset: offset(index, duration),
            duration,
            arrivals_planned,
            arrivals_started: 0,
            arrivals_dropped: 0,
            reactions_dropped: 0,
            journeys_open_max: 0,
            slots_busy_max: 0,
            actions: Vec::new(),
            histograms: Vec::new(),
        }
    }

    /// Requests of every action ending in this interval.
    pub fn requests(&self) -> u64 {
        self.actions.iter().map(|a| a.requests).sum()
    }

    /// Failed requests of every action in this interval.
    pub fn errors(&self) -> u64 {
        self.actions.iter().map(|a| a.errors.total()).sum()
    }
}

/// Tags per action in a [`TagLayout`].
const STRIDE: usize = 3;

fn offset(index: u64, duration: Duration) -> Duration {
    let nanos = duration.as_nanos().saturating_mul(u128::from(index));
    Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
}

/// The histogram tags of a run and their positions: three per action (service, response,
/// own delay), lateness, one per journey. Fixed at start so recording indexes a `Vec` instead of hashing strings.
#[derive(Debug, Clone)]
pub(crate) struct TagLayout {
    names: Vec<String>,
}

impl TagLayout {
    pub fn new(journey_names: &[String]) -> Self {
        // Action tags are named when asked (custom names may be interned after the layout
        // is made); only the run's own tags are kept.
        let mut names = Vec::with_capacity(2 + journey_names.len());
        names.push("lateness".to_string());
        for name in journey_names {
            names.push(format!("journey/{}.response", tag_safe(name)));
        }
        // Last, so the other tags keep their positions whether or not a scenario chats.
        names.push("chat.delivery".to_string());
        TagLayout { names }
    }

    pub fn len(&self) -> usize {
        STRIDE * ACTIONS + self.names.len()
    }

    pub fn name(&self, tag: usize) -> std::borrow::Cow<'_, str> {
        match tag.checked_sub(STRIDE * ACTIONS) {
            Some(own) => self.names.get(own).map_or("", String::as_str).into(),
            None => {
                let name = Action::from_index(tag / STRIDE).map_or("", Action::name);
                let measure = ["service", "response", "own"][tag % STRIDE];
                format!("{name}.{measure}").into()
            }
        }
    }

    pub fn service(action: Action) -> usize {
        STRIDE * action_index(action)
    }

    pub fn response(action: Action) -> usize {
        STRIDE * action_index(action) + 1
    }

    pub fn own(action: Action) -> usize {
        STRIDE * action_index(action) + 2
    }

    pub fn lateness() -> usize {
        STRIDE * ACTIONS
    }

    pub fn journey(journey: usize) -> usize {
        STRIDE * ACTIONS + 1 + journey
    }

    /// Delivery latency of chat messages to room members.
    pub fn chat_delivery(&self) -> usize {
        self.len() - 1
    }
}

/// The interval being recorded into.
#[derive(Debug, Clone)]
pub(crate) struct OpenInterval {
    pub index: u64,
    pub started: u64,
    pub dropped: u64,
    pub reactions_dropped: u64,
    pub journeys_open_max: u64,
    pub slots_busy_max: u64,
    pub requests: [u64; ACTIONS],
    pub errors: [ErrorCounts; ACTIONS],
    /// By tag position in the [`TagLayout`].
    pub histograms: Vec<LazyHistogram>,
}

impl OpenInterval {
    pub fn new(tag_count: usize) -> Self {
        OpenInterval {
            index: 0,
            started: 0,
            dropped: 0,
            reactions_dropped: 0,
            journeys_open_max: 0,
            slots_busy_max: 0,
            requests: [0; ACTIONS],
            errors: [ErrorCounts::default(); ACTIONS],
            histograms: vec![LazyHistogram::default(); tag_count],
        }
    }

    /// Records `value_us` under `tag` (ignored when the tag does not exist).
    pub fn record(&mut self, tag: usize, value_us: u64) {
        if let Some(histogram) = self.histograms.get_mut(tag) {
            histogram.record(value_us);
        }
    }

    /// The interval's summary, leaving the open interval untouched (so a mid-run `finish`
    /// can include it without closing it).
    pub fn summarize(&self, tags: &TagLayout, width: Duration, planned: u64) -> IntervalMetrics {
        let mut metrics = IntervalMetrics::empty(self.index, width, planned);
        metrics.arrivals_started = self.started;
        metrics.arrivals_dropped = self.dropped;
        metrics.reactions_dropped = self.reactions_dropped;
        metrics.journeys_open_max = self.journeys_open_max;
        metrics.slots_busy_max = self.slots_busy_max;
        for (i, requests) in self.requests.iter().enumerate() {
            let Some(action) = Action::from_index(i).filter(|_| *requests > 0) else {
                continue;
            };
            let stats = |tag: usize| Stats::of(self.histograms.get(tag).and_then(|h| h.get()));
            metrics.actions.push(ActionInterval {
                action,
                requests: *requests,
                errors: self.errors[i],
                service: stats(TagLayout::service(action)),
                response: stats(TagLayout::response(action)),
            });
        }
        for (tag, lazy) in self.histograms.iter().enumerate() {
            let Some(h) = lazy.get().filter(|h| !h.is_empty()) else {
                continue;
            };
            // Encoding an in-memory histogram only fails on an I/O error writing to a
            // `Vec`, which cannot happen; the histogram would then be missing, not wrong.
            if let Ok(bytes) = histogram::encode(h) {
                let tag = tags.name(tag).into_owned();
                metrics.histograms.push(EncodedHistogram { tag, bytes });
            }
        }
        metrics
    }

    /// Empties the interval for `index`, keeping histogram allocations.
    pub fn reset(&mut self, index: u64) {
        self.index = index;
        self.started = 0;
        self.dropped = 0;
        self.reactions_dropped = 0;
        self.journeys_open_max = 0;
        self.slots_busy_max = 0;
        self.requests = [0; ACTIONS];
        self.errors = [ErrorCounts::default(); ACTIONS];
        self.histograms.iter_mut().for_each(LazyHistogram::reset);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::ErrorClass;

    #[test]
    fn tag_layout_positions_and_names() {
        let tags = TagLayout::new(&["cat tax".to_string(), "lurker".to_string()]);
        assert_eq!(tags.len(), STRIDE * ACTIONS + 4);
        assert_eq!(tags.name(TagLayout::own(Action::Like)), "like.own");
        assert_eq!(tags.name(TagLayout::service(Action::Signup)), "signup.service");
        assert_eq!(tags.name(TagLayout::response(Action::CreatePost)), "create_post.response");
        assert_eq!(tags.name(TagLayout::lateness()), "lateness");
        assert_eq!(tags.name(TagLayout::journey(0)), "journey/cat_tax.response");
        assert_eq!(tags.name(TagLayout::journey(1)), "journey/lurker.response");
        assert_eq!(tags.name(tags.chat_delivery()), "chat.delivery");
        assert_eq!(tags.name(tags.len()), "");
    }

    #[test]
    fn summarize_then_reset() {
        let tags = TagLayout::new(&[]);
        let mut open = OpenInterval::new(tags.len());
        open.index = 3;
        open.started = 5;
        open.requests[action_index(Action::Like)] = 2;
        open.errors[action_index(Action::Like)].add(ErrorClass::Timeout);
        open.record(TagLayout::service(Action::Like), 100);
        open.record(TagLayout::service(Action::Like), 300);
        open.record(TagLayout::response(Action::Like), 1_000);
        open.record(TagLayout::response(Action::Like), 2_000);
        open.record(tags.len(), 1); // unknown tag: ignored

        let m = open.summarize(&tags, Duration::from_millis(500), 7);
        assert_eq!(m.index, 3);
        assert_eq!(m.start_offset, Duration::from_millis(1_500));
        assert_eq!((m.arrivals_planned, m.arrivals_started), (7, 5));
        assert_eq!((m.requests(), m.errors()), (2, 1));
        assert_eq!(m.actions.len(), 1);
        assert_eq!(m.actions[0].action, Action::Like);
        assert_eq!(m.actions[0].service.max_us, 300);
        assert_eq!(m.actions[0].response.p50_us, 1_000);
        let tags_seen: Vec<_> = m.histograms.iter().map(|h| h.tag.as_str()).collect();
        assert_eq!(tags_seen, ["like.service", "like.response"]);
        let decoded = histogram::decode(&m.histograms[1].bytes).expect("decodes");
        assert_eq!(decoded.len(), 2);

        open.reset(4);
        let empty = open.summarize(&tags, Duration::from_millis(500), 0);
        assert_eq!(empty, IntervalMetrics::empty(4, Duration::from_millis(500), 0));
    }
}
