//! `ab.html`: two runs replayed together (`stampede ab`) side by side on one time axis —
//! the paired verdicts first, then per action the baseline's and the candidate's p50 and
//! p99 over the same seconds, so a reader sees whether a gap is steady (a regression) or
//! a moment both runs shared (noise).

use std::fmt::Write;

use super::charts::{self, Card};
use super::latency::Kind;
use super::svg::{Layer, Plot, Shape, escape};
use super::{STYLE, card, section};
use crate::report::Verdict;
use crate::report::model::{Report, SeriesAction};

/// Baseline and candidate colours (the same pair in every chart).
const BASELINE: &str = "#4e79a7";
const CANDIDATE: &str = "#e15759";

/// What the page shows besides the two reports.
#[derive(Debug, Clone, Copy)]
pub struct PairPage<'a> {
    pub baseline: &'a Report,
    pub candidate: &'a Report,
    /// Where each run went (a URL, or the build that served it).
    pub labels: [&'a str; 2],
    /// The paired comparison's verdicts, one per action and percentile.
    pub verdicts: &'a [Verdict],
    /// Which latency was compared.
    pub kind: Kind,
    /// One paragraph on how the runs were paired and judged.
    pub method: &'a str,
    /// Warnings (settings that differ, interrupted runs).
    pub warnings: &'a [String],
}

impl PairPage<'_> {
    /// The whole `ab.html`.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(128 * 1024);
        let title = format!("{} · stampede ab", self.baseline.run.scenario);
        let _ = write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{}</title><style>{STYLE}</style></head><body><main>",
            escape(&title)
        );
        self.header(&mut out);
        self.verdict_table(&mut out);
        section(
            &mut out,
            "Latency by action, side by side",
            &format!("{}: p50 solid, p99 dashed; baseline blue, candidate red", kind_name(self.kind)),
        );
        out.push_str(r#"<div class="grid">"#);
        for action in &self.baseline.actions {
            card(&mut out, &self.action_card(&action.name), true);
        }
        out.push_str("</div>");
        let _ = writeln!(
            out,
            "<footer>stampede {} · the two run directories hold each run's own report</footer></main></body></html>",
            escape(&self.baseline.run.stampede_version)
        );
        out
    }

    fn header(&self, out: &mut String) {
        let regressed = self.verdicts.iter().filter(|v| v.failed).count();
        let (class, headline) = if regressed == 0 {
            ("pass", "no regression".to_string())
        } else {
            ("fail", format!("{regressed} regressed"))
        };
        let _ = write!(
            out,
            r#"<header><h1>{}</h1><p class="verdict {class}">{headline}</p><p>baseline <code>{}</code> · candidate <code>{}</code> · seed {} · ×{} compression</p><p class="section-note">{}</p>"#,
            escape(&self.baseline.run.scenario),
            escape(self.labels[0]),
            escape(self.labels[1]),
            self.baseline.run.seed,
            self.baseline.run.compress,
            escape(self.method)
        );
        for warning in self.warnings {
            let _ = write!(out, r#"<p class="warning">{}</p>"#, escape(warning));
        }
        out.push_str("</header>");
    }

    fn verdict_table(&self, out: &mut String) {
        let regressed = self.verdicts.iter().filter(|v| v.failed).count();
        section(out, "Paired comparison", &format!("{regressed} of {} rows regressed", self.verdicts.len()));
        out.push_str(r#"<table class="verdicts"><thead><tr><th></th><th>check</th><th>outcome</th><th>candidate vs baseline [confidence interval]</th></tr></thead><tbody>"#);
        for v in self.verdicts {
            let (class, mark) = if v.failed { ("fail", "✗") } else { ("pass", "✓") };
            let _ = write!(
                out,
                r#"<tr class="{class}"><td class="mark">{mark}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>"#,
                escape(&v.name),
                escape(v.outcome.as_str()),
                escape(&v.message)
            );
        }
        out.push_str("</tbody></table>");
    }

    /// p50 and p99 of both runs for one action over the replay clock.
    fn action_card(&self, name: &str) -> Card {
        let (x, _) = charts::time_axes(self.baseline);
        let pick = |a: &SeriesAction, p99: bool| match (self.kind, p99) {
            (Kind::Response, false) => a.response_p50_us,
            (Kind::Response, true) => a.response_p99_us,
            (Kind::Service, false) => a.service_p50_us,
            (Kind::Service, true) => a.service_p99_us,
        };
        let mut layers = Vec::new();
        let mut y_max = 0u64;
        for (run, who, color) in
            [(self.baseline, "baseline", BASELINE), (self.candidate, "candidate", CANDIDATE)]
        {
            let dt = run.interval_s.max(1e-3);
            for p99 in [false, true] {
                let points: Vec<(f64, f64)> = (run.series.iter())
                    .map(|s| {
                        let value = s.actions.iter().find(|a| a.name == name).map(|a| pick(a, p99));
                        y_max = y_max.max(value.unwrap_or(0));
                        // An interval without requests of this action is a gap, not a zero.
                        (s.t_s + dt / 2.0, value.map_or(f64::NAN, |v| v as f64))
                    })
                    .collect();
                let label = format!("{who} {}", if p99 { "p99" } else { "p50" });
                layers.push(Layer {
                    name: label,
                    color: color.to_string(),
                    shape: Shape::Line { points, dashed: p99 },
                });
            }
        }
        let legend = layers
            .iter()
            .map(|l| (l.name.clone(), l.color.clone(), matches!(l.shape, Shape::Line { dashed: true, .. })))
            .collect();
        let interval = self.baseline.interval_s;
        Card {
            title: format!("{name}: {}", kind_name(self.kind)),
            note: format!("per {interval} s interval, both runs on one clock"),
            legend,
            svg: Plot {
                x,
                y: charts::latency_axis(y_max as f64, "latency"),
                layers,
                bands: charts::bands(self.baseline),
                wide: true,
                ..Plot::default()
            }
            .render(),
        }
    }
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Response => "response time from the intended start",
        Kind::Service => "service time",
    }
}
