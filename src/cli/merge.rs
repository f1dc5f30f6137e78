//! `stampede merge RUN_DIR...`: the run directory of a segmented run, merged from its
//! segments' run directories (`stampede run --segment I/N`), judged again on the merged
//! data (thresholds from the segments' reports and `--threshold`, optional `--baseline`).

use std::path::PathBuf;

use clap::Args;

use super::exit;
use crate::report::merge::{self, Input};
use crate::report::{FILE_NAME, Report};

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Run directories (or report.json files) of every segment of one run, in any order.
    #[arg(required = true, value_name = "RUN_DIR")]
    pub dirs: Vec<PathBuf>,
    /// Directory of the merged run. Default: `reports/<scenario>-<run id>/`.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub gate: super::gate::GateArgs,
}

pub fn run(args: &MergeArgs) -> anyhow::Result<u8> {
    let mut inputs = Vec::with_capacity(args.dirs.len());
    for path in &args.dirs {
        let json = if path.is_dir() { path.join(FILE_NAME) } else { path.clone() };
        match Report::read(&json) {
            Ok(report) => inputs.push(Input { label: path.display().to_string(), report }),
            Err(error) => {
                eprintln!("error: {error}");
                return Ok(exit::ERROR);
            }
        }
    }
    let mut report = match merge::merge(inputs) {
        Ok(report) => report,
        Err(error) => {
            eprintln!("error: {error}");
            return Ok(exit::ERROR);
        }
    };
    let gate = args.gate.resolve_for_report(&report)?;
    let out = args.out.clone().unwrap_or_else(|| {
        let id = report.run.run_id.clone().unwrap_or_else(|| "merged".to_string());
        PathBuf::from("reports").join(format!("{}-{id}", report.run.scenario))
    });
    Ok(crate::replay::finish(&mut report, &gate, &out, &[])?)
}
