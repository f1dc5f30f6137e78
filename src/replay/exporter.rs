//! `run --metrics-listen ADDR`: the live OpenMetrics endpoint `/metrics` beside a replay, a
//! small axum server on the run's runtime. It reads the run's recorder at each scrape
//! (`metrics::openmetrics`), so the replay's hot path pays nothing for it.
//!
//! After the run the endpoint stays up for `--metrics-linger` with the final counters
//! (`stampede_run_finished` 1), so Prometheus's last scrape sees what `report.json` says;
//! Ctrl-C or SIGTERM ends the linger at once.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use prometheus_client::registry::Registry;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::metrics::Recorder;
use crate::metrics::openmetrics::{self, RunLabels};

/// The media type of OpenMetrics text.
const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Where the endpoint listens and how long it outlives the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricsEndpoint {
    /// Loopback, or an address the target allowlist allows (checked by the command line).
    pub listen: SocketAddr,
    /// How long the endpoint serves the final values after the run.
    pub linger: Duration,
}

/// A running endpoint; dropping it stops the server.
#[derive(Debug)]
pub struct Exporter {
    /// The address bound (the port chosen when `:0` was asked for).
    pub addr: SocketAddr,
    linger: Duration,
    finished: Arc<AtomicBool>,
    stop: Option<oneshot::Sender<()>>,
    server: JoinHandle<()>,
}

impl Exporter {
    /// Binds `endpoint.listen` and serves `recorder` under `labels` until stopped.
    pub async fn start(
        endpoint: MetricsEndpoint,
        recorder: Recorder,
        labels: &RunLabels,
    ) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(endpoint.listen).await?;
        let addr = listener.local_addr()?;
        let finished = Arc::new(AtomicBool::new(false));
        let registry = Arc::new(openmetrics::registry(recorder, labels, finished.clone()));
        let app = axum::Router::new().route("/metrics", axum::routing::get(scrape)).with_state(registry);
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let serving = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(error) = serving.await {
                tracing::warn!("metrics endpoint stopped: {error}");
            }
        });
        eprintln!("metrics: http://{addr}/metrics");
        Ok(Self { addr, linger: endpoint.linger, finished, stop: Some(stop), server })
    }

    /// The run ended: the counters are final.
    pub fn finish(&self) {
        self.finished.store(true, Ordering::Release);
    }

    /// Serves the final values for the linger time (or until Ctrl-C/SIGTERM), then stops.
    pub async fn linger(mut self) {
        if !self.linger.is_zero() {
            let mut interrupts = crate::executor::Interrupts::listen();
            tokio::select! {
                () = tokio::time::sleep(self.linger) => {}
                _ = interrupts.next() => {}
            }
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        // A scrape in progress finishes; a stuck client does not hold the process.
        let _ = tokio::time::timeout(Duration::from_secs(1), &mut self.server).await;
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn scrape(State(registry): State<Arc<Registry>>) -> Response {
    match openmetrics::encode(&registry) {
        Ok(text) => ([(header::CONTENT_TYPE, CONTENT_TYPE)], text).into_response(),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "cannot encode the metrics\n").into_response(),
    }
}
