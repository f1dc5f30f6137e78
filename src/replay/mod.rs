//! A replay as a library: the chain scenario → plan → executor → report that `stampede run`
//! drives, callable from a program (a capacity search running many replays, a test).
//!
//! - [`config`]: the resolved, checked [`Config`] of one replay (the second stage of the
//!   command line's arguments; a program builds one directly).
//! - [`surge`]: today's load model, the surge replay: [`run`]`(config, shutdown)` → a
//!   complete [`Report`](crate::report::Report). Later load models sit beside it, one file
//!   each.
//! - [`finish`](mod@finish): the one ending of every run — judge, write, print, exit code.
//! - [`embedded`]: the reference platform started in-process when no target is given.
//! - [`exporter`]: the live OpenMetrics endpoint of `run --metrics-listen`.
//! - [`capacity`]: the capacity search, many surge replays of growing size.
//! - [`ab`]: two replays of one schedule at once, against a baseline and a candidate
//!   deployment, compared in pairs (`stampede ab`); [`children`] passes signals on to the
//!   `stampede run` processes it starts.
//!
//! goose's killswitch and Ctrl-C handling are global to a process, so one process runs one
//! replay at a time.

pub mod ab;
pub mod capacity;
pub mod children;
pub mod config;
pub mod embedded;
pub mod exporter;
pub mod finish;
pub mod surge;

use std::path::PathBuf;

pub use config::{Config, ConfigError, Limits, Progress, Target};
pub use finish::{exit, finish};
pub use surge::{Replayed, run};

/// Why a replay could not run or its report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot start the embedded reference platform: {0}")]
    Embedded(std::io::Error),
    #[error("cannot listen for metrics on {0}: {1}")]
    MetricsListen(std::net::SocketAddr, std::io::Error),
    #[error(transparent)]
    Executor(#[from] crate::executor::ExecutorError),
    #[error("cannot write the report to {}: {source}", dir.display())]
    Write { dir: PathBuf, source: crate::report::files::WriteError },
    #[error(transparent)]
    Gate(#[from] crate::gate::GateError),
}
