//! Each action's latency charts: response or service time over the run (p50, p90, p99,
//! max per interval) and the percentile spectrum of the whole run, from the report's
//! encoded HDR histogram.

use super::charts::{Card, PERCENTILES, bands, latency_axis, nines_axis, spectrum, time_axes};
use super::format::short_duration_s;
use super::svg::{Layer, Plot, Shape};
use crate::report::model::{ActionReport, Report, SeriesAction};

/// Which latency of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// From the intended start (what users experienced).
    Response,
    /// From the send (what the target spent).
    Service,
}

impl Kind {
    pub(super) fn name(self) -> &'static str {
        match self {
            Kind::Response => "response from intended start",
            Kind::Service => "service time",
        }
    }
}

/// Latency by percentile, response and service, for one action (HdrHistogram style).
pub fn action_spectrum(action: &ActionReport, color: &str) -> Card {
    let mut layers = Vec::new();
    let mut nines = 1.0f64;
    for (kind, text, dashed) in [
        (Kind::Response, &action.stats.histogram.response, false),
        (Kind::Service, &action.stats.histogram.service, true),
    ] {
        if let Some((points, n)) = spectrum(text) {
            nines = nines.max(n);
            layers.push(Layer {
                name: kind.name().to_string(),
                color: color.to_string(),
                shape: Shape::Line { points, dashed },
            });
        }
    }
    let max = action.stats.response_us.max.max(action.stats.service_us.max) as f64;
    let legend = layers
        .iter()
        .map(|l| (l.name.clone(), l.color.clone(), matches!(l.shape, Shape::Line { dashed: true, .. })))
        .collect();
    Card {
        title: format!("{}: percentile spectrum", action.name),
        note: format!("{} requests over the whole run", action.stats.requests),
        legend,
        svg: Plot { x: nines_axis(nines), y: latency_axis(max, "latency"), layers, ..Plot::default() }
            .render(),
    }
}

/// An action's latency percentiles per interval; `y_max_us` is shared by the response and
/// service charts of one action so they compare at a glance.
pub fn action_over_time(report: &Report, name: &str, kind: Kind, y_max_us: f64) -> Card {
    let (x, _) = time_axes(report);
    let dt = report.interval_s.max(1e-3);
    let pick = |a: &SeriesAction, p: usize| -> u64 {
        match (kind, p) {
            (Kind::Response, 0) => a.response_p50_us,
            (Kind::Response, 1) => a.response_p90_us,
            (Kind::Response, 2) => a.response_p99_us,
            (Kind::Response, _) => a.response_max_us,
            (Kind::Service, 0) => a.service_p50_us,
            (Kind::Service, 1) => a.service_p90_us,
            (Kind::Service, 2) => a.service_p99_us,
            (Kind::Service, _) => a.service_max_us,
        }
    };
    let mut layers = Vec::new();
    for (p, (label, color)) in PERCENTILES.iter().enumerate() {
        let points: Vec<(f64, f64)> = (report.series.iter())
            .map(|s| {
                let value = s.actions.iter().find(|a| a.name == name).map(|a| pick(a, p));
                // An interval without requests of this action is a gap, not a zero.
                (s.t_s + dt / 2.0, value.map_or(f64::NAN, |v| v as f64))
            })
            .collect();
        // Reports from before p90/max were recorded have zeros there: leave them out.
        if points.iter().any(|(_, y)| *y > 0.0) {
            layers.push(Layer {
                name: label.to_string(),
                color: color.to_string(),
                shape: Shape::Line { points, dashed: false },
            });
        }
    }
    let legend = layers.iter().map(|l| (l.name.clone(), l.color.clone(), false)).collect();
    Card {
        title: format!("{name}: {}", kind.name()),
        note: format!("per {} interval of replay", short_duration_s(report.interval_s)),
        legend,
        svg: Plot {
            x,
            y: latency_axis(y_max_us, "latency"),
            layers,
            bands: bands(report),
            ..Plot::default()
        }
        .render(),
    }
}

/// Largest latency an action's over-time charts must show.
pub fn action_y_max(report: &Report, name: &str) -> f64 {
    (report.series.iter().flat_map(|s| s.actions.iter()).filter(|a| a.name == name))
        .map(|a| a.response_max_us.max(a.service_max_us).max(a.response_p99_us).max(a.service_p99_us))
        .max()
        .unwrap_or(0) as f64
}
