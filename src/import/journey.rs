//! Journey inference where the log carries a user or session key: each key's requests in
//! time order form a session; a session that opens with a signup is a newcomer's journey,
//! any other an existing user's. A signup, or a pause longer than the idle limit, starts a
//! new session. From newcomers' sessions come the step order (each action's mean position
//! of first use) and the think times: the gaps between consecutive requests, fitted by a
//! log-normal (maximum likelihood: the mean and deviation of ln gap), with a
//! Kolmogorov–Smirnov distance saying how well it fits.
//!
//! Memory is bounded: at most `max_sessions` sessions are open (the one idle longest is
//! closed first, and counted as evicted), and the fit keeps a fixed-size reservoir sample of
//! the gaps for the KS distance while its moments use every gap.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::scenario::Action;

/// Gaps kept for the goodness-of-fit distance.
const RESERVOIR: usize = 10_000;
/// Gaps below this (same-millisecond requests) count as this, so ln stays finite.
const MIN_GAP_S: f64 = 0.001;

/// Whose request a keyed request was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    Newcomer,
    Existing,
}

#[derive(Debug, Clone, Copy)]
struct Session {
    last_us: i64,
    newcomer: bool,
    /// Requests so far (the signup is position 0).
    position: u32,
    /// Actions already used, by `Action::ALL` index.
    used: u32,
}

/// The log-normal fit of think times.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThinkFit {
    pub median_s: f64,
    pub sigma: f64,
    /// Gaps fitted.
    pub gaps: u64,
    /// Kolmogorov–Smirnov distance between the gaps (a sample of them) and the fit: below
    /// ~0.05 the log-normal describes them well, above ~0.1 poorly.
    pub ks_distance: f64,
}

/// Open sessions and what closed ones taught.
#[derive(Debug)]
pub struct Sessions {
    open: HashMap<u64, Session>,
    /// Open sessions by last activity, to close the idlest first.
    by_last: BTreeSet<(i64, u64)>,
    max_sessions: usize,
    idle_us: i64,
    pub newcomer_sessions: u64,
    pub existing_sessions: u64,
    /// Sessions closed early because `max_sessions` were open.
    pub evicted: u64,
    /// Per action: (sum of first-use positions, newcomer sessions using it).
    first_use: BTreeMap<Action, (u64, u64)>,
    ln_sum: f64,
    ln_square_sum: f64,
    gaps: u64,
    reservoir: Vec<f64>,
    rng: ChaCha8Rng,
}

impl Sessions {
    pub fn new(max_sessions: usize, idle_us: i64) -> Self {
        Self {
            open: HashMap::new(),
            by_last: BTreeSet::new(),
            max_sessions: max_sessions.max(1),
            idle_us,
            newcomer_sessions: 0,
            existing_sessions: 0,
            evicted: 0,
            first_use: BTreeMap::new(),
            ln_sum: 0.0,
            ln_square_sum: 0.0,
            gaps: 0,
            reservoir: Vec::new(),
            // A fixed seed: the same log gives the same reported fit.
            rng: ChaCha8Rng::seed_from_u64(21),
        }
    }

    /// Files one request (`action` `None` for a signup) of `key` at `time_us`.
    pub fn observe(&mut self, key: u64, time_us: i64, action: Option<Action>) -> Who {
        let continuing =
            self.open.get(&key).copied().filter(|s| action.is_some() && time_us - s.last_us <= self.idle_us);
        let session = match continuing {
            Some(mut session) => {
                self.by_last.remove(&(session.last_us, key));
                if session.newcomer {
                    // Logs are ordered by completion, so a gap may be slightly negative.
                    self.record_gap((time_us - session.last_us).max(0) as f64 / 1e6);
                }
                session.position += 1;
                session.last_us = session.last_us.max(time_us);
                session
            }
            None => {
                if let Some(old) = self.open.remove(&key) {
                    self.by_last.remove(&(old.last_us, key));
                }
                self.make_room();
                let newcomer = action.is_none();
                *(if newcomer { &mut self.newcomer_sessions } else { &mut self.existing_sessions }) += 1;
                Session { last_us: time_us, newcomer, position: 0, used: 0 }
            }
        };
        let mut session = session;
        if let Some(action) = action.filter(|_| session.newcomer) {
            let bit = 1 << Action::ALL.iter().position(|a| *a == action).unwrap_or(0);
            if session.used & bit == 0 {
                session.used |= bit;
                let entry = self.first_use.entry(action).or_default();
                *entry = (entry.0 + u64::from(session.position), entry.1 + 1);
            }
        }
        self.open.insert(key, session);
        self.by_last.insert((session.last_us, key));
        if session.newcomer { Who::Newcomer } else { Who::Existing }
    }

    fn make_room(&mut self) {
        while self.open.len() >= self.max_sessions {
            let Some((_, key)) = self.by_last.pop_first() else { break };
            self.open.remove(&key);
            self.evicted += 1;
        }
    }

    fn record_gap(&mut self, gap_s: f64) {
        let ln = gap_s.max(MIN_GAP_S).ln();
        self.gaps += 1;
        self.ln_sum += ln;
        self.ln_square_sum += ln * ln;
        // Reservoir sampling (Algorithm R): every gap equally likely to be kept.
        if self.reservoir.len() < RESERVOIR {
            self.reservoir.push(ln);
        } else {
            let slot = self.rng.random_range(0..self.gaps);
            if let Some(kept) = self.reservoir.get_mut(slot as usize) {
                *kept = ln;
            }
        }
    }

