//! Sending one request of a job: counted as outstanding while it lives, cut short when the
//! run is aborted, and the two instants its delays count from. Below both the single- and
//! the multi-request paths ([`super::primitives`], [`super::multi`]).

use std::sync::atomic::Ordering;
use std::time::Instant;

use super::context::Context;
use super::http::{self, Call, Exchange};
use crate::metrics::ErrorClass;

/// Sends a request unless the run is aborted first (then it counts as a timeout).
pub(super) async fn exchange(ctx: &Context, call: Call<'_>) -> Exchange {
    let started = Instant::now();
    let _outstanding = Outstanding::new(ctx, started);
    tokio::select! {
        exchange = http::send(call) => exchange,
        () = ctx.aborted() => Exchange {
            service: started.elapsed(),
            outcome: Err(ErrorClass::Timeout),
            extracted: Vec::new(),
            status: None,
        },
    }
}

/// One request counted as outstanding from a slot while it lives (dropped on any exit:
/// answered, aborted or unwound).
struct Outstanding<'a> {
    ctx: &'a Context,
    sent_ns: u64,
}

impl<'a> Outstanding<'a> {
    fn new(ctx: &'a Context, sent: Instant) -> Self {
        let sent_ns = ctx.replay_clock(sent).as_nanos() as u64;
        ctx.outstanding_sent_ns.fetch_add(sent_ns, Ordering::Relaxed);
        ctx.outstanding.fetch_add(1, Ordering::Relaxed);
        Self { ctx, sent_ns }
    }
}

impl Drop for Outstanding<'_> {
    fn drop(&mut self) {
        self.ctx.outstanding.fetch_sub(1, Ordering::Relaxed);
        self.ctx.outstanding_sent_ns.fetch_sub(self.sent_ns, Ordering::Relaxed);
    }
}

/// When a request should have gone out: on the journey's ideal schedule, and when it was
/// ready to go (the previous response + think time; the intended start for a first step).
#[derive(Debug, Clone, Copy)]
pub(super) struct Timing {
    pub intended: Instant,
    pub ready: Instant,
}
