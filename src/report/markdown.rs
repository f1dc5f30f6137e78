//! `summary.md`: a compact Markdown summary for a CI job summary or a pull-request comment
//! (GitHub-flavoured tables; no HTML, so it renders wherever Markdown does).

use std::fmt::Write;

use super::RunStatus;
use super::junit::value_text;
use super::model::Report;
use crate::human::{count, seconds as human_s, us as human_us};

impl Report {
    /// The whole `summary.md` (ends with a newline).
    pub fn render_markdown(&self) -> String {
        let mut out = String::new();
        let run = &self.run;
        let (icon, word) = match self.status() {
            RunStatus::Pass => ("✅", "PASS"),
            RunStatus::Fail => ("❌", "FAIL"),
            RunStatus::Interrupted => ("⚠️", "INTERRUPTED"),
            RunStatus::Invalid => ("⚠️", "INVALID: generator-bound"),
            RunStatus::Aborted => ("❌", "FAIL: aborted"),
        };
        let _ = writeln!(out, "## {icon} stampede · {} · {word}\n", cell(&run.scenario));
        if !run.description.is_empty() {
            let _ = writeln!(out, "{}\n", cell(&run.description));
        }
        let _ = writeln!(
            out,
            "seed `{}` · compress ×{} · sample {} · {} of {} replay · target `{}` · stampede {}\n",
            run.seed,
            run.compress,
            run.sample,
            human_s(run.elapsed_s),
            human_s(run.replay_duration_s),
            cell(&run.target),
            cell(&run.stampede_version),
        );
        if let Some(label) = run.segments_label() {
            let _ = writeln!(out, "**Distributed run:** {}\n", cell(&label));
        }
        if let Some(line) = stop_line(run) {
            let _ = writeln!(out, "{line}\n");
        }
        if let Some(headline) = self.validity.as_ref().and_then(super::validity::Validity::headline) {
            let _ = writeln!(out, "**{}**\n", cell(&headline));
        }
        self.verdicts_markdown(&mut out);
        if !self.targets.is_empty() {
            out.push_str(
                "| target | share | arrivals | requests | errors | p99 |\n|---|--:|--:|--:|--:|--:|\n",
            );
            for t in &self.targets {
                let _ = writeln!(
                    out,
                    "| {} | {:.1}% | {} | {} | {} | {} |",
                    cell(&t.name),
                    t.share * 100.0,
                    count(t.arrivals_started as f64),
                    count(t.requests as f64),
                    count(t.errors as f64),
                    human_us(t.response_us.p99)
                );
            }
            out.push('\n');
        }
        for o in &self.outages {
            let state = if o.injected { "injected" } else { "**not injected**" };
            let _ = writeln!(
                out,
                "Outage `{}` {} → {}: {}, {state} ({}).\n",
                cell(&o.name),
                human_s(o.start_s),
                human_s(o.end_s),
                cell(&o.effect),
                cell(&o.note)
            );
        }

        out.push_str("| action | requests | errors | p50 | p90 | p99 | max | service p99 |\n");
        out.push_str("|---|--:|--:|--:|--:|--:|--:|--:|\n");
        // Requests inside multi-request actions follow their action's rows, indented by name.
        for a in self.actions.iter().chain(&self.parts) {
            let s = &a.stats;
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                cell(&a.name),
                count(s.requests as f64),
                count(s.errors.total() as f64),
                human_us(s.response_us.p50),
                human_us(s.response_us.p90),
                human_us(s.response_us.p99),
                human_us(s.response_us.max),
                human_us(s.service_us.p99),
            );
        }
        let a = &self.arrivals;
        let _ = writeln!(
            out,
            "\nLatencies are response times from the intended start.\n\n\
             **Arrivals** {} started of {} planned, {} dropped · **lateness** p99 {} · \
             **slots busy** max {} of {} · **journeys open** max {}",
            count(a.started as f64),
            count(a.planned as f64),
            count(a.dropped as f64),
            human_us(a.lateness_us.p99),
            count(self.slots_busy_max as f64),
            count(run.slots as f64),
            count(self.journeys_open_max as f64),
        );
        if let Some(chat) = &self.chat {
            let _ = writeln!(out, "\n**Live rooms** {}", chat.summary_line());
        }
        out
    }

    fn verdicts_markdown(&self, out: &mut String) {
        if self.verdicts.is_empty() {
            return;
        }
        let failed = self.verdicts.iter().filter(|v| v.failed).count();
        let _ = writeln!(out, "**Verdicts:** {failed} of {} failed\n", self.verdicts.len());
        out.push_str("| | check | outcome | measured | limit |\n|---|---|---|--:|--:|\n");
        for v in &self.verdicts {
            let _ = writeln!(
                out,
                "| {} | `{}` | {} | {} | {} |",
                if v.failed { "❌" } else { "✅" },
                v.name.replace('`', "'").replace('|', "\\|"),
                cell(v.outcome.as_str()),
                value_text(v.measured, &v.unit),
                value_text(v.limit, &v.unit),
            );
        }
        out.push('\n');
    }
}

/// Text safe inside a table cell: pipes escaped, newlines flattened.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// Why the run ended early, if it did: interrupted, or stopped by an `abort` threshold.
fn stop_line(run: &super::RunInfo) -> Option<String> {
    match (run.interrupted, &run.interrupt_reason, &run.aborted) {
        (true, Some(reason), _) => Some(format!("**Interrupted:** {}", cell(reason))),
        (_, _, Some(aborted)) => Some(format!("**Aborted:** {}", cell(&aborted.line()))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::report::fixture;
    use crate::report::model::Verdict;

    #[test]
    fn summary_of_a_canned_run() {
        let mut report = fixture::report();
        report.run.interrupted = false;
        report.verdicts.push(Verdict {
            kind: crate::report::VerdictKind::Threshold,
            name: "create_post.response.p99 < 800ms".into(),
            outcome: crate::report::Outcome::Pass,
            failed: false,
            measured: Some(2_980.0),
            limit: Some(800_000.0),
            unit: "us".into(),
            message: "measured 2.98ms, limit < 800ms".into(),
        });
        let md = report.render_markdown();
        assert!(md.starts_with("## ✅ stampede · rednote-2025-01 · PASS\n"), "{md}");
        assert!(
            md.contains("| create_post | 1,000 | 10 | 2.00ms | 2.80ms | 2.98ms | 3.00ms | 990µs |"),
            "{md}"
        );
        assert!(md.contains("| ✅ | `create_post.response.p99 < 800ms` | pass | 2.98ms | 800ms |"), "{md}");
        report.verdicts[0].failed = true;
        assert!(report.render_markdown().contains("❌ stampede · rednote-2025-01 · FAIL"));
    }

    #[test]
    fn pipes_do_not_break_the_table() {
        let mut report = fixture::report();
        report.run.description = "a | b\nc".into();
        assert!(report.render_markdown().contains("a \\| b c"));
    }
}
