//! What a reader of `report.html` sees, checked on runs of a known shape (see [`shapes`]):
//! the arrivals chart's started line is the run's started series and dips where the target
//! stalled, every chart is laid out and shows its series in Chromium's rendering, and the
//! dip is visible in the screenshot's pixels (against the same replay undisturbed).
//!
//! Needs `chromium` (`.ci/run` installs it); a missing tool fails the test.

use std::path::Path;
use std::sync::OnceLock;

use serde_json::Value;

use crate::chart_reader::{Chart, Shot, charts, layout};
use crate::shapes::{self, RATE_PER_S, STALL_S};
use crate::util::read_report;

/// Grey of chart frames, also the dashed "planned" line: its pixels prove nothing.
const FRAME_GREY: &str = "#9aa5b1";

/// A run's report and page as Chromium renders it.
struct Rendered {
    report: Value,
    charts: Vec<Chart>,
    boxes: Vec<[f64; 4]>,
    shot: Shot,
}

fn render(dir: &Path, scratch_name: &str) -> Rendered {
    let page = dir.join("report.html");
    let html = std::fs::read_to_string(&page).expect("reads report.html");
    let scratch = shapes::fresh_dir(scratch_name);
    Rendered {
        report: read_report(dir),
        charts: charts(&html),
        boxes: layout(&page, &scratch),
        shot: Shot::take(&page, &scratch),
    }
}

fn stalled() -> &'static Rendered {
    static R: OnceLock<Rendered> = OnceLock::new();
    R.get_or_init(|| render(&shapes::stalled().0, "render-stalled"))
}

fn normal() -> &'static Rendered {
    static R: OnceLock<Rendered> = OnceLock::new();
    R.get_or_init(|| render(&shapes::normal().0, "render-normal"))
}

fn arrivals_chart(charts: &[Chart]) -> &Chart {
    charts.iter().find(|c| c.title.starts_with("Arrivals")).expect("an arrivals chart")
}

/// Checks that `name`'s drawn points are `values` (per second) at the interval midpoints.
fn assert_drawn(chart: &Chart, name: &str, report: &Value, values: &[f64]) {
    let dt = report["interval_s"].as_f64().expect("interval_s");
    let series = report["series"].as_array().expect("series");
    let drawn = &chart.series(name).points;
    assert_eq!(drawn.len(), series.len(), "{name}: one point per interval");
    // Points are written to 0.1 viewBox unit: half of that is the rounding.
    let tolerance_y = 0.06 * chart.frame.y_per_unit();
    let tolerance_x = 0.06 * (chart.frame.x1 - chart.frame.x0) / (chart.frame.right - chart.frame.left);
    for ((point, (x, y)), value) in series.iter().zip(drawn).zip(values) {
        let t_s = point["t_s"].as_f64().expect("t_s");
        assert!((x - (t_s + dt / 2.0)).abs() <= tolerance_x, "{name} at {t_s}s drawn at x {x}");
        assert!((y - value).abs() <= tolerance_y, "{name} at {t_s}s: drawn {y}/s, report.json {value}/s");
    }
}

fn per_second(report: &Value, key: &str) -> Vec<f64> {
    let dt = report["interval_s"].as_f64().expect("interval_s");
    let series = report["series"].as_array().expect("series");
    series.iter().map(|p| p[key].as_u64().expect("a count") as f64 / dt).collect()
}

#[test]
fn the_started_line_is_the_started_series_and_dips_during_the_stall() {
    let (dir, _) = shapes::stalled();
    let report = read_report(dir);
    let html = std::fs::read_to_string(dir.join("report.html")).expect("reads");
    let all = charts(&html);
    let chart = arrivals_chart(&all);
    let started = per_second(&report, "arrivals_started");
    assert_drawn(chart, "started", &report, &started);
    assert_drawn(chart, "dropped", &report, &per_second(&report, "dropped"));

    // The shape: full rate before the stall, (almost) nothing started inside it.
    let drawn = &chart.series("started").points;
    let dt = report["interval_s"].as_f64().expect("interval_s");
    for (x, y) in drawn {
        let (from, to) = (x - dt / 2.0, x + dt / 2.0);
        if to <= STALL_S.0 {
            assert!(*y >= 0.8 * RATE_PER_S, "before the stall {y}/s started at {x}s");
        } else if from >= STALL_S.0 && to <= STALL_S.1 {
            assert!(*y <= 0.25 * RATE_PER_S, "inside the stall {y}/s started at {x}s");
        }
    }
    let lowest = drawn.iter().min_by(|a, b| a.1.total_cmp(&b.1)).expect("points");
    assert!((STALL_S.0..STALL_S.1).contains(&lowest.0), "the dip is at {}s", lowest.0);
    let dropped = &chart.series("dropped").points;
    let peak = dropped.iter().max_by(|a, b| a.1.total_cmp(&b.1)).expect("points");
    assert!(peak.1 > 0.0 && (STALL_S.0..STALL_S.1 + 1.5).contains(&peak.0), "drops peak at {peak:?}");
}

#[test]
fn every_chart_is_displayed_with_visible_series() {
    let r = stalled();
    assert_eq!(r.boxes.len(), r.charts.len(), "Chromium laid out every chart");
    let errors = r.report["errors"].as_u64().expect("errors");
    for (chart, b) in r.charts.iter().zip(&r.boxes) {
        assert!(b[2] >= 100.0 && b[3] >= 50.0, "chart {:?} is not displayed: {b:?}", chart.title);
        if chart.title.starts_with("Errors") && errors == 0 {
            continue;
        }
        assert!(!chart.series.is_empty(), "chart {:?} has no series", chart.title);
        for series in &chart.series {
            assert!(series.marks > 0, "{}: series {} is empty", chart.title, series.name);
        }
        let visible: Vec<(&str, usize)> = (chart.series.iter())
            .filter(|s| s.color != FRAME_GREY)
            .map(|s| (s.name.as_str(), r.shot.pixels_of(*b, &s.color).len()))
            .collect();
        assert!(
            visible.iter().any(|(_, n)| *n >= 20),
            "chart {:?} shows no series on screen: {visible:?}",
            chart.title
        );
    }
}

/// The median value (data units) of the started line's pixels over the middle of the
/// stall window, read off the screenshot.
fn started_level_in_stall(r: &Rendered) -> f64 {
    let (index, chart) =
        r.charts.iter().enumerate().find(|(_, c)| c.title.starts_with("Arrivals")).expect("arrivals chart");
    let b = r.boxes[index];
    let scale = b[2] / chart.view_width;
    let margin = (STALL_S.1 - STALL_S.0) * 0.3;
    let left = b[0] + chart.frame.px(STALL_S.0 + margin) * scale;
    let right = b[0] + chart.frame.px(STALL_S.1 - margin) * scale;
    let column = [left, b[1], right - left, b[3]];
    let mut values: Vec<f64> = (r.shot.pixels_of(column, &chart.series("started").color).iter())
        .map(|(_, y)| chart.frame.y((*y as f64 - b[1]) / scale))
        .collect();
    assert!(values.len() >= 10, "the started line is not on screen over the stall ({} pixels)", values.len());
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[test]
fn the_screenshot_shows_the_dip_where_the_stall_was() {
    let stalled = started_level_in_stall(stalled());
    let normal = started_level_in_stall(normal());
    assert!(normal >= 0.7 * RATE_PER_S, "undisturbed, the line shows {normal}/s during the window");
    assert!(stalled <= 0.3 * RATE_PER_S, "stalled, the line shows {stalled}/s during the window");
}
