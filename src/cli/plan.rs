//! `stampede plan`: load a scenario and print its plan as text, JSON or CSV.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{ReplayArgs, exit};
use crate::plan::Plan;
use crate::plan::render::PlanReport;
use crate::plan::slots::{self, DEFAULT_MAX_IN_FLIGHT, SlotBudget};

#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum Format {
    #[default]
    Text,
    Json,
    Csv,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Scenario file (YAML).
    pub file: PathBuf,
    #[command(flatten)]
    pub replay: ReplayArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(args: &PlanArgs) -> anyhow::Result<u8> {
    let scenario = match crate::scenario::load(&args.file, &args.replay.overrides()) {
        Ok(scenario) => scenario,
        Err(problems) => {
            eprintln!("{problems}");
            return Ok(exit::ERROR);
        }
    };
    let plan = Plan::new(scenario);
    // The slots `stampede run` would get here with the default --max-in-flight, and
    // warnings about what one process cannot drive: before any traffic, on stderr.
    let budget = SlotBudget::size(&plan, DEFAULT_MAX_IN_FLIGHT, crate::executor::memory::available_bytes());
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    for warning in slots::warnings(&plan, &budget, cores) {
        eprintln!("warning: {warning}");
    }
    let report = PlanReport::new(&plan).with_slots(&plan, &budget);
    let text = match args.format {
        Format::Text => report.to_text(),
        Format::Json => report.to_json() + "\n",
        Format::Csv => report.to_csv(),
    };
    print!("{text}");
    Ok(exit::OK)
}
