//! The reference platform started in-process for `stampede run` without `--target`: bound
//! to 127.0.0.1 port 0 with a temporary data directory, stopped (and deleted) afterwards.

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::platform::fault::Faults;
use crate::platform::{Config, HashCost, TargetError};

/// What the embedded platform is like: its hashing cost and the faults it starts with
/// (`--fault-capacity` gives it a known capacity).
#[derive(Debug, Clone, PartialEq)]
pub struct Platform {
    pub hash_cost: HashCost,
    pub faults: Faults,
}

impl From<HashCost> for Platform {
    fn from(hash_cost: HashCost) -> Self {
        Self { hash_cost, faults: Faults::default() }
    }
}

/// A running embedded platform.
#[derive(Debug)]
pub struct Embedded {
    url: String,
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<(), TargetError>>,
    /// Kept until the server stops: dropping it deletes the database.
    _data: tempfile::TempDir,
}

impl Embedded {
    /// Starts the platform with its fault admin endpoint behind `admin_token`.
    pub async fn start(platform: &Platform, admin_token: String) -> std::io::Result<Self> {
        let data = tempfile::Builder::new().prefix("stampede-run-").tempdir()?;
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let mut config = Config::new(data.path());
        config.hash_cost = platform.hash_cost;
        config.faults = platform.faults.clone();
        config.admin_token = Some(crate::platform::Secret(admin_token));
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(crate::platform::serve(listener, config, async move {
            let _ = stopped.await;
        }));
        Ok(Self { url, stop, task, _data: data })
    }

    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// Stops the server and waits for it to close its database.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        match self.task.await {
            Ok(Err(e)) => tracing::warn!("embedded platform stopped with an error: {e}"),
            Err(e) => tracing::warn!("embedded platform task failed: {e}"),
            Ok(Ok(())) => {}
        }
    }
}
