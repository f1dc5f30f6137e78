//! `stampede run` of a scenario with several `targets` (servers of uneven size): one child
//! `stampede run --only-target NAME` per target, started together on a common
//! `--start-at`, then their reports combined into one (exact histogram merge, a
//! per-target breakdown) and judged.
//!
//! Processes rather than tasks because goose's killswitch and Ctrl-C handling are global
//! to a process: two attacks in one process would stop each other. Each child writes a
//! complete run directory of its own under `OUT/targets/NAME/` (with its console output in
//! `run.log`), so nothing is lost if the combination fails.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use anyhow::Context as _;
use clap::ValueEnum;

use super::args::RunArgs;
use super::exit;
use crate::report::merge::{self, Input, TargetInput};
use crate::report::{FILE_NAME, Report};
use crate::scenario::Scenario;

/// Time allowed for the children's setup before their common start, plus per native.
const SETUP_LEAD: Duration = Duration::from_secs(5);
const SETUP_PER_NATIVE: Duration = Duration::from_millis(4);

/// Replays every target's share at once and combines the reports into `out`.
pub fn run_all(args: &RunArgs, scenario: &Scenario, out: &Path) -> anyhow::Result<u8> {
    let names: Vec<String> = scenario.spec.targets.iter().map(|t| t.name.clone()).collect();
    if args.segment.is_some() {
        eprintln!(
            "error: --segment with several targets: add --only-target NAME (one job per target and segment)"
        );
        return Ok(exit::ERROR);
    }
    let urls = match urls(args, &names) {
        Ok(urls) => urls,
        Err(problem) => {
            eprintln!("error: {problem}");
            return Ok(exit::ERROR);
        }
    };
    let gate = args.gate.resolve(scenario)?;
    let natives = scenario.spec.population.natives as f64 * scenario.replay.sample;
    let start_at = args
        .start_at
        .unwrap_or_else(|| time::OffsetDateTime::now_utc() + SETUP_LEAD + SETUP_PER_NATIVE.mul_f64(natives));
    let start_text = start_at.format(&time::format_description::well_known::Rfc3339)?;
    super::init_logging();
    eprintln!(
        "replaying {} targets ({}), one process each, starting together at {start_text}; logs in {}",
        names.len(),
        names.join(", "),
        out.join("targets").join("*").join("run.log").display()
    );
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let statuses = runtime.block_on(run_children(args, &names, &urls, &start_text, out))?;

    let shares = crate::scenario::targets::shares(&scenario.spec.targets);
    let mut parts = Vec::with_capacity(names.len());
    for ((name, status), share) in names.iter().zip(&statuses).zip(shares) {
        let dir = out.join("targets").join(name);
        match Report::read(&dir.join(FILE_NAME)) {
            Ok(report) => parts.push(TargetInput {
                input: Input { label: dir.display().to_string(), report },
                run_dir: format!("targets/{name}"),
                share,
            }),
            Err(error) => {
                eprintln!(
                    "error: target {name} wrote no report ({status}): {error}; see {}",
                    dir.join("run.log").display()
                );
                return Ok(exit::ERROR);
            }
        }
    }
    let mut report = match merge::merge_targets(parts, &names) {
        Ok(report) => report,
        Err(error) => {
            eprintln!("error: {error}");
            return Ok(exit::ERROR);
        }
    };
    let mut notes: Vec<String> = (report.targets.iter())
        .map(|t| {
            format!(
                "target {:<16} {:>5.1}%  {} arrivals, {} requests, {} errors, response p99 {}µs  ({})",
                t.name,
                t.share * 100.0,
                t.arrivals_started,
                t.requests,
                t.errors,
                t.response_us.p99,
                t.run_dir
            )
        })
        .collect();
    notes.extend(report.outage_lines());
    Ok(crate::replay::finish(&mut report, &gate, out, &notes)?)
}

/// Each target's URL: from `--target-url NAME=URL`, else the shared `--target`, else
/// `None` (an embedded platform of its own).
fn urls(args: &RunArgs, names: &[String]) -> Result<Vec<Option<String>>, String> {
    let mut urls: Vec<Option<String>> = vec![args.target.clone(); names.len()];
    for pair in &args.target_url {
        let Some((name, url)) = pair.split_once('=') else {
            return Err(format!("--target-url `{pair}` is not NAME=URL"));
        };
        let Some(i) = names.iter().position(|n| n == name) else {
            return Err(format!(
                "--target-url {name}: no such target (expected one of {})",
                names.join(", ")
            ));
        };
        urls[i] = Some(url.to_string());
    }
    // The allowlist and --max-rate were checked on these URLs before (`run::run`).
    Ok(urls)
}

/// Starts one child per target, waits for all; SIGINT/SIGTERM are passed on so every
/// child still writes its report.
async fn run_children(
    args: &RunArgs,
    names: &[String],
    urls: &[Option<String>],
    start_at: &str,
    out: &Path,
) -> anyhow::Result<Vec<String>> {
    let exe = std::env::current_exe().context("cannot find the stampede executable")?;
    let mut children = Vec::with_capacity(names.len());
    for (name, url) in names.iter().zip(urls) {
        let dir = out.join("targets").join(name);
        std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let log = std::fs::File::create(dir.join("run.log"))?;
        let mut command = tokio::process::Command::new(&exe);
        command
            .arg("run")
            .arg(&args.file)
            .args(["--only-target", name, "--quiet", "--start-at", start_at, "--out"])
            .arg(&dir)
            .args(passed_on(args))
            .stdout(Stdio::from(log.try_clone()?))
            .stderr(Stdio::from(log))
            .kill_on_drop(true);
        if let Some(url) = url {
            command.args(["--target", url]);
        }
        if let Some(token) = &args.admin_token {
            command.env("STAMPEDE_ADMIN_TOKEN", &token.0);
        }
        children.push(command.spawn().with_context(|| format!("cannot start the run of target {name}"))?);
    }
    Ok(crate::replay::children::wait_all(&mut children).await)
}

/// The run flags every child gets as given to the parent.
fn passed_on(args: &RunArgs) -> Vec<String> {
    let mut flags = Vec::new();
    let mut pass = |name: &str, value: Option<String>| {
        if let Some(value) = value {
            flags.push(format!("--{name}"));
            flags.push(value);
        }
    };
    pass("profile", args.profile.clone());
    pass("max-in-flight", Some(args.max_in_flight.to_string()));
    pass("lateness-budget", Some(args.lateness_budget.to_string()));
    pass("request-timeout", Some(args.request_timeout.to_string()));
    pass("drain", args.drain.map(|d| d.to_string()));
    pass("grace", Some(args.grace.to_string()));
    pass("hash-cost", args.hash_cost.to_possible_value().map(|v| v.get_name().to_string()));
    pass("threads", args.threads.map(|n| n.to_string()));
    for (scope, capacity) in &args.fault_capacity {
        pass("fault-capacity", Some(format!("{}={capacity}", String::from(*scope))));
    }
    flags.extend(args.replay.to_flags());
    flags.extend(args.net.to_flags());
    flags
}
