//! `stampede plan`: load a scenario and print its plan as text, JSON or CSV.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{ReplayArgs, exit};
use crate::plan::Plan;
use crate::plan::render::PlanReport;

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
    let report = PlanReport::new(&Plan::new(scenario));
    let text = match args.format {
        Format::Text => report.to_text(),
        Format::Json => report.to_json() + "\n",
        Format::Csv => report.to_csv(),
    };
    print!("{text}");
    Ok(exit::OK)
}
