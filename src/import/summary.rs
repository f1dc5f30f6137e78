//! The import's summary for people: what was read, what was bad (and where), how much of
//! the traffic the rules mapped, the paths they missed, and the journeys inferred.

use std::fmt::Write as _;

use super::Imported;

/// Unmapped paths listed.
const TOP_UNMAPPED: usize = 10;

/// A qualitative reading of a Kolmogorov–Smirnov distance.
fn quality(ks: f64) -> &'static str {
    if ks < 0.05 {
        "good"
    } else if ks < 0.1 {
        "fair"
    } else {
        "poor: the think times are not log-normal"
    }
}

/// The summary text.
pub fn render(imported: &Imported) -> String {
    let t = &imported.tally;
    let mut out = String::new();
    let _ = writeln!(out, "lines        {} read, {} requests, {} bad", t.lines, t.requests, t.bad_lines);
    for bad in &t.first_bad {
        let _ = writeln!(out, "  bad        {}:{}: {}", bad.file, bad.line, bad.reason);
    }
    if t.bad_lines > t.first_bad.len() as u64 {
        let _ = writeln!(out, "  bad        … and {} more", t.bad_lines - t.first_bad.len() as u64);
    }
    if t.before_origin > 0 {
        let _ = writeln!(out, "  skipped    {} requests before the origin", t.before_origin);
    }
    let _ = writeln!(out, "signups      {} ({} answered 4xx/5xx)", t.signups, t.failed_signups);
    let _ = writeln!(
        out,
        "mapped       {:.1} % of requests (signups and --map rules); {} unmapped",
        100.0 * t.mapped_share(),
        t.unmapped
    );
    for (path, count) in t.top_unmapped(TOP_UNMAPPED) {
        let _ = writeln!(out, "  unmapped   {count:>10}  {path}");
    }
    if t.unmapped_other > 0 {
        let _ = writeln!(out, "  unmapped   {:>10}  (other paths)", t.unmapped_other);
    }
    let actions: std::collections::BTreeSet<_> =
        t.newcomer_requests.keys().chain(t.existing_requests.keys()).copied().collect();
    for action in actions {
        let newcomers = t.newcomer_requests.get(&action).copied().unwrap_or(0);
        let existing = t.existing_requests.get(&action).copied().unwrap_or(0);
        let _ = writeln!(
            out,
            "  {:<12} {newcomers:>10} by newcomers ({:.3} per newcomer), {existing} by existing users",
            action.name(),
            newcomers as f64 / t.signups.max(1) as f64
        );
    }
    match &imported.sessions {
        None => {
            let _ = writeln!(out, "journeys     no user key: every request counts as a newcomer's");
        }
        Some(s) => {
            let _ = writeln!(
                out,
                "journeys     {} newcomers' and {} existing users' sessions ({} closed early at the session cap)",
                s.newcomer_sessions, s.existing_sessions, s.evicted
            );
            let order: Vec<&str> = s.step_order().iter().map(|a| a.name()).collect();
            let _ = writeln!(out, "  order      signup → {}", order.join(" → "));
            match s.think_fit() {
                Some(fit) => {
                    let _ = writeln!(
                        out,
                        "  think      log-normal median {:.3} s, sigma {:.3} over {} gaps; KS distance {:.3} ({})",
                        fit.median_s,
                        fit.sigma,
                        fit.gaps,
                        fit.ks_distance,
                        quality(fit.ks_distance)
                    );
                }
                None => {
                    let _ = writeln!(out, "  think      too few gaps to fit (none written)");
                }
            }
        }
    }
    let _ = writeln!(
        out,
        "wrote        {} and {} ({} bins)",
        imported.files.scenario.display(),
        imported.files.series.display(),
        imported.files.bins
    );
    out
}
