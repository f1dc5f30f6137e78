//! The one ending of every run that produces a report (`run`, a multi-target run, `merge`):
//! judge, write the run directory, print, and map the outcome to the exit code.

use std::path::Path;

use super::ReplayError;
use crate::gate::Gate;
use crate::report::{Report, files};

/// Process exit codes, documented in the README.
pub mod exit {
    pub const OK: u8 = 0;
    pub const FAILED: u8 = 1;
    pub const ERROR: u8 = 2;

    /// The code of a judged report: an interrupted run is an error, a failed verdict (or an
    /// `abort` threshold that stopped the run) a failure.
    pub fn of_report(report: &crate::report::Report) -> u8 {
        let invalid =
            report.validity.as_ref().is_some_and(crate::report::validity::Validity::is_generator_bound);
        if report.run.interrupted || invalid {
            ERROR
        } else if report.run.aborted.is_some() || crate::gate::any_failed(&report.verdicts) {
            FAILED
        } else {
            OK
        }
    }
}

/// Judges `report` against `gate`, writes its files into `out`, prints the summary, the
/// `notes` (what the caller knows beyond the report), where the report is and the
/// verdicts, and returns the exit code.
///
/// Verdicts go into the report before its files are written; everything is written before
/// anything is printed, so an I/O error is reported, not a half directory.
pub fn finish(report: &mut Report, gate: &Gate, out: &Path, notes: &[String]) -> Result<u8, ReplayError> {
    let judged = gate.judge(report);
    files::write_all(report, out).map_err(|source| ReplayError::Write { dir: out.to_path_buf(), source })?;
    println!("{}", report.console_summary());
    for line in notes {
        println!("{line}");
    }
    println!("report: {}", out.join(files::HTML).display());
    print!("{}", judged?);
    Ok(exit::of_report(report))
}
