//! Several targets sharing one surge, each with a weight: Mastodon's registrations went to
//! thousands of servers of very uneven size, not to one platform.
//!
//! Every newcomer and every native belongs to exactly one target, drawn by weight from
//! their own seeded stream (`stream::TARGET`, `stream::TARGET_NATIVE`), so the split is
//! the same in `plan` and `run` and whichever process replays it. Targets are separate
//! deployments: a newcomer's follows, comments and likes stay on its own target (the
//! reference platform does not federate).

use rand::Rng;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::seed::{rng_for, stream};
use crate::source::problem::{DocPath, Findings};

/// One target of a multi-target scenario.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetSpec {
    /// Name used with `run --target NAME=URL`, in reports and in outages' `targets`
    /// (letters, digits, `-`, `_`, `.`).
    pub name: String,
    /// Relative share of newcomers and natives (> 0; weights need not sum to 1).
    pub weight: f64,
}

/// Index of the target that item `index` of `stream_id` belongs to, by `weights`.
pub fn target_of(weights: &[f64], seed: u64, stream_id: u64, index: u64) -> usize {
    if weights.len() <= 1 {
        return 0;
    }
    let mut rng = rng_for(seed, stream_id, index);
    let total: f64 = weights.iter().sum();
    let mut point = rng.random::<f64>() * total;
    for (i, weight) in weights.iter().enumerate() {
        if point < *weight {
            return i;
        }
        point -= weight;
    }
    weights.len() - 1
}

/// The target of newcomer `index`.
pub fn target_of_newcomer(weights: &[f64], seed: u64, index: u64) -> usize {
    target_of(weights, seed, stream::TARGET, index)
}

/// The target of native `index`.
pub fn target_of_native(weights: &[f64], seed: u64, index: u64) -> usize {
    target_of(weights, seed, stream::TARGET_NATIVE, index)
}

/// The targets' weights, in order.
pub fn weights(targets: &[TargetSpec]) -> Vec<f64> {
    targets.iter().map(|t| t.weight).collect()
}

/// One target's share of a multi-target scenario: which newcomers and natives it gets.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetShare {
    /// Every target's weight, in scenario order.
    pub weights: std::sync::Arc<[f64]>,
    /// This target's position in `weights`.
    pub index: usize,
    pub seed: u64,
}

impl TargetShare {
    /// Target `index` of `targets` (seeded with the scenario's seed).
    pub fn new(targets: &[TargetSpec], index: usize, seed: u64) -> Self {
        TargetShare { weights: weights(targets).into(), index, seed }
    }

    pub fn owns_newcomer(&self, index: u64) -> bool {
        target_of_newcomer(&self.weights, self.seed, index) == self.index
    }

    pub fn owns_native(&self, index: u64) -> bool {
        target_of_native(&self.weights, self.seed, index) == self.index
    }
}

/// Each target's share of the total weight.
pub fn shares(targets: &[TargetSpec]) -> Vec<f64> {
    let total: f64 = targets.iter().map(|t| t.weight).sum();
    targets.iter().map(|t| if total > 0.0 { t.weight / total } else { 0.0 }).collect()
}

/// Checks names (unique, usable in flags and paths) and weights.
pub fn validate(targets: &[TargetSpec], findings: &mut Findings) {
    let at = DocPath::root().key("targets");
    let mut names = Vec::new();
    for (i, target) in targets.iter().enumerate() {
        let at = at.index(i);
        findings.check(
            crate::source::file::is_path_name(&target.name),
            &at.key("name"),
            || format!("`{}` cannot name a target", target.name),
            crate::source::file::PATH_NAME_EXPECTED,
        );
        findings.check(
            !names.contains(&target.name.as_str()),
            &at.key("name"),
            || format!("target `{}` is defined twice", target.name),
            "unique target names",
        );
        names.push(&target.name);
        findings.check(
            target.weight.is_finite() && target.weight > 0.0,
            &at.key("weight"),
            || format!("weight {} is not allowed", target.weight),
            "a number > 0",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets(weights: &[f64]) -> Vec<TargetSpec> {
        (weights.iter().enumerate())
            .map(|(i, &weight)| TargetSpec { name: format!("t{i}"), weight })
            .collect()
    }

    #[test]
    fn one_target_takes_everything() {
        assert!((0..100).all(|k| target_of_newcomer(&weights(&targets(&[3.0])), 1, k) == 0));
        assert_eq!(target_of_newcomer(&[], 1, 5), 0);
    }

    #[test]
    fn the_split_follows_the_weights_within_binomial_bounds() {
        // 100,000 draws with p = 0.6, 0.3, 0.1: the counts stay within 5 standard
        // deviations (√(n p (1-p)) ≤ 155) of n·p — with a fixed seed, they never flake.
        let t = targets(&[6.0, 3.0, 1.0]);
        let w = weights(&t);
        let n = 100_000u64;
        let mut counts = [0u64; 3];
        for k in 0..n {
            counts[target_of_newcomer(&w, 42, k)] += 1;
        }
        for (count, p) in counts.iter().zip([0.6, 0.3, 0.1]) {
            let sd = (n as f64 * p * (1.0 - p)).sqrt();
            assert!((*count as f64 - n as f64 * p).abs() < 5.0 * sd, "{counts:?}");
        }
        assert_eq!(shares(&t), [0.6, 0.3, 0.1]);
    }

    #[test]
    fn newcomers_and_natives_draw_independently_but_reproducibly() {
        let share = TargetShare::new(&targets(&[1.0, 1.0]), 0, 9);
        let newcomers: Vec<bool> = (0..64).map(|k| share.owns_newcomer(k)).collect();
        let natives: Vec<bool> = (0..64).map(|k| share.owns_native(k)).collect();
        assert_ne!(newcomers, natives);
        assert_eq!(newcomers, (0..64).map(|k| share.owns_newcomer(k)).collect::<Vec<_>>());
        let other = TargetShare { index: 1, ..share.clone() };
        assert!((0..64).all(|k| share.owns_newcomer(k) != other.owns_newcomer(k)), "a partition");
    }

    #[test]
    fn bad_targets_are_found() {
        let mut bad = targets(&[0.0, 1.0]);
        bad[1].name = "t0".into();
        bad.push(TargetSpec { name: "a b".into(), weight: 1.0 });
        let mut findings = Findings::new();
        validate(&bad, &mut findings);
        let messages: Vec<String> = findings.into_vec().into_iter().map(|f| f.message).collect();
        assert_eq!(
            messages,
            ["weight 0 is not allowed", "target `t0` is defined twice", "`a b` cannot name a target"]
        );
    }
}
