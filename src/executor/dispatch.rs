//! The job queue worker slots pull from: newcomer arrivals from the plan's schedule,
//! natives' reactions and newcomers' retries scheduled while the replay runs, and parked
//! journeys waiting for their next step, always earliest intended time first.
//!
//! Nothing waits here: a slot claims a job and then sleeps until the job's intended time
//! itself. Pending reactions are capped so that a stalled target cannot grow memory
//! without bound; reactions beyond the cap are counted as dropped. Parked journeys are not
//! capped: each is a journey already started, at most one entry per person in a journey.
//! Room stays are *held* work: they keep the run from ending but claim no slot.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::iter::Peekable;

use super::job::{Job, ReactionJob, RetryJob, Walk};
use crate::plan::schedule::Arrivals;
use crate::population::{PostRef, UserRef};

/// A journey parked until its next step is ready.
#[derive(Debug)]
struct Parked {
    /// When the step is ready on the replay clock, nanoseconds.
    ready_ns: u64,
    /// Parking order: ties resume first parked first.
    seq: u64,
    walk: Box<Walk>,
}

impl PartialEq for Parked {
    fn eq(&self, other: &Self) -> bool {
        (self.ready_ns, self.seq) == (other.ready_ns, other.seq)
    }
}

impl Eq for Parked {}

impl PartialOrd for Parked {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Parked {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.ready_ns, self.seq).cmp(&(other.ready_ns, other.seq))
    }
}

/// What a slot gets when it asks for work.
#[derive(Debug)]
pub enum Claim {
    Job(Job),
    /// Nothing to do now, but running journeys may still schedule reactions.
    Wait,
    /// The schedule is exhausted, no reactions are pending and no job is running.
    Done,
}

/// The queue state, kept behind one mutex by the executor.
#[derive(Debug)]
pub struct Dispatch {
    arrivals: Peekable<Arrivals>,
    reactions: BinaryHeap<Reverse<ReactionJob>>,
    /// Pending retries; they share `reaction_cap` with the reactions.
    retries: BinaryHeap<Reverse<RetryJob>>,
    parked: BinaryHeap<Reverse<Parked>>,
    reaction_cap: usize,
    next_seq: u64,
    /// Jobs claimed and not yet finished, and room stays held.
    running: u64,
    /// Set when the run stops early: no more jobs are handed out.
    closed: bool,
    /// Something changed that may give an idle slot group work (or its end) since the
    /// last [`Dispatch::take_changed`]: the lock's guard then wakes the idle groups.
    changed: bool,
}

impl Dispatch {
    pub fn new(arrivals: Arrivals, reaction_cap: usize) -> Self {
        Self {
            arrivals: arrivals.peekable(),
            reactions: BinaryHeap::new(),
            retries: BinaryHeap::new(),
            parked: BinaryHeap::new(),
            reaction_cap,
            next_seq: 0,
            running: 0,
            closed: false,
            changed: false,
        }
    }

    /// Hands out the job with the earliest intended time.
    pub fn claim(&mut self) -> Claim {
        if self.closed {
            return if self.running == 0 { Claim::Done } else { Claim::Wait };
        }
        let next_arrival = self.arrivals.peek().map(|a| a.replay_offset_ns).unwrap_or(u64::MAX);
        let next_reaction = self.reactions.peek().map(|r| r.0.intended_ns).unwrap_or(u64::MAX);
        let next_retry = self.retries.peek().map(|r| r.0.intended_ns).unwrap_or(u64::MAX);
        let next_parked = self.parked.peek().map(|p| p.0.ready_ns).unwrap_or(u64::MAX);
        // Ties go to arrivals, then reactions: the schedule is what the run is judged on.
        let job = if next_parked < next_arrival.min(next_reaction).min(next_retry) {
            self.parked.pop().map(|p| Job::Resume(p.0.walk))
        } else if next_retry < next_arrival.min(next_reaction) {
            self.retries.pop().map(|r| Job::Retry(r.0))
        } else if next_reaction < next_arrival {
            self.reactions.pop().map(|r| Job::Reaction(r.0))
        } else {
            self.arrivals.next().map(Job::Newcomer)
        };
        match job {
            Some(job) => {
                self.running += 1;
                Claim::Job(job)
            }
            None if self.running == 0 => Claim::Done,
            None => Claim::Wait,
        }
    }

    /// Marks a claimed job finished.
    pub fn finish(&mut self) {
        self.running = self.running.saturating_sub(1);
        self.changed = true;
    }

    /// Whether work was added or ended since the last call (and clears the mark).
    pub fn take_changed(&mut self) -> bool {
        std::mem::take(&mut self.changed)
    }

    /// Counts work that holds no slot (a room stay) until [`Dispatch::release`].
    pub fn hold(&mut self) {
        self.running += 1;
    }

    /// Ends work counted by [`Dispatch::hold`].
    pub fn release(&mut self) {
        self.running = self.running.saturating_sub(1);
        self.changed = true;
    }

