//! The search loop: asks [`Search`] for the next size, replays it as a [`step`], and stops
//! at the answer, at the first generator-bound step (never a platform failure), at
//! Ctrl-C (the step in flight ends within its grace time and is kept) or when the budget
//! would be overrun (the step in flight is stopped at the deadline and not judged).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::answer::{self, End};
use super::model::{CapacityReport, SCHEMA_VERSION};
use super::search::{Next, Outcome, Search};
use super::step::{self, Base, Done, Verdict};
use super::{CapacityError, Settings};
use crate::executor::{ExecutorError, Interrupts};
use crate::replay::ReplayError;

/// Set-up time a step is assumed to need beyond its replay span, for the budget.
const STEP_OVERHEAD: Duration = Duration::from_secs(3);

/// Runs the search of `settings` and returns its answer (not yet written). `say`
/// receives one line per step as it ends. Needs a tokio runtime with timers and I/O.
pub async fn run(settings: &Settings, mut say: impl FnMut(&str)) -> Result<CapacityReport, CapacityError> {
    let started = Instant::now();
    let (base_scenario, base) = check(settings)?;
    let mut interrupts = Interrupts::listen();
    let deadline = settings.budget.map(|b| started + b);
    let mut search = Search::new(settings.search);
    let mut done: Vec<Done> = Vec::new();
    let end = loop {
        let scale = match search.next() {
            Next::Run(scale) => scale,
            Next::Found { .. } => break End::Found,
            Next::AtLeast(_) => break End::AtLeast,
            Next::Below(_) => break End::Below,
        };
        // This step's own listener starts before the look for a signal between steps, so
        // that a signal is seen by one of the two: the executor's listener starts only
        // after the step's set-up, and a Ctrl-C before it would otherwise go unseen until
        // the whole step had run.
        let step_signals = Interrupts::listen();
        // A signal between steps (none is in flight to notice it).
        if let Some(name) = pending_signal(&mut interrupts) {
            break End::Interrupted(format!("interrupted by {name}"));
        }
        if let Some(deadline) = deadline {
            let span = step::scenario_at(settings, base, scale)?.replay.replay_span_s();
            let needed = crate::units::duration_from_secs(span) + STEP_OVERHEAD;
            if Instant::now() + needed > deadline {
                break End::Budget;
            }
        }
        let budget_hit = Arc::new(AtomicBool::new(false));
        let shutdown = step_shutdown(deadline, budget_hit.clone(), step_signals);
        let index = u32::try_from(done.len() + 1).unwrap_or(u32::MAX);
        let step = match step::run(settings, base, scale, index, shutdown).await {
            Ok(step) => step,
            // Stopped before it replayed anything (during its set-up): no step to keep.
            Err(CapacityError::Replay(ReplayError::Executor(ExecutorError::Interrupted(name, when)))) => {
                let why =
                    if budget_hit.load(Ordering::Relaxed) { None } else { Some(format!("{name} {when}")) };
                break why.map_or(End::Budget, End::Interrupted);
            }
            Err(error) => return Err(error),
        };
        say(&line(&step));
        match &step.verdict {
            Verdict::Pass => search.record(scale, Outcome::Pass),
            Verdict::Fail => search.record(scale, Outcome::Fail),
            Verdict::Invalid(cause, remedy) => {
                let end = End::Invalid(scale, cause.clone(), remedy.clone());
                done.push(step);
                break end;
            }
            Verdict::Interrupted(why) => {
                let end = if budget_hit.load(Ordering::Relaxed) {
                    End::Budget
                } else {
                    End::Interrupted(why.clone())
                };
                done.push(step);
                break end;
            }
        }
        done.push(step);
    };
    let (pass, fail) = (search.confirmed_pass(), search.smallest_fail());
    let outcome = answer::outcome(end, &done, pass, fail, settings.min_headroom);
    Ok(report(settings, &base_scenario, base, outcome, &done, started.elapsed()))
}

