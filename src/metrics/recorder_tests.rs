//! Unit tests of [`Recorder`], kept apart so the recorder itself stays readable.

use super::*;
use crate::metrics::histogram::{self, Stats};
use crate::metrics::{IntervalMetrics, RunMetrics, StepMetrics};

const S: Duration = Duration::from_secs(1);

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn recorder(planned: Vec<u64>) -> Recorder {
    Recorder::new(MetricsConfig {
        interval: S,
        journeys: vec![
            ("cat-tax".to_string(), vec![Action::Signup, Action::CreatePost]),
            ("lurker".to_string(), vec![Action::ViewFeed]),
        ],
        planned_per_interval: planned,
    })
}

#[test]
fn cumulative_action_histograms() {
    let r = recorder(vec![]);
    for v in 1..=1000 {
        r.record_request(ms(500), Action::CreatePost, None, crate::metrics::Delays::of(v, 2 * v), Ok(()));
    }
    r.record_request(
        ms(600),
        Action::CreatePost,
        None,
        crate::metrics::Delays::of(5, 5),
        Err(ErrorClass::Timeout),
    );
    let m = r.finish();
    assert_eq!((m.requests(), m.errors()), (1001, 1));
    let post = m.action(Action::CreatePost).expect("has requests");
    assert_eq!(post.metrics.errors.get(ErrorClass::Timeout), 1);
    let service = Stats::of(post.metrics.service.get());
    assert_eq!(service.count, 1001);
    assert_eq!(service.p50_us, 500);
    assert_eq!(service.max_us, 1000);
    assert_eq!(Stats::of(post.metrics.response.get()).max_us, 2000);
    assert_eq!(m.actions.len(), 1, "actions without requests are left out");
}

#[test]
fn series_has_gaps_and_is_padded_to_the_plan() {
    let r = recorder(vec![10, 20, 30, 40]);
    r.record_start(ms(100), 7);
    r.record_request(ms(200), Action::Signup, None, crate::metrics::Delays::of(100, 120), Ok(()));
    r.record_start(ms(2_500), 9);
    r.record_dropped(ms(2_600));
    let m = r.finish();
    let index: Vec<_> = m.intervals.iter().map(|i| i.index).collect();
    assert_eq!(index, [0, 1, 2, 3]);
    let planned: Vec<_> = m.intervals.iter().map(|i| i.arrivals_planned).collect();
    assert_eq!(planned, [10, 20, 30, 40]);
    let started: Vec<_> = m.intervals.iter().map(|i| i.arrivals_started).collect();
    assert_eq!(started, [1, 0, 1, 0]);
    assert_eq!(m.intervals[2].arrivals_dropped, 1);
    assert_eq!(m.intervals[2].start_offset, ms(2_000));
    assert_eq!(m.intervals[0].requests(), 1);
    assert_eq!(m.intervals[0].actions[0].response.p50_us, 120);
    let tags: Vec<_> = m.intervals[0].histograms.iter().map(|h| &h.tag).collect();
    assert_eq!(tags, ["signup.service", "signup.response", "signup.own", "lateness"]);
    assert_eq!((m.planned, m.started, m.dropped), (100, 2, 1));
    assert_eq!(Stats::of(m.lateness.get()).max_us, 9);
}

#[test]
fn a_record_for_a_closed_interval_counts_in_the_open_one() {
    let r = recorder(vec![]);
    r.record_start(ms(1_100), 0);
    r.record_start(ms(900), 0);
    let m = r.finish();
    assert_eq!(m.intervals.len(), 2);
    assert_eq!(m.intervals[0].arrivals_started, 0);
    assert_eq!(m.intervals[1].arrivals_started, 2);
}

#[test]
fn steps_are_tagged_and_unknown_steps_count_only_for_the_action() {
    let r = recorder(vec![]);
    let step = |journey, step| Some(StepKey { journey, step });
    r.record_request(ms(1), Action::CreatePost, step(0, 1), crate::metrics::Delays::of(10, 20), Ok(()));
    r.record_request(
        ms(2),
        Action::CreatePost,
        step(0, 1),
        crate::metrics::Delays::of(10, 20),
        Err(ErrorClass::Status4xx),
    );
    r.record_request(ms(3), Action::ViewFeed, step(1, 0), crate::metrics::Delays::of(10, 20), Ok(()));
    r.record_request(ms(4), Action::ViewFeed, step(1, 1), crate::metrics::Delays::of(10, 20), Ok(()));
    r.record_request(ms(5), Action::ViewFeed, step(7, 0), crate::metrics::Delays::of(10, 20), Ok(()));
    let m = r.finish();
    let tags: Vec<_> = m.steps.iter().map(StepMetrics::tag).collect();
    assert_eq!(tags, ["cat-tax/1:create_post", "lurker/0:view_feed"]);
    assert_eq!(m.steps[0].metrics.requests, 2);
    assert_eq!(m.steps[0].metrics.errors.total(), 1);
    assert_eq!(m.steps[1].metrics.requests, 1);
    assert_eq!(m.action(Action::ViewFeed).expect("has requests").metrics.requests, 3);
}

