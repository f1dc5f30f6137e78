//! What `merge` refuses: anything but exactly one report per segment `0..N` of one run
//! (same scenario, seed, settings, run id and thresholds).

use super::{Input, MergeError};
use crate::report::Report;

/// Refuses anything but one report per segment `0..N` of a single run, and sorts them.
pub fn check(inputs: &mut [Input]) -> Result<(), MergeError> {
    for input in inputs.iter() {
        if input.report.run.segment.is_none() {
            return Err(MergeError::NotSegment(input.label.clone()));
        }
    }
    inputs.sort_by_key(|i| i.report.run.segment.map(|s| s.index));
    let Some(first) = inputs.first() else { return Err(MergeError::Empty) };
    let key = |r: &Report| -> [(&'static str, String); 14] {
        let thresholds = {
            let mut t = r.run.thresholds.clone();
            t.sort();
            t
        };
        [
            ("schema", r.schema.clone()),
            ("scenario", r.run.scenario.clone()),
            ("seed", r.run.seed.to_string()),
            ("compress", r.run.compress.to_string()),
            ("sample", r.run.sample.to_string()),
            ("think", r.run.think.clone()),
            ("profile", r.run.profile.clone()),
            ("replay duration", r.run.replay_duration_s.to_string()),
            ("lateness budget", r.run.lateness_budget_ms.to_string()),
            ("run id", format!("{:?}", r.run.run_id)),
            ("segment count", r.run.segment.map(|s| s.count).unwrap_or_default().to_string()),
            ("target", format!("{:?}", r.run.only_target)),
            ("interval", format!("{}s, {} plan buckets", r.interval_s, r.plan.len())),
            ("thresholds", format!("{thresholds:?}")),
        ]
    };
    let expected = key(&first.report);
    for input in inputs.iter().skip(1) {
        for ((what, found), (_, want)) in key(&input.report).into_iter().zip(&expected) {
            if &found != want {
                return Err(MergeError::Mismatch {
                    path: input.label.clone(),
                    first: first.label.clone(),
                    what,
                    found,
                    expected: want.clone(),
                });
            }
        }
    }
    let count = first.report.run.segment.map(|s| s.count).unwrap_or_default();
    for pair in inputs.windows(2) {
        if pair[0].report.run.segment == pair[1].report.run.segment {
            let segment = pair[0].report.run.segment.map(|s| format!("{}/{}", s.index, s.count));
            return Err(MergeError::Duplicate {
                segment: segment.unwrap_or_default(),
                a: pair[0].label.clone(),
                b: pair[1].label.clone(),
            });
        }
    }
    let given: Vec<u32> = inputs.iter().filter_map(|i| i.report.run.segment.map(|s| s.index)).collect();
    let missing: Vec<String> = (0..count).filter(|i| !given.contains(i)).map(|i| i.to_string()).collect();
    if !missing.is_empty() {
        return Err(MergeError::Missing { missing: missing.join(", "), count });
    }
    Ok(())
}