/// The scenario at scale 1 and its size, after checking that the range's ends load (a
/// sample above 1 at `--to` is refused before any replay).
pub fn check(settings: &Settings) -> Result<(crate::scenario::Scenario, Base), CapacityError> {
    let scenario = crate::scenario::load(&settings.file, &settings.overrides)
        .map_err(|problems| CapacityError::Scenario(problems.to_string()))?;
    let base = Base::of(&scenario);
    if settings.scale_by == super::ScaleBy::Sample && base.sample * settings.search.to > 1.0 {
        return Err(CapacityError::Scenario(format!(
            "--to {} × the sample {} is above 1, every newcomer (expected --to at most {}, or --scale compress)",
            settings.search.to,
            base.sample,
            1.0 / base.sample
        )));
    }
    for scale in [settings.search.from, settings.search.to] {
        step::scenario_at(settings, base, scale)?;
    }
    Ok((scenario, base))
}

/// A SIGINT or SIGTERM received since the last look, if any.
fn pending_signal(interrupts: &mut Interrupts) -> Option<&'static str> {
    use futures_util::FutureExt;
    interrupts.next().now_or_never()
}

/// Resolves at the budget's deadline (noting that it did) or at a SIGINT or SIGTERM.
async fn step_shutdown(deadline: Option<Instant>, hit: Arc<AtomicBool>, mut signals: Interrupts) {
    tokio::select! {
        () = budget_shutdown(deadline, hit) => {}
        _ = signals.next() => {}
    }
}

/// Resolves at the budget's deadline (never without one), noting that it did.
async fn budget_shutdown(deadline: Option<Instant>, hit: Arc<AtomicBool>) {
    match deadline {
        Some(deadline) => {
            tokio::time::sleep_until(deadline.into()).await;
            hit.store(true, Ordering::Relaxed);
        }
        None => std::future::pending().await,
    }
}

/// One line per step for the console.
fn line(done: &Done) -> String {
    let s = &done.step;
    let failed = if s.failed.is_empty() { String::new() } else { format!(" — {}", s.failed.join("; ")) };
    format!(
        "step {:>2}: ×{:<8.4} sample {:<10} compress {:<8} peak {:>8.1} arrivals/s {:>9.1} requests/s  {:<11} {:>5.1}s{failed}",
        s.index,
        s.size.scale,
        trim(s.size.sample),
        trim(s.size.compress),
        s.size.peak_arrivals_per_s,
        s.size.peak_requests_per_s,
        s.outcome.to_uppercase(),
        s.elapsed_s,
    )
}

fn trim(x: f64) -> String {
    let text = format!("{x:.6}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn report(
    settings: &Settings,
    scenario: &crate::scenario::Scenario,
    base: Base,
    outcome: answer::Outcome,
    done: &[Done],
    elapsed: Duration,
) -> CapacityReport {
    let mut thresholds: Vec<String> = scenario.thresholds.iter().map(|t| t.text.clone()).collect();
    thresholds.extend(settings.thresholds.iter().cloned());
    CapacityReport {
        schema: SCHEMA_VERSION.to_string(),
        scenario: scenario.spec.name.clone(),
        scenario_file: settings.file.display().to_string(),
        seed: scenario.seed,
        scale_by: settings.scale_by.name().to_string(),
        base_sample: base.sample,
        base_compress: base.compress,
        target: match &settings.target {
            crate::replay::Target::Url(url) => {
                format!("{url} (used as it stands: its state carries over between steps)")
            }
            crate::replay::Target::Embedded(_) => {
                "embedded reference platform (a fresh one per step)".to_string()
            }
        },
        from: settings.search.from,
        to: settings.search.to,
        precision: settings.search.precision,
        repeats: settings.search.repeats,
        budget_s: settings.budget.map(|b| b.as_secs_f64()),
        thresholds,
        verdict: outcome.end.verdict().to_string(),
        answer: outcome.answer,
        passing: outcome.passing,
        failing: outcome.failing,
        headroom: outcome.headroom,
        invalid: outcome.invalid,
        elapsed_s: elapsed.as_secs_f64(),
        steps: answer::steps(done),
    }
}
