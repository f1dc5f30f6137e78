//! `stampede ab FILE`: the flags of a paired A/B run and its dispatch to
//! [`crate::replay::ab`]; exit 1 when anything regressed.

use std::path::PathBuf;

use clap::Args;

use super::ReplayArgs;
use super::compare::ComparisonFlags;
use super::exit;
use crate::gate::table::render;
use crate::replay::ab::{self, Side};
use crate::units::Span;

#[derive(Debug, Args)]
pub struct AbArgs {
    /// Scenario file (YAML).
    pub file: PathBuf,
    /// Base URL of the baseline deployment (loopback, or a host allowed with --allow-host).
    /// Default: a reference platform started from --baseline-build.
    #[arg(long, value_name = "URL", conflicts_with = "baseline_build")]
    pub baseline: Option<String>,
    /// Base URL of the candidate deployment.
    #[arg(long, value_name = "URL", conflicts_with = "candidate_build")]
    pub candidate: Option<String>,
    /// A `stampede` binary whose `serve` is the baseline (default: this one).
    #[arg(long, value_name = "PATH")]
    pub baseline_build: Option<PathBuf>,
    /// A `stampede` binary whose `serve` is the candidate (default: this one).
    #[arg(long, value_name = "PATH")]
    pub candidate_build: Option<PathBuf>,
    /// An argument for the baseline platform's `serve` (repeatable), e.g.
    /// `--baseline-serve-arg=--fault-latency=view_feed=exp:20ms`.
    #[arg(long, value_name = "ARG", allow_hyphen_values = true, conflicts_with = "baseline")]
    pub baseline_serve_arg: Vec<String>,
    /// An argument for the candidate platform's `serve` (repeatable).
    #[arg(long, value_name = "ARG", allow_hyphen_values = true, conflicts_with = "candidate")]
    pub candidate_serve_arg: Vec<String>,
    /// Password hashing cost of the platforms started here.
    #[arg(long, value_enum, default_value = "low")]
    pub hash_cost: crate::platform::HashCost,
    /// Alternate arrivals between the sides (`--segment 0/2` and `1/2`) instead of sending
    /// each to both: for deployments that cannot take the load twice.
    #[arg(long)]
    pub split: bool,
    /// Target profile: a built-in name or a profile file (default: the scenario's).
    #[arg(long, value_name = "NAME|FILE")]
    pub profile: Option<String>,
    #[command(flatten)]
    pub replay: ReplayArgs,
    /// A/B run directory. Default: `reports/<scenario>-ab-<UTC time>/`.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Runtime worker threads of each run.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// A request not answered within this counts as a timeout error.
    #[arg(long, value_name = "D", default_value = "30s")]
    pub request_timeout: Span,
    /// Setup time of both runs before their common start.
    #[arg(long, value_name = "D", default_value = "5s")]
    pub lead: Span,
    #[command(flatten)]
    pub comparison: ComparisonFlags,
    #[command(flatten)]
    pub net: super::net::NetArgs,
}

impl AbArgs {
    fn side(
        &self,
        url: Option<&String>,
        build: Option<&PathBuf>,
        serve_args: &[String],
    ) -> anyhow::Result<Side> {
        if let Some(url) = url {
            return Ok(Side::Url(url.clone()));
        }
        let exe = match build {
            Some(path) => path.clone(),
            None => std::env::current_exe()?,
        };
        let hash_cost = clap::ValueEnum::to_possible_value(&self.hash_cost)
            .map(|v| v.get_name().to_string())
            .unwrap_or_else(|| "low".to_string());
        let mut args = vec!["--hash-cost".to_string(), hash_cost];
        args.extend(serve_args.iter().cloned());
        Ok(Side::Build { exe, serve_args: args })
    }

    /// The flags both runs get as given here.
    fn run_flags(&self) -> Vec<String> {
        let mut flags = Vec::new();
        let mut pass = |name: &str, value: Option<String>| {
            if let Some(value) = value {
                flags.push(format!("--{name}"));
                flags.push(value);
            }
        };
        pass("profile", self.profile.clone());
        pass("threads", self.threads.map(|n| n.to_string()));
        pass("request-timeout", Some(self.request_timeout.to_string()));
        flags.extend(self.replay.to_flags());
        flags.extend(self.net.to_flags());
        flags
    }
}

pub fn run(args: &AbArgs) -> anyhow::Result<u8> {
    let scenario = match crate::scenario::load(&args.file, &args.replay.overrides()) {
        Ok(scenario) => scenario,
        Err(problems) => {
            eprintln!("{problems}");
            return Ok(exit::ERROR);
        }
    };
    let options = args.comparison.options()?;
    // Before any lookup or connection: given URLs must be allowed, the plan within --max-rate.
    let net = args.net.resolve()?;
    let urls = args.baseline.as_deref().into_iter().chain(args.candidate.as_deref());
    if let Err(refused) = super::net::check(&net, urls, &scenario) {
        eprintln!("error: {refused}");
        return Ok(exit::ERROR);
    }
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("reports").join(format!(
            "{}-ab-{}",
            scenario.spec.name,
            crate::replay::config::utc_stamp()
        ))
    });
    let config = ab::Config {
        scenario: args.file.clone(),
        out: out.clone(),
        sides: [
            args.side(args.baseline.as_ref(), args.baseline_build.as_ref(), &args.baseline_serve_arg)?,
            args.side(args.candidate.as_ref(), args.candidate_build.as_ref(), &args.candidate_serve_arg)?,
        ],
        split: args.split,
        run_flags: args.run_flags(),
        options: options.clone(),
        lead: args.lead.as_duration(),
    };
    let outcome = match ab::run(&config) {
        Ok(outcome) => outcome,
        Err(error) => {
            eprintln!("error: {error}");
            return Ok(exit::ERROR);
        }
    };
    println!("baseline:  {} ({})", config.sides[0].label(), out.join(ab::SIDES[0]).display());
    println!("candidate: {} ({})", config.sides[1].label(), out.join(ab::SIDES[1]).display());
    print!("{}", render(&outcome.comparison, &options));
    let [json, html] = ab::files(&out);
    println!("paired comparison: {} and {}", json.display(), html.display());
    Ok(if outcome.comparison.regressed() { exit::FAILED } else { exit::OK })
}
