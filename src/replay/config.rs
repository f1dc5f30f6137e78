//! The second stage of a run's arguments (as in ripgrep): a [`Config`] resolved once,
//! every rule checked up front, so that nothing below re-reads raw flags and a program can
//! build one without a command line.
//!
//! The rules live here as functions of plain values (which segment, which target, when to
//! start), so the command line and a program check the same things.

use std::path::PathBuf;
use std::time::Duration;

use super::embedded::Platform;
pub use crate::executor::{Limits, Progress};
use crate::plan::{Plan, Segment};
use crate::profile::Profile;
use crate::scenario::{DelayDist, Scenario, TargetShare};

/// Where the load goes.
#[derive(Debug, Clone)]
pub enum Target {
    /// A platform already running at this base URL (loopback, or allowed by `net.policy`).
    Url(String),
    /// The reference platform started in-process on 127.0.0.1 (port 0) with a temporary
    /// database, hashing passwords at this cost and with these faults (a fresh one per
    /// replay).
    Embedded(Platform),
}

/// Everything one replay needs, resolved and checked.
#[derive(Debug)]
pub struct Config {
    /// The schedule, already cut to the segment and the target share.
    pub plan: Plan,
    pub profile: Profile,
    /// The profile as named (a built-in name or a file), recorded in the report.
    pub profile_name: String,
    pub target: Target,
    /// Token of the target's fault admin endpoint (an embedded platform gets its own).
    pub admin_token: Option<String>,
    /// Prefix of this run's handles on the target, shared by the segments of one run.
    pub run_id: String,
    /// The segment this process replays; recorded whenever given, even `0/1`, so that
    /// `merge` accepts the report.
    pub segment: Option<Segment>,
    /// Wall-clock instant of the replay clock's zero; `None` starts right after setup.
    pub start_at: Option<time::OffsetDateTime>,
    /// With several targets: the one this process replays.
    pub only_target: Option<TargetShare>,
    pub limits: Limits,
    /// What to show on stderr while the replay runs.
    pub progress: Progress,
    /// Test hook: the Nth job panics.
    pub panic_after: Option<u64>,
    /// How the target is reached (allowlist, TLS, HTTP version, `--connect-to`).
    pub net: crate::net::NetConfig,
    /// The live metrics endpoint (`--metrics-listen`), if any.
    pub metrics: Option<super::exporter::MetricsEndpoint>,
    /// Thresholds judged while the run runs; the first to fail stops it (`abort`).
    pub abort: Vec<crate::scenario::Threshold>,
}

/// A rule a run's settings break.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// Segments share one platform and start their clocks together.
pub fn check_segment(
    segment: Option<Segment>,
    has_target: bool,
    has_start_at: bool,
) -> Result<(), ConfigError> {
    let Some(segment) = segment else { return Ok(()) };
    if !has_target {
        Err(ConfigError("--segment needs --target: the segments of a run share one platform".into()))
    } else if !segment.is_whole() && !has_start_at {
        Err(ConfigError(
            "--segment I/N with N > 1 needs --start-at: segments start their clocks together".into(),
        ))
    } else {
        Ok(())
    }
}

/// The share of the target named `name` (`None` without a name).
pub fn only_target(scenario: &Scenario, name: Option<&str>) -> Result<Option<TargetShare>, ConfigError> {
    let Some(name) = name else { return Ok(None) };
    let targets = &scenario.spec.targets;
    match targets.iter().position(|t| t.name == name) {
        Some(index) => Ok(Some(TargetShare::new(targets, index, scenario.seed))),
        None => {
            let names: Vec<&str> = targets.iter().map(|t| t.name.as_str()).collect();
            Err(ConfigError(format!(
                "--only-target {name}: the scenario has no such target (expected {})",
                if names.is_empty() {
                    "no --only-target: it has one target".into()
                } else {
                    names.join(", ")
                }
            )))
        }
    }
}

/// The run id: given, else derived for a segment (every segment computes the same one from
/// the seed and the common start), else random.
pub fn run_id(
    given: Option<&str>,
    segment: Option<Segment>,
    start_at: Option<time::OffsetDateTime>,
    seed: u64,
) -> String {
    if let Some(id) = given {
        return id.to_string();
    }
    match (segment, start_at) {
        (None, _) => nonce(),
        (Some(_), Some(at)) => {
            // FNV-1a: stable across builds and platforms, unlike std's hasher.
            let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
            for byte in seed.to_le_bytes().iter().chain(&at.unix_timestamp_nanos().to_le_bytes()) {
                hash = (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
            }
            format!("g{:x}", hash & 0xff_ffff_ffff)
        }
        // A lone segment (0/1) needs no agreement with anyone.
        (Some(_), None) => nonce(),
    }
}

/// UTC time as `20250113T053000Z`, for run directory names.
pub fn utc_stamp() -> String {
    let now = time::OffsetDateTime::now_utc();
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    now.format(&format).unwrap_or_else(|_| now.unix_timestamp().to_string())
}

/// The default run directory: `reports/<scenario>-<UTC time>/`.
pub fn default_out(scenario: &Scenario) -> PathBuf {
    PathBuf::from("reports").join(format!("{}-{}", scenario.spec.name, utc_stamp()))
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
pub fn default_drain(plan: &Plan) -> Duration {
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
fn tail_s(delay: &DelayDist) -> f64 {
    use rand::SeedableRng;
    const DRAWS: usize = 4000;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0x000d_7a17);
    let mut draws: Vec<f64> = (0..DRAWS).map(|_| delay.sample_s(&mut rng)).collect();
    draws.sort_by(f64::total_cmp);
    draws[DRAWS * 999 / 1000]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_drain_covers_a_reaction_delay_tail() {
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reaction-tail.yaml");
        let scenario = crate::scenario::load(&file, &Default::default()).expect("fixture loads");
        let plan = Plan::new(scenario);
        // Exponential, mean 4 s at compress 1: its 99.9th percentile is 4 × ln 1000 ≈ 27.6 s.
        let drain_s = default_drain(&plan).as_secs_f64();
        assert!(drain_s > 25.0 && drain_s < 60.0, "{drain_s}");
    }

    #[test]
    fn segments_need_a_target_and_a_common_start() {
        let half = Some(Segment { index: 0, count: 2 });
        assert!(check_segment(None, false, false).is_ok());
        assert!(check_segment(half, false, true).expect_err("no target").0.contains("needs --target"));
        assert!(check_segment(half, true, false).expect_err("no start").0.contains("needs --start-at"));
        assert!(check_segment(half, true, true).is_ok());
        assert!(check_segment(Some(Segment::default()), true, false).is_ok());
    }

    #[test]
    fn segments_agree_on_a_derived_run_id() {
        let at = time::OffsetDateTime::from_unix_timestamp(1_767_225_600).expect("a time");
        let a = run_id(None, Some(Segment { index: 0, count: 2 }), Some(at), 7);
        let b = run_id(None, Some(Segment { index: 1, count: 2 }), Some(at), 7);
        assert_eq!(a, b);
        assert!(a.starts_with('g'));
        assert_eq!(run_id(Some("mine"), None, None, 7), "mine");
    }
}
