//! Per-newcomer decisions (which journey, how many repeats, think times) derived from
//! `(seed, arrival index)` alone, so a newcomer behaves the same whichever worker slot runs
//! it, on whichever machine, in whatever order.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::scenario::limits::MAX_REPEAT;
use crate::scenario::{JourneySpec, Phase, Replay};

pub use crate::seed::{rng_for, stream};

/// Picks a journey index by weight.
pub fn choose_journey<R: Rng + ?Sized>(journeys: &[JourneySpec], rng: &mut R) -> usize {
    let total: f64 = journeys.iter().map(|j| j.weight).sum();
    let mut point = rng.random::<f64>() * total;
    for (i, journey) in journeys.iter().enumerate() {
        if point < journey.weight {
            return i;
        }
        point -= journey.weight;
    }
    journeys.len().saturating_sub(1)
}

/// One step occurrence in a newcomer's concrete journey.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlannedStep {
    /// Index of the step in the journey spec.
    pub step: usize,
    /// Think time before this occurrence, seconds on the replay clock.
    pub think_s: f64,
}

/// Whether curve time `real_t_s` lies in the phase named `name` (unknown names never match;
/// validation rejects them).
pub fn in_phase(phases: &[Phase], name: &str, real_t_s: f64) -> bool {
    phases.iter().any(|p| p.name == name && p.start_s <= real_t_s && real_t_s < p.end_s)
}

/// The concrete steps of the newcomer arriving at curve time `real_t_s`: `during` windows,
/// probability and repeats resolved, think times drawn and scaled to the replay clock. The
/// executor runs exactly this list. Its length is bounded: each repeat draw is capped at
/// [`MAX_REPEAT`], and validation bounds the sum over a journey's steps
/// ([`crate::scenario::limits::MAX_JOURNEY_REQUESTS`]).
pub fn concrete_steps(
    journey: &JourneySpec,
    replay: &Replay,
    phases: &[Phase],
    real_t_s: f64,
    rng: &mut ChaCha8Rng,
) -> Vec<PlannedStep> {
    let mut steps = Vec::new();
    for (i, step) in journey.steps.iter().enumerate() {
        // Decided before any draw, so a window does not shift other steps' randomness.
        if step.during.as_deref().is_some_and(|phase| !in_phase(phases, phase, real_t_s)) {
            continue;
        }
        if rng.random::<f64>() >= step.probability.unwrap_or(1.0) {
            continue;
        }
        let repeats = step.repeat.as_ref().map_or(1, |r| r.sample_at_most(rng, MAX_REPEAT));
        for _ in 0..repeats {
            let think_s = step.think.as_ref().map_or(0.0, |t| t.sample_s(rng)) * replay.think_scale();
            steps.push(PlannedStep { step: i, think_s });
        }
    }
    steps
}
