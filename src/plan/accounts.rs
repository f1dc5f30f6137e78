//! Enough newcomer accounts for the schedule: with `population.newcomer_accounts`, arrival
//! `i` logs in as row `i`, so the file needs a row per planned newcomer. How many that is
//! depends on the drawn schedule (Poisson spacing varies around the curve's expectation),
//! so it is checked here, on the plan, rather than when the scenario loads.

use super::Plan;
use crate::scenario::Problems;
use crate::scenario::accounts::check_count;
use crate::source::problem::{DocPath, Findings};

/// Newcomers the schedule starts (the highest arrival index + 1, whatever the segment).
pub fn newcomers(plan: &Plan) -> u64 {
    plan.schedule.iter().map(|a| a.index + 1).max().unwrap_or(0)
}

/// A newcomer accounts file shorter than the planned newcomers is a problem at
/// `population.newcomer_accounts`, naming both counts.
pub fn check(plan: &Plan) -> Result<(), Problems> {
    let scenario = &plan.scenario;
    let Some(accounts) = &scenario.newcomer_accounts else { return Ok(()) };
    let mut findings = Findings::new();
    let at = DocPath::root().key("population").key("newcomer_accounts");
    check_count(accounts, newcomers(plan), "newcomers (the schedule's arrivals)", &at, &mut findings);
    if findings.is_empty() {
        return Ok(());
    }
    match crate::scenario::load::read(&scenario.file) {
        Ok((_, document)) => Err(Problems(document.place(&scenario.file, findings))),
        Err(problems) => Err(Problems(problems)),
    }
}
