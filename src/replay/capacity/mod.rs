//! The capacity search behind `stampede capacity`: how big a surge the platform survives.
//!
//! Each step is a real replay ([`crate::replay::run`]) of the same scenario and seed at a
//! scaled size, judged by the scenario's thresholds plus `--slo`; the [`search`] grows
//! the size geometrically until a step fails, then bisects to the precision.
//!
//! - [`search`]: the pure search (next size from the outcomes so far).
//! - [`step`]: one replay of one size: load, replay, judge, write its run directory.
//! - [`drive`]: the loop: budget, validity, Ctrl-C, then the [`answer`].
//! - [`answer`]: the steps → the answer: passing and failing size, what broke first and
//!   how, headroom, the exit code.
//! - [`model`]: `capacity.json`'s types and committed schema.
//! - [`files`]: `capacity.json`, `summary.md`, `junit.xml` and the console answer;
//!   [`page`]: `capacity.html`.
//!
//! Steps run in this process, one after another: goose's killswitch is process-global,
//! but goose clears it as each attack starts (and the executor again before it), and the
//! SIGINT handler is installed once and counts signals per replay. A process per step
//! would add a start-up and a runtime per step for nothing.

pub mod answer;
pub mod drive;
pub mod files;
pub mod model;
pub mod page;
pub mod search;
pub mod step;

use std::path::PathBuf;
use std::time::Duration;

pub use drive::run;

/// What the search scales.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScaleBy {
    /// More newcomers (the sample) at the same compression.
    Sample,
    /// The same newcomers in less replay time (the compression).
    Compress,
}

impl ScaleBy {
    pub fn name(self) -> &'static str {
        match self {
            ScaleBy::Sample => "sample",
            ScaleBy::Compress => "compress",
        }
    }
}

/// Everything a search needs, resolved and checked by the command line.
#[derive(Debug)]
pub struct Settings {
    /// The scenario file, loaded again at each step's size.
    pub file: PathBuf,
    /// The user's overrides (compress, sample, seed, think): scale 1.
    pub overrides: crate::scenario::Overrides,
    pub scale_by: ScaleBy,
    pub search: search::Spec,
    /// Wall time the whole search may take.
    pub budget: Option<Duration>,
    /// `--min-headroom`: the scale that must pass.
    pub min_headroom: Option<f64>,
    /// Thresholds added to the scenario's (`--slo`, `--threshold`).
    pub thresholds: Vec<String>,
    pub profile: crate::profile::Profile,
    pub profile_name: String,
    pub target: super::Target,
    pub admin_token: Option<String>,
    /// The replays' limits; `drain` is recomputed per step unless `fixed_drain`.
    pub limits: super::Limits,
    pub fixed_drain: Option<Duration>,
    pub net: crate::net::NetConfig,
    /// The capacity run directory; steps go under `steps/`.
    pub out: PathBuf,
}

/// Why a search could not run.
#[derive(Debug, thiserror::Error)]
pub enum CapacityError {
    #[error("{0}")]
    Scenario(String),
    #[error(transparent)]
    Replay(#[from] super::ReplayError),
    #[error(transparent)]
    Gate(#[from] crate::gate::GateError),
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
}
