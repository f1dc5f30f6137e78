//! Waking a waiting job at its intended instant, within tens of µs, not at tokio's timer
//! tick: [`until`] is a future that one `stampede-pacer` thread wakes.
//!
//! Why: tokio's timer counts whole milliseconds. A sleep's deadline is rounded up to the
//! next tick, and the runtime then parks for the whole ticks left counted from the current
//! tick's start, so a slot woke 0–2 ms after its job's time (about 1 ms on average): at any
//! rate, a start lateness p99 of ~2 ms came from the timer alone, a figure the run is
//! judged on. The pacer thread sleeps to the earliest deadline with the OS's µs timer
//! (`thread::park_timeout`) and wakes every task whose time has come in one batch; it
//! never wakes one early, so a job still starts at or after its intended instant and its
//! lateness stays measured from that instant.
//!
//! The cost is a lock and a heap push per wait, and one wake-up of the pacer per batch;
//! batches are at least [`GRAIN`] apart, so a 20,000/s schedule costs the pacer at most
//! 1/[`GRAIN`] wake-ups a second, not one per job. A future dropped before its time (the
//! run stopped) leaves its entry until then: its task is then woken once for nothing, which
//! futures tolerate. When the thread cannot be started, the wait falls back to tokio's timer.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::task::{Context, Poll, Waker};
use std::thread::Thread;
use std::time::{Duration, Instant};

/// Shortest time between two batches of wake-ups: deadlines closer than this to the
/// previous batch wait for the next one, so lateness gains at most this much. Each batch
/// wakes the runtime thread from outside (a syscall and a context switch each side); at
/// 100 µs a 3,500/s run cost visibly more CPU per request than tokio's ticks (noisy shared
/// machine), at 500 µs the wake-ups are at most twice tokio's and p99 lateness stays
/// under ~0.6 ms.
const GRAIN: Duration = Duration::from_micros(500);

/// A task waiting for its deadline.
#[derive(Debug)]
struct Entry {
    deadline: Instant,
    /// Registration order: ties wake first registered first.
    seq: u64,
    waker: Waker,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        (self.deadline, self.seq) == (other.deadline, other.seq)
    }
}

impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.deadline, self.seq).cmp(&(other.deadline, other.seq))
    }
}

#[derive(Debug, Default)]
struct Waiting {
    entries: BinaryHeap<Reverse<Entry>>,
    next_seq: u64,
    /// When the pacer thread will look next (`None`: parked until told).
    next_look: Option<Instant>,
    /// The earliest it may look (the last batch + [`GRAIN`]): a deadline before it is
    /// no reason to wake the thread sooner.
    not_before: Option<Instant>,
}

/// The waiting tasks and the thread that wakes them.
#[derive(Debug)]
struct Pacer {
    waiting: Mutex<Waiting>,
    thread: Thread,
}

/// The process's pacer, started on first use; `None` when its thread could not start.
fn pacer() -> Option<&'static Pacer> {
    static PACER: OnceLock<Option<&'static Pacer>> = OnceLock::new();
    *PACER.get_or_init(|| {
        let (sender, receiver) = std::sync::mpsc::channel::<&'static Pacer>();
        let spawned = std::thread::Builder::new().name("stampede-pacer".to_string()).spawn(move || {
            // The pacer lives as long as the process: leaked once, shared by every run.
            if let Ok(pacer) = receiver.recv() {
                run(pacer);
            }
        });
        let handle = spawned.ok()?;
        let pacer: &'static Pacer = Box::leak(Box::new(Pacer {
            waiting: Mutex::new(Waiting::default()),
            thread: handle.thread().clone(),
        }));
        sender.send(pacer).ok()?;
        Some(pacer)
    })
}

impl Pacer {
    fn lock(&self) -> MutexGuard<'_, Waiting> {
        // A panic while holding it (none can happen: pushes and pops) leaves a valid heap.
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Wakes `waker` at `deadline` (or at once when it has passed by the time the pacer
    /// looks).
    fn register(&self, deadline: Instant, waker: Waker) {
        let mut waiting = self.lock();
        let seq = waiting.next_seq;
        waiting.next_seq += 1;
        waiting.entries.push(Reverse(Entry { deadline, seq, waker }));
        // The thread sleeps to its next look; only an earlier deadline needs it sooner.
        let look = waiting.not_before.map_or(deadline, |first| deadline.max(first));
        let sooner = waiting.next_look.is_none_or(|next| look < next);
        if sooner {
            waiting.next_look = Some(look);
            drop(waiting);
            self.thread.unpark();
        }
    }
}

/// The pacer thread: wakes what is due, sleeps to the next deadline, forever.
fn run(pacer: &Pacer) {
    let mut due: Vec<Waker> = Vec::new();
    let mut last_batch = Instant::now();
    loop {
        let now = Instant::now();
        let next = {
            let mut waiting = pacer.lock();
            while waiting.entries.peek().is_some_and(|e| e.0.deadline <= now) {
                if let Some(Reverse(entry)) = waiting.entries.pop() {
                    due.push(entry.waker);
                }
            }
            if !due.is_empty() {
                last_batch = now;
            }
            let next = waiting.entries.peek().map(|e| e.0.deadline.max(last_batch + GRAIN));
            waiting.next_look = next;
            waiting.not_before = Some(last_batch + GRAIN);
            next
        };
        due.drain(..).for_each(Waker::wake);
        match next {
            Some(look) => std::thread::park_timeout(look.saturating_duration_since(Instant::now())),
            None => std::thread::park(),
        }
    }
}

/// Waits until `deadline`, woken by the pacer thread (or tokio's timer without one).
pub fn until(deadline: Instant) -> Until {
    Until { deadline, registered: None, fallback: None }
}

/// The future of [`until`].
#[derive(Debug)]
pub struct Until {
    deadline: Instant,
    /// The waker the pacer holds, so a poll with the same one registers nothing more.
    registered: Option<Waker>,
    /// tokio's timer, when there is no pacer thread.
    fallback: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl Future for Until {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.deadline {
            return Poll::Ready(());
        }
        let Some(pacer) = pacer() else {
            let deadline = self.deadline;
            let sleep =
                self.fallback.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline.into())));
            return sleep.as_mut().poll(cx);
        };
        if !self.registered.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            pacer.register(self.deadline, cx.waker().clone());
            self.registered = Some(cx.waker().clone());
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn wakes_at_the_deadline_never_before() {
        let start = Instant::now();
        // Deadlines out of order, some closer together than the grain.
        let offsets_us = [7_000u64, 3_000, 3_050, 12_000, 1, 5_500];
        let waits = offsets_us.map(|us| async move {
            let deadline = start + Duration::from_micros(us);
            until(deadline).await;
            let woke = Instant::now();
            assert!(woke >= deadline, "woke {:?} early", deadline - woke);
            woke - deadline
        });
        let all = futures_util::future::join_all(waits);
        // Bounded: a wait the pacer never ends fails here instead of hanging.
        let late = tokio::time::timeout(Duration::from_secs(10), all).await.expect("every wait ends");
        let latest = late.iter().max().copied().unwrap_or_default();
        // Loose, for a loaded machine: this proves the wake comes, the benchmark how soon.
        assert!(latest < Duration::from_secs(1), "{late:?}");
    }

    #[tokio::test]
    async fn a_passed_deadline_is_ready_at_once() {
        let past = Instant::now() - Duration::from_millis(5);
        let mut wait = std::pin::pin!(until(past));
        let waker = futures_util::task::noop_waker();
        assert_eq!(wait.as_mut().poll(&mut Context::from_waker(&waker)), Poll::Ready(()));
    }
}
