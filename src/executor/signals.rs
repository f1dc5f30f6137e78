//! Who stops a run, and when: SIGINT (Ctrl-C), SIGTERM, the drain limit and internal errors.
//!
//! stampede owns SIGINT. goose installs a process-global Ctrl-C handler (the `ctrlc`
//! crate) that only fires goose's killswitch, which nobody waiting on a stalled response
//! notices, and whose second Ctrl-C calls `process::exit(1)`: the failed-verdict code, with
//! nothing written. `ctrlc` takes one handler per process and goose carries on when its own
//! cannot be installed, so ours is installed first, before any goose attack starts, and
//! goose never sees SIGINT. (A tokio SIGINT listener would not do: goose's `ctrlc` handler,
//! installed later, replaces it.) SIGTERM is not touched by goose and is read through tokio.
//!
//! The first signal is a soft stop: no new jobs, sleeping slots wake up, in-flight requests
//! get `--grace` to finish and are then abandoned (any stop, also the drain limit's or an
//! internal error's, ends that way). A second signal abandons them at once. Either way the
//! run returns what it measured and its report is written, marked interrupted.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::context::{Context, StopReason};

/// SIGINTs received by this process so far, counted by the `ctrlc` handler.
static SIGINTS: OnceLock<watch::Sender<u64>> = OnceLock::new();

/// The signals that stop a run, counted from the moment [`Interrupts::listen`] was called,
/// and the caller's [`StopRequest`] if any.
#[derive(Debug)]
pub struct Interrupts {
    sigint: watch::Receiver<u64>,
    sigterm: Option<Sigterm>,
    /// Taken once it has fired: it stays set, and a second look must not see it again.
    requested: Option<watch::Receiver<bool>>,
}

/// A stop asked for by the code that started the run (`replay::run`'s shutdown future).
/// Latched, unlike a signal: it counts even when it was made before the run began
/// listening (a capacity step's Ctrl-C during the embedded platform's start).
#[derive(Debug, Clone)]
pub struct StopRequest(watch::Receiver<bool>);

/// Makes its [`StopRequest`]; dropping it unfired means no stop.
#[derive(Debug)]
pub struct StopTrigger(watch::Sender<bool>);

impl StopTrigger {
    pub fn fire(&self) {
        self.0.send_replace(true);
    }
}

/// A stop request and the trigger that makes it.
pub fn stop_request() -> (StopTrigger, StopRequest) {
    let (sender, receiver) = watch::channel(false);
    (StopTrigger(sender), StopRequest(receiver))
}

impl Interrupts {
    /// Starts listening (installing the process's SIGINT handler on first use); must be
    /// called before goose starts an attack and inside a tokio runtime.
    pub fn listen() -> Self {
        let sender = SIGINTS.get_or_init(|| {
            let handler = || {
                if let Some(sender) = SIGINTS.get() {
                    sender.send_modify(|count| *count += 1);
                }
            };
            if let Err(error) = ctrlc::set_handler(handler) {
                tracing::warn!("cannot handle Ctrl-C (goose's handler may stop the run): {error}");
            }
            watch::Sender::new(0)
        });
        let mut sigint = sender.subscribe();
        // Only signals from now on count (a library may run several replays).
        sigint.mark_unchanged();
        Self { sigint, sigterm: listen_sigterm(), requested: None }
    }

    /// Also stops at `request`, even one made before this listener started.
    pub fn with_request(mut self, request: StopRequest) -> Self {
        self.requested = Some(request.0);
        self
    }

    /// Resolves with the signal's name at the next SIGINT or SIGTERM, or at the request.
    /// The request counts only as the first stop: after any stop it is dropped, so that a
    /// Ctrl-C seen both here and by the caller (who then requests a stop) is one Ctrl-C.
    pub async fn next(&mut self) -> &'static str {
        let name = tokio::select! {
            Ok(()) = self.sigint.changed() => "SIGINT",
            Some(()) = next_sigterm(&mut self.sigterm) => "SIGTERM",
            Some(()) = next_request(&mut self.requested) => "a shutdown request",
            else => std::future::pending().await,
        };
        self.requested = None;
        name
    }
}

/// Resolves when the request is (or already was) made; `None` when it never will be.
async fn next_request(requested: &mut Option<watch::Receiver<bool>>) -> Option<()> {
    let receiver = requested.as_mut()?;
    receiver.wait_for(|stop| *stop).await.ok().map(|_| ())
}

#[cfg(unix)]
type Sigterm = tokio::signal::unix::Signal;

#[cfg(unix)]
fn listen_sigterm() -> Option<Sigterm> {
    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok()
}

#[cfg(unix)]
async fn next_sigterm(sigterm: &mut Option<Sigterm>) -> Option<()> {
    match sigterm {
        Some(signal) => signal.recv().await,
        None => None,
    }
}

/// No SIGTERM elsewhere: Ctrl-C is the only signal.
#[cfg(not(unix))]
type Sigterm = ();

#[cfg(not(unix))]
fn listen_sigterm() -> Option<Sigterm> {
    None
}

#[cfg(not(unix))]
async fn next_sigterm(_: &mut Option<Sigterm>) -> Option<()> {
    None
}

/// First signal: soft stop. Second: abandon in-flight requests at once.
pub async fn watch_signals(ctx: Arc<Context>, mut interrupts: Interrupts, grace: Duration) {
    let name = interrupts.next().await;
    eprintln!(
        "\n{name}: stopping; in-flight requests get {:.1}s (--grace), {name} again abandons them now",
        grace.as_secs_f64()
    );
    ctx.request_stop(StopReason::Signal(name.to_string()));
    interrupts.next().await;
    ctx.abort();
}

/// After any stop, in-flight requests get `grace` to finish; then they are abandoned.
pub async fn watch_stop(ctx: Arc<Context>, grace: Duration) {
    ctx.stopped().await;
    tokio::time::sleep(grace).await;
    ctx.abort();
}

/// Stops journeys still running at `deadline` (after the last arrival plus the drain time).
pub async fn watch_drain(ctx: Arc<Context>, deadline: Instant) {
    tokio::time::sleep_until(deadline.into()).await;
    ctx.request_stop(StopReason::DrainTimeout);
}

/// The text of a caught panic's payload.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic without a message".to_string()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// A request made before the listener started stops it once, and only once: the
    /// second look (watch_signals' "abandon now") waits for a real second signal.
    #[tokio::test]
    async fn a_request_made_before_listening_is_seen_once() {
        let (trigger, request) = stop_request();
        trigger.fire();
        let mut interrupts = Interrupts::listen().with_request(request);
        let first = tokio::time::timeout(Duration::from_secs(5), interrupts.next()).await;
        assert_eq!(first, Ok("a shutdown request"));
        let second = tokio::time::timeout(Duration::from_millis(50), interrupts.next()).await;
        assert!(second.is_err(), "{second:?}");
    }

    /// A trigger dropped unfired is no stop.
    #[tokio::test]
    async fn a_dropped_trigger_stops_nothing() {
        let (trigger, request) = stop_request();
        drop(trigger);
        let mut interrupts = Interrupts::listen().with_request(request);
        let next = tokio::time::timeout(Duration::from_millis(50), interrupts.next()).await;
        assert!(next.is_err(), "{next:?}");
    }
}
