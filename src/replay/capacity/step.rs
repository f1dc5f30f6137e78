//! One step of a capacity search: the scenario loaded at a scaled size, replayed with the
//! same seed, judged by its thresholds plus `--slo`, and written as a complete run
//! directory under the capacity run directory.

use std::future::Future;
use std::path::Path;
use std::time::Instant;

use super::model::{ActionPoint, Failed, Size, Step};
use super::{CapacityError, ScaleBy, Settings};
use crate::gate::{CompareOptions, Gate};
use crate::plan::Plan;
use crate::report::Report;
use crate::scenario::{Overrides, Scenario};

/// The scenario's own size (scale 1), read once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Base {
    pub sample: f64,
    pub compress: f64,
}

impl Base {
    pub fn of(scenario: &Scenario) -> Self {
        Self { sample: scenario.replay.sample, compress: scenario.replay.compress }
    }

    /// The overrides that replay `scale` × this size.
    pub fn overrides(&self, scale_by: ScaleBy, user: &Overrides, scale: f64) -> Overrides {
        let mut overrides = user.clone();
        // Both given explicitly: `replay_in` would win over the scaled compression.
        overrides.replay_in_s = None;
        overrides.compress = Some(self.compress);
        overrides.sample = Some(self.sample);
        match scale_by {
            ScaleBy::Sample => overrides.sample = Some(self.sample * scale),
            ScaleBy::Compress => overrides.compress = Some(self.compress * scale),
        }
        overrides
    }
}

/// What a step became, for the search and the answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Pass,
    Fail,
    /// Generator-bound: (cause, remedy).
    Invalid(String, String),
    /// Stopped by a signal or the budget.
    Interrupted(String),
}

/// One finished step.
#[derive(Debug, Clone)]
pub struct Done {
    pub step: Step,
    pub verdict: Verdict,
    /// The failed thresholds in detail.
    pub failed: Vec<Failed>,
}

/// Loads the scenario at `scale`.
pub fn scenario_at(settings: &Settings, base: Base, scale: f64) -> Result<Scenario, CapacityError> {
    let overrides = base.overrides(settings.scale_by, &settings.overrides, scale);
    crate::scenario::load(&settings.file, &overrides)
        .map_err(|problems| CapacityError::Scenario(problems.to_string()))
}

/// The size of `plan` at `scale`, its run directory named.
pub fn size(plan: &Plan, scale: f64, run_dir: String) -> Size {
    let replay = &plan.scenario.replay;
    Size {
        scale,
        sample: replay.sample,
        compress: replay.compress,
        real_multiple: replay.sample * replay.compress,
        peak_arrivals_per_s: plan.peaks.per_s * replay.sample * replay.compress,
        peak_requests_per_s: plan.expectations.actions.values().map(|a| a.peak_per_s).sum(),
        run_dir,
    }
}

