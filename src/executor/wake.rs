//! Waking idle slot groups exactly when work comes: the dispatch's lock guard tells the
//! groups waiting on [`tokio::sync::Notify`] when, under the lock, a job was queued,
//! parked or ended (see `Dispatch::take_changed`), so a group with free slots and nothing to
//! claim sleeps until then instead of polling.

use std::ops::{Deref, DerefMut};
use std::sync::{Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;

use super::dispatch::Dispatch;

/// The dispatch behind its lock, with the groups' wake-up.
#[derive(Debug)]
pub struct Shared {
    dispatch: Mutex<Dispatch>,
    work: Notify,
}

impl Shared {
    pub fn new(dispatch: Dispatch) -> Self {
        Self { dispatch: Mutex::new(dispatch), work: Notify::new() }
    }

    /// Locks the dispatch (even if a task panicked holding it: its state stays consistent
    /// between calls).
    pub fn lock(&self) -> Guard<'_> {
        let guard = self.dispatch.lock().unwrap_or_else(PoisonError::into_inner);
        Guard { guard: Some(guard), work: &self.work }
    }

    /// The next change of the dispatch's work; create (and `enable`) it *before* looking
    /// for work, so a change made in between is not missed.
    pub fn changed(&self) -> tokio::sync::futures::Notified<'_> {
        self.work.notified()
    }
}

/// The locked dispatch; dropping it wakes the idle groups if their work changed.
pub struct Guard<'a> {
    guard: Option<MutexGuard<'a, Dispatch>>,
    work: &'a Notify,
}

impl Deref for Guard<'_> {
    type Target = Dispatch;
    fn deref(&self) -> &Dispatch {
        // Some until drop.
        self.guard.as_deref().unwrap_or_else(|| unreachable!("guard taken only in drop"))
    }
}

impl DerefMut for Guard<'_> {
    fn deref_mut(&mut self) -> &mut Dispatch {
        self.guard.as_deref_mut().unwrap_or_else(|| unreachable!("guard taken only in drop"))
    }
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        let Some(mut guard) = self.guard.take() else { return };
        let changed = guard.take_changed();
        // Wake after unlocking, so the woken groups do not find the lock held.
        drop(guard);
        if changed {
            self.work.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arrival::Spacing;
    use crate::plan::Schedule;
    use crate::scenario::{Replay, ThinkTime};

    fn shared() -> Shared {
        let curve = crate::arrival::testkit::constant(1.0, 1.0);
        let replay = Replay { real_span_s: 1.0, compress: 1.0, sample: 1.0, think: ThinkTime::Human };
        Shared::new(Dispatch::new(Schedule::new(curve, replay, 1, Spacing::Even).iter(), 10))
    }

    #[tokio::test]
    async fn a_queued_reaction_wakes_a_waiting_group_and_a_claim_does_not() {
        use std::future::Future as _;
        use std::task::{Context, Poll};
        let shared = shared();
        let waker = futures_util::task::noop_waker();
        let mut cx = Context::from_waker(&waker);

        let claimed = std::pin::pin!(shared.changed());
        let mut claimed = claimed;
        claimed.as_mut().enable();
        let _ = shared.lock().claim();
        assert!(claimed.as_mut().poll(&mut cx).is_pending(), "a claim changes no one's work");

        assert!(shared.lock().schedule(5, 0, None, None));
        assert_eq!(claimed.as_mut().poll(&mut cx), Poll::Ready(()), "a queued reaction wakes");

        let mut ended = std::pin::pin!(shared.changed());
        ended.as_mut().enable();
        shared.lock().finish();
        assert_eq!(ended.as_mut().poll(&mut cx), Poll::Ready(()), "an ended job wakes");
    }
}
