//! The imported scenario: `NAME.yaml` and its series `NAME.csv` in the output directory.
//!
//! The curve is a `csv` series of counts per bin with RFC 3339 timestamps, `step`
//! interpolation and `spacing: even`, so `stampede plan` (sample 1, real time) starts
//! exactly the log's signups in every bin. When the log carries user keys, existing users'
//! sessions are arrivals too (a journey that does not start with a signup, weighted by
//! their count): the curve then counts both, and each bin's split between them is drawn.
//! Per action, a step repeats `poisson(requests ÷ sessions)` times (a step whose mean is at
//! most 1 runs once with that probability), after a think time fitted to the log's gaps.
//! The result is loaded back with [`crate::scenario::load`]: an importer that writes a
//! scenario `validate` refuses fails here, not in the user's next command.

use std::fmt::Write as _;
use std::path::PathBuf;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::journey::{Sessions, ThinkFit};
use super::tally::Tally;
use super::{Config, ImportError};
use crate::scenario::Action;

/// The files an import wrote.
#[derive(Debug, Clone)]
pub struct Written {
    pub scenario: PathBuf,
    pub series: PathBuf,
    /// Bins in the series.
    pub bins: u64,
}

/// A room stay is not in an access log: members' default, to be set from the platform's data.
const DEFAULT_STAY: &str = "{ lognormal: { median: 10m, sigma: 1 } }";

fn timestamp(unix_us: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(unix_us) * 1_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_string())
}

/// Writes the series and the scenario, then loads the scenario back.
pub fn write(
    config: &Config,
    tally: &Tally,
    sessions: Option<&Sessions>,
    origin_us: i64,
) -> Result<Written, ImportError> {
    let io = |context: String| move |source| ImportError::Write { context, source };
    std::fs::create_dir_all(&config.out).map_err(io(format!("cannot create {}", config.out.display())))?;
    let bins = tally.bins.keys().next_back().map_or(1, |last| last + 1);
    let mut csv = String::from("time,signups,sessions,arrivals\n");
    for index in 0..bins {
        let bin = tally.bins.get(&index).copied().unwrap_or_default();
        let at = timestamp(origin_us + index as i64 * config.bin_us);
        let _ = writeln!(csv, "{at},{},{},{}", bin.signups, bin.sessions, bin.signups + bin.sessions);
    }
    let series = config.out.join(format!("{}.csv", config.name));
    std::fs::write(&series, csv).map_err(io(format!("cannot write {}", series.display())))?;
    let yaml = scenario_text(config, tally, sessions, origin_us, bins);
    let scenario = config.out.join(format!("{}.yaml", config.name));
    std::fs::write(&scenario, yaml).map_err(io(format!("cannot write {}", scenario.display())))?;
    if let Err(problems) = crate::scenario::load(&scenario, &crate::scenario::Overrides::default()) {
        return Err(ImportError::Invalid(problems.to_string()));
    }
    Ok(Written { scenario, series, bins })
}

