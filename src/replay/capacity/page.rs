//! `capacity.html`: one self-contained page (inline CSS and SVG, no script) with the answer
//! and two charts against the surge's size — response p99 per action and the error rate
//! per action — each with the thresholds as horizontal lines and the boundary between the
//! largest passing and the smallest failing size shaded; then the steps' table.
//!
//! Charts are drawn with the report's SVG kit, so they carry the same `data-series` and
//! `data-frame` attributes a reader (the tests) turns back into values.

use std::fmt::Write as _;

use super::model::{CapacityReport, Step};
use crate::report::html::svg::{Axis, Band, Layer, Plot, Shape, escape, nice_ticks};
use crate::scenario::threshold::{Metric, Stat, Subject, Threshold};

/// Colours of the actions (Tableau 10, as in report.html).
const PALETTE: [&str; 10] = [
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
    "#bab0ac",
];
/// Threshold lines.
const LIMIT: &str = "#d62728";

/// The whole page.
pub fn render(report: &CapacityReport) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{} · stampede capacity</title>\
         <style>{}</style></head><body><main>",
        escape(&report.scenario),
        crate::report::html::STYLE
    );
    let badge = match (report.verdict.as_str(), &report.headroom) {
        ("invalid" | "interrupted", _) => "interrupted",
        (_, Some(h)) if !h.met => "fail",
        _ => "pass",
    };
    let _ = write!(
        out,
        r#"<header><div class="headline"><h1>Capacity · {}</h1><span class="badge {badge}">{}</span></div><p class="description">{}</p><p>{} · scaling the {} · seed {} · precision {:.0}% · repeats {}</p></header>"#,
        escape(&report.scenario),
        escape(&report.verdict),
        escape(&report.answer),
        escape(&report.target),
        escape(&report.scale_by),
        report.seed,
        report.precision * 100.0,
        report.repeats
    );
    let thresholds: Vec<Threshold> =
        report.thresholds.iter().filter_map(|t| crate::scenario::threshold::parse(t).ok()).collect();
    out.push_str("<div class=\"grid\">");
    card(
        &mut out,
        "Response p99 by action against size",
        "from the intended start; dashed: thresholds",
        &latency(report, &thresholds),
    );
    card(
        &mut out,
        "Error rate by action against size",
        "errors over requests; dashed: thresholds",
        &errors(report, &thresholds),
    );
    out.push_str("</div>");
    out.push_str(&table(&report.steps));
    out.push_str("<footer>stampede capacity · capacity.json has every figure; each step's run directory is under steps/</footer></main></body></html>\n");
    out
}

fn card(out: &mut String, title: &str, note: &str, plot: &(Plot, Vec<(String, String)>)) {
    let legend: String = (plot.1.iter())
        .map(|(name, color)| {
            let style = if color == LIMIT { "dashed" } else { "solid" };
            format!(
                r#"<span><i class="swatch {style}" style="border-color:{color}"></i>{}</span>"#,
                escape(name)
            )
        })
        .collect();
    let _ = write!(
        out,
        r#"<figure class="card wide"><figcaption><h3>{}</h3><p>{}</p><div class="legend">{legend}</div></figcaption>{}</figure>"#,
        escape(title),
        escape(note),
        plot.0.render()
    );
}

/// Action names in first-seen order.
fn actions(report: &CapacityReport) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for action in report.steps.iter().flat_map(|s| &s.actions) {
        if !names.contains(&action.name) {
            names.push(action.name.clone());
        }
    }
    names
}

/// The x axis (scale) and the boundary band.
fn x_axis(report: &CapacityReport) -> (Axis, Vec<Band>) {
    let max = report.steps.iter().map(|s| s.size.scale).fold(report.from, f64::max);
    let (ticks, end) = nice_ticks(0.0, max * 1.05, 6);
    let axis = Axis {
        min: 0.0,
        max: end,
        label: format!("× the scenario's size (scaling the {})", report.scale_by),
        ticks: ticks.iter().map(|t| (*t, format!("×{}", trim(*t)))).collect(),
    };
    let band = match (&report.passing, &report.failing) {
        (Some(pass), Some(fail)) => {
            vec![Band { x0: pass.scale, x1: fail.size.scale, label: "pass → fail".into() }]
        }
        _ => Vec::new(),
    };
    (axis, band)
}

/// A sample or compression with six significant digits at most, trailing zeros dropped.
pub fn short(x: f64) -> String {
    if !x.is_finite() || x == 0.0 {
        return x.to_string();
    }
    let decimals = (5.0 - x.abs().log10().floor()).clamp(0.0, 15.0) as usize;
    let text = format!("{x:.decimals$}");
    if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_string() } else { text }
}

