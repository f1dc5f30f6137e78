//! Actions made of several requests (`sequence` or `parallel` in the profile): sent as one
//! action, each request also recorded under its `ACTION/REQUEST` entry so the slow call
//! inside shows in the report.
//!
//! The action's response time runs from its intended start to the last response, like any
//! action's; each request's response time runs from the same intended start to its own
//! end (for a parallel action, when that call answered; for a sequence, how far into the
//! action it finished). The action fails with the error class of its first failure in
//! list order; a sequence stops there, since later requests may need its values.

use std::time::Instant;

use futures_util::future::join_all;

use super::context::Context;
use super::http::Exchange;
use super::job::micros;
use super::send::{Timing, exchange};
use super::vars::Vars;
use crate::metrics::Delays;
use crate::profile::{Multi, Part};

/// Sends the requests of `multi` and returns them as one exchange: service from the first
/// send to the last answer, the first failure's class, every extracted value.
pub(super) async fn perform(
    ctx: &Context,
    client: &crate::net::Sender,
    multi: &Multi,
    timing: Timing,
    vars: &Vars,
    body_size: usize,
) -> Exchange {
    let started = Instant::now();
    let exchanges = if multi.parallel {
        join_all(multi.parts.iter().map(|part| one(ctx, client, part, timing, vars, body_size))).await
    } else {
        // Later requests see what earlier ones extracted.
        let mut vars = vars.clone();
        let mut done = Vec::with_capacity(multi.parts.len());
        let mut ready = timing.ready;
        for part in &multi.parts {
            let exchange =
                one(ctx, client, part, Timing { intended: timing.intended, ready }, &vars, body_size).await;
            ready = Instant::now();
            let failed = exchange.outcome.is_err();
            for (name, raw) in &exchange.extracted {
                vars.set(name, raw.clone());
            }
            done.push(exchange);
            if failed {
                break;
            }
        }
        done
    };
    combine(started, exchanges)
}

/// One request of the action, recorded under its part.
async fn one(
    ctx: &Context,
    client: &crate::net::Sender,
    part: &Part,
    timing: Timing,
    vars: &Vars,
    body_size: usize,
) -> Exchange {
    let lookup = |name: &str| vars.get(name);
    let exchange = exchange(ctx, ctx.call(client, &part.request, &lookup, body_size)).await;
    let ended = Instant::now();
    let delays = Delays {
        service_us: micros(exchange.service),
        response_us: micros(ended.saturating_duration_since(timing.intended)),
        own_us: micros(ended.saturating_duration_since(timing.ready)),
    };
    ctx.recorder.record_part(ctx.replay_clock(ended), part.action, delays, exchange.outcome);
    exchange
}

fn combine(started: Instant, exchanges: Vec<Exchange>) -> Exchange {
    let outcome = exchanges.iter().map(|e| e.outcome).find(Result::is_err).unwrap_or(Ok(()));
    let status = exchanges.iter().rev().find_map(|e| e.status);
    let extracted =
        if outcome.is_ok() { exchanges.into_iter().flat_map(|e| e.extracted).collect() } else { Vec::new() };
    Exchange { service: started.elapsed(), outcome, extracted, status }
}
