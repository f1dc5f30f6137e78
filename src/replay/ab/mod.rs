//! `stampede ab`: one seeded schedule replayed against a baseline and a candidate
//! deployment *at the same time*, then compared in pairs.
//!
//! Two `stampede run` children (processes, because goose's killswitch is global to one)
//! start on a common `--start-at` with the same seed, so both deployments see the same
//! arrivals at the same instants — or, with `split`, alternate arrivals (`--segment 0/2`
//! and `1/2`) for platforms that cannot take the load twice. Interval `i` of either run is
//! then the same wall-clock second, and [`compare_paired`] resamples the intervals in
//! pairs: noise that hit both runs (a busy CI runner) cancels in the ratio. Each side is a
//! URL used as it stands or a reference platform started here from a build ([`servers`]).
//!
//! The A/B run directory holds `baseline/` and `candidate/` (complete run directories),
//! `ab.json` (the comparison), `ab.html` (both runs on one time axis) and the platforms'
//! logs.

mod servers;
mod write;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use crate::gate::compare::{CompareOptions, Comparison, compare_paired};
use crate::report::{FILE_NAME, Report};

pub use servers::Server;

/// The two sides, in output order.
pub const SIDES: [&str; 2] = ["baseline", "candidate"];

/// Where one side's replay goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Side {
    /// A deployment at this base URL, used as it stands.
    Url(String),
    /// A reference platform started for this run: `exe serve` with `serve_args`.
    Build { exe: PathBuf, serve_args: Vec<String> },
}

impl Side {
    /// How the side is named in the outputs.
    pub fn label(&self) -> String {
        match self {
            Side::Url(url) => url.clone(),
            Side::Build { exe, serve_args } if serve_args.is_empty() => format!("{} serve", exe.display()),
            Side::Build { exe, serve_args } => format!("{} serve {}", exe.display(), serve_args.join(" ")),
        }
    }
}

/// A resolved A/B run.
#[derive(Debug, Clone)]
pub struct Config {
    pub scenario: PathBuf,
    /// The A/B run directory.
    pub out: PathBuf,
    /// Baseline, candidate.
    pub sides: [Side; 2],
    /// Alternate arrivals between the sides instead of sending each to both.
    pub split: bool,
    /// `stampede run` flags both runs get (seed, compression, profile, net flags…).
    pub run_flags: Vec<String>,
    pub options: CompareOptions,
    /// Time allowed for the platforms' and runs' setup before the common start.
    pub lead: Duration,
}

/// Why an A/B run could not be judged.
#[derive(Debug, thiserror::Error)]
pub enum AbError {
    #[error("cannot start the {side} platform {}: {source}", exe.display())]
    Platform { side: &'static str, exe: PathBuf, source: std::io::Error },
    #[error("the {side} platform did not start ({why}); see {}", log.display())]
    NotListening { side: &'static str, why: String, log: PathBuf },
    #[error("cannot start the {side} run: {source}")]
    Spawn { side: &'static str, source: std::io::Error },
    #[error("the {side} run wrote no report ({status}): {source}; see {}", log.display())]
    NoReport { side: &'static str, status: String, source: crate::report::ReportError, log: PathBuf },
    #[error("the {side} run is not judged: {why}; see {}", log.display())]
    Invalid { side: &'static str, why: String, log: PathBuf },
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Gate(#[from] crate::gate::GateError),
}

/// What an A/B run found.
#[derive(Debug)]
pub struct Outcome {
    pub comparison: Comparison,
    pub reports: [Report; 2],
}

/// Runs both sides together and compares them; writes the A/B run directory.
pub fn run(config: &Config) -> Result<Outcome, AbError> {
    std::fs::create_dir_all(&config.out)
        .map_err(|source| AbError::Write { path: config.out.clone(), source })?;
    // The platforms live until the runs end (dropped at the end of this function).
    let mut servers: Vec<Server> = Vec::new();
    let mut urls = Vec::with_capacity(2);
    for (side, name) in config.sides.iter().zip(SIDES) {
        match side {
            Side::Url(url) => urls.push(url.clone()),
            Side::Build { exe, serve_args } => {
                let server = servers::start(name, exe, serve_args, &servers::log_path(&config.out, name))?;
                urls.push(server.url.clone());
                servers.push(server);
            }
        }
    }
    let start_at = time::OffsetDateTime::now_utc() + config.lead;
    let start_text = start_at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| start_at.unix_timestamp().to_string());
    eprintln!(
        "replaying {} against baseline {} and candidate {} together, starting at {start_text}{}",
        config.scenario.display(),
        urls[0],
        urls[1],
        if config.split { " (arrivals alternate)" } else { " (every arrival to both)" }
    );
    let statuses = run_children(config, &urls, &start_text)?;
    drop(servers);
    let reports = read_reports(config, &statuses)?;
    let comparison = compare_paired(&reports[0], &reports[1], &config.options)?;
    write::all(config, &comparison, &reports)?;
    Ok(Outcome { comparison, reports })
}

/// Starts both runs, waits for both; Ctrl-C and `kill` are passed on so each still writes
/// its report.
fn run_children(config: &Config, urls: &[String], start_at: &str) -> Result<Vec<String>, AbError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| AbError::Spawn { side: SIDES[0], source })?;
    runtime.block_on(async {
        let exe = std::env::current_exe().map_err(|source| AbError::Spawn { side: SIDES[0], source })?;
        let mut children = Vec::with_capacity(2);
        for (k, (name, url)) in SIDES.iter().zip(urls).enumerate() {
            let dir = config.out.join(name);
            let spawn_error = |source| AbError::Spawn { side: name, source };
            std::fs::create_dir_all(&dir).map_err(spawn_error)?;
            let log = std::fs::File::create(dir.join("run.log")).map_err(spawn_error)?;
            let mut command = tokio::process::Command::new(&exe);
            command
                .arg("run")
                .arg(&config.scenario)
                .args(["--target", url, "--quiet", "--start-at", start_at, "--out"])
                .arg(&dir)
                .args(&config.run_flags)
                .stdin(Stdio::null())
                .stdout(Stdio::from(log.try_clone().map_err(spawn_error)?))
                .stderr(Stdio::from(log))
                .kill_on_drop(true);
            if config.split {
                command.args(["--segment", &format!("{k}/2")]);
            }
            children.push(command.spawn().map_err(spawn_error)?);
        }
        Ok(super::children::wait_all(&mut children).await)
    })
}

/// Both reports; a run that was interrupted or fell behind its schedule is not judged.
fn read_reports(config: &Config, statuses: &[String]) -> Result<[Report; 2], AbError> {
    let read = |k: usize| -> Result<Report, AbError> {
        let (side, dir) = (SIDES[k], config.out.join(SIDES[k]));
        let log = dir.join("run.log");
        let report = Report::read(&dir.join(FILE_NAME)).map_err(|source| AbError::NoReport {
            side,
            status: statuses.get(k).cloned().unwrap_or_default(),
            source,
            log: log.clone(),
        })?;
        if report.run.interrupted {
            return Err(AbError::Invalid { side, why: "the run was interrupted".to_string(), log });
        }
        if let Some(validity) = report.validity.as_ref().filter(|v| v.is_generator_bound()) {
            let why = validity.headline().unwrap_or_else(|| "generator-bound".to_string());
            return Err(AbError::Invalid { side, why, log });
        }
        Ok(report)
    };
    Ok([read(0)?, read(1)?])
}

/// Where the A/B run's files are.
pub fn files(out: &Path) -> [PathBuf; 2] {
    [out.join(write::JSON), out.join(write::HTML)]
}
