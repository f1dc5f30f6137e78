//! `report.html`: one self-contained page (inline CSS and SVG, no script, no fetches)
//! that shows a run the way a capacity planner reads it: the verdict first, then the
//! load the generator achieved, then latency per action.
//!
//! - [`svg`]: the small plotting kit.
//! - [`charts`]: one chart per question, from report data alone.
//! - [`latency`]: each action's latency over time and percentile spectrum.
//! - [`format`]: compact tick and caption formats.
//! - [`tables`]: the numbers tables (actions, one action in detail, journeys).
//! - [`pair`]: `ab.html`, two runs replayed together side by side (`stampede ab`).

mod charts;
mod format;
mod latency;
mod pair;
pub mod svg;
mod tables;

pub use self::latency::Kind;
pub use self::pair::PairPage;

use std::fmt::Write;

use self::charts::Card;
use self::svg::escape;
use self::tables::{action_detail_table, action_table, journey_table};
use super::model::{ActionReport, Report};
use super::{RunStatus, SCHEMA_VERSION};
use crate::human::{count, seconds as human_s, us as human_us};

/// The stylesheet, inline so the file works opened from disk or attached to a CI run.
pub const STYLE: &str = include_str!("html/style.css");

impl Report {
    /// The whole `report.html`.
    pub fn render_html(&self) -> String {
        let mut out = String::with_capacity(256 * 1024);
        let title = format!("{} · stampede report", self.run.scenario);
        let _ = write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{}</title><style>{STYLE}</style></head><body><main>",
            escape(&title)
        );
        header(&mut out, self);
        kpis(&mut out, self);
        verdicts(&mut out, self);
        unsupported(&mut out, self);
        outages(&mut out, self);
        targets(&mut out, self);