#[test]
fn journeys_gauges_and_reactions() {
    let r = recorder(vec![]);
    r.record_journey(ms(10), 0, 1_500, true, 0);
    r.record_journey(ms(20), 0, 2_000, false, 2);
    r.record_journey(ms(30), 9, 1, true, 0); // unknown journey: ignored
    r.set_journeys_open(ms(40), 12);
    r.set_slots_busy(ms(50), 2);
    r.set_journeys_open(ms(1_040), 3);
    r.set_slots_busy(ms(1_060), 5);
    r.set_slots_busy(ms(1_070), 1);
    r.record_reaction_dropped(ms(1_050));
    let m = r.finish();
    let cat = &m.journeys[0];
    assert_eq!((cat.started, cat.completed, cat.skipped_steps), (2, 1, 2));
    assert_eq!(Stats::of(cat.response.get()).max_us, 2_000);
    assert_eq!(m.journeys[1].started, 0);
    assert_eq!(m.journeys_open_max, 12);
    let journeys_open: Vec<_> = m.intervals.iter().map(|i| i.journeys_open_max).collect();
    assert_eq!(journeys_open, [12, 3]);
    assert_eq!(m.slots_busy_max, 5);
    let slots_busy: Vec<_> = m.intervals.iter().map(|i| i.slots_busy_max).collect();
    assert_eq!(slots_busy, [2, 5]);
    assert_eq!(m.reactions_dropped, 1);
    assert_eq!(m.intervals[1].reactions_dropped, 1);
    let tags: Vec<_> = m.intervals[0].histograms.iter().map(|h| &h.tag).collect();
    assert_eq!(tags, ["journey/cat-tax.response"]);
}

#[test]
fn live_snapshot() {
    let r = recorder(vec![5, 5, 5]);
    r.record_start(ms(1_200), 0);
    r.record_request(
        ms(1_300),
        Action::Like,
        None,
        crate::metrics::Delays::of(1, 700),
        Err(ErrorClass::Reset),
    );
    r.set_journeys_open(ms(1_300), 4);
    r.set_slots_busy(ms(1_300), 2);
    let live = r.snapshot_live();
    assert_eq!(
        live,
        LiveStats {
            at: ms(1_300),
            planned: 15,
            planned_so_far: 10,
            started: 1,
            dropped: 0,
            requests: 1,
            errors: 1,
            journeys_open: 4,
            slots_busy: 2,
            response_p99_us: 700,
        }
    );
}

#[test]
fn finish_is_repeatable_and_recording_continues() {
    let r = recorder(vec![]);
    r.record_start(ms(100), 1);
    let first = r.finish();
    let second = r.finish();
    assert_eq!(first.intervals, second.intervals);
    r.record_start(ms(1_100), 1);
    assert_eq!(r.finish().intervals.len(), 2);
}

#[test]
fn closed_intervals_keep_only_small_encodings() {
    let r = recorder(vec![]);
    for i in 0..50u64 {
        for v in 0..200 {
            r.record_request(
                ms(i * 1_000 + 1),
                Action::ViewPost,
                None,
                crate::metrics::Delays::of(v * 37, v * 91),
                Ok(()),
            );
        }
    }
    let m = r.finish();
    assert_eq!(m.intervals.len(), 50);
    for interval in &m.intervals {
        for encoded in &interval.histograms {
            assert!(encoded.bytes.len() < 2_048, "{} bytes", encoded.bytes.len());
            assert_eq!(histogram::decode(&encoded.bytes).expect("decodes").len(), 200);
        }
    }
}

