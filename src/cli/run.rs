//! `stampede run`: replay a scenario against a target and write its report.
//!
//! Without `--target`, the reference platform is started in-process on 127.0.0.1 (port 0)
//! with a temporary database, so the main job needs nothing else installed.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;

use super::{ReplayArgs, exit};
use crate::executor::{self, RunConfig, RunOutcome};
use crate::plan::Plan;
use crate::report::{Report, RunInfo};
use crate::units::Span;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario file (YAML).
    pub file: PathBuf,
    /// Base URL of the platform under test (loopback only). Default: start the reference
    /// platform in-process.
    #[arg(long, value_name = "URL")]
    pub target: Option<String>,
    /// Target profile: a built-in name (`reference`) or a profile file. Default: the
    /// scenario's `target`.
    #[arg(long, value_name = "NAME|FILE")]
    pub profile: Option<String>,
    #[command(flatten)]
    pub replay: ReplayArgs,
    /// Run directory. Default: `reports/<scenario>-<UTC time>/`.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Most jobs in flight at once (worker slots are sized from the plan up to this).
    #[arg(long, value_name = "N", default_value_t = crate::plan::slots::DEFAULT_MAX_IN_FLIGHT)]
    pub max_in_flight: usize,
    /// Test only: cap the worker slots at N, to starve the generator on purpose.
    #[arg(long, value_name = "N", hide = true)]
    pub test_max_slots: Option<usize>,
    /// Arrivals starting later than this behind schedule are dropped and counted.
    #[arg(long, value_name = "D", default_value = "5s")]
    pub lateness_budget: Span,
    /// A request not answered within this counts as a timeout error.
    #[arg(long, value_name = "D", default_value = "30s")]
    pub request_timeout: Span,
    /// How long the health check before the replay may take. Generous by default: a busy
    /// machine (a CI runner replaying several scenarios at once) can be slow without being
    /// down.
    #[arg(long, value_name = "D", default_value = "30s")]
    pub health_timeout: Span,
    /// Largest response body read: a larger one fails as `body_too_large`, unread past it
    /// (bytes, or with KiB, MiB, GiB; 1 KiB to 1 GiB).
    #[arg(long, value_name = "SIZE", default_value = "16MiB", value_parser = parse_max_body)]
    pub max_body: usize,
    /// How long journeys may continue after the last arrival (default: from the plan: its
    /// journeys, reaction delays, retries and room stays, at their 99.9th percentile).
    #[arg(long, value_name = "D")]
    pub drain: Option<Span>,
    /// After Ctrl-C or the drain limit, how long in-flight requests may finish.
    #[arg(long, value_name = "D", default_value = "2s")]
    pub grace: Span,
    /// Token of the target's fault admin endpoint (`stampede serve --admin-token`), used to
    /// inject the scenario's `outages`. The embedded platform gets one of its own.
    #[arg(long, env = "STAMPEDE_ADMIN_TOKEN", hide_env_values = true, value_name = "TOKEN")]
    pub admin_token: Option<crate::target::Secret>,
    /// Password hashing cost of the embedded reference platform.
    #[arg(long, value_enum, default_value = "low")]
    pub hash_cost: crate::target::HashCost,
    /// Runtime worker threads (default: 1 with `--target`, where one thread drives ~10k
    /// requests/s with fewer cross-thread wake-ups; one per CPU with the embedded platform,
    /// which shares the runtime).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// No progress bar (it is also hidden when stderr is not a terminal).
    #[arg(long)]
    pub quiet: bool,
    /// Run only segment I of N (0 ≤ I < N) of the plan: arrivals and natives whose number
    /// mod N is I. Merge the segments' run directories with `stampede merge`.
    #[arg(long, value_name = "I/N")]
    pub segment: Option<crate::plan::Segment>,
    /// Start the replay clock at this wall-clock instant (RFC 3339, e.g.
    /// 2026-01-01T12:00:00Z), so segments on several machines start together. Setup must
    /// finish before it; a start that has passed by then is an error.
    #[arg(long, value_name = "TIME", value_parser = parse_start_at)]
    pub start_at: Option<time::OffsetDateTime>,
    /// Prefix of this run's handles on the target (1-16 of A-Z a-z 0-9 _), shared by the
    /// segments of one run. Default: random for a whole run; derived from the seed and
    /// --start-at for a segment (keep it short and lowercase for Bluesky handles).
    #[arg(long, value_name = "ID", value_parser = parse_run_id)]
    pub run_id: Option<String>,
    /// With several `targets` in the scenario: replay only this one's share (its newcomers
    /// and natives). Without it, `run` replays every target, each in a process of its own,
    /// and combines their reports.
    #[arg(long, value_name = "NAME")]
    pub only_target: Option<String>,
    /// With several targets: the base URL of one (`NAME=URL`, repeatable; loopback only).
    /// A plain `--target URL` sends every target's share to the same platform; without
    /// either, each target gets an embedded reference platform of its own.
    #[arg(long, value_name = "NAME=URL")]
    pub target_url: Vec<String>,
    #[command(flatten)]
    pub gate: super::gate::GateArgs,
    /// Test hook: make the Nth job panic, to check that a bug in stampede still ends the
    /// run with a report (marked interrupted) and exit 2.
    #[arg(long, value_name = "N", hide = true)]
    pub test_panic_after: Option<u64>,
}

