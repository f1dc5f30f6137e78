//! `stampede run`: replay a scenario against a target and write its report.
//!
//! Without `--target`, the reference platform is started in-process on 127.0.0.1 (port 0)
//! with a temporary database, so the main job needs nothing else installed. The replay
//! itself is [`crate::replay`]; this file loads the inputs, resolves the flags and prints.

use std::path::PathBuf;

use super::args::RunArgs;
use super::exit;
use crate::plan::Plan;
use crate::replay;

/// The scenario and the profile of `args`, their problems printed (then `None`).
pub fn inputs(args: &RunArgs) -> Option<(crate::scenario::Scenario, crate::profile::Profile, String)> {
    let scenario = match crate::scenario::load(&args.file, &args.replay.overrides()) {
        Ok(scenario) => scenario,
        Err(problems) => {
            eprintln!("{problems}");
            return None;
        }
    };
    let scenario_dir = args.file.parent().map(PathBuf::from).unwrap_or_default();
    let profile_name = args.profile.clone().unwrap_or_else(|| scenario.spec.target.clone());
    let origin = match &args.profile {
        Some(_) => crate::profile::Origin::CommandLine { scenario_dir: &scenario_dir },
        None => crate::profile::Origin::Scenario { scenario_dir: &scenario_dir, scenario: &args.file },
    };
    let profile = match crate::profile::load(&profile_name, origin) {
        Ok(profile) => profile,
        Err(problems) => {
            eprintln!("{problems}");
            return None;
        }
    };
    if let Err(problems) = crate::profile::check::scenario(&profile, &profile_name, &scenario) {
        eprintln!("{problems}");
        return None;
    }
    // Secrets for a gateway are read here, at the top, and only the names the profile declares.
    match crate::profile::env::bind(profile, |name| std::env::var_os(name)) {
        Ok(profile) => Some((scenario, profile, profile_name)),
        Err(error) => {
            eprintln!("error: {error}");
            None
        }
    }
}

/// Blocking threads of a replay with the embedded platform: its 4 readers, 1 writer and
/// a hash per CPU at a time, with room to spare for file and DNS work.
const EMBEDDED_BLOCKING_THREADS: usize = 16;

/// The runtime of a replay: `--threads`, else one thread against a target, one per CPU
/// with the embedded platform (which shares it).
pub fn runtime_for(args: &RunArgs) -> std::io::Result<tokio::runtime::Runtime> {
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    match (args.threads, &args.target) {
        (Some(threads), _) => {
            runtime.worker_threads(threads.max(1));
        }
        (None, Some(_)) => {
            runtime.worker_threads(1);
        }
        (None, None) => {}
    }
    if args.target.is_none() {
        // The embedded platform's SQLite calls and password hashes run on the blocking
        // pool, writes queued on one writer: uncapped, a surge parks a thread per queued
        // write (119 threads seen on the main job) and each thread's allocator arena keeps
        // its memory. Queued in tokio instead, they run as fast (one writer, a few readers
        // and hashes at a time) in a fraction of the memory.
        runtime.max_blocking_threads(EMBEDDED_BLOCKING_THREADS);
    }
    runtime.enable_all().build()
}

pub fn run(args: &RunArgs) -> anyhow::Result<u8> {
    let Some((scenario, profile, profile_name)) = inputs(args) else { return Ok(exit::ERROR) };
    if args.target.is_some() && !args.fault_capacity.is_empty() {
        eprintln!(
            "error: --fault-capacity sets the embedded platform's capacity; with --target give it to the target (`stampede serve --fault-capacity`)"
        );
        return Ok(exit::ERROR);
    }
    let out = args.out.clone().unwrap_or_else(|| replay::config::default_out(&scenario));
    if let Err(problem) =
        replay::config::check_segment(args.segment, args.target.is_some(), args.start_at.is_some())
    {
        eprintln!("error: {problem}");
        return Ok(exit::ERROR);
    }
    // Before any lookup or connection: the targets must be allowed, the plan within --max-rate.
    let net = args.net.resolve()?;
    let named_urls = args.target_url.iter().filter_map(|pair| pair.split_once('=').map(|(_, url)| url));
    if let Err(refused) =
        super::net::check(&net, args.target.as_deref().into_iter().chain(named_urls), &scenario)
    {
        eprintln!("error: {refused}");
        return Ok(exit::ERROR);
    }
    if let Some(listen) = args.metrics_listen {
        // The endpoint is reachable from where load may go, and nowhere else.
        if let Err(refused) = net.policy.check(&format!("http://{listen}/"), &[]) {
            eprintln!("error: --metrics-listen {listen}: {refused}");
            return Ok(exit::ERROR);
        }
    }
    if args.only_target.is_none() && !scenario.spec.targets.is_empty() {
        if args.metrics_listen.is_some() {
            eprintln!(
                "error: --metrics-listen serves one process's run: with several targets give it to each `run --only-target`"
            );
            return Ok(exit::ERROR);
        }
        return super::targets::run_all(args, &scenario, &out);
    }
    let only_target = match replay::config::only_target(&scenario, args.only_target.as_deref()) {
        Ok(share) => share,
        Err(problem) => {
            eprintln!("error: {problem}");
            return Ok(exit::ERROR);
        }
    };
    let gate = args.gate.resolve(&scenario)?;
    let plan = Plan::new(scenario).with_segment(args.segment.unwrap_or_default());
    let mut config = args.config(plan, profile, profile_name, only_target, net)?;
    config.abort = gate.abort_thresholds(args.abort_on_fail);
    super::init_logging();
    // Ctrl-C and SIGTERM reach the executor directly; nothing else stops a command-line run.
    let runtime = runtime_for(args)?;
    let replayed = runtime.block_on(replay::run(config, std::future::pending()))?;
    let mut report = replayed.report;
    let code = replay::finish(&mut report, &gate, &out, &replayed.notes)?;
    if let Some(exporter) = replayed.exporter {
        runtime.block_on(exporter.linger());
    }
    Ok(code)
}
