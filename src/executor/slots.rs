//! Worker slots on few goose users: each goose user runs a *group* of slots, its jobs side
//! by side on its own task, so an idle slot is a free place in a group, not a goose user
//! (~60 KiB each with its task, channels and metrics plumbing).
//!
//! A group claims jobs from the dispatch while it has free slots, each claimed job then
//! waits for its intended time on its own (one timer per job, see `primitives::start`), so
//! the whole run claims exactly as the same number of single slots would: at most `slots`
//! jobs are claimed and running at once. A group with free slots and nothing to claim
//! sleeps until the dispatch's work changes (a reaction or retry queued, a journey parked,
//! a job ended: new work comes from running jobs of any group, see `wake`), or one of its
//! own jobs ends; a full group sleeps until one of its jobs ends.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::FutureExt as _;
use futures_util::StreamExt as _;
use futures_util::stream::FuturesUnordered;

use super::context::{Context, StopReason};
use super::dispatch::Claim;
use super::job::Job;
use super::{journey, signals};

/// Nap of a group whose schedule ended, so goose gets to its exit between transactions.
const IDLE: Duration = Duration::from_millis(20);
/// Longest sleep of an idle group: goose's own killswitch (its Ctrl-C handler) wakes no
/// one, so an idle group still looks at it now and then.
const KILLSWITCH_NAP: Duration = Duration::from_secs(1);

/// Most slots one goose user runs: enough that a 4,096-slot run needs 64 goose users,
/// few enough that one group's jobs are a small share of the runtime's tasks.
pub(super) const SLOTS_PER_USER: usize = 64;

/// How `slots` are split over goose users: `(users, slots of each)`, the first
/// `slots % users` groups holding one slot more, so the groups hold exactly `slots`.
#[derive(Debug)]
pub(super) struct Groups {
    pub users: usize,
    slots: usize,
    /// Groups handed out so far (goose starts its users in order, each calls the
    /// transaction once).
    next: AtomicUsize,
}

impl Groups {
    pub fn new(slots: usize) -> Self {
        let slots = slots.max(1);
        Self { users: slots.div_ceil(SLOTS_PER_USER), slots, next: AtomicUsize::new(0) }
    }

    /// The slots of the next group (0 once every slot has its group).
    fn take(&self) -> usize {
        let i = self.next.fetch_add(1, Ordering::Relaxed);
        if i >= self.users {
            return 0;
        }
        self.slots / self.users + usize::from(i < self.slots % self.users)
    }
}

type JobFuture<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// One goose user's transaction: runs its group of slots until the schedule is done or
/// the run stops, then fires goose's killswitch (process-global) so goose ends the attack.
pub(super) async fn group(
    ctx: &Arc<Context>,
    completed: &AtomicBool,
    client: &crate::net::Sender,
    groups: &Groups,
) {
    let capacity = groups.take();
    if capacity == 0 {
        // Called again after its group ended: the killswitch has fired.
        tokio::time::sleep(IDLE).await;
        return;
    }
    let mut running: FuturesUnordered<JobFuture<'_>> = FuturesUnordered::new();
    loop {
        if goose::is_killswitch_triggered()
            && !completed.load(Ordering::Relaxed)
            && ctx.stop_reason().is_none()
        {
            ctx.request_stop(StopReason::Signal("SIGINT".to_string()));
        }
        let (mut idle, mut finished) = (false, false);
        // Listening before claiming: work that changes after the last claim wakes us.
        let mut changed = std::pin::pin!(ctx.dispatch.changed());
        changed.as_mut().enable();
        while running.len() < capacity {
            let claim = ctx.dispatch().claim();
            match claim {
                Claim::Job(job) => running.push(Box::pin(run_job(ctx, client, job, Instant::now()))),
                Claim::Wait => idle = true,
                // Only when no job runs anywhere, this group's included.
                Claim::Done => finished = true,
            }
            if idle || finished {
                break;
            }
        }
        if finished {
            break;
        }
        if running.is_empty() {
            tokio::select! {
                () = changed => {}
                () = tokio::time::sleep(KILLSWITCH_NAP) => {}
            }
        } else if idle {
            tokio::select! {
                _ = running.next() => {}
                () = changed => {}
                () = tokio::time::sleep(KILLSWITCH_NAP) => {}
            }
        } else {
            running.next().await;
        }
    }
    if ctx.stop_reason().is_none() {
        completed.store(true, Ordering::Relaxed);
    }
    goose::trigger_killswitch("replay finished");
    // goose checks its exit command between transactions: nap so it gets to it.
    tokio::time::sleep(IDLE).await;
}

/// Runs one claimed job; `claimed` is when its slot took it from the queue.
async fn run_job(ctx: &Arc<Context>, client: &crate::net::Sender, job: Job, claimed: Instant) {
    // Busy until the job ends or parks (see `primitives::start` for the wait before).
    ctx.slots_busy.fetch_add(1, Ordering::Relaxed);
    let run = async move {
        ctx.maybe_inject_panic();
        match job {
            Job::Newcomer(arrival) => journey::newcomer(ctx, client, arrival, claimed).await,
            Job::Reaction(reaction) => journey::reaction(ctx, client, reaction, claimed).await,
            Job::Retry(retry) => journey::retry(ctx, client, retry, claimed).await,
            Job::Resume(walk) => walk.resume(ctx, client, claimed).await,
        }
    };
    // A panic is a bug in stampede; it must not take the slot (and with it the run's
    // accounting) down: the run stops and reports what it measured, marked.
    if let Err(panic) = AssertUnwindSafe(run).catch_unwind().await {
        ctx.request_stop(StopReason::Internal(signals::panic_message(panic.as_ref())));
    }
    ctx.slots_busy.fetch_sub(1, Ordering::Relaxed);
    ctx.dispatch().finish();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_hold_exactly_the_slots() {
        for slots in [1, 63, 64, 65, 232, 4_096, 4_097, 10_000] {
            let groups = Groups::new(slots);
            let sizes: Vec<usize> = (0..groups.users + 2).map(|_| groups.take()).collect();
            assert_eq!(sizes.iter().sum::<usize>(), slots, "{slots}: {sizes:?}");
            assert!(sizes.iter().all(|&n| n <= SLOTS_PER_USER), "{slots}: {sizes:?}");
            assert!(sizes[..groups.users].iter().all(|&n| n > 0), "{slots}: {sizes:?}");
            assert_eq!(sizes[groups.users..], [0, 0]);
        }
    }
}