        section(&mut out, "Load", "what the generator sent, on the replay clock");
        out.push_str(r#"<div class="grid">"#);
        card(&mut out, &charts::arrivals(self), true);
        out.push_str(r#"</div><div class="grid three">"#);
        card(&mut out, &charts::slots_busy(self), false);
        card(&mut out, &charts::errors(self), false);
        card(&mut out, &charts::lateness(self), false);
        out.push_str("</div>");

        section(
            &mut out,
            "Latency by action",
            "response time counts from the intended start (free of coordinated omission); \
             service time from the send",
        );
        out.push_str(&action_table(&self.actions));
        for (index, action) in self.actions.iter().enumerate() {
            action_section(&mut out, self, index, action);
        }
        if !self.parts.is_empty() {
            section(
                &mut out,
                "Requests inside actions",
                "each request of a multi-request action, measured on its own (counted once, in its action)",
            );
            out.push_str(&action_table(&self.parts));
        }
        if let Some(chat) = &self.chat {
            section(
                &mut out,
                "Live rooms",
                "chat messages from their send to each room member reading them off its event stream",
            );
            out.push_str(&chat.html_table());
        }
        if !self.journeys.is_empty() {
            section(&mut out, "Journeys", "from the intended start of a journey to the end of its last step");
            out.push_str(&journey_table(self));
        }
        let _ = writeln!(
            out,
            "<footer>stampede {} · {} · generated from report.json; re-render with \
             <code>stampede report DIR</code></footer></main></body></html>",
            escape(&self.run.stampede_version),
            SCHEMA_VERSION
        );
        out
    }
}

fn header(out: &mut String, r: &Report) {
    let run = &r.run;
    let (badge, class) = match r.status() {
        RunStatus::Pass => ("PASS", "pass"),
        RunStatus::Fail => ("FAIL", "fail"),
        RunStatus::Interrupted => ("INTERRUPTED", "interrupted"),
        RunStatus::Invalid => ("INVALID: generator-bound", "interrupted"),
        RunStatus::Aborted => ("FAIL: aborted", "fail"),
    };
    let _ = write!(
        out,
        r#"<header><div class="headline"><h1>{}</h1><span class="badge {class}">{badge}</span></div><p class="description">{}</p>"#,
        escape(&run.scenario),
        escape(&run.description)
    );
    if let Some(headline) = r.validity.as_ref().and_then(crate::report::validity::Validity::headline) {
        let _ = write!(out, r#"<p class="description invalid"><strong>{}</strong></p>"#, escape(&headline));
    }
    if let Some(label) = run.segments_label() {
        let _ = write!(out, r#"<p class="description">Distributed run: {}</p>"#, escape(&label));
    }
    if let (true, Some(reason)) = (run.interrupted, &run.interrupt_reason) {
        let _ = write!(out, r#"<p class="warning">Interrupted: {}</p>"#, escape(reason));
    }
    if let Some(aborted) = &run.aborted {
        let _ = write!(out, r#"<p class="warning">Aborted: {}</p>"#, escape(&aborted.line()));
    }
    let transport =
        run.transport.as_ref().map_or_else(|| "not recorded".to_string(), crate::net::Transport::label);
    let settings: [(&str, String); 13] = [
        ("scenario file", run.scenario_file.clone()),
        ("seed", run.seed.to_string()),
        ("compression", format!("×{}", run.compress)),
        ("sampling", format!("{}", run.sample)),
        ("think time", run.think.clone()),
        ("target", run.target.clone()),
        ("profile", run.profile.clone()),
        ("stampede", run.stampede_version.clone()),
        ("started", run.started_at.clone()),
        ("replay", format!("{} planned, {} ran", human_s(run.replay_duration_s), human_s(run.elapsed_s))),
        ("executor slots", run.slots_label()),
        ("lateness budget", human_us(run.lateness_budget_ms.saturating_mul(1_000))),
        ("transport", transport),
    ];
    out.push_str(r#"<dl class="settings">"#);
    for (name, value) in settings {
        let _ = write!(out, "<div><dt>{name}</dt><dd>{}</dd></div>", escape(&value));
    }
    out.push_str("</dl></header>");
}

fn kpis(out: &mut String, r: &Report) {
    let a = &r.arrivals;
    let error_rate = if r.requests == 0 { 0.0 } else { r.errors as f64 * 100.0 / r.requests as f64 };
    let worst_p99 = r.actions.iter().map(|a| a.stats.response_us.p99).max().unwrap_or(0);
    let items = [
        ("requests", count(r.requests as f64), String::new()),
        ("errors", format!("{error_rate:.2}%"), format!("{} failed", count(r.errors as f64))),
        ("arrivals", count(a.started as f64), format!("of {} planned", count(a.planned as f64))),
        ("dropped", count(a.dropped as f64), "over the lateness budget".to_string()),
        ("worst p99", human_us(worst_p99), "response, any action".to_string()),
        ("lateness p99", human_us(a.lateness_us.p99), "start behind schedule".to_string()),
        (
            "slots busy",
            count(r.slots_busy_max as f64),
            format!("peak, of {} slots", count(r.run.slots as f64)),
        ),
    ];
    out.push_str(r#"<section class="kpis">"#);
    for (name, value, sub) in items {
        let _ = write!(
            out,
            r#"<div class="kpi"><div class="kpi-name">{name}</div><div class="kpi-value">{}</div><div class="kpi-sub">{}</div></div>"#,
            escape(&value),
            escape(&sub)
        );
    }
    out.push_str("</section>");
}

fn verdicts(out: &mut String, r: &Report) {
    if r.verdicts.is_empty() {
        if !r.run.thresholds.is_empty() {
            section(out, "Thresholds", "declared by the scenario, not judged in this report");
            out.push_str(r#"<ul class="thresholds">"#);
            for t in &r.run.thresholds {
                let _ = write!(out, "<li><code>{}</code></li>", escape(t));
            }
            out.push_str("</ul>");
        }
        return;
    }
    let failed = r.verdicts.iter().filter(|v| v.failed).count();
    section(out, "Verdicts", &format!("{failed} of {} checks failed", r.verdicts.len()));
    out.push_str(r#"<table class="verdicts"><thead><tr><th></th><th>check</th><th>kind</th><th>outcome</th><th>details</th></tr></thead><tbody>"#);
    for v in &r.verdicts {
        let class = if v.failed { "fail" } else { "pass" };
        let mark = if v.failed { "✗" } else { "✓" };
        let _ = write!(
            out,
            r#"<tr class="{class}"><td class="mark">{mark}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
            escape(&v.name),
            escape(v.kind.as_str()),
            escape(v.outcome.as_str()),
            escape(&v.message)
        );
    }
    out.push_str("</tbody></table>");
}

fn unsupported(out: &mut String, r: &Report) {
    if r.unsupported.is_empty() {
        return;
    }
    out.push_str(
        r#"<div class="notice"><strong>Skipped actions</strong> (the target profile cannot serve them):<ul>"#,
    );
    for u in &r.unsupported {
        let _ = write!(out, "<li><code>{}</code>: {}</li>", escape(&u.action), escape(&u.reason));
    }
    out.push_str("</ul></div>");
}

fn outages(out: &mut String, r: &Report) {
    if r.outages.is_empty() {
        return;
    }
    out.push_str(
        r#"<div class="notice"><strong>Outage windows</strong> (faults the scenario injected into the target; shaded as phases in the charts):<ul>"#,
    );
    for o in &r.outages {
        let state = if o.injected { "injected" } else { "<strong>not injected</strong>" };
        let _ = write!(
            out,
            "<li><code>{}</code> {:.2}s → {:.2}s, {}: {state} ({})</li>",
            escape(&o.name),
            o.start_s,
            o.end_s,
            escape(&o.effect),
            escape(&o.note)
        );
    }
    out.push_str("</ul></div>");
}

fn targets(out: &mut String, r: &Report) {
    if r.targets.is_empty() {
        return;
    }
    section(
        out,
        "Targets",
        "each target's share of the surge; everything else on this page covers all of them",
    );
    out.push_str(
        "<table><thead><tr><th>target</th><th>share</th><th>arrivals</th><th>requests</th>\
         <th>errors</th><th>response p50</th><th>p99</th><th>run</th></tr></thead><tbody>",
    );
    for t in &r.targets {
        let _ = write!(
            out,
            "<tr><td><code>{}</code> {}</td><td>{:.1}%</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{}</td><td><a href=\"{}/report.html\">{}</a></td></tr>",
            escape(&t.name),
            escape(&t.url),
            t.share * 100.0,
            count(t.arrivals_started as f64),
            count(t.requests as f64),
            count(t.errors as f64),
            human_us(t.response_us.p50),
            human_us(t.response_us.p99),
            escape(&t.run_dir),
            escape(&t.run_dir)
        );
    }
    out.push_str("</tbody></table>");
}

fn section(out: &mut String, title: &str, note: &str) {
    let _ = write!(out, r#"<h2>{}</h2><p class="section-note">{}</p>"#, escape(title), escape(note));
}

fn card(out: &mut String, card: &Card, wide: bool) {
    let class = if wide { "card wide" } else { "card" };
    let _ = write!(
        out,
        r#"<figure class="{class}"><figcaption><h3>{}</h3><p>{}</p><div class="legend">"#,
        escape(&card.title),
        escape(&card.note)
    );
    for (name, color, dashed) in &card.legend {
        let style = if *dashed { "dashed" } else { "solid" };
        let _ = write!(
            out,
            r#"<span><i class="swatch {style}" style="border-color:{}"></i>{}</span>"#,
            escape(color),
            escape(name)
        );
    }
    let _ = write!(out, "</div></figcaption>{}</figure>", card.svg);
}

fn action_section(out: &mut String, r: &Report, index: usize, action: &ActionReport) {
    let color = charts::action_color(index);
    let _ = write!(out, r#"<h3 class="action" style="border-color:{color}">{}</h3>"#, escape(&action.name));
    out.push_str(&action_detail_table(action));
    let y = latency::action_y_max(r, &action.name);
    out.push_str(r#"<div class="grid three">"#);
    card(out, &latency::action_over_time(r, &action.name, Kind::Response, y), false);
    card(out, &latency::action_over_time(r, &action.name, Kind::Service, y), false);
    card(out, &latency::action_spectrum(action, color), false);
    out.push_str("</div>");
}

#[cfg(test)]
mod tests {
    use crate::report::fixture;
    use crate::report::model::Verdict;

    #[test]
    fn the_page_is_self_contained_and_complete() {
        let mut report = fixture::report();
        report.verdicts.push(Verdict {
            kind: crate::report::VerdictKind::Threshold,
            name: "create_post.response.p99 < 800ms".into(),
            outcome: crate::report::Outcome::Fail,
            failed: true,
            measured: Some(912_000.0),
            limit: Some(800_000.0),
            unit: "us".into(),
            message: "measured 912ms, limit < 800ms".into(),
        });
        let html = report.render_html();
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.trim_end().ends_with("</html>"));
        // No network: no scripts, links or remote sources.
        for forbidden in ["<script", "<link", "src=\"http", "url(http", "@import"] {
            assert!(!html.contains(forbidden), "found {forbidden}");
        }
        // Arrivals, in flight, lateness, errors + 3 per action.
        assert_eq!(html.matches("<svg").count(), 4 + 3 * report.actions.len());
        assert!(html.contains("INTERRUPTED"));
        assert!(html.contains("measured 912ms, limit &lt; 800ms"));
        assert!(html.contains("real time of the surge"));
    }

    #[test]
    fn hostile_text_is_escaped() {
        let mut report = fixture::report();
        report.run.scenario = "<script>alert(1)</script>".into();
        report.run.description = "\"quoted\" & <b>".into();
        let html = report.render_html();
        assert!(!html.contains("<script>alert"));
        assert!(html.contains("&lt;script&gt;"));
    }

    #[test]
    fn an_empty_report_still_renders() {
        let mut report = fixture::report();
        report.actions.clear();
        report.series.clear();
        report.plan.clear();
        report.intervals.clear();
        report.arrivals = Default::default();
        let html = report.render_html();
        assert_eq!(html.matches("<svg").count(), 4);
        assert!(!html.contains("NaN"));
    }
}
