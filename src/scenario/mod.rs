//! Scenario files: the typed model, loading with `file:line:column` problems, validation,
//! and resolution into a [`Scenario`] ready for planning (compiled curve, replay settings).

pub mod accounts;
pub mod action;
pub mod distribution;
pub mod limits;
pub mod load;
pub mod model;
pub mod outage;
pub mod rooms;
pub mod schema;
pub mod targets;
pub mod threshold;
pub mod validate;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

pub use crate::source::{Problem, Problems};
pub use distribution::{CountDist, DelayDist};
pub use model::{Action, DEFAULT_ROOM, JourneySpec, PickRule, ScenarioSpec, StepSpec, ThinkTime};
pub use outage::OutageSpec;
pub use targets::{TargetShare, TargetSpec};

use crate::arrival::{self, Curve};
use crate::source::problem::{DocPath, Findings};
pub use threshold::{Threshold, ThresholdError};

/// Settings given on the command line that take precedence over the file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub compress: Option<f64>,
    pub replay_in_s: Option<f64>,
    pub sample: Option<f64>,
    pub seed: Option<u64>,
    pub think: Option<ThinkTime>,
}

/// How the real-world curve is replayed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Replay {
    /// Real-world span of the curve, seconds.
    pub real_span_s: f64,
    /// Real time ÷ replay time.
    pub compress: f64,
    /// Fraction of newcomers (and natives) replayed.
    pub sample: f64,
    pub think: ThinkTime,
}

impl Replay {
    /// Replay duration of the curve, seconds.
    pub fn replay_span_s(&self) -> f64 {
        self.real_span_s / self.compress
    }

    /// Factor applied to think times on the replay clock.
    pub fn think_scale(&self) -> f64 {
        match self.think {
            ThinkTime::Human => 1.0,
            ThinkTime::Compressed => 1.0 / self.compress,
        }
    }
}

/// A named window of the real-world timeline (declared phase or curve event window).
#[derive(Debug, Clone, PartialEq)]
pub struct Phase {
    pub name: String,
    pub start_s: f64,
    pub end_s: f64,
}

/// A loaded, validated scenario ready for planning.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub file: PathBuf,
    pub spec: ScenarioSpec,
    pub seed: u64,
    pub curve: Curve,
    pub replay: Replay,
    pub phases: Vec<Phase>,
    pub thresholds: Vec<Threshold>,
    /// Wall-clock start of the curve (Unix seconds), when the file gives one.
    pub start_unix_s: Option<i64>,
    /// The natives' accounts, from `population.accounts`.
    pub accounts: Option<std::sync::Arc<accounts::Accounts>>,
    /// The newcomers' accounts, from `population.newcomer_accounts` (their count is checked
    /// against the drawn schedule by the plan: see `plan::accounts`).
    pub newcomer_accounts: Option<std::sync::Arc<accounts::Accounts>>,
}

/// Loads, validates and resolves `file`, applying `overrides`. Reports every problem.
pub fn load(file: &Path, overrides: &Overrides) -> Result<Scenario, Problems> {
    let (spec, document) = load::read(file).map_err(Problems)?;
    let mut findings = Findings::new();
    let mut file_problems = Vec::new();
    let start_unix_s = validate::timeline(&spec.timeline, &mut findings);
    validate::body(&spec, &mut findings);
    let base_dir = file.parent().unwrap_or(Path::new("."));
    let ctx = arrival::CompileContext { span_s: spec.timeline.span.secs(), start_unix_s, base_dir };
    let curve = arrival::compile(
        &spec.arrivals,
        &ctx,
        &DocPath::root().key("arrivals"),
        &mut findings,
        &mut file_problems,
    );

    let mut phases: Vec<Phase> = spec
        .timeline
        .phases
        .iter()
        .map(|p| Phase { name: p.name.clone(), start_s: p.start.secs(), end_s: p.end.secs() })
        .collect();
    if let Some(curve) = &curve {
        phases.extend(curve.windows().into_iter().map(|w| Phase {
            name: w.name,
            start_s: w.start_s,
            end_s: w.end_s,
        }));
    }
    let known: Vec<&str> = phases.iter().map(|p| p.name.as_str()).collect();
    targets::validate(&spec.targets, &mut findings);
    let target_names: Vec<&str> = spec.targets.iter().map(|t| t.name.as_str()).collect();
    outage::validate(&spec.outages, spec.timeline.span.secs(), &known, &target_names, &mut findings);
    phases.extend(spec.outages.iter().map(|o| Phase {
        name: o.name.clone(),
        start_s: o.start.secs(),
        end_s: o.end.secs(),
    }));
    let phase_names: HashSet<String> = phases.iter().map(|p| p.name.clone()).collect();
    let thresholds = validate::slo(&spec.slo, &phase_names, &mut findings);
    validate::windows(&spec.journeys, &phase_names, &mut findings);

    let mut problems = document.place(file, findings);
    problems.extend(file_problems);
    problems.sort_by_key(|p| (p.file.clone(), p.line, p.column));
    let (Some(curve), true) = (curve, problems.is_empty()) else {
        return Err(Problems(problems));
    };
    let replay =
        resolve_replay(&spec, overrides).map_err(|p| Problems(vec![Problem::whole_file(file, p.0, p.1)]))?;
    let mut findings = Findings::new();
    replay_size(&spec, &curve, &replay, &mut findings);
    let accounts = spec.population.accounts.as_ref().and_then(|written| {
        let at = DocPath::root().key("population").key("accounts");
        let accounts = accounts::load(base_dir, written, &at, &mut findings)?;
        let natives = (spec.population.natives as f64 * replay.sample).round() as u64;
        accounts::check_count(&accounts, natives, "natives", &at, &mut findings);
        Some(std::sync::Arc::new(accounts))
    });
    let newcomer_accounts = spec.population.newcomer_accounts.as_ref().and_then(|written| {
        let at = DocPath::root().key("population").key("newcomer_accounts");
        accounts::load(base_dir, written, &at, &mut findings).map(std::sync::Arc::new)
    });
    if !findings.is_empty() {
        return Err(Problems(document.place(file, findings)));
    }
    Ok(Scenario {
        file: file.to_path_buf(),
        seed: overrides.seed.unwrap_or(spec.seed),
        spec,
        curve,
        replay,
        phases,
        thresholds,
        start_unix_s,
        accounts,
        newcomer_accounts,
    })
}

