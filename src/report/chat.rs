//! The live-room lines of the console summary, `summary.md` and `report.html`: one place
//! that words the `chat` section, so the three say the same thing.

use std::fmt::Write;

use super::model::ChatReport;
use crate::human::{count, us as human_us};

impl ChatReport {
    /// Stream failures of every class.
    pub fn stream_failures(&self) -> u64 {
        self.stream_errors.total()
    }

    /// One line: messages, deliveries and their latency, members, what went wrong.
    pub fn summary_line(&self) -> String {
        let d = &self.delivery_us;
        let mut line = format!(
            "{} messages → {} deliveries · delivery p50 {} p99 {} max {} · max {} members",
            count(self.messages_sent as f64),
            count(self.deliveries as f64),
            human_us(d.p50),
            human_us(d.p99),
            human_us(d.max),
            count(self.max_members as f64),
        );
        let failed = self.stream_failures();
        if self.missed + failed + self.streams_broken > 0 {
            let _ = write!(
                line,
                " · {} missed, {} streams failed, {} broke",
                count(self.missed as f64),
                count(failed as f64),
                count(self.streams_broken as f64)
            );
        }
        line
    }

    /// A small HTML table of the section (the caller escapes nothing: all numbers).
    pub fn html_table(&self) -> String {
        let d = &self.delivery_us;
        let c = &self.connect_us;
        let rows = [
            ("messages sent", count(self.messages_sent as f64)),
            ("deliveries", count(self.deliveries as f64)),
            (
                "delivery p50 / p90 / p99 / max",
                format!(
                    "{} / {} / {} / {}",
                    human_us(d.p50),
                    human_us(d.p90),
                    human_us(d.p99),
                    human_us(d.max)
                ),
            ),
            ("missed (lagged)", count(self.missed as f64)),
            ("streams opened", count(self.streams_opened as f64)),
            ("streams failed / broken", format!("{} / {}", self.stream_failures(), self.streams_broken)),
            ("stream connect p50 / p99", format!("{} / {}", human_us(c.p50), human_us(c.p99))),
            ("max members at once", count(self.max_members as f64)),
        ];
        let mut out = String::from("<table><tbody>");
        for (name, value) in rows {
            let _ = write!(out, "<tr><th>{name}</th><td class=\"num\">{value}</td></tr>");
        }
        out.push_str("</tbody></table>");
        out
    }
}
