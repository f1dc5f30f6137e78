//! The live run as OpenMetrics text (the `prometheus-client` crate): a [`Collector`] that reads
//! the [`Recorder`]'s running totals at each scrape ([`super::export`]), so recording costs
//! nothing more while nobody scrapes.
//!
//! Every series carries the run's labels (`scenario`, `run_id`, `segment`, `target_share`);
//! request series add `action`, error series `action` and `class`. Names, all prefixed
//! `stampede_`, are listed in [`METRIC_NAMES`] (the Grafana dashboard queries only those).

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::Registry;

use super::export::{Buckets, Export};
use super::{ErrorClass, Recorder};

/// The series names a scrape exposes, as Prometheus stores them (counters with `_total`,
/// histograms with `_bucket`, `_sum` and `_count`).
pub const METRIC_NAMES: [&str; 15] = [
    "stampede_requests_total",
    "stampede_errors_total",
    "stampede_service_seconds",
    "stampede_response_seconds",
    "stampede_arrivals_planned",
    "stampede_arrivals_due_total",
    "stampede_arrivals_started_total",
    "stampede_arrivals_dropped_total",
    "stampede_start_lateness_seconds",
    "stampede_journeys_open",
    "stampede_slots_busy",
    "stampede_chat_deliveries_total",
    "stampede_chat_delivery_seconds",
    "stampede_replay_clock_seconds",
    "stampede_run_finished",
];

/// The labels every series of one run carries.
#[derive(Debug, Clone)]
pub struct RunLabels {
    pub scenario: String,
    pub run_id: String,
    /// `I/N`, or `0/1` for a whole run.
    pub segment: String,
    /// The target share this process replays, or `all`.
    pub target_share: String,
}

/// Reads a run's recorder at every scrape.
#[derive(Debug)]
struct LiveCollector {
    recorder: Recorder,
    finished: Arc<AtomicBool>,
}

/// A registry exporting `recorder` under `labels`; `finished` set means the counters are
/// final (`stampede_run_finished` 1), so a scrape that sees it equals `report.json`.
pub fn registry(recorder: Recorder, labels: &RunLabels, finished: Arc<AtomicBool>) -> Registry {
    let constant = [
        ("scenario", &labels.scenario),
        ("run_id", &labels.run_id),
        ("segment", &labels.segment),
        ("target_share", &labels.target_share),
    ]
    .map(|(key, value)| (Cow::Borrowed(key), Cow::Owned(value.clone())));
    let mut registry = Registry::with_labels(constant.into_iter());
    registry.register_collector(Box::new(LiveCollector { recorder, finished }));
    registry
}

/// The OpenMetrics text of `registry` (ends with `# EOF`).
pub fn encode(registry: &Registry) -> Result<String, std::fmt::Error> {
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, registry)?;
    Ok(text)
}

impl Collector for LiveCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let export = self.recorder.export();
        requests(&mut encoder, &export)?;
        arrivals(&mut encoder, &export)?;
        let finished = i64::from(self.finished.load(Ordering::Acquire));
        gauge(&mut encoder, "stampede_run_finished", "1 once the run ended: counters are final", finished)
    }
}

fn requests(encoder: &mut DescriptorEncoder, export: &Export) -> Result<(), std::fmt::Error> {
    let help = "Requests that ended, successful or not, by action";
    let mut family = encoder.encode_descriptor("stampede_requests", help, None, MetricType::Counter)?;
    for a in &export.actions {
        ConstCounter::new(a.requests).encode(family.encode_family(&[("action", a.action.name())])?)?;
    }
    let help = "Failed requests by action and error class";
    let mut family = encoder.encode_descriptor("stampede_errors", help, None, MetricType::Counter)?;
    for a in &export.actions {
        for class in ErrorClass::ALL {
            let labels = [("action", a.action.name()), ("class", class.name())];
            ConstCounter::new(a.errors.get(class)).encode(family.encode_family(&labels)?)?;
        }
    }
    let help = "Service time (send to last byte) by action, seconds";
    let mut family =
        encoder.encode_descriptor("stampede_service_seconds", help, None, MetricType::Histogram)?;
    for a in &export.actions {
        histogram(family.encode_family(&[("action", a.action.name())])?, &a.service)?;
    }
    let help = "Response time from the intended start (queueing included) by action, seconds";
    let mut family =
        encoder.encode_descriptor("stampede_response_seconds", help, None, MetricType::Histogram)?;
    for a in &export.actions {
        histogram(family.encode_family(&[("action", a.action.name())])?, &a.response)?;
    }
    Ok(())
}

