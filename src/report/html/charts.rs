//! The report's charts, each built from `report.json` data alone: arrivals planned vs
//! achieved (with the curve's real-time clock on top), in-flight requests, errors by
//! class and start lateness (each action's latency charts are in `latency`).
//!
//! Every function returns a [`Card`]: a title, a note, an HTML legend and the SVG.
//! Missing or undecodable data gives an empty chart with a note, never a panic.

use super::format::{short_duration_s, short_us};
use super::svg::{Axis, Band, Layer, Plot, Shape, nice_ticks};
use crate::metrics::histogram;
use crate::report::model::Report;

/// One chart with its caption.
#[derive(Debug, Clone)]
pub struct Card {
    pub title: String,
    /// One line under the title: what is plotted and how to read it.
    pub note: String,
    /// `(name, colour, dashed)` swatches.
    pub legend: Vec<(String, String, bool)>,
    pub svg: String,
}

/// Colours of actions, in the report's action order (Tableau 10: distinct, colour-blind
/// friendly enough, and calm on a white page).
const PALETTE: [&str; 10] = [
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
    "#bab0ac",
];

/// Colours of percentiles, the same in every latency chart.
pub(super) const PERCENTILES: [(&str, &str); 4] =
    [("p50", "#4e79a7"), ("p90", "#59a14f"), ("p99", "#f28e2b"), ("max", "#e15759")];

/// The colour of the `index`-th action.
pub fn action_color(index: usize) -> &'static str {
    PALETTE[index % PALETTE.len()]
}

/// The replay-clock x axis, and the curve's real-time clock on top when compressed.
pub(super) fn time_axes(report: &Report) -> (Axis, Option<Axis>) {
    let last = report.series.last().map_or(0.0, |p| p.t_s + report.interval_s);
    let end = report.run.replay_duration_s.max(last).max(report.run.elapsed_s.min(last.max(1.0)));
    // The axis ends where the run does, not at the next round tick past it.
    let (ticks, _) = nice_ticks(0.0, end, 6);
    let end = if end.is_finite() && end > 0.0 { end } else { 1.0 };
    let x = Axis {
        min: 0.0,
        max: end,
        label: "replay time".to_string(),
        ticks: ticks.iter().map(|t| (*t, short_duration_s(*t))).collect(),
    };
    let k = report.run.compress;
    let top = (k.is_finite() && k > 1.0).then(|| {
        let (real, _) = nice_duration_ticks(end * k, 6);
        Axis {
            min: 0.0,
            max: end,
            label: format!("real time of the surge (×{k} compression)"),
            ticks: real.iter().map(|r| (r / k, short_duration_s(*r))).collect(),
        }
    });
    (x, top)
}

/// Ticks at round durations (seconds, minutes, hours, days) up to `end_s`.
fn nice_duration_ticks(end_s: f64, target: usize) -> (Vec<f64>, f64) {
    const STEPS: [f64; 22] = [
        1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 10800.0,
        21600.0, 43200.0, 86400.0, 172800.0, 345600.0, 604800.0, 1209600.0,
    ];
    if !(end_s.is_finite() && end_s > 0.0) {
        return (vec![0.0], 1.0);
    }
    let raw = end_s / target.max(1) as f64;
    let Some(step) = STEPS.iter().copied().find(|s| *s >= raw) else {
        return nice_ticks(0.0, end_s, target);
    };
    let count = (end_s / step).floor() as usize;
    ((0..=count).map(|i| i as f64 * step).collect(), end_s)
}

pub(super) fn bands(report: &Report) -> Vec<Band> {
    (report.phases.iter()).map(|p| Band { x0: p.start_s, x1: p.end_s, label: p.name.clone() }).collect()
}

fn count_axis(max: f64, label: &str) -> Axis {
    let (ticks, end) = nice_ticks(0.0, max.max(1.0), 5);
    Axis {
        min: 0.0,
        max: end,
        label: label.to_string(),
        ticks: ticks.iter().map(|t| (*t, count_label(*t))).collect(),
    }
}

