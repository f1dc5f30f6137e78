//! Newcomers from pre-provisioned accounts (`population.newcomer_accounts`), for platforms
//! whose signup cannot be automated: newcomer `i` (arrival `i`, every retry too) takes row
//! `i`'s handle, password and extra columns, and its journey's `signup` step sends the
//! profile's `login` instead, recorded as `login` since that is what went out.
//!
//! The values live in the journey's values only, like generated credentials: never
//! printed, logged or written to a report.

use super::context::Context;
use super::vars::Vars;
use crate::scenario::Action;

/// Loads arrival `index`'s account into `vars`; false when the scenario has no newcomer
/// accounts (then the walk generates its credentials) or no row for it.
pub(super) fn load(ctx: &Context, index: u64, vars: &mut Vars) -> bool {
    let Some(accounts) = &ctx.scenario.newcomer_accounts else { return false };
    let Ok(row) = usize::try_from(index) else { return false };
    if row >= accounts.len() {
        // Checked against the schedule before the run; a row missing here would be a
        // plan that grew since, and the generated credentials fail visibly at login.
        return false;
    }
    let columns = ["handle", "password"].into_iter().chain(accounts.extra_columns.iter().map(String::as_str));
    for column in columns {
        if let Some(value) = accounts.value(row, column) {
            vars.set_text(column, value);
        }
    }
    true
}

/// The action a newcomer step sends: `login` for `signup` when the newcomer's account is
/// listed (it exists already), the step's own otherwise.
pub(super) fn action(listed: bool, step: Action) -> Action {
    if listed && step == Action::Signup { Action::Login } else { step }
}