#[test]
fn concurrent_records_are_all_counted() {
    let r = recorder(vec![]);
    let threads: Vec<_> = (0..4u64)
        .map(|t| {
            let r = r.clone();
            std::thread::spawn(move || {
                for i in 0..5_000u64 {
                    let at = Duration::from_micros(i * 400 + t);
                    r.record_request(at, Action::Follow, None, crate::metrics::Delays::of(i, i + 1), Ok(()));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("no panic");
    }
    let m = r.finish();
    assert_eq!(m.requests(), 20_000);
    let series: u64 = m.intervals.iter().map(IntervalMetrics::requests).sum();
    assert_eq!(series, 20_000);
}

#[test]
fn chat_deliveries_streams_and_members() {
    let r = recorder(vec![]);
    for _ in 0..3 {
        r.record_stream_open(ms(100), Ok(500));
    }
    r.record_stream_open(ms(100), Err(ErrorClass::Status4xx));
    r.record_stream_closed(ms(200), false);
    r.record_stream_open(ms(300), Ok(700));
    for v in 1..=100 {
        r.record_delivery(ms(1_500), v * 10);
    }
    r.record_missed(ms(1_600), 4);
    r.record_stream_closed(ms(1_700), true);
    let m = r.finish();
    let chat = &m.chat;
    assert_eq!((chat.streams_opened, chat.stream_errors.total(), chat.streams_broken), (4, 1, 1));
    assert_eq!(chat.max_members, 3, "one left before the fourth joined");
    assert_eq!((chat.deliveries, chat.missed), (100, 4));
    assert_eq!(Stats::of(chat.delivery.get()).max_us, 1000);
    assert_eq!(Stats::of(chat.connect.get()).count, 4);
    // The second interval carries the deliveries under their own tag.
    let second = &m.intervals[1];
    let tagged = second.histograms.iter().find(|h| h.tag == "chat.delivery").expect("tagged");
    assert_eq!(histogram::decode(&tagged.bytes).expect("decodes").len(), 100);
}

/// A fixed pseudo-random run of `records` requests and starts over `span`, with quiet
/// stretches that leave empty intervals, recorded into `r`.
fn seeded_run(r: &Recorder, records: u64, span: Duration) {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let step_ns = span.as_nanos() as u64 / records;
    for i in 0..records {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        // Every seventh second is left empty.
        let at = Duration::from_nanos(i * step_ns);
        if at.as_secs() % 7 == 3 {
            continue;
        }
        let action = [Action::Signup, Action::CreatePost, Action::ViewFeed][(x % 3) as usize];
        let step = Some(StepKey { journey: (x % 2) as u16, step: ((x >> 3) % 2) as u16 });
        let delays =
            crate::metrics::Delays { service_us: x % 40_000, response_us: x % 90_000, own_us: x % 60_000 };
        let outcome = if x.is_multiple_of(50) { Err(ErrorClass::Status5xx) } else { Ok(()) };
        r.record_request(at, action, step, delays, outcome);
        r.record_start(at, (x >> 20) % 3_000);
        if x.is_multiple_of(5) {
            r.record_journey(at, (x % 2) as u16, x % 200_000, !x.is_multiple_of(3), 0);
        }
    }
}

#[test]
fn intervals_closed_on_the_thread_or_in_place_are_the_same() {
    let config = |n| MetricsConfig {
        interval: ms(100),
        journeys: vec![
            ("cat-tax".to_string(), vec![Action::Signup, Action::CreatePost]),
            ("lurker".to_string(), vec![Action::ViewFeed, Action::ViewFeed]),
        ],
        planned_per_interval: vec![n; 300],
    };
    // Two records per interval close intervals faster than the thread encodes them: the
    // queue fills and some close in place, in between those it queued.
    for (records, span) in [(20_000, Duration::from_secs(30)), (600, Duration::from_secs(30))] {
        let (threaded, in_place) = (Recorder::new(config(7)), Recorder::closing_in_place(config(7)));
        seeded_run(&threaded, records, span);
        seeded_run(&in_place, records, span);
        let (a, b) = (threaded.finish(), in_place.finish());
        assert_eq!(a.intervals.len(), 300);
        assert!(a.intervals.iter().any(|i| i.histograms.is_empty()), "some intervals are empty");
        assert_eq!(a.intervals, b.intervals, "{records} records");
        let index: Vec<u64> = a.intervals.iter().map(|i| i.index).collect();
        assert_eq!(index, (0..300).collect::<Vec<_>>());
        assert_eq!(a.requests(), b.requests());
        let hlog = |m: &RunMetrics| {
            let mut out = Vec::new();
            crate::metrics::hlog::write(m, std::time::UNIX_EPOCH, &mut out).expect("writes");
            out
        };
        assert_eq!(hlog(&a), hlog(&b));
    }
}