/// Replays `scale` as step `index`; `shutdown` resolving stops it like a Ctrl-C.
pub async fn run(
    settings: &Settings,
    base: Base,
    scale: f64,
    index: u32,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<Done, CapacityError> {
    let started = Instant::now();
    let scenario = scenario_at(settings, base, scale)?;
    let gate = Gate::for_scenario(&scenario, &settings.thresholds, None, CompareOptions::default())?;
    let plan = Plan::new(scenario);
    let run_dir = format!("steps/{index:02}-x{scale:.4}");
    let size = size(&plan, scale, run_dir.clone());
    let limits = crate::replay::Limits {
        drain: settings.fixed_drain.unwrap_or_else(|| crate::replay::config::default_drain(&plan)),
        ..settings.limits.clone()
    };
    let seed = plan.scenario.seed;
    let config = crate::replay::Config {
        plan,
        profile: settings.profile.clone(),
        profile_name: settings.profile_name.clone(),
        target: settings.target.clone(),
        admin_token: settings.admin_token.clone(),
        run_id: crate::replay::config::run_id(None, None, None, seed),
        segment: None,
        start_at: None,
        only_target: None,
        limits,
        progress: crate::replay::Progress::OFF,
        panic_after: None,
        net: settings.net.clone(),
        metrics: None,
        abort: Vec::new(),
    };
    let replayed = crate::replay::run(config, shutdown).await?;
    let mut report = replayed.report;
    gate.judge(&mut report)?;
    let dir = settings.out.join(&run_dir);
    crate::report::files::write_all(&report, &dir)
        .map_err(|source| crate::replay::ReplayError::Write { dir: dir.clone(), source })?;
    Ok(done(&report, index, size, started, &dir))
}

/// The step's record from its judged report.
fn done(report: &Report, index: u32, size: Size, started: Instant, dir: &Path) -> Done {
    let validity = report.validity.as_ref().filter(|v| v.is_generator_bound());
    let failed: Vec<Failed> = (report.verdicts.iter()).filter(|v| v.failed).map(failed).collect();
    let drained = report.run.interrupt_reason.as_deref() == Some("journeys still running at the drain limit");
    let verdict = match (validity, report.run.interrupted) {
        (Some(v), _) => Verdict::Invalid(
            v.cause.clone().unwrap_or_else(|| "starts were late".into()),
            v.remedy.clone().unwrap_or_default(),
        ),
        // The platform kept journeys going past the drain limit: that is queueing, a failure.
        (None, true) if drained => Verdict::Fail,
        (None, true) => Verdict::Interrupted(report.run.interrupt_reason.clone().unwrap_or_default()),
        (None, false) if failed.is_empty() => Verdict::Pass,
        (None, false) => Verdict::Fail,
    };
    let mut failed_names: Vec<String> = failed.iter().map(|f| f.threshold.clone()).collect();
    if drained {
        failed_names.push(format!(
            "queueing: {} (see {})",
            "journeys still running at the drain limit",
            dir.display()
        ));
    }
    let ratio =
        |errors: u64, requests: u64| if requests == 0 { 0.0 } else { errors as f64 / requests as f64 };
    let step = Step {
        index,
        size,
        outcome: match &verdict {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Invalid(..) => "invalid",
            Verdict::Interrupted(_) => "interrupted",
        }
        .to_string(),
        error_rate: ratio(report.errors, report.requests),
        actions: (report.actions.iter())
            .map(|a| ActionPoint {
                name: a.name.clone(),
                requests: a.stats.requests,
                error_rate: ratio(a.stats.errors.total(), a.stats.requests),
                response_p99_us: a.stats.response_us.p99,
                service_p99_us: a.stats.service_us.p99,
            })
            .collect(),
        failed: failed_names,
        elapsed_s: started.elapsed().as_secs_f64(),
    };
    Done { step, verdict, failed }
}

/// A failed verdict with its threshold's subject and phase read back from its text
/// (`SUBJECT.METRIC OP VALUE [during PHASE]`).
fn failed(verdict: &crate::report::Verdict) -> Failed {
    let name = &verdict.name;
    Failed {
        threshold: name.clone(),
        subject: name.split('.').next().unwrap_or_default().to_string(),
        phase: name.split_once(" during ").map(|(_, phase)| phase.trim().to_string()),
        message: verdict.message.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_the_sample_or_the_compression_and_keeps_the_rest() {
        let base = Base { sample: 0.002, compress: 100.0 };
        let user = Overrides { seed: Some(9), replay_in_s: Some(45.0), ..Overrides::default() };
        let by_sample = base.overrides(ScaleBy::Sample, &user, 4.0);
        assert_eq!(
            (by_sample.sample, by_sample.compress, by_sample.seed),
            (Some(0.008), Some(100.0), Some(9))
        );
        assert_eq!(by_sample.replay_in_s, None);
        let by_compress = base.overrides(ScaleBy::Compress, &user, 4.0);
        assert_eq!((by_compress.sample, by_compress.compress), (Some(0.002), Some(400.0)));
    }
}
