//! Building a [`Report`] from a run's [`RunMetrics`]: summary statistics, base64
//! histograms, and the series, all in `report.json`'s units (µs and seconds).

use hdrhistogram::Histogram;

use super::SCHEMA_VERSION;
use super::model::{
    ActionReport, Arrivals, ChatReport, ErrorsReport, HistogramPair, IntervalHistograms, JourneyReport,
    LatencyStats, PlanPoint, Report, RequestStats, RunInfo, SeriesAction, SeriesPoint, StepReport,
};
use crate::metrics::histogram::{self, LazyHistogram};
use crate::metrics::{ErrorClass, ErrorCounts, IntervalMetrics, RequestMetrics, RunMetrics, Stats};
use crate::scenario::Action;

impl Report {
    /// The report of a run; `plan_series` is the plan's curve as `(t_s, planned)` buckets.
    pub fn new(info: RunInfo, metrics: &RunMetrics, plan_series: &[(f64, u64)]) -> Report {
        Report {
            schema: SCHEMA_VERSION.to_string(),
            run: info,
            arrivals: Arrivals {
                planned: metrics.planned,
                started: metrics.started,
                dropped: metrics.dropped,
                not_started: metrics.not_started,
                reactions_dropped: metrics.reactions_dropped,
                retries: metrics.retries,
                retries_dropped: metrics.retries_dropped,
                lateness_us: latency(Stats::of(metrics.lateness.get())),
                lateness_histogram: base64_of(&metrics.lateness),
            },
            journeys_open_max: metrics.journeys_open_max,
            slots_busy_max: metrics.slots_busy_max,
            requests: metrics.requests(),
            errors: metrics.errors(),
            actions: (metrics.actions.iter())
                .map(|a| ActionReport { name: a.action.name().to_string(), stats: request_stats(&a.metrics) })
                .collect(),
            parts: (metrics.parts.iter())
                .map(|a| ActionReport { name: a.action.name().to_string(), stats: request_stats(&a.metrics) })
                .collect(),
            steps: (metrics.steps.iter())
                .map(|s| StepReport {
                    journey: s.journey.clone(),
                    step: s.key.step,
                    action: s.action.name().to_string(),
                    tag: s.tag(),
                    stats: request_stats(&s.metrics),
                })
                .collect(),
            journeys: (metrics.journeys.iter())
                .map(|j| JourneyReport {
                    name: j.name.clone(),
                    started: j.started,
                    completed: j.completed,
                    skipped_steps: j.skipped_steps,
                    response_us: latency(Stats::of(j.response.get())),
                })
                .collect(),
            plan: (plan_series.iter()).map(|&(t_s, planned)| PlanPoint { t_s, planned }).collect(),
            interval_s: metrics.interval.as_secs_f64(),
            series: metrics.intervals.iter().map(series_point).collect(),
            intervals: metrics.intervals.iter().map(interval_histograms).collect(),
            phases: Vec::new(),
            unsupported: Vec::new(),
            outages: Vec::new(),
            targets: Vec::new(),
            verdicts: Vec::new(),
            validity: Some(validity(&metrics.on_time)),
            chat: chat(metrics),
        }
    }
}

/// The validity evidence of `on_time`, judged without CPU figures (the caller adds them
/// and judges again when it has them).
fn validity(on_time: &crate::metrics::OnTime) -> super::validity::Validity {
    let mut v = super::validity::Validity {
        due: on_time.due,
        late_slot_wait: on_time.late_slot,
        late_runtime_lag: on_time.late_runtime,
        late_target: on_time.late_target,
        slot_wait_us: latency(Stats::of(on_time.slot_wait.get())),
        runtime_lag_us: latency(Stats::of(on_time.runtime_lag.get())),
        slot_wait_histogram: base64_of(&on_time.slot_wait),
        runtime_lag_histogram: base64_of(&on_time.runtime_lag),
        ..Default::default()
    };
    v.judge(0.0);
    v
}