fn trim(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// One line per action, `value` of each step (sorted by scale), and threshold lines.
fn plot(
    report: &CapacityReport,
    value: impl Fn(&Step, &str) -> Option<f64>,
    limits: Vec<(String, f64)>,
    y_label: &str,
    y_tick: impl Fn(f64) -> String,
) -> (Plot, Vec<(String, String)>) {
    let (x, bands) = x_axis(report);
    let mut steps: Vec<&Step> =
        report.steps.iter().filter(|s| s.outcome == "pass" || s.outcome == "fail").collect();
    steps.sort_by(|a, b| a.size.scale.total_cmp(&b.size.scale).then(a.index.cmp(&b.index)));
    let mut layers = Vec::new();
    let mut legend = Vec::new();
    let mut y_max: f64 = 0.0;
    for (i, name) in actions(report).iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()].to_string();
        let points: Vec<(f64, f64)> =
            steps.iter().filter_map(|s| value(s, name).map(|v| (s.size.scale, v))).collect();
        y_max = points.iter().map(|p| p.1).fold(y_max, f64::max);
        legend.push((name.clone(), color.clone()));
        layers.push(Layer { name: name.clone(), color, shape: Shape::Line { points, dashed: false } });
    }
    for (name, limit) in limits {
        y_max = y_max.max(limit);
        legend.push((name.clone(), LIMIT.to_string()));
        layers.push(Layer { name, color: LIMIT.to_string(), shape: Shape::HLine(limit) });
    }
    let (ticks, end) = nice_ticks(0.0, (y_max * 1.1).max(f64::MIN_POSITIVE), 5);
    let y = Axis {
        min: 0.0,
        max: end,
        label: y_label.into(),
        ticks: ticks.iter().map(|t| (*t, y_tick(*t))).collect(),
    };
    (Plot { x, y, top: None, bands, layers, wide: true }, legend)
}

/// Whether a threshold applies to every action or names one.
fn subject_name(threshold: &Threshold) -> Option<String> {
    match &threshold.subject {
        Subject::Action(action) => Some(action.name().to_string()),
        Subject::All => Some("all".into()),
        _ => None,
    }
}

fn latency(report: &CapacityReport, thresholds: &[Threshold]) -> (Plot, Vec<(String, String)>) {
    let limits = (thresholds.iter())
        .filter(|t| matches!(t.metric, Metric::Response(Stat::Percentile(_))))
        .filter_map(|t| subject_name(t).map(|_| (t.text.clone(), t.limit)))
        .collect();
    let value =
        |s: &Step, name: &str| s.actions.iter().find(|a| a.name == name).map(|a| a.response_p99_us as f64);
    plot(report, value, limits, "response p99", |us| crate::human::us(us as u64))
}

fn errors(report: &CapacityReport, thresholds: &[Threshold]) -> (Plot, Vec<(String, String)>) {
    let limits = (thresholds.iter())
        .filter(|t| matches!(t.metric, Metric::ErrorRate))
        .filter_map(|t| subject_name(t).map(|_| (t.text.clone(), t.limit * 100.0)))
        .collect();
    let value =
        |s: &Step, name: &str| s.actions.iter().find(|a| a.name == name).map(|a| a.error_rate * 100.0);
    plot(report, value, limits, "error rate (%)", |p| format!("{}%", trim(p)))
}

fn table(steps: &[Step]) -> String {
    let mut out = String::from(
        "<h2>Steps</h2><table><thead><tr><th>step</th><th>× scenario</th><th>sample</th><th>compress</th>\
         <th>× real rate</th><th>peak arrivals/s</th><th>peak requests/s</th><th>outcome</th><th>failed</th>\
         <th>run directory</th></tr></thead><tbody>",
    );
    for s in steps {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{:.4}</td><td>{}</td><td>{}</td><td>{:.3}</td><td>{:.1}</td><td>{:.1}</td>\
             <td class=\"{}\">{}</td><td>{}</td><td><a href=\"{dir}/report.html\">{dir}</a></td></tr>",
            s.index,
            s.size.scale,
            short(s.size.sample),
            short(s.size.compress),
            s.size.real_multiple,
            s.size.peak_arrivals_per_s,
            s.size.peak_requests_per_s,
            if s.outcome == "pass" { "pass" } else { "fail" },
            escape(&s.outcome),
            escape(&s.failed.join("; ")),
            dir = escape(&s.size.run_dir),
        );
    }
    out.push_str("</tbody></table>");
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn samples_print_with_six_significant_digits() {
        assert_eq!(super::short(0.04362030930661031), "0.0436203");
        assert_eq!(super::short(15360.0), "15360");
        assert_eq!(super::short(0.002), "0.002");
        assert_eq!(super::short(2.5), "2.5");
    }
}
