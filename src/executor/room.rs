//! Live rooms inside a journey: after a successful `join_room`, a spawned task holds the
//! member's event stream open for its stay, records every delivery of this run's chat
//! messages, sends the member's own messages at their planned moments, and leaves.
//!
//! Delivery latency needs no clock sync: sender and listeners are in this process, so a
//! message carries its send time on the replay clock in a marker (`[stampede:NONCE:NS]`),
//! and a listener that reads it records `now − NS`. Nothing per message is kept.
//!
//! A stay holds no worker slot: it is a plain task, counted by the dispatch as running work
//! (so the run does not end while a member is still in a room) but never claiming a slot.
//! Bounded: a stay ends at its deadline, when the run stops (checked every [`NAP`]), or when
//! it is aborted, so a finished run has no open streams. A stream's unparsed bytes are
//! capped at [`MAX_PENDING_BYTES`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::context::Context;
use super::http::{self, Exchange};
use super::primitives::{self, Timing};
use super::vars::Vars;
use crate::metrics::{ErrorClass, StepKey};
use crate::scenario::{Action, StepSpec};

/// How often a member in a quiet room checks whether the run stopped.
const NAP: Duration = Duration::from_millis(100);
/// An event larger than this breaks the stream instead of growing the buffer.
const MAX_PENDING_BYTES: usize = 1 << 20;
/// Chat text around the marker is cut to this, under every platform's message limit.
const MAX_CHAT_CHARS: usize = 300;

/// A member's stay in one room, as planned when the join succeeded.
#[derive(Debug)]
pub struct Stay {
    pub room: String,
    pub until: Instant,
    /// When to send each of the member's own messages, and its text length.
    pub messages: Vec<(Instant, usize)>,
}

/// A stay as drawn before the join, relative to its start.
#[derive(Debug)]
pub struct PlannedStay {
    pub room: String,
    pub stay: Duration,
    pub messages: Vec<(Duration, usize)>,
}

impl PlannedStay {
    /// The stay, starting when the join succeeded.
    pub fn start(self, joined: Instant) -> Stay {
        Stay {
            room: self.room,
            until: joined + self.stay,
            messages: self.messages.into_iter().map(|(offset, size)| (joined + offset, size)).collect(),
        }
    }
}

/// A stay drawn before the join (so the draw does not depend on the join's outcome):
/// curve time compressed like the arrival curve, messages at uniform moments of it.
pub fn plan(ctx: &Context, spec: &StepSpec, name: &str, rng: &mut ChaCha8Rng) -> PlannedStay {
    let stay_s = spec.stay.as_ref().map_or(0.0, |d| d.sample_s(rng)) / ctx.scenario.replay.compress;
    let stay = crate::units::duration_from_secs(stay_s);
    let count =
        spec.messages.as_ref().map_or(0, |m| m.sample_at_most(rng, crate::scenario::limits::MAX_MESSAGES));
    let mut messages: Vec<(Duration, usize)> = (0..count)
        .map(|_| {
            let size = primitives::body_size(spec, rng);
            (stay.mul_f64(rng.random::<f64>()), size)
        })
        .collect();
    messages.sort_unstable();
    PlannedStay { room: name.to_string(), stay, messages }
}

/// Counts a stay as running work in the dispatch until dropped, even if the stay's task
/// panics, so the run's end waits for it and never hangs on it.
struct Held(Arc<Context>);

impl Drop for Held {
    fn drop(&mut self) {
        self.0.dispatch().release();
    }
}

/// Starts the stay's task, which holds no slot; `vars` are the journey's values (token,
/// ids) at the join.
pub fn spawn(ctx: &Arc<Context>, client: &crate::net::Sender, vars: &Vars, stay: Stay) {
    let mut vars = vars.clone();
    vars.set_text("room", &stay.room);
    ctx.dispatch().hold();
    let held = Held(ctx.clone());
    let (ctx, client) = (ctx.clone(), client.clone());
    tokio::spawn(async move {
        run(ctx, client, vars, stay).await;
        drop(held);
    });
}