/// Checks the replay's size against [`limits`]: newcomers at real scale and replayed
/// (after a command-line `--sample`), and natives created before the start. Planning draws
/// every arrival, so these bound `plan` and `run` alike.
fn replay_size(spec: &ScenarioSpec, curve: &Curve, replay: &Replay, findings: &mut Findings) {
    use distribution::number;
    let arrivals = DocPath::root().key("arrivals");
    let at = if spec.arrivals.total.is_some() { arrivals.key("total") } else { arrivals.key("curve") };
    let real = curve.total();
    if real > limits::MAX_REAL_ARRIVALS {
        findings.add(
            &at,
            format!("the curve holds {} newcomers at real scale, above the limit of 1e11", number(real)),
            "at most 1e11 newcomers (see \"Scenario limits\" in the README)",
        );
    } else if real * replay.sample > limits::MAX_REPLAYED_ARRIVALS {
        findings.add(
            &at,
            format!(
                "the replay would start {} newcomers (total {} × sample {}), above the limit of 1e7",
                number(real * replay.sample),
                number(real),
                replay.sample
            ),
            "at most 1e7 replayed newcomers: a smaller `sample` or total",
        );
    }
    let natives = spec.population.natives as f64 * replay.sample;
    findings.check(
        natives <= limits::MAX_REPLAYED_NATIVES,
        &DocPath::root().key("population").key("natives"),
        || {
            format!(
                "the replay would create {} natives (natives × sample), above the limit of 1e7",
                number(natives)
            )
        },
        "at most 1e7 replayed natives: a smaller `sample` or natives",
    );
}

/// Combines the file's replay settings with command-line overrides. A command-line
/// `--compress` or `--replay-in` replaces both of the file's settings.
fn resolve_replay(spec: &ScenarioSpec, overrides: &Overrides) -> Result<Replay, (String, String)> {
    let span_s = spec.timeline.span.secs();
    let compress = match (overrides.compress, overrides.replay_in_s) {
        (Some(_), Some(_)) => {
            return Err(("--compress and --replay-in were both given".into(), "one of them".into()));
        }
        (Some(c), None) => c,
        (None, Some(d)) => span_s / d,
        (None, None) => spec
            .timeline
            .compress
            .or_else(|| spec.timeline.replay_in.map(|d| span_s / d.secs()))
            .unwrap_or(1.0),
    };
    if !(compress.is_finite() && compress >= 1.0) {
        return Err((
            format!("compression {compress} is below 1 (or the replay is longer than the span)"),
            "--compress >= 1 or --replay-in <= the span".into(),
        ));
    }
    let sample = overrides.sample.or(spec.timeline.sample).unwrap_or(1.0);
    if !(sample > 0.0 && sample <= 1.0) {
        return Err((format!("--sample {sample} is outside (0, 1]"), "a fraction 0 < f <= 1".into()));
    }
    Ok(Replay {
        real_span_s: span_s,
        compress,
        sample,
        think: overrides.think.unwrap_or(spec.timeline.think),
    })
}

/// Loads several files, returning the loaded ones and all problems of the others.
pub fn load_all(files: &[PathBuf], overrides: &Overrides) -> (Vec<Scenario>, Vec<Problem>) {
    let mut scenarios = Vec::new();
    let mut problems = Vec::new();
    for file in files {
        match load(file, overrides) {
            Ok(scenario) => scenarios.push(scenario),
            Err(Problems(found)) => problems.extend(found),
        }
    }
    (scenarios, problems)
}
