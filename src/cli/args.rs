//! The flags of `stampede run`, as clap parses them (the first stage); [`RunArgs::config`]
//! resolves them into a [`replay::Config`] (the second).

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::ReplayArgs;
use crate::plan::Plan;
use crate::replay::{self, Limits, Target};
use crate::units::Span;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario file (YAML).
    pub file: PathBuf,
    /// Base URL of the platform under test (loopback, or a host allowed with --allow-host).
    /// Default: start the reference platform in-process.
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
    pub admin_token: Option<crate::platform::Secret>,
    /// Password hashing cost of the embedded reference platform.
    #[arg(long, value_enum, default_value = "low")]
    pub hash_cost: crate::platform::HashCost,
    /// Capacity of the embedded platform's route (or `all`), as `stampede serve
    /// --fault-capacity`: ROUTE=RATE[,QUEUE]. Repeatable; not with --target.
    #[arg(long, value_name = "ROUTE=RATE[,QUEUE]", value_parser = crate::platform::fault::capacity::parse_capacity_flag)]
    pub fault_capacity: Vec<(crate::platform::fault::Scope, crate::platform::fault::capacity::Capacity)>,
    /// Runtime worker threads (default: 1 with `--target`, where one thread drives ~10k
    /// requests/s with fewer cross-thread wake-ups; one per CPU with the embedded platform,
    /// which shares the runtime).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Nothing on stderr while the run runs: no progress bar, no progress lines.
    #[arg(long)]
    pub quiet: bool,
    /// When stderr is not a terminal (a CI log), one progress line this often instead of
    /// the bar: curve time, arrivals started of planned, requests/s, errors, p99 so far
    /// (100ms to 24h; `0s` or `off`: none).
    #[arg(long, value_name = "D", default_value = "10s", value_parser = parse_progress_every)]
    pub progress_every: Duration,
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
    /// With several targets: the base URL of one (`NAME=URL`, repeatable; loopback or
    /// --allow-host).
    /// A plain `--target URL` sends every target's share to the same platform; without
    /// either, each target gets an embedded reference platform of its own.
    #[arg(long, value_name = "NAME=URL")]
    pub target_url: Vec<String>,
    /// Serve live OpenMetrics on http://ADDR/metrics while the run runs (e.g.
    /// 127.0.0.1:9464): loopback, or an address allowed like a target (--allow-host).
    #[arg(long, value_name = "ADDR")]
    pub metrics_listen: Option<std::net::SocketAddr>,
    /// After the run, keep the metrics endpoint up this long with the final values, so the
    /// last scrape sees them (0s to 10m; Ctrl-C ends it).
    #[arg(long, value_name = "D", default_value = "5s", value_parser = parse_metrics_linger)]
    pub metrics_linger: Duration,
    /// Judge every threshold live, as if each carried `abort`: the first to fail on the
    /// run so far stops the run (report marked aborted, exit 1). Thresholds `during` a phase
    /// and on arrivals.achieved_rate are judged at the end only.
    #[arg(long)]
    pub abort_on_fail: bool,
    #[command(flatten)]
    pub gate: super::gate::GateArgs,
    #[command(flatten)]
    pub net: super::net::NetArgs,
    /// Test hook: make the Nth job panic, to check that a bug in stampede still ends the
    /// run with a report (marked interrupted) and exit 2.
    #[arg(long, value_name = "N", hide = true)]
    pub test_panic_after: Option<u64>,
}

/// A progress line period: `off` or zero (no lines) as zero, else 100 ms to 24 h (shorter
/// floods the log; longer is no progress at all).
fn parse_progress_every(text: &str) -> Result<Duration, String> {
    const EXPECTED: &str = "expected a duration from 100ms to 24h (e.g. 10s), or 0s or off for no lines";
    if text == "off" {
        return Ok(Duration::ZERO);
    }
    let span: Span = text.parse().map_err(|e| format!("{e}; {EXPECTED}"))?;
    if span.secs() == 0.0 || (0.1..=86_400.0).contains(&span.secs()) {
        Ok(span.as_duration())
    } else {
        Err(EXPECTED.into())
    }
}

