//! `stampede capacity`: the flags of the search on top of `run`'s, resolved into
//! [`capacity::Settings`], then the search and its files.

use std::path::PathBuf;

use clap::Args;

use super::args::RunArgs;
use super::exit;
use crate::plan::Plan;
use crate::replay::capacity::{self, ScaleBy, search};
use crate::units::Span;

#[derive(Debug, Args)]
pub struct CapacityArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// What grows: the `sample` (more newcomers at the same compression) or the
    /// `compress`ion (the same newcomers in less time).
    #[arg(long, value_enum, default_value = "sample")]
    pub scale: ScaleBy,
    /// Smallest size tried, × the scenario's (after --sample/--compress).
    #[arg(long, value_name = "X", default_value_t = 1.0)]
    pub from: f64,
    /// Largest size tried, × the scenario's.
    #[arg(long, value_name = "Y", default_value_t = 64.0)]
    pub to: f64,
    /// Growth per step until a size fails.
    #[arg(long, value_name = "F", default_value_t = 2.0)]
    pub factor: f64,
    /// Width of the answer: the search stops when failing ÷ passing ≤ 1 + P (`10%` or 0.1).
    #[arg(long, value_name = "P", default_value = "10%", value_parser = parse_fraction)]
    pub precision: f64,
    /// Wall time the whole search may take, e.g. 15m; a step that would overrun is not
    /// started, one in flight at the deadline is stopped and not judged.
    #[arg(long, value_name = "D")]
    pub budget: Option<Span>,
    /// Passing replays a size near the boundary needs (1-20); one failure fails it.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub repeats: u32,
    /// A threshold every step must pass, in addition to the scenario's `slo:`, e.g.
    /// "signup.response.p99 < 500ms". Repeatable.
    #[arg(long = "slo", value_name = "TEXT")]
    pub slos: Vec<String>,
    /// Exit 1 unless the surge passes at H × its size (a CI gate: "we must survive 2× the
    /// last surge").
    #[arg(long, value_name = "H", value_parser = parse_headroom)]
    pub min_headroom: Option<f64>,
}

/// `10%` or `0.1`.
fn parse_fraction(text: &str) -> Result<f64, String> {
    let (number, scale) = match text.trim().strip_suffix('%') {
        Some(number) => (number, 0.01),
        None => (text.trim(), 1.0),
    };
    match number.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x * scale),
        _ => Err(format!("`{text}` is not a positive fraction (expected e.g. 10% or 0.1)")),
    }
}

fn parse_headroom(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 && x <= 1e6 => Ok(x),
        _ => Err(format!("`{text}` is not a size multiple (expected a number above 0, e.g. 2)")),
    }
}

/// Flags of `run` that a capacity search cannot use, with why.
fn refused(args: &RunArgs) -> Option<&'static str> {
    if args.segment.is_some() || args.start_at.is_some() {
        Some("--segment and --start-at: a capacity search runs its steps in one process, one after another")
    } else if args.only_target.is_some() || !args.target_url.is_empty() {
        Some("--only-target and --target-url: a capacity search replays scenarios with one target")
    } else if args.gate.baseline.is_some() {
        Some("--baseline: each step is judged by thresholds (--slo), not against a baseline")
    } else if args.run_id.is_some() || args.test_panic_after.is_some() {
        Some("--run-id: each step gets a run id of its own")
    } else if args.target.is_some() && !args.fault_capacity.is_empty() {
        Some("--fault-capacity with --target: give it to the target (`stampede serve --fault-capacity`)")
    } else {
        None
    }
}

pub fn run(args: &CapacityArgs) -> anyhow::Result<u8> {
    let flags = &args.run;
    if let Some(why) = refused(flags) {
        eprintln!("error: not with `capacity`: {why}");
        return Ok(exit::ERROR);
    }
    let spec = search::Spec {
        from: args.from,
        to: args.to,
        factor: args.factor,
        precision: args.precision,
        repeats: args.repeats,
    };
    if let Err(problem) = spec.check() {
        eprintln!("error: {problem}");
        return Ok(exit::ERROR);
    }
    let Some((scenario, profile, profile_name)) = super::run::inputs(flags) else { return Ok(exit::ERROR) };
    if !scenario.spec.targets.is_empty() {
        eprintln!("error: the scenario has several `targets`: a capacity search replays one platform");
        return Ok(exit::ERROR);
    }
    let net = flags.net.resolve()?;
    if let Err(refused) = super::net::check(&net, flags.target.as_deref(), &scenario) {
        eprintln!("error: {refused}");
        return Ok(exit::ERROR);
    }
    let mut thresholds = flags.gate.thresholds.clone();
    thresholds.extend(args.slos.iter().cloned());
    // Checked before any replay: a threshold that does not parse is an error now.
    crate::gate::Gate::for_scenario(&scenario, &thresholds, None, Default::default())?;
    let out = flags.out.clone().unwrap_or_else(|| {
        PathBuf::from("reports").join(format!(
            "{}-capacity-{}",
            scenario.spec.name,
            crate::replay::config::utc_stamp()
        ))
    });
    let config = flags.config(Plan::new(scenario), profile, profile_name.clone(), None, net)?;
    let settings = capacity::Settings {
        file: flags.file.clone(),
        overrides: flags.replay.overrides(),
        scale_by: args.scale,
        search: spec,
        budget: args.budget.map(Span::as_duration),
        min_headroom: args.min_headroom,
        thresholds,
        profile: config.profile,
        profile_name,
        target: config.target,
        admin_token: config.admin_token,
        limits: config.limits,
        fixed_drain: flags.drain.map(Span::as_duration),
        net: config.net,
        out: out.clone(),
    };
    if let Err(problem) = capacity::drive::check(&settings) {
        eprintln!("error: {problem}");
        return Ok(exit::ERROR);
    }
    super::init_logging();
    println!(
        "capacity search of {}: scaling the {} from ×{} to ×{} (×{} per step), precision {:.0}%, {} repeat(s); target: {}",
        flags.file.display(),
        args.scale.name(),
        args.from,
        args.to,
        args.factor,
        args.precision * 100.0,
        args.repeats,
        match &flags.target {
            Some(url) => format!("{url}, used as it stands (its state carries over between steps)"),
            None => "a fresh embedded reference platform per step".to_string(),
        }
    );
    let runtime = super::run::runtime_for(flags)?;
    let report = runtime.block_on(capacity::run(&settings, |line| println!("{line}")))?;
    capacity::files::write_all(&report, &out)?;
    print!("{}", capacity::files::console(&report, &out));
    Ok(capacity::answer::exit_code(&report))
}