fn parse_start_at(text: &str) -> Result<time::OffsetDateTime, String> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_err(|e| format!("not an RFC 3339 time like 2026-01-01T12:00:00Z: {e}"))
}

/// A byte size such as `16MiB`, `512KiB` or `65536`, from 1 KiB to 1 GiB.
fn parse_max_body(text: &str) -> Result<usize, String> {
    const EXPECTED: &str = "expected a whole number of bytes, KiB, MiB or GiB from 1KiB to 1GiB, e.g. 16MiB";
    let digits = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    let scale: u64 = match unit {
        "" | "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        _ => return Err(EXPECTED.into()),
    };
    let bytes = number.parse::<u64>().ok().and_then(|n| n.checked_mul(scale));
    match bytes {
        Some(bytes) if (1 << 10..=1 << 30).contains(&bytes) => Ok(bytes as usize),
        _ => Err(EXPECTED.into()),
    }
}

fn parse_run_id(text: &str) -> Result<String, String> {
    let valid = (1..=16).contains(&text.len()) && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid { Ok(text.to_string()) } else { Err("expected 1 to 16 characters of A-Z, a-z, 0-9 or _".into()) }
}

/// The run id: given, else derived for a segment (every segment computes the same one from
/// the seed and the common start), else random.
fn run_id(args: &RunArgs, seed: u64) -> anyhow::Result<String> {
    if let Some(id) = &args.run_id {
        return Ok(id.clone());
    }
    match (args.segment, args.start_at) {
        (None, _) => Ok(nonce()),
        (Some(_), Some(at)) => {
            // FNV-1a: stable across builds and platforms, unlike std's hasher.
            let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
            for byte in seed.to_le_bytes().iter().chain(&at.unix_timestamp_nanos().to_le_bytes()) {
                hash = (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
            }
            Ok(format!("g{:x}", hash & 0xff_ffff_ffff))
        }
        // A lone segment (0/1) needs no agreement with anyone.
        (Some(_), None) => Ok(nonce()),
    }
}

/// UTC time as `20250113T053000Z`, for run directory names.
fn utc_stamp() -> String {
    let now = time::OffsetDateTime::now_utc();
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    now.format(&format).unwrap_or_else(|_| now.unix_timestamp().to_string())
}

/// A short run-unique prefix for handles, so a platform that keeps data across runs never
/// sees the same handle twice.
fn nonce() -> String {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("s{:x}", (nanos as u64) & 0xff_ffff_ffff)
}

/// Longest default drain: a plan whose tails need more than this asks for `--drain`.
const MAX_DEFAULT_DRAIN_S: f64 = 3600.0;

/// Drain time when none is given: what the plan may still schedule after its last arrival,
/// so that a run whose schedule completes normally is never cut short. Journeys (4 × the
/// mean), then a chain of every reaction's delay, the longest retry series and the longest
/// room stay, each at its 99.9th percentile and compressed like the curve. The run ends as
/// soon as its work is done, so a generous drain costs nothing.
fn default_drain(plan: &Plan) -> Duration {
    let spec = &plan.scenario.spec;
    let journeys_s = plan.expectations.mean_journey_s * 4.0;
    // A reaction may trigger another (a comment on a comment): chain them all.
    let reactions_s: f64 = spec.population.reactions.iter().map(|r| tail_s(&r.delay)).sum();
    let retries_s = (spec.journeys.iter().filter_map(|j| j.retry.as_ref()))
        .map(|r| f64::from(r.attempts) * tail_s(&r.after))
        .fold(0.0, f64::max);
    let stays_s = (spec.journeys.iter().flat_map(|j| &j.steps).filter_map(|s| s.stay.as_ref()))
        .map(tail_s)
        .fold(0.0, f64::max);
    let curve_s = (reactions_s + retries_s + stays_s) / plan.scenario.replay.compress;
    let needed_s = journeys_s + curve_s;
    // A NaN (no usable tail) falls to the floor.
    let needed_s = if needed_s.is_nan() { 0.0 } else { needed_s };
    crate::units::duration_from_secs(needed_s.clamp(10.0, MAX_DEFAULT_DRAIN_S))
}

/// The 99.9th percentile of `delay` in seconds, from a fixed-seed sample: any shape,
/// bounded work.
fn tail_s(delay: &crate::scenario::DelayDist) -> f64 {
    use rand::SeedableRng;
    const DRAWS: usize = 4000;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0x000d_7a17);
    let mut draws: Vec<f64> = (0..DRAWS).map(|_| delay.sample_s(&mut rng)).collect();
    draws.sort_by(f64::total_cmp);
    draws[DRAWS * 999 / 1000]
}

