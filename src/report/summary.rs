//! The end-of-run console summary: one aligned table of actions (like oha or k6), then
//! arrivals, lateness and concurrency — the numbers that say whether the *generator* kept
//! up, printed next to the target's latencies so a slow generator is never mistaken for a
//! slow target.

use std::fmt::Write;

use super::model::{ActionReport, Report};
use crate::human::{count, percent_of as percent, seconds as human_s, us as human_us};

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
        if let Some(aborted) = &run.aborted {
            let _ = writeln!(out, "ABORTED: {}", aborted.line());
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
        out.push_str(&action_table(&self.actions, Some((self.requests, self.errors))));
        if !self.parts.is_empty() {
            // Inside multi-request actions: counted in their action, so no `all` row.
            out.push('\n');
            out.push_str(&action_table(&self.parts, None));
        }
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
fn action_table(actions: &[ActionReport], total: Option<(u64, u64)>) -> String {
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
    if let Some((requests, errors)) = total {
        let mut total =
            vec!["all".to_string(), count(requests as f64), count(errors as f64), percent(errors, requests)];
        total.resize(HEADER.len(), String::new());
        rows.push(total);
    }

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
    action.stats.errors.total()
}

#[cfg(test)]
mod tests {
    use crate::report::fixture;

    #[test]
    fn summary_of_a_canned_run() {
        let expected = format!(
            "\
stampede {version} · rednote-2025-01 · seed 42 · compress ×3600 · sample 0.01 · 2.50s of 3.00s planned
INTERRUPTED: ctrl-c
valid: 0 of 0 scheduled starts late for the generator (limit 1%), 0 late waiting on slow responses (the target's) · slot wait p99 0µs · runtime lag p99 0µs

action       requests  errors  error %     p50     p90     p99     max  service p50  service p99
signup             50       1       2%  8.00ms  8.00ms  8.00ms  8.00ms       5.00ms       5.00ms
create_post     1,000      10       1%  2.00ms  2.80ms  2.98ms  3.00ms        500µs        990µs
all             1,050      11     1.0%

arrivals   planned 1,200  started 1,000  dropped 200 (17%)
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
