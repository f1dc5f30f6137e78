//! The comparison of a candidate with its baseline as a console table: `stampede compare`
//! prints it, and `stampede run --baseline` after the summary.

use super::compare::{CompareOptions, Comparison, RowVerdict};
use crate::human;

/// The comparison table with its legend, warnings and counts.
pub fn render(comparison: &Comparison, options: &CompareOptions) -> String {
    let confidence = format!("{:.0}% CI", comparison.confidence * 100.0);
    let mut out = format!(
        "{} time · {confidence} ({}) · practical margin {} or {}\n",
        comparison.measure,
        comparison.method,
        human::percent(options.min_relative),
        human::micros(options.min_absolute_us)
    );
    out.push_str(&format!(
        "{:<12} {:>5} {:>10} {:>10} {:>8}  {:<20}  {}\n",
        "action", "pct", "baseline", "candidate", "change", confidence, "verdict"
    ));
    let opt = |v: Option<f64>, f: fn(f64) -> String| v.map_or_else(|| "-".to_string(), f);
    for row in &comparison.rows {
        let ci = match (row.ci_low, row.ci_high) {
            (Some(lo), Some(hi)) => format!("[{}, {}]", human::change(lo), human::change(hi)),
            _ => "-".to_string(),
        };
        let note = if row.note.is_empty() { String::new() } else { format!(" ({})", row.note) };
        out.push_str(&format!(
            "{:<12} {:>5} {:>10} {:>10} {:>8}  {:<20}  {}{note}\n",
            row.action,
            human::percentile(row.percentile),
            opt(row.baseline_us, human::micros),
            opt(row.candidate_us, human::micros),
            opt(row.change, human::change),
            ci,
            row.verdict.name(),
        ));
    }
    let count = |v: RowVerdict| comparison.rows.iter().filter(|r| r.verdict == v).count();
    out.push_str(&format!(
        "regressed {} · improved {} · unchanged {} · inconclusive {}\n",
        count(RowVerdict::Regressed),
        count(RowVerdict::Improved),
        count(RowVerdict::Unchanged),
        count(RowVerdict::Inconclusive)
    ));
    for warning in &comparison.warnings {
        out.push_str(&format!("warning: {warning}\n"));
    }
    out
}