pub fn run(args: &RunArgs) -> anyhow::Result<u8> {
    let scenario = match crate::scenario::load(&args.file, &args.replay.overrides()) {
        Ok(scenario) => scenario,
        Err(problems) => {
            eprintln!("{problems}");
            return Ok(exit::ERROR);
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
            return Ok(exit::ERROR);
        }
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("reports").join(format!("{}-{}", scenario.spec.name, utc_stamp())));
    if let Some(segment) = args.segment {
        let problem = if args.target.is_none() {
            Some("--segment needs --target: the segments of a run share one platform")
        } else if !segment.is_whole() && args.start_at.is_none() {
            Some("--segment I/N with N > 1 needs --start-at: segments start their clocks together")
        } else {
            None
        };
        if let Some(problem) = problem {
            eprintln!("error: {problem}");
            return Ok(exit::ERROR);
        }
    }
    let targets = &scenario.spec.targets;
    let only_target = match (&args.only_target, targets.is_empty()) {
        (None, true) => None,
        (None, false) => return super::targets::run_all(args, &scenario, &out),
        (Some(name), _) => match targets.iter().position(|t| &t.name == name) {
            Some(index) => Some(crate::scenario::TargetShare::new(targets, index, scenario.seed)),
            None => {
                let names: Vec<&str> = targets.iter().map(|t| t.name.as_str()).collect();
                eprintln!(
                    "error: --only-target {name}: the scenario has no such target (expected {})",
                    if names.is_empty() {
                        "no --only-target: it has one target".into()
                    } else {
                        names.join(", ")
                    }
                );
                return Ok(exit::ERROR);
            }
        },
    };
    let gate = args.gate.resolve(&scenario)?;
    let run_id = run_id(args, scenario.seed)?;
    let mut plan = Plan::new(scenario).with_segment(args.segment.unwrap_or_default());
    if let Some(share) = &only_target {
        plan = plan.with_target(share.clone());
    }
    super::init_logging();
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
    runtime.enable_all().build()?.block_on(replay(
        args,
        Replay { plan, profile, profile_name, out, run_id, only_target },
        &gate,
    ))
}

