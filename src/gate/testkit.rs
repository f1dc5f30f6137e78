//! Synthetic runs for the gate's tests: reports built through the real [`Recorder`], with
//! latencies drawn from seeded distributions, so every test is exact and never flaky.

use std::time::Duration;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal};

use crate::metrics::{ErrorClass, MetricsConfig, Recorder};
use crate::report::{PhaseWindow, Report};
use crate::scenario::Action;

/// One second of a synthetic run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Second {
    pub planned: u64,
    pub started: u64,
    pub dropped: u64,
    /// Lateness of every started arrival, µs.
    pub lateness_us: u64,
    /// `create_post` requests; every `error_every`-th fails (0: none).
    pub posts: u64,
    pub error_every: u64,
    /// Median `create_post` response time, µs (service time is half of it).
    pub median_us: f64,
    /// `signup` requests, each taking `signup_us` (response) and half of it (service).
    pub signups: u64,
    pub signup_us: u64,
}

impl Default for Second {
    fn default() -> Self {
        Second {
            planned: 100,
            started: 100,
            dropped: 0,
            lateness_us: 500,
            posts: 200,
            error_every: 0,
            median_us: 20_000.0,
            signups: 10,
            signup_us: 5_000,
        }
    }
}

/// A report of `seconds`, with `create_post` latencies lognormal around each second's
/// median with spread `sigma`, drawn from `seed`.
pub fn report(seconds: &[Second], sigma: f64, seed: u64) -> Report {
    let recorder = Recorder::new(MetricsConfig {
        interval: Duration::from_secs(1),
        journeys: Vec::new(),
        planned_per_interval: seconds.iter().map(|s| s.planned).collect(),
    });
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for (i, s) in seconds.iter().enumerate() {
        let base = Duration::from_secs(i as u64);
        let at = |k: u64, of: u64| base + Duration::from_micros(k * 999_000 / of.max(1));
        for k in 0..s.started {
            recorder.record_start(at(k, s.started), s.lateness_us);
        }
        for k in 0..s.dropped {
            recorder.record_dropped(at(k, s.dropped));
        }
        let latency = LogNormal::new(s.median_us.ln(), sigma.max(1e-9)).ok();
        for k in 0..s.posts {
            let response = latency.map_or(s.median_us, |d| d.sample(&mut rng)).max(1.0) as u64;
            let failed = s.error_every > 0 && (k + 1) % s.error_every == 0;
            let outcome = if failed { Err(ErrorClass::Status5xx) } else { Ok(()) };
            recorder.record_request(
                at(k, s.posts),
                Action::CreatePost,
                None,
                crate::metrics::Delays::of(response / 2, response),
                outcome,
            );
        }
        for k in 0..s.signups {
            recorder.record_request(
                at(k, s.signups),
                Action::Signup,
                None,
                crate::metrics::Delays::of(s.signup_us / 2, s.signup_us),
                Ok(()),
            );
        }
    }
    let plan: Vec<(f64, u64)> = seconds.iter().enumerate().map(|(i, s)| (i as f64, s.planned)).collect();
    let mut info = crate::report::fixture::info();
    info.interrupted = false;
    info.interrupt_reason = None;
    Report::new(info, &recorder.finish(), &plan)
}

/// `n` identical seconds of `second`.
pub fn steady(n: usize, second: Second, sigma: f64, seed: u64) -> Report {
    report(&vec![second; n], sigma, seed)
}

/// A phase on the replay clock.
pub fn phase(name: &str, start_s: f64, end_s: f64) -> PhaseWindow {
    PhaseWindow { name: name.to_string(), start_s, end_s, real_start_s: start_s, real_end_s: end_s }
}
