//! The end-of-run console summary: one aligned table of actions (like oha or k6), then
//! arrivals, lateness and concurrency — the numbers that say whether the *generator* kept
//! up, printed next to the target's latencies so a slow generator is never mistaken for a
//! slow target.

use std::fmt::Write;

use super::model::{ActionReport, Report};
use crate::plan::render::count;

impl Report {
    /// The summary table printed when a run ends (ends with a newline).
    pub fn console_summary(&self) -> String {
        let mut out = String::new();
        let run = &self.run;
        // Writing to a String cannot fail.
        let _ = writeln!(
            out,
            "stampede {} · {} · seed {} · compress ×{} · sample {} · {} of {} planned",
            run.stampede_version,
            run.scenario,
            run.seed,
            run.compress,
            run.sample,
            human_s(run.elapsed_s),
            human_s(run.replay_duration_s),
        );
        if let Some(label) = run.segments_label() {
            let _ = writeln!(out, "{label}");
        }
        if run.interrupted {
            let reason = run.interrupt_reason.as_deref().unwrap_or("no reason given");
            let _ = writeln!(out, "INTERRUPTED: {reason}");
        }
        if let Some(v) = &self.validity {
            match v.headline() {
                Some(headline) => {
                    let _ = writeln!(out, "{headline}");
                }
                None => {
                    let _ = writeln!(
                        out,
                        "valid: {} of {} scheduled starts late for the generator (limit {:.0}%), {} late waiting on slow responses (the target's) · slot wait p99 {} · runtime lag p99 {}",
                        v.late(),
                        v.due,
                        100.0 * v.max_late_share,
                        v.late_target,
                        human_us(v.slot_wait_us.p99),
                        human_us(v.runtime_lag_us.p99)
                    );
                }
            }
        }
        out.push('\n');
        out.push_str(&action_table(&self.actions, self.requests, self.errors));
        out.push('\n');

        let a = &self.arrivals;
        let _ = writeln!(
            out,
            "arrivals   planned {}  started {}  dropped {} ({})",
            count(a.planned as f64),
            count(a.started as f64),
            count(a.dropped as f64),
            percent(a.dropped, a.planned),
        );
        let _ = writeln!(
            out,
            "lateness   p50 {}  p99 {}  max {}",
            human_us(a.lateness_us.p50),
            human_us(a.lateness_us.p99),
            human_us(a.lateness_us.max),
        );
        let _ = writeln!(
            out,
            "slots      {} · busy max {} · journeys open max {}",
            run.slots_label(),
            count(self.slots_busy_max as f64),
            count(self.journeys_open_max as f64),
        );
        if a.not_started > 0 {
            let _ = writeln!(
                out,
                "           not started {} (the run stopped before their time)",
                count(a.not_started as f64)
            );
        }
        if a.reactions_dropped > 0 {
            let _ = writeln!(out, "reactions  dropped {}", count(a.reactions_dropped as f64));
        }
        if a.retries + a.retries_dropped > 0 {
            let _ = writeln!(
                out,
                "retries    {} newcomers came back after being turned away ({} not run)",
                count(a.retries as f64),
                count(a.retries_dropped as f64)
            );
        }
        if let Some(chat) = &self.chat {
            let _ = writeln!(out, "chat       {}", chat.summary_line());
        }
        out
    }
}

impl Report {
    /// One console line per outage window: what it did, and whether it reached the target.
    pub fn outage_lines(&self) -> Vec<String> {
        (self.outages.iter())
            .map(|o| {
                let state = if o.injected { "injected" } else { "NOT injected" };
                format!("outage {} ({}) {state}: {}", o.name, o.effect, o.note)
            })
            .collect()
    }
}

const HEADER: [&str; 10] =
    ["action", "requests", "errors", "error %", "p50", "p90", "p99", "max", "service p50", "service p99"];