async fn run(ctx: Arc<Context>, client: crate::net::Sender, vars: Vars, stay: Stay) {
    let talker = (!stay.messages.is_empty()).then(|| {
        let (ctx, client, vars) = (ctx.clone(), client.clone(), vars.clone());
        let (messages, until) = (stay.messages, stay.until);
        tokio::spawn(async move {
            for (at, size) in messages {
                if !primitives::sleep_until(&ctx, at).await || Instant::now() >= until {
                    break;
                }
                let timing = Timing { intended: at, ready: at };
                send_chat(&ctx, &client, &vars, None, timing, size).await;
            }
        })
    });
    listen(&ctx, &client, &vars, stay.until).await;
    if let Some(talker) = talker {
        let _ = talker.await;
    }
    if let Some(leave) = ctx.profile.room_leave.as_ref()
        && !ctx.stopping()
    {
        let lookup = |name: &str| vars.get(name);
        let call = ctx.call(&client, leave, &lookup, 0);
        // Leaving is housekeeping, not a measured action; the stream already closed.
        tokio::select! {
            _ = http::send(call) => {}
            () = ctx.aborted() => {}
        }
    }
}

/// Sends one chat message to the room in `vars`, marked with its send time; recorded as a
/// `send_chat` request timed by `timing` (`None` when the profile cannot chat).
pub async fn send_chat(
    ctx: &Context,
    client: &crate::net::Sender,
    vars: &Vars,
    step: Option<StepKey>,
    timing: Timing,
    size: usize,
) -> Option<Exchange> {
    let mut vars = vars.clone();
    let sent_ns = ctx.replay_clock(Instant::now()).as_nanos();
    let body = ctx.payloads.text(size.min(MAX_CHAT_CHARS));
    vars.set_text("text", &format!("[stampede:{}:{sent_ns}] {body}", ctx.nonce));
    primitives::request(ctx, client, Action::SendChat, step, timing, &vars, size).await
}

/// Reads the member's event stream until `until`, a stop or a break.
async fn listen(ctx: &Context, client: &crate::net::Sender, vars: &Vars, until: Instant) {
    let Some(request) = ctx.profile.room_events.as_ref() else { return };
    let lookup = |name: &str| vars.get(name);
    let call = ctx.call(client, request, &lookup, 0);
    let started = Instant::now();
    // Connected = the first byte of the stream (the platform's greeting or first event),
    // within the request timeout; the stream itself has no timeout.
    let connect = async {
        let response = http::open(&call).await?;
        let status = response.status().as_u16();
        if !request.is_success(status) {
            return Err(if status >= 500 { ErrorClass::Status5xx } else { ErrorClass::Status4xx });
        }
        let mut body = response.into_body();
        let first = http::chunk(&mut body).await.map_err(|e| http::classify(&e))?;
        Ok((body, first.ok_or(ErrorClass::Reset)?))
    };
    let opened = tokio::select! {
        opened = tokio::time::timeout(ctx.limits.request_timeout, connect) => opened.unwrap_or(Err(ErrorClass::Timeout)),
        () = ctx.aborted() => return,
    };
    let at = |ctx: &Context| ctx.replay_clock(Instant::now());
    let (mut body, first) = match opened {
        Ok(opened) => opened,
        Err(class) => {
            ctx.recorder.record_stream_open(at(ctx), Err(class));
            return;
        }
    };
    let connect_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    ctx.recorder.record_stream_open(at(ctx), Ok(connect_us));
    let mut events = EventParser::default();
    let mut broken = !events.feed(&first, |event| observe(ctx, &event));
    while !broken && !ctx.stopping() {
        let now = Instant::now();
        if now >= until {
            break;
        }
        tokio::select! {
            chunk = http::chunk(&mut body) => match chunk {
                Ok(Some(bytes)) => broken = !events.feed(&bytes, |event| observe(ctx, &event)),
                Ok(None) | Err(_) => broken = true,
            },
            () = tokio::time::sleep((until - now).min(NAP)) => {}
            () = ctx.aborted() => break,
        }
    }
    // A stream cut by the run's own stop is not the platform's fault.
    ctx.recorder.record_stream_closed(at(ctx), broken && !ctx.stopping() && Instant::now() < until);
}

