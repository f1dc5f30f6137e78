//! Per-newcomer decisions (which journey, how many repeats, think times) derived from
//! `(seed, arrival index)` alone, so a newcomer behaves the same whichever worker slot runs
//! it, on whichever machine, in whatever order.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::scenario::limits::MAX_REPEAT;
use crate::scenario::{JourneySpec, Phase, Replay};

/// SplitMix64 finaliser: spreads consecutive indices over unrelated seeds.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The random stream of one newcomer (or any other keyed entity, via `stream`).
pub fn rng_for(seed: u64, stream: u64, index: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(mix(seed ^ mix(stream ^ mix(index))))
}

/// Streams that keep unrelated decisions independent.
pub mod stream {
    pub const JOURNEY: u64 = 1;
    pub const REACTION: u64 = 2;
    pub const NATIVE: u64 = 3;
    pub const RETRY: u64 = 4;
    pub const TARGET: u64 = 5;
    pub const TARGET_NATIVE: u64 = 6;
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_deterministic_and_distinct() {
        let a: u64 = rng_for(1, stream::JOURNEY, 5).random();
        let b: u64 = rng_for(1, stream::JOURNEY, 5).random();
        let c: u64 = rng_for(1, stream::JOURNEY, 6).random();
        let d: u64 = rng_for(1, stream::REACTION, 5).random();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
    }
}
