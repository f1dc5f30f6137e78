//! Command-line surface: clap types and dispatch to the library.
//!
//! Arguments are handled in two stages, as in ripgrep: clap parses raw flags here, and each
//! command resolves them against the scenario into a validated configuration before anything
//! runs. Exit codes: 0 success, 1 a failed verdict (gate), 2 an error (bad input, I/O).

mod ab;
mod args;
mod capacity;
mod compare;
mod gate;
mod import;
mod k8s;
mod merge;
mod net;
mod plan;
mod profile;
mod report;
mod run;
mod targets;
mod validate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// Replays viral signup surges, time-compressed, against a platform.
#[derive(Debug, Parser)]
#[command(name = "stampede", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// Parsed once per process: the size of the `run` variant's flags costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check scenario files; print every problem as file:line:column.
    Validate {
        /// Scenario files (YAML).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The profile the scenarios will run with (a built-in name or a file); their
        /// actions are checked against it. Default: each scenario's `target:`.
        #[arg(long, value_name = "NAME|FILE")]
        profile: Option<String>,
    },
    /// Show the schedule a replay will follow, without sending traffic.
    Plan(plan::PlanArgs),
    /// Replay a scenario against a platform and write its report.
    Run(args::RunArgs),
    /// Find how big a surge the platform survives: replays of growing size (geometric
    /// steps, then bisection), each judged by the scenario's thresholds plus --slo.
    Capacity(capacity::CapacityArgs),
    /// Compare two runs: per action and percentile, the change, its confidence interval
    /// and a verdict (regressed, improved, unchanged, inconclusive). Exits 1 on a regression.
    Compare(compare::CompareArgs),
    /// Replay one schedule against a baseline and a candidate deployment at the same time
    /// and compare them in pairs, so noise both met cancels (for noisy CI runners). Exits 1
    /// on a regression.
    Ab(ab::AbArgs),
    /// Merge the run directories of a segmented run (`run --segment I/N`) into one, with
    /// exactly merged histograms, and judge thresholds (and a baseline) on the merged data.
    Merge(merge::MergeArgs),
    /// Print a Kubernetes manifest (an Indexed Job) that replays a scenario from N pods with
    /// a common start time and merges their reports.
    K8s(k8s::K8sArgs),
    /// Re-render report.html, summary.md, junit.xml and the .hlog of a run directory from
    /// its report.json.
    Report(report::ReportArgs),
    /// Print the JSON Schema of scenario files (or of report.json with --report).
    Schema {
        /// The schema of `report.json` instead.
        #[arg(long)]
        report: bool,
        /// The schema of `capacity.json` instead.
        #[arg(long, conflicts_with = "report")]
        capacity: bool,
    },
    /// Turn a platform's own logs into a scenario that replays its surge.
    Import(import::ImportArgs),
    /// Make target profiles (`from-har`: a skeleton from a browser recording).
    Profile(profile::ProfileArgs),
    /// Run the reference platform (an embedded social network on SQLite).
    Serve(crate::platform::ServeArgs),
}

/// Replay settings shared by `plan` and `run`; they override the scenario file.
#[derive(Debug, Clone, Default, Args)]
pub struct ReplayArgs {
    /// Real time ÷ replay time (overrides the file's compress/replay_in).
    #[arg(long, value_name = "K")]
    pub compress: Option<f64>,
    /// Replay the whole span in this long, e.g. `60s` (overrides compress).
    #[arg(long, value_name = "D")]
    pub replay_in: Option<crate::units::Span>,
    /// Fraction of newcomers replayed, 0 < F <= 1.
    #[arg(long, value_name = "F")]
    pub sample: Option<f64>,
    /// Seed for every random choice (overrides the file's).
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Think times as `human` seconds or `compressed` like the curve (overrides the file's;
    /// `compressed` makes quick smoke replays of long journeys).
    #[arg(long, value_enum, value_name = "MODE")]
    pub think: Option<crate::scenario::ThinkTime>,
}

impl ReplayArgs {
    /// These settings as flags for a child `stampede run` (only those given).
    pub fn to_flags(&self) -> Vec<String> {
        let think =
            self.think.and_then(|t| clap::ValueEnum::to_possible_value(&t)).map(|v| v.get_name().to_string());
        let given = [
            ("--compress", self.compress.map(|k| k.to_string())),
            ("--replay-in", self.replay_in.map(|d| d.to_string())),
            ("--sample", self.sample.map(|f| f.to_string())),
            ("--seed", self.seed.map(|s| s.to_string())),
            ("--think", think),
        ];
        given.into_iter().filter_map(|(name, value)| Some([name.to_string(), value?])).flatten().collect()
    }

    pub fn overrides(&self) -> crate::scenario::Overrides {
        crate::scenario::Overrides {
            compress: self.compress,
            replay_in_s: self.replay_in.map(|d| d.secs()),
            sample: self.sample,
            seed: self.seed,
            think: self.think,
        }
    }
}

/// Process exit codes (0 success, 1 a failed verdict, 2 an error), shared with the replay.
pub use crate::replay::exit;

/// Runs an already-parsed command and maps its outcome to an exit code.
pub fn run(cli: Cli) -> ExitCode {
    let outcome = match cli.command {
        Command::Validate { files, profile } => Ok(validate::run(&files, profile.as_deref())),
        Command::Plan(args) => plan::run(&args),
        Command::Run(args) => run::run(&args),
        Command::Capacity(args) => capacity::run(&args),
        Command::Compare(args) => compare::run(&args),
        Command::Ab(args) => ab::run(&args),
        Command::Merge(args) => merge::run(&args),
        Command::K8s(args) => k8s::run(&args),
        Command::Report(args) => report::run(&args),
        Command::Schema { report, capacity } => {
            let schema = if capacity {
                crate::replay::capacity::model::render_schema()
            } else if report {
                crate::report::schema::render_schema()
            } else {
                crate::scenario::schema::render()
            };
            print!("{schema}");
            Ok(exit::OK)
        }
        Command::Import(args) => import::run(&args),
        Command::Profile(args) => profile::run(&args),
        Command::Serve(args) => serve(args),
    };
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(exit::ERROR)
        }
    }
}

/// Logs (ours, and goose's `log` records) go to stderr, warnings and up unless `RUST_LOG`
/// says otherwise. Installing it before goose starts keeps goose from writing to stdout.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}

fn serve(args: crate::platform::ServeArgs) -> anyhow::Result<u8> {
    runtime()?.block_on(crate::platform::serve_command(args))?;
    Ok(exit::OK)
}
