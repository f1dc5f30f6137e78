//! The faults in force at runtime and the middleware that applies them to each request.
//!
//! The set is read on every request and replaced rarely (by the admin endpoint), so it
//! sits behind a read-write lock as an `Arc` snapshot: a request clones the `Arc` and
//! releases the lock at once, and never sees half of an update.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::Faults;
use super::capacity::Admission;
use crate::platform::error::ApiError;
use crate::platform::routes::Route;

/// Faults in force, and the instant stall windows are measured from.
#[derive(Debug)]
pub struct FaultState {
    /// Server start: `--fault-stall 3s+2s` means 3 s after this instant.
    epoch: Instant,
    current: RwLock<Arc<Faults>>,
    /// The capacity fault's servers, kept across replacements of the faults.
    queues: super::capacity::Queues,
}

impl FaultState {
    pub fn new(faults: Faults) -> Self {
        Self { epoch: Instant::now(), current: RwLock::new(Arc::new(faults)), queues: Default::default() }
    }

    pub fn current(&self) -> Arc<Faults> {
        Arc::clone(&self.current.read().unwrap_or_else(|p| p.into_inner()))
    }

    pub fn replace(&self, faults: Faults) {
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(faults);
    }

    /// Time since server start, the clock stall windows are written in.
    pub fn since_start(&self) -> Duration {
        self.epoch.elapsed()
    }
}

/// Middleware: stall, then the capacity queue, then added latency, then maybe a 503, then the handler. Requests
/// outside the route table (admin, unknown paths) pass untouched.
pub async fn inject(
    State(state): State<Arc<FaultState>>,
    matched: Option<MatchedPath>,
    request: Request,
    next: Next,
) -> Response {
    // Taken first, so a request's place relative to a stall window is its arrival time.
    let arrival = state.since_start();
    let Some(route) = matched.and_then(|path| Route::of(request.method(), path.as_str())) else {
        return next.run(request).await;
    };
    let faults = state.current();
    if faults.is_empty() {
        return next.run(request).await;
    }
    if let Some(until) = faults.stall_until(arrival) {
        tokio::time::sleep(until.saturating_sub(state.since_start())).await;
    }
    match state.queues.admit(&faults, route, Instant::now()) {
        Admission::Now => {}
        Admission::After(wait) => tokio::time::sleep(wait).await,
        Admission::Refused => return ApiError::Unavailable("over capacity").into_response(),
    }
    // ThreadRng is not Send, so draw everything before the next await.
    let (delay, fail) = {
        let mut rng = rand::rng();
        let delay = faults.latency_for(route).map(|l| l.sample(&mut rng));
        let rate = faults.error_rate_for(route);
        (delay, rate > 0.0 && rand::Rng::random::<f64>(&mut rng) < rate)
    };
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    if fail {
        return ApiError::Unavailable("injected fault").into_response();
    }
    next.run(request).await
}