/// The per-action table; latencies are response times from the intended start except the
/// two `service` columns.
fn action_table(actions: &[ActionReport], requests: u64, errors: u64) -> String {
    let mut rows: Vec<Vec<String>> = vec![HEADER.iter().map(|h| h.to_string()).collect()];
    for action in actions {
        let s = &action.stats;
        let failed = total_errors(action);
        rows.push(vec![
            action.name.clone(),
            count(s.requests as f64),
            count(failed as f64),
            percent(failed, s.requests),
            human_us(s.response_us.p50),
            human_us(s.response_us.p90),
            human_us(s.response_us.p99),
            human_us(s.response_us.max),
            human_us(s.service_us.p50),
            human_us(s.service_us.p99),
        ]);
    }
    let mut total =
        vec!["all".to_string(), count(requests as f64), count(errors as f64), percent(errors, requests)];
    total.resize(HEADER.len(), String::new());
    rows.push(total);

    let widths: Vec<usize> =
        (0..HEADER.len()).map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for row in &rows {
        let mut line = String::new();
        for (c, (cell, width)) in row.iter().zip(&widths).enumerate() {
            if c == 0 {
                let _ = write!(line, "{cell:<width$}");
            } else {
                let _ = write!(line, "  {cell:>width$}");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn total_errors(action: &ActionReport) -> u64 {
    let e = &action.stats.errors;
    e.connect + e.timeout + e.reset + e.status_4xx + e.status_5xx + e.bad_body + e.body_too_large + e.other
}

/// `part` of `whole` as a percentage with two decimals (`0.00%` when `whole` is 0).
fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "0.00%".to_string();
    }
    format!("{:.2}%", part as f64 * 100.0 / whole as f64)
}

/// Three significant digits, as latencies deserve no more.
fn three_digits(x: f64) -> String {
    if x < 10.0 {
        format!("{x:.2}")
    } else if x < 100.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.0}")
    }
}

/// A duration in µs in the largest unit that keeps it ≥ 1: `850µs`, `12.3ms`, `1.20s`,
/// `2m05s`.
pub fn human_us(us: u64) -> String {
    if us < 1_000 {
        format!("{us}µs")
    } else if us < 1_000_000 {
        format!("{}ms", three_digits(us as f64 / 1e3))
    } else {
        human_s(us as f64 / 1e6)
    }
}

/// A duration in seconds: `1.20s`, `42.0s`, `2m05s`, `1h02m`.
pub fn human_s(s: f64) -> String {
    if s < 60.0 {
        return format!("{}s", three_digits(s));
    }
    let whole = s.round() as u64;
    if whole < 3_600 {
        format!("{}m{:02}s", whole / 60, whole % 60)
    } else {
        format!("{}h{:02}m", whole / 3_600, whole % 3_600 / 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

    #[test]
    fn human_units() {
        assert_eq!(human_us(0), "0µs");
        assert_eq!(human_us(999), "999µs");
        assert_eq!(human_us(1_000), "1.00ms");
        assert_eq!(human_us(12_345), "12.3ms");
        assert_eq!(human_us(123_456), "123ms");
        assert_eq!(human_us(1_200_000), "1.20s");
        assert_eq!(human_us(42_000_000), "42.0s");
        assert_eq!(human_us(125_000_000), "2m05s");
        assert_eq!(human_s(3_720.0), "1h02m");
        assert_eq!(percent(1, 3), "33.33%");
        assert_eq!(percent(5, 0), "0.00%");
    }

    #[test]
    fn summary_of_a_canned_run() {
        let expected = format!(
            "\
stampede {version} · rednote-2025-01 · seed 42 · compress ×3600 · sample 0.01 · 2.50s of 3.00s planned
INTERRUPTED: ctrl-c
valid: 0 of 0 scheduled starts late for the generator (limit 1%), 0 late waiting on slow responses (the target's) · slot wait p99 0µs · runtime lag p99 0µs

action       requests  errors  error %     p50     p90     p99     max  service p50  service p99
signup             50       1    2.00%  8.00ms  8.00ms  8.00ms  8.00ms       5.00ms       5.00ms
create_post     1,000      10    1.00%  2.00ms  2.80ms  2.98ms  3.00ms        500µs        990µs
all             1,050      11    1.05%

arrivals   planned 1,200  started 1,000  dropped 200 (16.67%)
lateness   p50 500µs  p99 990µs  max 1.00ms
slots      64 (limit 64 by --max-in-flight, 80 asked) · busy max 10 · journeys open max 37
",
            version = env!("CARGO_PKG_VERSION")
        );
        let summary = fixture::report().console_summary();
        assert_eq!(summary, expected, "\n{summary}");
    }

    #[test]
    fn a_complete_run_is_not_marked_interrupted() {
        let mut report = fixture::report();
        report.run.interrupted = false;
        report.run.interrupt_reason = None;
        assert!(!report.console_summary().contains("INTERRUPTED"));
    }
}
