//! A threshold's measurement on the run so far, read from the recorder's running totals:
//! what an `abort` threshold is judged on while the run runs. The same definitions as the
//! gate's on a finished report (`gate::evaluate`): error rate = failed ÷ requests, dropped
//! rate = dropped ÷ planned (here: planned up to now), latencies in µs from the cumulative
//! HDR histograms.

use hdrhistogram::Histogram;

use super::action_index;
use super::histogram::LazyHistogram;
use super::state::State;
use crate::scenario::threshold::{Metric, Stat, Subject};

/// The value of `metric` of `subject` so far, or `None` when nothing was measured yet (no
/// request, no arrival due) or it cannot be measured before the end.
pub(super) fn measure(state: &State, subject: &Subject, metric: &Metric) -> Option<f64> {
    match (subject, metric) {
        (Subject::All, Metric::ErrorRate) => ratio(state.errors, state.requests),
        (Subject::Action(a), Metric::ErrorRate) => {
            let m = state.actions.get(action_index(*a))?;
            ratio(m.errors.total(), m.requests)
        }
        (Subject::All, Metric::Response(stat)) => stat_of(state.all_response.get(), *stat),
        (Subject::All, Metric::Service(stat)) => {
            let mut all: Option<Histogram<u64>> = None;
            for service in state.actions.iter().filter_map(|m| m.service.get()) {
                match &mut all {
                    Some(h) => h.add(service).ok()?,
                    None => all = Some(service.clone()),
                }
            }
            stat_of(all.as_ref(), *stat)
        }
        (Subject::Action(a), Metric::Response(stat)) => {
            stat_of(state.actions.get(action_index(*a))?.response.get(), *stat)
        }
        (Subject::Action(a), Metric::Service(stat)) => {
            stat_of(state.actions.get(action_index(*a))?.service.get(), *stat)
        }
        (Subject::Arrivals, Metric::Lateness(stat)) => lazy(&state.lateness, *stat),
        (Subject::Arrivals, Metric::DroppedRate) => ratio(state.dropped, state.live().planned_so_far),
        (Subject::Chat, Metric::Delivery(stat)) => lazy(&state.chat.delivery, *stat),
        _ => None,
    }
}

fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

fn lazy(histogram: &LazyHistogram, stat: Stat) -> Option<f64> {
    stat_of(histogram.get(), stat)
}

fn stat_of(histogram: Option<&Histogram<u64>>, stat: Stat) -> Option<f64> {
    let h = histogram.filter(|h| !h.is_empty())?;
    Some(match stat {
        Stat::Percentile(p) => h.value_at_quantile(p / 100.0) as f64,
        Stat::Max => h.max() as f64,
        Stat::Mean => h.mean(),
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::metrics::{Delays, ErrorClass, MetricsConfig, Recorder};
    use crate::scenario::Action;
    use crate::scenario::threshold::parse;

    #[test]
    fn thresholds_measure_the_run_so_far() {
        let r = Recorder::new(MetricsConfig {
            interval: Duration::from_secs(1),
            journeys: vec![],
            planned_per_interval: vec![4, 4],
        });
        let at = Duration::from_millis(500);
        let measure = |text: &str| {
            let t = parse(text).expect("valid");
            r.measure(&t.subject, &t.metric)
        };
        assert_eq!(measure("all.error_rate < 5%"), None, "no request yet");
        r.record_request(at, Action::Like, None, Delays::of(1_000, 2_000), Ok(()));
        r.record_request(at, Action::Like, None, Delays::of(3_000, 4_000), Err(ErrorClass::Status5xx));
        r.record_request(at, Action::Signup, None, Delays::of(5_000, 6_000), Ok(()));
        r.record_dropped(at);
        assert_eq!(measure("all.error_rate < 5%"), Some(1.0 / 3.0));
        assert_eq!(measure("like.error_rate < 5%"), Some(0.5));
        assert_eq!(measure("signup.error_rate < 5%"), Some(0.0));
        assert_eq!(measure("create_post.error_rate < 5%"), None);
        // HDR reports the top of a value's bucket: within 0.1 %.
        let near = |got: Option<f64>, want: f64| got.is_some_and(|v| (v - want).abs() <= want * 0.001);
        assert!(near(measure("all.service.max < 1s"), 5_000.0), "{:?}", measure("all.service.max < 1s"));
        assert!(near(measure("like.response.max < 1s"), 4_000.0));
        assert_eq!(measure("arrivals.dropped_rate < 1%"), Some(0.25), "1 of the 4 due so far");
        assert_eq!(measure("chat.delivery.p99 < 1s"), None);
    }
}