fn arrivals(encoder: &mut DescriptorEncoder, export: &Export) -> Result<(), std::fmt::Error> {
    let planned = i64::try_from(export.planned).unwrap_or(i64::MAX);
    gauge(encoder, "stampede_arrivals_planned", "Newcomer arrivals the whole plan schedules", planned)?;
    let counters = [
        ("stampede_arrivals_due", "Arrivals the plan scheduled up to now", export.due),
        ("stampede_arrivals_started", "Arrivals started", export.started),
        ("stampede_arrivals_dropped", "Arrivals later than the lateness budget, not run", export.dropped),
        ("stampede_chat_deliveries", "Chat messages read by room members", export.deliveries),
    ];
    for (name, help, value) in counters {
        ConstCounter::new(value).encode(encoder.encode_descriptor(
            name,
            help,
            None,
            MetricType::Counter,
        )?)?;
    }
    let histograms = [
        ("stampede_start_lateness_seconds", "Start lateness of arrivals, seconds", &export.lateness),
        ("stampede_chat_delivery_seconds", "Chat message send to a member's read, seconds", &export.delivery),
    ];
    for (name, help, buckets) in histograms {
        histogram(encoder.encode_descriptor(name, help, None, MetricType::Histogram)?, buckets)?;
    }
    let gauges = [
        ("stampede_journeys_open", "Journeys open now, parked ones included", export.journeys_open),
        ("stampede_slots_busy", "Worker slots running a job now", export.slots_busy),
    ];
    for (name, help, value) in gauges {
        gauge(encoder, name, help, i64::try_from(value).unwrap_or(i64::MAX))?;
    }
    let help = "Replay-clock offset of the latest record, seconds";
    let clock = encoder.encode_descriptor("stampede_replay_clock_seconds", help, None, MetricType::Gauge)?;
    ConstGauge::new(export.at.as_secs_f64()).encode(clock)
}

fn gauge(encoder: &mut DescriptorEncoder, name: &str, help: &str, value: i64) -> Result<(), std::fmt::Error> {
    ConstGauge::new(value).encode(encoder.encode_descriptor(name, help, None, MetricType::Gauge)?)
}

fn histogram(mut metric: MetricEncoder, buckets: &Buckets) -> Result<(), std::fmt::Error> {
    metric.encode_histogram::<NoLabelSet>(buckets.sum_s, buckets.count, &buckets.per_bucket, None)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::metrics::{Delays, MetricsConfig};
    use crate::scenario::Action;

    #[test]
    fn a_scrape_has_every_name_and_the_recorded_counts() {
        let recorder = Recorder::new(MetricsConfig {
            interval: Duration::from_secs(1),
            journeys: vec![],
            planned_per_interval: vec![3, 4],
        });
        let at = Duration::from_millis(300);
        recorder.record_start(at, 1_000);
        recorder.record_request(at, Action::Like, None, Delays::of(2_000, 3_000), Ok(()));
        recorder.record_request(at, Action::Like, None, Delays::of(2_000, 3_000), Err(ErrorClass::Status5xx));
        let labels = RunLabels {
            scenario: "s".into(),
            run_id: "r1".into(),
            segment: "0/1".into(),
            target_share: "all".into(),
        };
        let finished = Arc::new(AtomicBool::new(true));
        let text = encode(&registry(recorder, &labels, finished)).expect("encodes");
        for name in METRIC_NAMES {
            assert!(text.contains(&format!("\n{name}")), "{name} missing:\n{text}");
        }
        let run = r#"scenario="s",run_id="r1",segment="0/1",target_share="all""#;
        assert!(text.contains(&format!("stampede_requests_total{{{run},action=\"like\"}} 2\n")), "{text}");
        let error = format!("stampede_errors_total{{{run},action=\"like\",class=\"status_5xx\"}} 1\n");
        assert!(text.contains(&error), "{text}");
        assert!(text.contains(&format!("stampede_arrivals_planned{{{run}}} 7\n")), "{text}");
        assert!(text.contains(&format!("stampede_run_finished{{{run}}} 1\n")), "{text}");
        // The encoder puts `le` between the registry's labels and the family's.
        let inf = format!("stampede_response_seconds_bucket{{{run},le=\"+Inf\",action=\"like\"}} 2\n");
        assert!(text.contains(&inf), "{text}");
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}
