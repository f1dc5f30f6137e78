//! The report page's numbers tables: every action's latencies and errors, one action in
//! detail (both latencies at every percentile, errors by class), and the journeys.

use std::fmt::Write;

use super::svg::escape;
use crate::human::{count, percent_of as percent, us as human_us};
use crate::report::model::{ActionReport, LatencyStats, Report};

pub(super) fn action_table(actions: &[ActionReport]) -> String {
    let mut out = String::from(
        r#"<table class="numbers"><thead><tr><th>action</th><th>requests</th><th>errors</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th><th>own p50</th><th>own p99</th><th>service p50</th><th>service p99</th></tr></thead><tbody>"#,
    );
    // p50…max are the response time (the journey's delay, what thresholds judge); own is
    // the delay the request caused itself, so a stall shows on the step that caused it.
    for (index, a) in actions.iter().enumerate() {
        let s = &a.stats;
        let r = &s.response_us;
        let _ = write!(
            out,
            r#"<tr><td><i class="dot" style="background:{}"></i>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
            super::charts::action_color(index),
            escape(&a.name),
            count(s.requests as f64),
            percent(s.errors.total(), s.requests),
            human_us(r.p50),
            human_us(r.p90),
            human_us(r.p99),
            human_us(r.p999),
            human_us(r.max),
            human_us(s.own_us.p50),
            human_us(s.own_us.p99),
            human_us(s.service_us.p50),
            human_us(s.service_us.p99),
        );
    }
    out.push_str("</tbody></table>");
    out
}

/// One action's numbers: both latencies at every percentile, and its errors by class.
pub(super) fn action_detail_table(action: &ActionReport) -> String {
    let s = &action.stats;
    let mut out = String::from(
        r#"<table class="numbers detail"><thead><tr><th></th><th>count</th><th>mean</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th></tr></thead><tbody>"#,
    );
    let row = |out: &mut String, name: &str, l: &LatencyStats| {
        let _ = write!(
            out,
            "<tr><td>{name}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            count(l.count as f64),
            human_us(l.mean.max(0.0).round() as u64),
            human_us(l.p50),
            human_us(l.p90),
            human_us(l.p99),
            human_us(l.p999),
            human_us(l.max)
        );
    };
    row(&mut out, "response", &s.response_us);
    row(&mut out, "own delay", &s.own_us);
    row(&mut out, "service", &s.service_us);
    out.push_str("</tbody></table>");
    let classes: Vec<String> = (s.errors.by_class().iter())
        .filter(|(_, n)| *n > 0)
        .map(|(name, n)| format!("{name} {}", count(*n as f64)))
        .collect();
    let errors = if classes.is_empty() { "none".to_string() } else { classes.join(" · ") };
    let _ = write!(
        out,
        r#"<p class="errors-line">errors: {} of {} ({}) — {}</p>"#,
        count(s.errors.total() as f64),
        count(s.requests as f64),
        percent(s.errors.total(), s.requests),
        escape(&errors)
    );
    out
}

pub(super) fn journey_table(r: &Report) -> String {
    let mut out = String::from(
        r#"<table class="numbers"><thead><tr><th>journey</th><th>ended</th><th>completed</th><th>skipped steps</th><th>p50</th><th>p99</th><th>max</th></tr></thead><tbody>"#,
    );
    for j in &r.journeys {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&j.name),
            count(j.started as f64),
            count(j.completed as f64),
            count(j.skipped_steps as f64),
            human_us(j.response_us.p50),
            human_us(j.response_us.p99),
            human_us(j.response_us.max)
        );
    }
    out.push_str("</tbody></table>");
    out
}
