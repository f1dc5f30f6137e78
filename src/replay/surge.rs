//! The surge replay, today's load model: the plan's open arrivals driven by the executor
//! against the target, then a complete report — settings, measurements, phases, outage
//! windows and the actions the profile could not serve — ready to be judged and written.

use std::future::Future;

use super::ReplayError;
use super::config::{Config, Target};
use super::embedded::Embedded;
use super::exporter::Exporter;
use crate::executor::{self, RunConfig, RunOutcome, StopReason};
use crate::metrics::openmetrics::RunLabels;
use crate::report::run_info::Aborted;
use crate::report::{OutageWindow, PhaseWindow, Report, RunInfo, Unsupported};
use crate::scenario::{Scenario, ThinkTime};

/// A finished replay: its report (not yet judged) and what the console says about it
/// beyond the report (setup, population, segment).
#[derive(Debug)]
pub struct Replayed {
    pub report: Report,
    /// Lines for people, printed after the summary.
    pub notes: Vec<String>,
    /// The live metrics endpoint, still serving the final values: the caller lets it
    /// [`linger`](Exporter::linger) after writing the report (dropping it stops it).
    pub exporter: Option<Exporter>,
}

/// Replays `config` and builds its complete report. `shutdown` resolving stops the run like
/// a Ctrl-C (no new jobs, in-flight requests get the grace period); the report is then
/// marked interrupted. Needs a tokio runtime with timers and I/O.
pub async fn run(
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<Replayed, ReplayError> {
    let started_at = config.start_at.unwrap_or_else(time::OffsetDateTime::now_utc);
    let (trigger, stop) = executor::stop_request();
    let mut embedded = None;
    let mut admin_token = config.admin_token.clone();
    let (base_url, target_text) = match &config.target {
        Target::Url(url) => (url.clone(), url.clone()),
        Target::Embedded(platform) => {
            // A fresh token per run: the embedded platform is ours to break.
            let token = format!("{:032x}", rand::random::<u128>());
            admin_token = Some(token.clone());
            let server = Embedded::start(platform, token).await.map_err(ReplayError::Embedded)?;
            let url = server.url();
            embedded = Some(server);
            (url.clone(), format!("{url} (embedded reference platform)"))
        }
    };
    let scenario = config.plan.scenario.clone();
    let plan_series: Vec<(f64, u64)> = config.plan.series().iter().map(|i| (i.t_s, i.arrivals)).collect();
    let lateness_budget_ms = (config.limits.lateness_budget.as_secs_f64() * 1000.0).round() as u64;
    let info = RunInfo {
        target: target_text,
        profile: config.profile_name.clone(),
        started_at: started_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
        lateness_budget_ms,
        run_id: Some(config.run_id.clone()),
        segment: config.segment.map(|s| crate::report::model::SegmentInfo { index: s.index, count: s.count }),
        only_target: (config.only_target.as_ref())
            .and_then(|t| scenario.spec.targets.get(t.index))
            .map(|t| t.name.clone()),
        ..scenario_info(&scenario)
    };
    let segment = config.segment.unwrap_or_default();
    let recorder = executor::recorder_for(&config.plan);
    let exporter = match config.metrics {
        Some(endpoint) => {
            let labels = labels(&info, &config.run_id, segment);
            let started = Exporter::start(endpoint, recorder.clone(), &labels).await;
            Some(started.map_err(|e| ReplayError::MetricsListen(endpoint.listen, e))?)
        }
        None => None,
    };
    let executor_config = RunConfig {
        plan: config.plan,
        profile: config.profile,
        base_url,
        limits: config.limits,
        nonce: config.run_id,
        progress: config.progress,
        admin_token,
        segment,
        start_at: config.start_at.map(std::time::SystemTime::from),
        only_target: config.only_target,
        panic_after: config.panic_after,
        net: config.net,
        recorder,
        abort: config.abort,
        stop,
    };
    let stopper = tokio::spawn(async move {
        shutdown.await;
        trigger.fire();
    });
    let outcome = executor::run(executor_config).await;
    stopper.abort();
    if let Some(server) = embedded {
        server.stop().await;
    }
    let outcome = outcome?;
    if let Some(exporter) = &exporter {
        exporter.finish();
    }
    let report = complete(info, &outcome, &plan_series, &scenario);
    let notes = notes(&report, &outcome, segment);
    Ok(Replayed { report, notes, exporter })
}

/// The labels of every live metric of this run.
fn labels(info: &RunInfo, run_id: &str, segment: crate::plan::Segment) -> RunLabels {
    RunLabels {
        scenario: info.scenario.clone(),
        run_id: run_id.to_string(),
        segment: segment.to_string(),
        target_share: info.only_target.clone().unwrap_or_else(|| "all".to_string()),
    }
}

/// The run settings the scenario decides.
fn scenario_info(scenario: &Scenario) -> RunInfo {
    RunInfo {
        scenario: scenario.spec.name.clone(),
        scenario_file: scenario.file.display().to_string(),
        description: scenario.spec.description.clone(),
        seed: scenario.seed,
        compress: scenario.replay.compress,
        sample: scenario.replay.sample,
        think: match scenario.replay.think {
            ThinkTime::Human => "human".to_string(),
            ThinkTime::Compressed => "compressed".to_string(),
        },
        stampede_version: env!("CARGO_PKG_VERSION").to_string(),
        replay_duration_s: scenario.replay.replay_span_s(),
        thresholds: scenario.thresholds.iter().map(|t| t.text.clone()).collect(),
        merged_segments: None,
        ..RunInfo::default()
    }
}

/// The report of a run: the measurements, judged for validity, with the scenario's phases
/// on the replay clock, the outage windows as injected and the unsupported actions.
fn complete(
    mut info: RunInfo,
    outcome: &RunOutcome,
    plan_series: &[(f64, u64)],
    scenario: &Scenario,
) -> Report {
    info.elapsed_s = outcome.elapsed.as_secs_f64();
    match &outcome.stop {
        // A failed abort threshold is a verdict reached early, not an interruption.
        Some(StopReason::Aborted { threshold, measured, at_s }) => {
            info.aborted =
                Some(Aborted { threshold: threshold.clone(), measured: measured.clone(), at_s: *at_s });
        }
        stop => {
            info.interrupted = stop.is_some();
            info.interrupt_reason = stop.as_ref().map(ToString::to_string);
        }
    }
    info.slots = outcome.slots as u64;
    info.slot_limit = Some(crate::report::model::SlotLimit {
        needed: outcome.slot_budget.needed as u64,
        limit: outcome.slot_budget.limit as u64,
        by: outcome.slot_budget.bound.name().to_string(),
    });
    info.transport = Some(outcome.transport.clone());
    let mut report = Report::new(info, &outcome.metrics, plan_series);
    if let Some(validity) = &mut report.validity {
        validity.cpu_s = outcome.cpu_s.unwrap_or(0.0);
        validity.cores =
            std::thread::available_parallelism().map_or(1, |n| u32::try_from(n.get()).unwrap_or(1));
        validity.judge(outcome.elapsed.as_secs_f64());
    }
    let compress = scenario.replay.compress;
    report.phases = (scenario.phases.iter())
        .map(|p| PhaseWindow {
            name: p.name.clone(),
            start_s: p.start_s / compress,
            end_s: p.end_s / compress,
            real_start_s: p.start_s,
            real_end_s: p.end_s,
        })
        .collect();
    report.unsupported = (outcome.unsupported.iter())
        .map(|(action, why)| Unsupported { action: action.name().to_string(), reason: why.clone() })
        .collect();
    report.outages = (outcome.outages.iter())
        .map(|o| OutageWindow {
            name: o.name.clone(),
            effect: o.effect.clone(),
            start_s: o.start_s,
            end_s: o.end_s,
            injected: o.injected,
            note: o.note.clone(),
        })
        .collect();
    report
}

/// What the console says after the summary: skipped actions, outage windows, setup.
fn notes(report: &Report, outcome: &RunOutcome, segment: crate::plan::Segment) -> Vec<String> {
    let mut notes: Vec<String> =
        outcome.unsupported.iter().map(|(action, why)| format!("skipped {action}: {why}")).collect();
    notes.extend(report.outage_lines());
    notes.push(format!(
        "setup: {} natives, {} posts in {:.1}s · population: {} users, {} posts, {} bytes",
        outcome.setup.natives,
        outcome.setup.posts,
        outcome.setup.elapsed.as_secs_f64(),
        outcome.population_users,
        outcome.population_posts,
        outcome.population_bytes
    ));
    if !segment.is_whole() {
        notes.push(format!(
            "segment {segment}: {} natives of other segments not found before the start",
            outcome.setup.unresolved
        ));
    }
    notes
}
