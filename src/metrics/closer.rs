//! [`Closer`]: closing intervals off the thread that records, on a `stampede-intervals`
//! thread of its own.
//!
//! Closing an interval (percentiles of every action, then each non-empty histogram encoded
//! with V2 deflate and reset) costs a few hundred µs to a few ms; done in place, the first
//! record of each new interval paid it under the recorder's lock, on the runtime thread
//! that also wakes the slots, so once a second every start due meanwhile was late. Here the
//! recorder swaps the full interval for a spare one and queues it; the closing thread
//! summarises it and hands back the summary and the emptied interval for reuse. The queue
//! holds at most [`QUEUE`] intervals (a closing thread that cannot keep up must not grow
//! memory): when it is full, or the thread cannot be started, the interval is closed in
//! place as before. The summary is the same function of the same histogram either way, so
//! reports do not depend on where an interval was closed (tested in `recorder_tests`).

use std::sync::mpsc::{self, Receiver, Sender, SyncSender, TrySendError};
use std::time::Duration;

use super::interval::{IntervalMetrics, OpenInterval, TagLayout};

/// Most intervals waiting for the closing thread.
const QUEUE: usize = 4;
/// Emptied intervals kept for reuse: one is enough while the thread keeps up, and each
/// holds a live histogram (~180 KiB) per tag that saw traffic.
const SPARES: usize = 1;

/// A full interval on its way to the closing thread.
#[derive(Debug)]
struct Closing {
    interval: OpenInterval,
    planned: u64,
}

/// What the closing thread hands back.
#[derive(Debug)]
struct Closed {
    summary: IntervalMetrics,
    /// The interval, emptied (histogram allocations kept).
    spare: OpenInterval,
}

/// Where closed intervals go, how, and the summaries so far.
#[derive(Debug)]
pub(super) struct Closer {
    tags: TagLayout,
    width: Duration,
    /// Whether intervals may be closed on the thread (false: always in place).
    threaded: bool,
    /// The queue to the thread, once started.
    queue: Option<SyncSender<Closing>>,
    /// Summaries and spares coming back, once the thread started (it holds the only
    /// sender, so a thread that died is seen instead of waited for).
    back: Option<Receiver<Closed>>,
    /// Intervals queued or being closed, not yet back.
    pending: usize,
    spares: Vec<OpenInterval>,
    /// Summaries of closed intervals, in index order once nothing is pending.
    closed: Vec<IntervalMetrics>,
}

impl Closer {
    /// A closer of intervals `width` wide with `tags`; `threaded` false closes every
    /// interval in place (the behaviour before the closing thread, kept for comparison).
    pub fn new(tags: TagLayout, width: Duration, threaded: bool) -> Self {
        Closer {
            tags,
            width,
            threaded,
            queue: None,
            back: None,
            pending: 0,
            spares: Vec::new(),
            closed: Vec::new(),
        }
    }

    /// An empty interval numbered `index` to record into next, reusing an emptied one.
    pub fn fresh(&mut self, index: u64) -> OpenInterval {
        self.collect();
        let mut interval = self.spares.pop().unwrap_or_else(|| OpenInterval::new(self.tags.len()));
        // Spares are emptied when they are made spare; only the number is new.
        interval.index = index;
        interval
    }

    /// Closes `interval`, which had `planned` arrivals: on the closing thread when it can,
    /// else here and now.
    pub fn close(&mut self, interval: OpenInterval, planned: u64) {
        let closing = Closing { interval, planned };
        let closing = match self.sender() {
            Some(queue) => match queue.try_send(closing) {
                Ok(()) => {
                    self.pending += 1;
                    return;
                }
                Err(TrySendError::Full(closing) | TrySendError::Disconnected(closing)) => closing,
            },
            None => closing,
        };
        let Closing { mut interval, planned } = closing;
        self.closed.push(interval.summarize(&self.tags, self.width, planned));
        interval.reset(0);
        self.keep(interval);
    }

    /// Adds an interval in which nothing was recorded.
    pub fn push_empty(&mut self, summary: IntervalMetrics) {
        self.closed.push(summary);
    }

    /// Every closed interval, in index order: waits for those still on the closing thread.
    pub fn all(&mut self) -> &[IntervalMetrics] {
        while self.pending > 0 {
            match self.back.as_ref().map(Receiver::recv) {
                Some(Ok(closed)) => self.take_back(closed),
                // The thread died (a panic while closing): its intervals are left out
                // rather than the run's end hanging.
                Some(Err(_)) | None => self.pending = 0,
            }
        }
        self.closed.sort_unstable_by_key(|m| m.index);
        &self.closed
    }

    /// Takes back what the closing thread finished, without waiting.
    fn collect(&mut self) {
        while self.pending > 0 {
            let Some(Ok(closed)) = self.back.as_ref().map(Receiver::try_recv) else { return };
            self.take_back(closed);
        }
    }

    fn take_back(&mut self, closed: Closed) {
        self.pending -= 1;
        self.closed.push(closed.summary);
        self.keep(closed.spare);
    }

    fn keep(&mut self, spare: OpenInterval) {
        if self.spares.len() < SPARES {
            self.spares.push(spare);
        }
    }

    /// The queue to the closing thread, started on first use; `None` when closing in place.
    fn sender(&mut self) -> Option<&SyncSender<Closing>> {
        if self.threaded && self.queue.is_none() {
            let (queue, jobs) = mpsc::sync_channel(QUEUE);
            let (back, returns) = mpsc::channel();
            let (tags, width) = (self.tags.clone(), self.width);
            let spawned = std::thread::Builder::new()
                .name("stampede-intervals".to_string())
                .spawn(move || run(&tags, width, &jobs, &back));
            match spawned {
                Ok(_) => (self.queue, self.back) = (Some(queue), Some(returns)),
                // No thread (a process limit): close in place from now on.
                Err(_) => self.threaded = false,
            }
        }
        self.queue.as_ref()
    }
}

/// The closing thread: closes what is queued until the recorder is dropped.
fn run(tags: &TagLayout, width: Duration, jobs: &Receiver<Closing>, back: &Sender<Closed>) {
    while let Ok(Closing { mut interval, planned }) = jobs.recv() {
        let summary = interval.summarize(tags, width, planned);
        interval.reset(0);
        if back.send(Closed { summary, spare: interval }).is_err() {
            return;
        }
    }
}