/// What a replay runs, decided before the runtime starts.
struct Replay {
    plan: Plan,
    profile: crate::profile::Profile,
    profile_name: String,
    out: PathBuf,
    run_id: String,
    only_target: Option<crate::scenario::TargetShare>,
}

async fn replay(args: &RunArgs, what: Replay, gate: &super::gate::Gate) -> anyhow::Result<u8> {
    let Replay { plan, profile, profile_name, out, run_id, only_target } = what;
    let only_target_name =
        (only_target.as_ref()).and_then(|t| plan.scenario.spec.targets.get(t.index)).map(|t| t.name.clone());
    let segment = args.segment.unwrap_or_default();
    let started_at = args.start_at.unwrap_or_else(time::OffsetDateTime::now_utc);
    let mut embedded = None;
    let mut admin_token = args.admin_token.as_ref().map(|t| t.0.clone());
    let target = match &args.target {
        Some(url) => url.clone(),
        None => {
            // A fresh token per run: the embedded platform is ours to break.
            let token = format!("{:032x}", rand::random::<u128>());
            admin_token = Some(token.clone());
            let server = super::embedded::Embedded::start(args.hash_cost, token).await?;
            let url = server.url();
            embedded = Some(server);
            url
        }
    };
    let drain = args.drain.map_or_else(|| default_drain(&plan), Span::as_duration);
    let scenario = plan.scenario.clone();
    let plan_series: Vec<(f64, u64)> = plan.series().iter().map(|i| (i.t_s, i.arrivals)).collect();
    let config = RunConfig {
        plan,
        profile,
        base_url: target.clone(),
        max_in_flight: args.test_max_slots.map_or(args.max_in_flight, |n| n.min(args.max_in_flight)),
        lateness_budget: args.lateness_budget.as_duration(),
        request_timeout: args.request_timeout.as_duration(),
        max_body_bytes: args.max_body,
        health_timeout: args.health_timeout.as_duration(),
        drain,
        grace: args.grace.as_duration(),
        nonce: run_id.clone(),
        progress: !args.quiet,
        admin_token,
        segment,
        start_at: args.start_at.map(std::time::SystemTime::from),
        only_target,
        panic_after: args.test_panic_after,
    };
    let outcome = executor::run(config).await;
    if let Some(server) = embedded {
        server.stop().await;
    }
    let outcome: RunOutcome = outcome?;
    let info = RunInfo {
        scenario: scenario.spec.name.clone(),
        scenario_file: scenario.file.display().to_string(),
        description: scenario.spec.description.clone(),
        seed: scenario.seed,
        compress: scenario.replay.compress,
        sample: scenario.replay.sample,
        think: match scenario.replay.think {
            crate::scenario::ThinkTime::Human => "human".to_string(),
            crate::scenario::ThinkTime::Compressed => "compressed".to_string(),
        },
        target: if args.target.is_some() {
            target
        } else {
            format!("{target} (embedded reference platform)")
        },
        profile: profile_name,
        stampede_version: env!("CARGO_PKG_VERSION").to_string(),
        started_at: started_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
        replay_duration_s: scenario.replay.replay_span_s(),
        elapsed_s: outcome.elapsed.as_secs_f64(),
        interrupted: outcome.stop.is_some(),
        interrupt_reason: outcome.stop.as_ref().map(ToString::to_string),
        slots: outcome.slots as u64,
        slot_limit: Some(crate::report::model::SlotLimit {
            needed: outcome.slot_budget.needed as u64,
            limit: outcome.slot_budget.limit as u64,
            by: outcome.slot_budget.bound.name().to_string(),
        }),
        lateness_budget_ms: (args.lateness_budget.secs() * 1000.0).round() as u64,
        thresholds: scenario.thresholds.iter().map(|t| t.text.clone()).collect(),
        run_id: Some(run_id),
        // Recorded whenever --segment is given, even 0/1, so `merge` accepts it.
        segment: args.segment.map(|s| crate::report::model::SegmentInfo { index: s.index, count: s.count }),
        merged_segments: None,
        only_target: only_target_name,
    };
    let mut report = Report::new(info, &outcome.metrics, &plan_series);
    if let Some(validity) = &mut report.validity {
        validity.cpu_s = outcome.cpu_s.unwrap_or(0.0);
        validity.cores =
            std::thread::available_parallelism().map_or(1, |n| u32::try_from(n.get()).unwrap_or(1));
        validity.judge(outcome.elapsed.as_secs_f64());
    }
    let compress = scenario.replay.compress;
    report.phases = scenario
        .phases
        .iter()
        .map(|p| crate::report::PhaseWindow {
            name: p.name.clone(),
            start_s: p.start_s / compress,
            end_s: p.end_s / compress,
            real_start_s: p.start_s,
            real_end_s: p.end_s,
        })
        .collect();
    report.unsupported = (outcome.unsupported.iter())
        .map(|(action, why)| crate::report::Unsupported {
            action: action.name().to_string(),
            reason: why.clone(),
        })
        .collect();
    report.outages = (outcome.outages.iter())
        .map(|o| crate::report::OutageWindow {
            name: o.name.clone(),
            effect: o.effect.clone(),
            start_s: o.start_s,
            end_s: o.end_s,
            injected: o.injected,
            note: o.note.clone(),
        })
        .collect();
    // Verdicts go into the report before its files are written; printed after the summary.
    // Write everything before printing, so an I/O error is reported, not a half directory.
    let judged = gate.judge(&mut report);
    crate::report::files::write_all(&report, &out)
        .with_context(|| format!("cannot write the report to {}", out.display()))?;
    println!("{}", report.console_summary());
    for (action, why) in &outcome.unsupported {
        println!("skipped {action}: {why}");
    }
    for line in report.outage_lines() {
        println!("{line}");
    }
    println!(
        "setup: {} natives, {} posts in {:.1}s · population: {} users, {} posts, {} bytes",
        outcome.setup.natives,
        outcome.setup.posts,
        outcome.setup.elapsed.as_secs_f64(),
        outcome.population_users,
        outcome.population_posts,
        outcome.population_bytes
    );
    if !segment.is_whole() {
        println!(
            "segment {segment}: {} natives of other segments not found before the start",
            outcome.setup.unresolved
        );
    }
    println!("report: {}", out.join(crate::report::files::HTML).display());
    print!("{}", judged?);
    Ok(exit::of_report(&report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_limits_are_whole_sizes_in_range() {
        assert_eq!(parse_max_body("16MiB"), Ok(16 << 20));
        assert_eq!(parse_max_body("1024"), Ok(1024));
        assert_eq!(parse_max_body("1GiB"), Ok(1 << 30));
        for bad in ["0", "1023", "2GiB", "1.5MiB", "16MB", "-1KiB", "NaN", "", "99999999999999999999GiB"] {
            assert!(parse_max_body(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_default_drain_covers_a_reaction_delay_tail() {
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reaction-tail.yaml");
        let scenario = crate::scenario::load(&file, &Default::default()).expect("fixture loads");
        let plan = Plan::new(scenario);
        // Exponential, mean 4 s at compress 1: its 99.9th percentile is 4 × ln 1000 ≈ 27.6 s.
        let drain_s = default_drain(&plan).as_secs_f64();
        assert!(drain_s > 25.0 && drain_s < 60.0, "{drain_s}");
    }
}
