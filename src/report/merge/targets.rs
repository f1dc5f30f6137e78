//! Combining the reports of a multi-target run: one report per target (`run --only-target
//! NAME`, each a whole run of its own share) into the report of the surge as a whole,
//! merged exactly like segments, plus a per-target breakdown.

use super::{Input, MergeError, add_into, combine};
use crate::metrics::Stats;
use crate::report::Report;
use crate::report::build::latency;
use crate::report::model::TargetSummary;

/// One target's report and where its run directory lies relative to the combined one.
#[derive(Debug, Clone)]
pub struct TargetInput {
    pub input: Input,
    pub run_dir: String,
    pub share: f64,
}

/// Combines one report per target of `names` (every one exactly once, any order).
pub fn merge_targets(mut parts: Vec<TargetInput>, names: &[String]) -> Result<Report, MergeError> {
    let position = |p: &TargetInput| {
        let name = p.input.report.run.only_target.as_deref().unwrap_or_default();
        names.iter().position(|n| n == name)
    };
    for part in &parts {
        if position(part).is_none() {
            return Err(MergeError::NotSegment(part.input.label.clone()));
        }
    }
    parts.sort_by_key(|p| position(p));
    for pair in parts.windows(2) {
        if position(&pair[0]) == position(&pair[1]) {
            return Err(MergeError::Duplicate {
                segment: pair[0].input.report.run.only_target.clone().unwrap_or_default(),
                a: pair[0].input.label.clone(),
                b: pair[1].input.label.clone(),
            });
        }
    }
    if parts.len() != names.len() {
        let given: Vec<Option<usize>> = parts.iter().map(position).collect();
        let missing: Vec<&str> = (names.iter().enumerate())
            .filter(|(i, _)| !given.contains(&Some(*i)))
            .map(|(_, n)| n.as_str())
            .collect();
        return Err(MergeError::Missing { missing: missing.join(", "), count: names.len() as u32 });
    }
    let inputs: Vec<Input> = parts.iter().map(|p| p.input.clone()).collect();
    let mut merged = combine(&inputs)?;
    merged.run.merged_segments = None;
    merged.run.only_target = None;
    merged.run.interrupt_reason = parts.iter().find_map(|p| {
        let why = p.input.report.run.interrupt_reason.as_ref()?;
        Some(format!("target {}: {why}", name_of(&p.input.report)))
    });
    merged.run.target = parts
        .iter()
        .map(|p| format!("{}={}", name_of(&p.input.report), p.input.report.run.target))
        .collect::<Vec<_>>()
        .join(", ");
    // Each target injected its own windows: list them all, saying where.
    merged.outages = (parts.iter())
        .flat_map(|p| {
            let name = name_of(&p.input.report).to_string();
            p.input.report.outages.iter().map(move |o| {
                let mut o = o.clone();
                o.effect = format!("{name}: {}", o.effect);
                o
            })
        })
        .collect();
    merged.targets = parts.iter().map(summary).collect::<Result<_, _>>()?;
    Ok(merged)
}

fn name_of(report: &Report) -> &str {
    report.run.only_target.as_deref().unwrap_or_default()
}

/// One target's line of the breakdown: its totals and its pooled response time.
fn summary(part: &TargetInput) -> Result<TargetSummary, MergeError> {
    let report = &part.input.report;
    let mut pooled = None;
    for action in report.actions.iter().filter(|a| !a.stats.histogram.response.is_empty()) {
        add_into(&mut pooled, &action.stats.histogram.response).map_err(|source| MergeError::Histogram {
            path: part.input.label.clone(),
            what: format!("{}.response", action.name),
            source,
        })?;
    }
    Ok(TargetSummary {
        name: name_of(report).to_string(),
        url: report.run.target.clone(),
        share: part.share,
        arrivals_planned: report.arrivals.planned,
        arrivals_started: report.arrivals.started,
        requests: report.requests,
        errors: report.errors,
        response_us: latency(Stats::of(pooled.as_ref())),
        run_dir: part.run_dir.clone(),
    })
}