    /// Parks a journey until its next step is ready; gives it back when the run stopped.
    pub fn park(&mut self, ready_ns: u64, walk: Box<Walk>) -> Result<(), Box<Walk>> {
        if self.closed {
            return Err(walk);
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.parked.push(Reverse(Parked { ready_ns, seq, walk }));
        self.changed = true;
        Ok(())
    }

    /// Queues a reaction; returns false (dropped) when the queue is full or closed.
    pub fn schedule(
        &mut self,
        intended_ns: u64,
        reaction: u16,
        post: Option<PostRef>,
        user: Option<UserRef>,
    ) -> bool {
        if self.closed || self.reactions.len() + self.retries.len() >= self.reaction_cap {
            return false;
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.reactions.push(Reverse(ReactionJob {
            intended_ns,
            seq,
            reaction,
            post: post.map(|p| p.0),
            user: user.map(|u| u.0),
        }));
        self.changed = true;
        true
    }

    /// Queues a newcomer's retry; returns false (dropped) when the queue is full or closed.
    pub fn schedule_retry(&mut self, retry: RetryJob) -> bool {
        if self.closed || self.reactions.len() + self.retries.len() >= self.reaction_cap {
            return false;
        }
        self.retries.push(Reverse(retry));
        self.changed = true;
        true
    }

    /// Stops handing out jobs (interrupt or drain timeout); returns how many arrivals and
    /// reactions were never started, and the parked journeys, which end unfinished.
    pub fn close(&mut self) -> (u64, u64, Vec<Walk>) {
        self.closed = true;
        self.changed = true;
        let arrivals = self.arrivals.by_ref().count() as u64;
        let reactions = (self.reactions.len() + self.retries.len()) as u64;
        self.reactions.clear();
        self.retries.clear();
        let parked = std::mem::take(&mut self.parked).into_iter().map(|p| *p.0.walk).collect();
        (arrivals, reactions, parked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arrival::Spacing;
    use crate::plan::Schedule;
    use crate::scenario::{Replay, ThinkTime};

    fn arrivals(count: u64) -> Arrivals {
        // `count` evenly spaced arrivals, one per second.
        let curve = crate::arrival::testkit::constant(1.0, count as f64);
        let replay =
            Replay { real_span_s: count as f64, compress: 1.0, sample: 1.0, think: ThinkTime::Human };
        Schedule::new(curve, replay, 1, Spacing::Even).iter()
    }

    #[test]
    fn jobs_come_out_in_intended_order_and_the_end_waits_for_running_jobs() {
        let mut dispatch = Dispatch::new(arrivals(2), 10);
        // Arrivals at 0.5 s and 1.5 s; a reaction at 1 s slots in between.
        assert!(dispatch.schedule(1_000_000_000, 0, None, None));
        let order: Vec<u64> = (0..3)
            .map(|_| match dispatch.claim() {
                Claim::Job(job) => job.intended_ns(),
                other => panic!("expected a job, got {other:?}"),
            })
            .collect();
        assert_eq!(order, [500_000_000, 1_000_000_000, 1_500_000_000]);
        assert!(matches!(dispatch.claim(), Claim::Wait), "three jobs still running");
        for _ in 0..3 {
            dispatch.finish();
        }
        dispatch.hold();
        assert!(matches!(dispatch.claim(), Claim::Wait), "a room stay is still held");
        dispatch.release();
        assert!(matches!(dispatch.claim(), Claim::Done));
    }

    #[test]
    fn retries_take_their_turn_and_share_the_cap() {
        let mut dispatch = Dispatch::new(arrivals(1), 2);
        // The arrival is at 0.5 s; a retry at 0.2 s and a reaction at 0.3 s come first.
        assert!(dispatch.schedule_retry(RetryJob {
            intended_ns: 200_000_000,
            index: 7,
            real_t_ms: 0,
            attempt: 1
        }));
        assert!(dispatch.schedule(300_000_000, 0, None, None));
        assert!(
            !dispatch.schedule_retry(RetryJob { intended_ns: 1, index: 8, real_t_ms: 0, attempt: 1 }),
            "cap of two"
        );
        let order: Vec<u64> = (0..3)
            .map(|_| match dispatch.claim() {
                Claim::Job(job) => job.intended_ns(),
                other => panic!("expected a job, got {other:?}"),
            })
            .collect();
        assert_eq!(order, [200_000_000, 300_000_000, 500_000_000]);
    }

    #[test]
    fn reactions_beyond_the_cap_are_refused_and_close_counts_the_rest() {
        let mut dispatch = Dispatch::new(arrivals(5), 1);
        assert!(dispatch.schedule(10, 0, None, None));
        assert!(!dispatch.schedule(20, 0, None, None), "cap of one pending reaction");
        let (arrivals, reactions, parked) = dispatch.close();
        assert_eq!((arrivals, reactions, parked.len()), (5, 1, 0));
        assert!(matches!(dispatch.claim(), Claim::Done));
    }
}
