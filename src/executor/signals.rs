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

/// The signals that stop a run, counted from the moment [`Interrupts::listen`] was called.
#[derive(Debug)]
pub struct Interrupts {
    sigint: watch::Receiver<u64>,
    sigterm: Option<Sigterm>,
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
        Self { sigint, sigterm: listen_sigterm() }
    }

    /// Resolves with the signal's name at the next SIGINT or SIGTERM.
    pub async fn next(&mut self) -> &'static str {
        tokio::select! {
            Ok(()) = self.sigint.changed() => "SIGINT",
            Some(()) = next_sigterm(&mut self.sigterm) => "SIGTERM",
            else => std::future::pending().await,
        }
    }
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

/// Stops the replay running in this process as a first Ctrl-C would (a program's shutdown,
/// see `replay::run`); a no-op before any replay has started listening.
pub fn interrupt() {
    if let Some(sender) = SIGINTS.get() {
        sender.send_modify(|count| *count += 1);
    }
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