    /// Newcomers' actions in journey order: by mean position of first use.
    pub fn step_order(&self) -> Vec<Action> {
        let mut order: Vec<(f64, Action)> =
            self.first_use.iter().map(|(a, (sum, n))| (*sum as f64 / (*n).max(1) as f64, *a)).collect();
        order.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        order.into_iter().map(|(_, a)| a).collect()
    }

    /// The think-time fit, `None` with fewer than two gaps.
    pub fn think_fit(&self) -> Option<ThinkFit> {
        if self.gaps < 2 {
            return None;
        }
        let n = self.gaps as f64;
        let mu = self.ln_sum / n;
        let sigma = ((self.ln_square_sum / n - mu * mu).max(0.0) * n / (n - 1.0)).sqrt();
        Some(ThinkFit {
            median_s: mu.exp(),
            sigma,
            gaps: self.gaps,
            ks_distance: ks_distance(&self.reservoir, mu, sigma),
        })
    }
}

/// The largest distance between the empirical CDF of `ln_gaps` and Normal(mu, sigma).
fn ks_distance(ln_gaps: &[f64], mu: f64, sigma: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    let mut sorted = ln_gaps.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len() as f64;
    let Ok(normal) = Normal::new(mu, sigma.max(1e-9)) else { return 1.0 };
    sorted
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let cdf = normal.cdf(x);
            (cdf - i as f64 / n).abs().max((((i + 1) as f64) / n - cdf).abs())
        })
        .fold(0.0, f64::max)
}

#[cfg(test)]
mod tests {
    use rand_distr::{Distribution, LogNormal};

    use super::*;

    const S: i64 = 1_000_000;

    #[test]
    fn sessions_split_newcomers_from_existing_users() {
        let mut sessions = Sessions::new(10, 1800 * S);
        assert_eq!(sessions.observe(1, 0, None), Who::Newcomer);
        assert_eq!(sessions.observe(1, 2 * S, Some(Action::UploadMedia)), Who::Newcomer);
        assert_eq!(sessions.observe(1, 5 * S, Some(Action::CreatePost)), Who::Newcomer);
        assert_eq!(sessions.observe(2, 6 * S, Some(Action::ViewFeed)), Who::Existing);
        // An hour idle: a new session, which does not start with a signup.
        assert_eq!(sessions.observe(1, 3605 * S, Some(Action::ViewFeed)), Who::Existing);
        assert_eq!(sessions.observe(3, 0, None), Who::Newcomer);
        assert_eq!(sessions.observe(3, S, Some(Action::CreatePost)), Who::Newcomer);
        assert_eq!((sessions.newcomer_sessions, sessions.existing_sessions), (2, 2));
        // upload_media first used at position 1; create_post at 2 and 1: mean 1.5.
        assert_eq!(sessions.step_order(), [Action::UploadMedia, Action::CreatePost]);
        let fit = sessions.think_fit().expect("three gaps");
        assert_eq!(fit.gaps, 3);
        assert!((fit.median_s - 6f64.cbrt()).abs() < 1e-9, "{fit:?}");
    }

    #[test]
    fn the_idlest_session_is_evicted_at_the_cap() {
        let mut sessions = Sessions::new(2, 1800 * S);
        sessions.observe(1, 0, None);
        sessions.observe(2, S, None);
        sessions.observe(1, 2 * S, Some(Action::Like));
        sessions.observe(3, 3 * S, None);
        assert_eq!(sessions.evicted, 1);
        // Key 2 was evicted: its next request opens an existing user's session.
        assert_eq!(sessions.observe(2, 4 * S, Some(Action::Like)), Who::Existing);
        assert_eq!(sessions.observe(1, 5 * S, Some(Action::Like)), Who::Existing);
        assert!(sessions.open.len() <= 2);
    }

    #[test]
    fn fits_log_normal_gaps_and_rejects_others() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let truth = LogNormal::new(3f64.ln(), 0.8).expect("valid");
        let mut sessions = Sessions::new(10, i64::MAX / 2);
        let mut t = 0;
        sessions.observe(1, t, None);
        for _ in 0..20_000 {
            t += (truth.sample(&mut rng) * 1e6) as i64;
            sessions.observe(1, t, Some(Action::ViewFeed));
        }
        let fit = sessions.think_fit().expect("fitted");
        // 20,000 draws: the median within 2 %, sigma within 0.02, KS well under 0.05.
        assert!((fit.median_s / 3.0 - 1.0).abs() < 0.02 && (fit.sigma - 0.8).abs() < 0.02, "{fit:?}");
        assert!(fit.ks_distance < 0.03, "{fit:?}");
        let mut fixed = Sessions::new(10, i64::MAX / 2);
        fixed.observe(1, 0, None);
        for i in 1..1000 {
            // Gaps alternating 1 s and 100 s: two spikes, nothing like a log-normal.
            fixed.observe(1, i * 50 * S + if i % 2 == 0 { 0 } else { -49 * S }, Some(Action::Like));
        }
        assert!(fixed.think_fit().expect("fitted").ks_distance > 0.2);
    }
}