/// How long the metrics endpoint outlives the run: 0 s to 10 min (longer holds the process
/// for nothing; several scrape intervals fit well inside).
fn parse_metrics_linger(text: &str) -> Result<Duration, String> {
    const EXPECTED: &str = "expected a duration from 0s to 10m (e.g. 15s)";
    let span: Span = text.parse().map_err(|e| format!("{e}; {EXPECTED}"))?;
    if (0.0..=600.0).contains(&span.secs()) { Ok(span.as_duration()) } else { Err(EXPECTED.into()) }
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

impl RunArgs {
    /// The embedded platform these flags ask for.
    pub fn platform(&self) -> replay::embedded::Platform {
        let mut platform = replay::embedded::Platform::from(self.hash_cost);
        platform.faults.capacity.extend(self.fault_capacity.iter().copied());
        platform
    }

    /// The replay's configuration for `plan`, every rule checked (the segment, the target,
    /// the run id); `profile` as loaded from `profile_name`.
    pub fn config(
        &self,
        plan: Plan,
        profile: crate::profile::Profile,
        profile_name: String,
        only_target: Option<crate::scenario::TargetShare>,
        net: crate::net::NetConfig,
    ) -> Result<replay::Config, replay::ConfigError> {
        replay::config::check_segment(self.segment, self.target.is_some(), self.start_at.is_some())?;
        let run_id =
            replay::config::run_id(self.run_id.as_deref(), self.segment, self.start_at, plan.scenario.seed);
        let plan = match &only_target {
            Some(share) => plan.with_target(share.clone()),
            None => plan,
        };
        let limits = Limits {
            max_in_flight: self.test_max_slots.map_or(self.max_in_flight, |n| n.min(self.max_in_flight)),
            lateness_budget: self.lateness_budget.as_duration(),
            request_timeout: self.request_timeout.as_duration(),
            health_timeout: self.health_timeout.as_duration(),
            max_body_bytes: self.max_body,
            drain: self.drain.map_or_else(|| replay::config::default_drain(&plan), Span::as_duration),
            grace: self.grace.as_duration(),
        };
        Ok(replay::Config {
            plan,
            profile,
            profile_name,
            target: match &self.target {
                Some(url) => Target::Url(url.clone()),
                None => Target::Embedded(self.platform()),
            },
            admin_token: self.admin_token.as_ref().map(|t| t.0.clone()),
            run_id,
            segment: self.segment,
            start_at: self.start_at,
            only_target,
            limits,
            progress: if self.quiet {
                replay::Progress::OFF
            } else {
                replay::Progress {
                    bar: true,
                    lines_every: Some(self.progress_every).filter(|d| !d.is_zero()),
                }
            },
            panic_after: self.test_panic_after,
            net,
            metrics: (self.metrics_listen)
                .map(|listen| replay::exporter::MetricsEndpoint { listen, linger: self.metrics_linger }),
            // The gate's thresholds are resolved apart; `run` adds those that abort.
            abort: Vec::new(),
        })
    }
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
    fn progress_periods_are_off_or_in_range() {
        assert_eq!(parse_progress_every("off"), Ok(Duration::ZERO));
        assert_eq!(parse_progress_every("0s"), Ok(Duration::ZERO));
        assert_eq!(parse_progress_every("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_progress_every("100ms"), Ok(Duration::from_millis(100)));
        assert_eq!(parse_progress_every("24h"), Ok(Duration::from_secs(86_400)));
        for bad in ["10ms", "25h", "-1s", "NaN", "infs", "1e400s", "", "10", "on"] {
            assert!(parse_progress_every(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn metrics_linger_is_in_range() {
        assert_eq!(parse_metrics_linger("0s"), Ok(Duration::ZERO));
        assert_eq!(parse_metrics_linger("15s"), Ok(Duration::from_secs(15)));
        assert_eq!(parse_metrics_linger("10m"), Ok(Duration::from_secs(600)));
        for bad in ["11m", "-1s", "NaN", "infs", "1e400s", "", "15"] {
            assert!(parse_metrics_linger(bad).is_err(), "{bad}");
        }
    }
}