/// Records what one event says: a delivery of this run's message, or missed messages.
fn observe(ctx: &Context, event: &Event) {
    if event.name == "lagged" {
        let missed = serde_json::from_str::<serde_json::Value>(&event.data)
            .ok()
            .and_then(|v| v.get("missed").and_then(serde_json::Value::as_u64))
            .unwrap_or(1);
        ctx.recorder.record_missed(ctx.replay_clock(Instant::now()), missed);
        return;
    }
    if let Some(sent_ns) = marker(&event.data, &ctx.nonce) {
        let now = ctx.replay_clock(Instant::now());
        let delivery_us = now.as_nanos().saturating_sub(sent_ns) / 1_000;
        ctx.recorder.record_delivery(now, u64::try_from(delivery_us).unwrap_or(u64::MAX));
    }
}

/// The send time in `[stampede:NONCE:NS]`, when `data` carries this run's marker.
fn marker(data: &str, nonce: &str) -> Option<u128> {
    let prefix = format!("[stampede:{nonce}:");
    let rest = &data[data.find(&prefix)? + prefix.len()..];
    rest[..rest.find(']')?].parse().ok()
}

/// One server-sent event.
#[derive(Debug, Default, PartialEq)]
struct Event {
    /// `event:` field; `message` when absent.
    name: String,
    /// `data:` lines joined by `\n`.
    data: String,
}

/// Incremental `text/event-stream` parser (the subset servers use: `event`, `data`,
/// comments; `id` and `retry` ignored).
#[derive(Debug, Default)]
struct EventParser {
    pending: Vec<u8>,
    event: Event,
}

impl EventParser {
    /// Feeds bytes, calling `emit` per complete event; false when an event grew too large.
    fn feed(&mut self, bytes: &[u8], mut emit: impl FnMut(Event)) -> bool {
        self.pending.extend_from_slice(bytes);
        let mut start = 0;
        while let Some(end) = self.pending[start..].iter().position(|&b| b == b'\n') {
            let line = String::from_utf8_lossy(&self.pending[start..start + end]);
            let line = line.strip_suffix('\r').unwrap_or(&line);
            if line.is_empty() {
                let mut event = std::mem::take(&mut self.event);
                if !event.data.is_empty() || !event.name.is_empty() {
                    if event.name.is_empty() {
                        event.name = "message".to_string();
                    }
                    emit(event);
                }
            } else if let Some(value) = field(line, "data") {
                if !self.event.data.is_empty() {
                    self.event.data.push('\n');
                }
                self.event.data.push_str(value);
            } else if let Some(value) = field(line, "event") {
                self.event.name = value.to_string();
            }
            start += end + 1;
        }
        self.pending.drain(..start);
        self.pending.len() + self.event.data.len() <= MAX_PENDING_BYTES
    }
}

/// The value of `name: value` (one optional space after the colon).
fn field<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let value = line.strip_prefix(name)?.strip_prefix(':')?;
    Some(value.strip_prefix(' ').unwrap_or(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_parsed_across_chunk_boundaries() {
        let mut parser = EventParser::default();
        let mut seen = Vec::new();
        let stream = b": keep-alive\n\nevent: ready\ndata: 7\n\ndata: {\"text\":\"a\"}\r\n\r\nevent: lagged\ndata: {\"missed\":3}\n\n";
        for chunk in stream.chunks(5) {
            assert!(parser.feed(chunk, |e| seen.push(e)));
        }
        let named = |name: &str, data: &str| Event { name: name.into(), data: data.into() };
        assert_eq!(
            seen,
            [named("ready", "7"), named("message", "{\"text\":\"a\"}"), named("lagged", "{\"missed\":3}")]
        );
    }

    #[test]
    fn oversized_events_break_the_stream() {
        let mut parser = EventParser::default();
        assert!(!parser.feed(&vec![b'x'; MAX_PENDING_BYTES + 1], |_| {}));
    }

    #[test]
    fn markers_of_other_runs_are_ignored() {
        let data = r#"{"id":1,"text":"[stampede:abc:12345] cat tax"}"#;
        assert_eq!(marker(data, "abc"), Some(12_345));
        assert_eq!(marker(data, "xyz"), None);
        assert_eq!(marker("[stampede:abc:12", "abc"), None);
    }
}