fn chat(metrics: &RunMetrics) -> Option<ChatReport> {
    let chat = &metrics.chat;
    let sent = metrics.action(Action::SendChat).map(|a| &a.metrics);
    if chat.is_empty() && sent.is_none() {
        return None;
    }
    Some(ChatReport {
        messages_sent: sent.map_or(0, |m| m.requests - m.errors.total()),
        deliveries: chat.deliveries,
        missed: chat.missed,
        delivery_us: latency(Stats::of(chat.delivery.get())),
        delivery_histogram: base64_of(&chat.delivery),
        streams_opened: chat.streams_opened,
        stream_errors: errors(&chat.stream_errors),
        streams_broken: chat.streams_broken,
        connect_us: latency(Stats::of(chat.connect.get())),
        connect_histogram: base64_of(&chat.connect),
        max_members: chat.max_members,
    })
}

pub(crate) fn latency(stats: Stats) -> LatencyStats {
    LatencyStats {
        count: stats.count,
        p50: stats.p50_us,
        p90: stats.p90_us,
        p99: stats.p99_us,
        p999: stats.p999_us,
        max: stats.max_us,
        // Nanosecond precision is plenty, and a short decimal survives JSON exactly.
        mean: (stats.mean_us * 1e3).round() / 1e3,
    }
}

fn errors(counts: &ErrorCounts) -> ErrorsReport {
    ErrorsReport {
        connect: counts.get(ErrorClass::Connect),
        tls: counts.get(ErrorClass::Tls),
        timeout: counts.get(ErrorClass::Timeout),
        reset: counts.get(ErrorClass::Reset),
        status_4xx: counts.get(ErrorClass::Status4xx),
        status_5xx: counts.get(ErrorClass::Status5xx),
        bad_body: counts.get(ErrorClass::BadBody),
        body_too_large: counts.get(ErrorClass::BodyTooLarge),
        other: counts.get(ErrorClass::Other),
    }
}

/// Base64 of the V2 deflate encoding; empty when nothing was recorded (or, impossibly,
/// encoding into memory failed — the statistics next to it are still right).
fn base64_of(lazy: &LazyHistogram) -> String {
    lazy.get().and_then(|h: &Histogram<u64>| histogram::encode_base64(h).ok()).unwrap_or_default()
}

fn request_stats(metrics: &RequestMetrics) -> RequestStats {
    RequestStats {
        requests: metrics.requests,
        errors: errors(&metrics.errors),
        service_us: latency(Stats::of(metrics.service.get())),
        response_us: latency(Stats::of(metrics.response.get())),
        own_us: latency(Stats::of(metrics.own.get())),
        histogram: HistogramPair {
            service: base64_of(&metrics.service),
            response: base64_of(&metrics.response),
            own: base64_of(&metrics.own),
        },
    }
}

fn series_point(interval: &IntervalMetrics) -> SeriesPoint {
    SeriesPoint {
        t_s: interval.start_offset.as_secs_f64(),
        arrivals_planned: interval.arrivals_planned,
        arrivals_started: interval.arrivals_started,
        dropped: interval.arrivals_dropped,
        reactions_dropped: interval.reactions_dropped,
        journeys_open_max: interval.journeys_open_max,
        slots_busy_max: interval.slots_busy_max,
        requests: interval.requests(),
        errors: interval.errors(),
        error_classes: {
            let mut all = ErrorCounts::default();
            interval.actions.iter().for_each(|a| all.merge(&a.errors));
            errors(&all)
        },
        actions: (interval.actions.iter())
            .map(|a| SeriesAction {
                name: a.action.name().to_string(),
                requests: a.requests,
                errors: a.errors.total(),
                response_p50_us: a.response.p50_us,
                response_p90_us: a.response.p90_us,
                response_p99_us: a.response.p99_us,
                response_max_us: a.response.max_us,
                service_p50_us: a.service.p50_us,
                service_p90_us: a.service.p90_us,
                service_p99_us: a.service.p99_us,
                service_max_us: a.service.max_us,
            })
            .collect(),
    }
}

fn interval_histograms(interval: &IntervalMetrics) -> IntervalHistograms {
    IntervalHistograms {
        t_s: interval.start_offset.as_secs_f64(),
        histograms: (interval.histograms.iter())
            .map(|h| (h.tag.clone(), histogram::bytes_to_base64(&h.bytes)))
            .collect(),
    }
}