fn count_label(v: f64) -> String {
    if v >= 10_000.0 { format!("{}k", trim(v / 1e3)) } else { trim(v) }
}

fn trim(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

pub(super) fn latency_axis(max_us: f64, label: &str) -> Axis {
    let (ticks, end) = nice_ticks(0.0, max_us.max(1.0), 5);
    Axis {
        min: 0.0,
        max: end,
        label: label.to_string(),
        ticks: ticks.iter().map(|t| (*t, short_us(*t))).collect(),
    }
}

/// Planned vs achieved arrival rate over the replay, with drops and the phases.
pub fn arrivals(report: &Report) -> Card {
    let (x, top) = time_axes(report);
    let width = |i: usize| -> f64 {
        let here = report.plan.get(i).map_or(0.0, |p| p.t_s);
        let next = report.plan.get(i + 1).map(|p| p.t_s);
        let previous = i.checked_sub(1).and_then(|j| report.plan.get(j)).map(|p| p.t_s);
        match (next, previous) {
            (Some(n), _) if n > here => n - here,
            (_, Some(p)) if here > p => here - p,
            _ => report.interval_s.max(1e-3),
        }
    };
    let planned: Vec<(f64, f64)> = (report.plan.iter().enumerate())
        .map(|(i, p)| (p.t_s + width(i) / 2.0, p.planned as f64 / width(i)))
        .collect();
    let dt = report.interval_s.max(1e-3);
    let started: Vec<(f64, f64)> =
        report.series.iter().map(|p| (p.t_s + dt / 2.0, p.arrivals_started as f64 / dt)).collect();
    let dropped: Vec<(f64, f64)> =
        report.series.iter().map(|p| (p.t_s + dt / 2.0, p.dropped as f64 / dt)).collect();
    // Drops too: a burst of drops after a stall can exceed the planned rate.
    let peak = (planned.iter().chain(&started).chain(&dropped)).map(|p| p.1).fold(0.0, f64::max);
    let mut layers = vec![
        Layer {
            name: "planned".into(),
            color: "#9aa5b1".into(),
            shape: Shape::Line { points: planned, dashed: true },
        },
        Layer {
            name: "started".into(),
            color: "#4e79a7".into(),
            shape: Shape::Line { points: started, dashed: false },
        },
    ];
    if report.arrivals.dropped > 0 {
        layers.push(Layer {
            name: "dropped".into(),
            color: "#e15759".into(),
            shape: Shape::Line { points: dropped, dashed: false },
        });
    }
    let legend = layers.iter().map(|l| (l.name.clone(), l.color.clone(), l.name == "planned")).collect();
    let y = count_axis(peak, "arrivals / s");
    let plot = Plot { x, y, top, bands: bands(report), layers, wide: true };
    Card {
        title: "Arrivals: planned vs achieved".into(),
        note: format!(
            "newcomer arrivals per second of replay; {} planned, {} started, {} dropped",
            report.arrivals.planned, report.arrivals.started, report.arrivals.dropped
        ),
        legend,
        svg: plot.render(),
    }
}

/// Most worker slots busy in each interval, against the slots: the generator's own load.
/// Journeys open (people parked between steps hold no slot) are in the note.
pub fn slots_busy(report: &Report) -> Card {
    let (x, _) = time_axes(report);
    let dt = report.interval_s.max(1e-3);
    let points: Vec<(f64, f64)> =
        report.series.iter().map(|p| (p.t_s + dt / 2.0, p.slots_busy_max as f64)).collect();
    let peak = report.slots_busy_max as f64;
    let slots = report.run.slots as f64;
    // Draw the slot limit only when it is near enough to matter; a 4,096-slot line would
    // flatten a curve that peaks at 30.
    let show_slots = slots > 0.0 && slots <= peak * 2.0;
    let mut layers = vec![Layer {
        name: "slots busy (max per interval)".into(),
        color: "#b07aa1".into(),
        shape: Shape::Line { points, dashed: false },
    }];
    if show_slots {
        layers.push(Layer {
            name: "executor slots".into(),
            color: "#555".into(),
            shape: Shape::HLine(slots),
        });
    }
    let y = count_axis(if show_slots { peak.max(slots) } else { peak }, "worker slots busy");
    let legend =
        layers.iter().map(|l| (l.name.clone(), l.color.clone(), l.name == "executor slots")).collect();
    Card {
        title: "Worker slots busy".into(),
        note: format!(
            "peak {} of {} executor slots; journeys open peak {} (parked between steps, holding no slot)",
            report.slots_busy_max, report.run.slots, report.journeys_open_max
        ),
        legend,
        svg: Plot { x, y, top: None, bands: bands(report), layers, wide: false }.render(),
    }
}

/// Failed requests per second, stacked by class.
pub fn errors(report: &Report) -> Card {
    let (x, _) = time_axes(report);
    let dt = report.interval_s.max(1e-3);
    const COLORS: [&str; 9] =
        ["#9c755f", "#59a14f", "#edc948", "#b07aa1", "#f28e2b", "#e15759", "#76b7b2", "#ff9da7", "#bab0ac"];
    let mut layers: Vec<Layer> = Vec::new();
    let mut base = vec![0.0f64; report.series.len()];
    for (class, color) in (0..COLORS.len()).zip(COLORS) {
        let mut rects = Vec::new();
        for (i, p) in report.series.iter().enumerate() {
            let n = p.error_classes.by_class()[class].1 as f64 / dt;
            if n > 0.0 {
                rects.push([p.t_s, p.t_s + dt * 0.92, base[i], base[i] + n]);
                base[i] += n;
            }
        }
        if !rects.is_empty() {
            let name = crate::report::model::ErrorsReport::default().by_class()[class].0.to_string();
            layers.push(Layer { name, color: color.into(), shape: Shape::Rects(rects) });
        }
    }
    // Reports written before per-class counts existed still show the total.
    if layers.is_empty() && report.errors > 0 {
        let rects = (report.series.iter())
            .filter(|p| p.errors > 0)
            .map(|p| [p.t_s, p.t_s + dt * 0.92, 0.0, p.errors as f64 / dt])
            .collect();
        layers.push(Layer { name: "errors".into(), color: "#e15759".into(), shape: Shape::Rects(rects) });
        base = report.series.iter().map(|p| p.errors as f64 / dt).collect();
    }
    let peak = base.iter().copied().fold(0.0, f64::max);
    let legend = layers.iter().map(|l| (l.name.clone(), l.color.clone(), false)).collect();
    let note = if report.errors == 0 {
        "no failed requests".to_string()
    } else {
        format!("{} failed of {} requests, per second of replay, by class", report.errors, report.requests)
    };
    Card {
        title: "Errors over time".into(),
        note,
        legend,
        svg: Plot {
            x,
            y: count_axis(peak, "errors / s"),
            top: None,
            bands: bands(report),
            layers,
            wide: false,
        }
        .render(),
    }
}

/// Points of a percentile spectrum: x = −log10(1 − q), the "nines" (1 = 90 %, 2 = 99 %).
pub(super) fn spectrum(base64: &str) -> Option<(Vec<(f64, f64)>, f64)> {
    let h = histogram::decode_base64(base64).ok().filter(|h| !h.is_empty())?;
    // Beyond log10(count) nines every quantile is the maximum.
    let nines = (h.len() as f64).log10().clamp(1.0, 6.0);
    let steps = (nines * 40.0).ceil() as usize;
    let points = (0..=steps)
        .map(|i| {
            let x = nines * i as f64 / steps as f64;
            let q = 1.0 - 10f64.powf(-x);
            (x, h.value_at_quantile(q) as f64)
        })
        .collect();
    Some((points, nines))
}

pub(super) fn nines_axis(nines: f64) -> Axis {
    let max = nines.ceil().max(1.0);
    let mut ticks = vec![(0.0, "0%".to_string()), (2f64.log10(), "50%".to_string())];
    for n in 1..=(max as u32) {
        let label = format!("{}%", trim_percent(100.0 * (1.0 - 10f64.powi(-(n as i32)))));
        ticks.push((f64::from(n), label));
    }
    Axis { min: 0.0, max, label: "percentile (log scale of nines)".into(), ticks }
}

fn trim_percent(p: f64) -> String {
    let s = format!("{p:.5}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// How late arrivals started, as a percentile spectrum, against the lateness budget.
pub fn lateness(report: &Report) -> Card {
    let a = &report.arrivals;
    let budget_us = report.run.lateness_budget_ms as f64 * 1e3;
    let (points, nines) = spectrum(&a.lateness_histogram).unwrap_or((Vec::new(), 1.0));
    let max = a.lateness_us.max as f64;
    let mut layers = vec![Layer {
        name: "start lateness".into(),
        color: "#59a14f".into(),
        shape: Shape::Line { points, dashed: false },
    }];
    let show_budget = budget_us > 0.0 && budget_us <= max * 1.5;
    if show_budget {
        layers.push(Layer {
            name: "lateness budget".into(),
            color: "#e15759".into(),
            shape: Shape::HLine(budget_us),
        });
    }
    let y_max = if show_budget { max.max(budget_us) } else { max };
    let legend =
        layers.iter().map(|l| (l.name.clone(), l.color.clone(), l.name == "lateness budget")).collect();
    Card {
        title: "Start lateness".into(),
        note: format!(
            "actual − intended start of {} arrivals: p50 {}, p99 {}, max {}; budget {} (later arrivals are dropped)",
            a.lateness_us.count,
            short_us(a.lateness_us.p50 as f64),
            short_us(a.lateness_us.p99 as f64),
            short_us(max),
            short_us(budget_us)
        ),
        legend,
        svg: Plot { x: nines_axis(nines), y: latency_axis(y_max, "lateness"), layers, ..Plot::default() }
            .render(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::latency::{Kind, action_over_time, action_spectrum, action_y_max};
    use super::*;
    use crate::report::fixture;

    #[test]
    fn duration_ticks_are_round() {
        assert_eq!(
            nice_duration_ticks(3_600.0 * 24.0, 6).0,
            vec![0.0, 21_600.0, 43_200.0, 64_800.0, 86_400.0]
        );
        assert_eq!(nice_duration_ticks(100.0, 5).0, vec![0.0, 30.0, 60.0, 90.0]);
        assert_eq!(nice_duration_ticks(f64::NAN, 5).0, vec![0.0]);
    }

    #[test]
    fn nines_axis_labels() {
        let labels: Vec<String> = nines_axis(3.0).ticks.into_iter().map(|t| t.1).collect();
        assert_eq!(labels, ["0%", "50%", "90%", "99%", "99.9%"]);
    }

    #[test]
    fn every_chart_renders_for_the_fixture() {
        let report = fixture::report();
        let post = &report.actions[1];
        let y = action_y_max(&report, &post.name);
        assert_eq!(y, 3_001.0); // the top of 3,000's HDR bucket
        for card in [
            arrivals(&report),
            slots_busy(&report),
            errors(&report),
            lateness(&report),
            action_spectrum(post, action_color(1)),
            action_over_time(&report, &post.name, Kind::Response, y),
        ] {
            assert!(card.svg.starts_with("<svg") && card.svg.ends_with("</svg>"), "{}", card.title);
            assert!(
                card.svg.contains("<path") || card.svg.contains("<rect x"),
                "{} has no marks",
                card.title
            );
        }
    }

    #[test]
    fn broken_histograms_give_empty_charts() {
        let mut report = fixture::report();
        report.actions[1].stats.histogram.response = "not base64".into();
        report.arrivals.lateness_histogram = String::new();
        let card = action_spectrum(&report.actions[1], "#000");
        assert_eq!(card.legend.len(), 1);
        assert!(lateness(&report).svg.starts_with("<svg"));
    }
}