fn scenario_text(
    config: &Config,
    tally: &Tally,
    sessions: Option<&Sessions>,
    origin_us: i64,
    bins: u64,
) -> String {
    let span_s = bins as f64 * config.bin_us as f64 / 1e6;
    let existing = sessions.map_or(0, |s| s.existing_sessions);
    let think = sessions.and_then(Sessions::think_fit);
    let mut out = String::new();
    let files: Vec<String> = config.files.iter().map(|f| f.display().to_string()).collect();
    let _ = writeln!(out, "# Imported by `stampede import access-log` from {}.", files.join(", "));
    let _ = writeln!(
        out,
        "# {} lines, {} requests, {} signups, {} bad lines.",
        tally.lines, tally.requests, tally.signups, tally.bad_lines
    );
    let _ = writeln!(out, "name: {}", config.name);
    let _ = writeln!(
        out,
        "description: \"The surge in the access log, {} bins of {} s\"",
        bins,
        config.bin_us as f64 / 1e6
    );
    let _ = writeln!(out, "seed: 1");
    let _ = writeln!(out, "timeline:");
    let _ = writeln!(out, "  start: {}", timestamp(origin_us));
    let _ = writeln!(out, "  span: {span_s}s");
    let _ = writeln!(
        out,
        "  compress: 1            # real time: compress with `--replay-in 60s` on plan and run"
    );
    let _ = writeln!(out, "  sample: 1");
    let _ = writeln!(out, "arrivals:");
    let _ = writeln!(
        out,
        "  spacing: even          # every bin's count exactly; `poisson` draws around the curve"
    );
    let _ = writeln!(out, "  curve:");
    let _ = writeln!(out, "    csv:");
    let _ = writeln!(out, "      file: {}.csv", config.name);
    let _ = writeln!(out, "      time_column: time");
    let _ = writeln!(out, "      time_format: timestamp");
    let column =
        if existing > 0 { "arrivals         # signups + existing users' sessions" } else { "signups" };
    let _ = writeln!(out, "      value_column: {column}");
    let _ = writeln!(out, "      values: count");
    let _ = writeln!(out, "      interpolation: step");
    let _ = writeln!(out, "      end: {span_s}s");
    if existing > 0 {
        let _ = writeln!(out, "population:");
        let _ = writeln!(out, "  natives: {existing}          # one per existing user's session in the log");
    }
    let _ = writeln!(out, "journeys:");
    let newcomer_order = match sessions {
        Some(s) => s.step_order(),
        None => tally.first_seen.clone(),
    };
    let signups = tally.signups as f64;
    let _ = writeln!(out, "  - name: newcomer");
    let _ = writeln!(out, "    weight: {}          # signups in the log", tally.signups);
    let _ = writeln!(out, "    steps:");
    let _ = writeln!(out, "      - action: signup");
    steps(&mut out, &newcomer_order, &tally.newcomer_requests, signups, think);
    if existing > 0 {
        let order: Vec<Action> =
            tally.first_seen.iter().copied().filter(|a| tally.existing_requests.contains_key(a)).collect();
        let _ = writeln!(out, "  - name: existing-user");
        let _ = writeln!(out, "    weight: {existing}          # existing users' sessions in the log");
        let _ = writeln!(out, "    steps:");
        steps(&mut out, &order, &tally.existing_requests, existing as f64, think);
    }
    out
}

/// One step per action with requests: its mean count per session and the think time.
fn steps(
    out: &mut String,
    order: &[Action],
    requests: &std::collections::BTreeMap<Action, u64>,
    sessions: f64,
    think: Option<ThinkFit>,
) {
    let joined_room = order.contains(&Action::JoinRoom);
    for &action in order {
        let Some(&count) = requests.get(&action) else { continue };
        if count == 0 {
            continue;
        }
        // `send_chat` needs a room joined earlier in the journey: say what is left out
        // rather than write a scenario that does not validate.
        if action == Action::SendChat && !joined_room {
            let _ = writeln!(
                out,
                "      # send_chat: {count} requests left out: a chat needs a room joined earlier in \
                 the journey, and no join_room was mapped (map the log's join route with --map)"
            );
            continue;
        }
        let mean = count as f64 / sessions.max(1.0);
        let _ = writeln!(out, "      - action: {}", action.name());
        let _ = writeln!(out, "        # {count} requests, {} per session", round(mean));
        if mean <= 1.0 {
            let _ = writeln!(out, "        probability: {}", round(mean));
        } else {
            let _ = writeln!(out, "        repeat: {{ poisson: {{ mean: {} }} }}", round(mean));
        }
        if let Some(fit) = think {
            let _ = writeln!(
                out,
                "        think: {{ lognormal: {{ median: {}ms, sigma: {} }} }}",
                round(fit.median_s * 1e3),
                round(fit.sigma)
            );
        }
        if action == Action::JoinRoom {
            let _ = writeln!(out, "        stay: {DEFAULT_STAY}   # not in an access log");
        }
    }
}

/// Six significant digits: enough for rates, short in a file people read.
fn round(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return 0.0;
    }
    let scale = 10f64.powi(5 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chats_without_a_room_are_left_out_with_a_note() {
        let mut out = String::new();
        let requests = [(Action::ViewFeed, 10), (Action::SendChat, 7)].into_iter().collect();
        steps(&mut out, &[Action::ViewFeed, Action::SendChat], &requests, 5.0, None);
        assert!(out.contains("- action: view_feed") && !out.contains("- action: send_chat"), "{out}");
        assert!(out.contains("# send_chat: 7 requests left out"), "{out}");
        let mut with_room = String::new();
        let requests = [(Action::JoinRoom, 5), (Action::SendChat, 7)].into_iter().collect();
        steps(&mut with_room, &[Action::JoinRoom, Action::SendChat], &requests, 5.0, None);
        assert!(with_room.contains("- action: send_chat"), "{with_room}");
    }
}
