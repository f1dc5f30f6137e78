//! `stampede compare BASELINE CANDIDATE`: the statistical comparison of two runs, as a
//! table (or JSON), exiting 1 when anything regressed. The comparison flags are shared
//! with `stampede run --baseline`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::exit;
use crate::gate::compare::{self, CompareOptions};
use crate::gate::table::render;
use crate::gate::window::Measure;
use crate::units::Span;

/// How two runs are compared; the defaults come from `tests/bench/calibrate.sh`.
#[derive(Debug, Clone, Args)]
pub struct ComparisonFlags {
    /// Percentiles compared, comma-separated.
    #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = parse_percentile,
          default_value = "p50,p90,p99")]
    pub percentiles: Vec<f64>,
    /// Confidence level of the intervals.
    #[arg(long, value_name = "C", default_value_t = 0.95)]
    pub confidence: f64,
    /// Smallest relative change that counts as a regression or improvement.
    #[arg(long, value_name = "FRACTION", default_value_t = 0.10)]
    pub min_relative: f64,
    /// Smallest absolute change that counts.
    #[arg(long, value_name = "D", default_value = "1ms")]
    pub min_absolute: Span,
    /// Which latency is compared (service: less disturbed by the generator's own hiccups).
    #[arg(long, value_enum, default_value_t = MeasureArg::Service)]
    pub measure: MeasureArg,
    /// Bootstrap resamples per comparison.
    #[arg(long, value_name = "N", default_value_t = 2_000)]
    pub resamples: usize,
    /// Report intervals per bootstrap block (default: cube root of the interval count).
    #[arg(long, value_name = "N")]
    pub block: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MeasureArg {
    /// From the intended start (includes queueing; coordinated-omission free).
    Response,
    /// From send to the last byte.
    Service,
}

/// `p99`, `p99.9` or `99`.
fn parse_percentile(text: &str) -> Result<f64, String> {
    let number = text.trim().trim_start_matches('p');
    match number.parse::<f64>() {
        Ok(p) if p > 0.0 && p < 100.0 => Ok(p),
        _ => Err(format!("`{text}` is not a percentile (expected e.g. p50, p99, p99.9)")),
    }
}

impl ComparisonFlags {
    /// The validated options.
    pub fn options(&self) -> anyhow::Result<CompareOptions> {
        let options = CompareOptions {
            percentiles: self.percentiles.clone(),
            confidence: self.confidence,
            min_relative: self.min_relative,
            min_absolute_us: self.min_absolute.secs() * 1e6,
            measure: match self.measure {
                MeasureArg::Response => Measure::Response,
                MeasureArg::Service => Measure::Service,
            },
            resamples: self.resamples,
            block_intervals: self.block,
            ..CompareOptions::default()
        };
        Ok(options.validated()?)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The baseline run: its directory or its report.json.
    pub baseline: PathBuf,
    /// The candidate run: its directory or its report.json.
    pub candidate: PathBuf,
    #[command(flatten)]
    pub flags: ComparisonFlags,
    /// The runs were replayed together on one clock (the two run directories of `stampede
    /// ab`, or runs started on a common `--start-at`): resample their intervals in pairs.
    #[arg(long)]
    pub paired: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

pub fn run(args: &CompareArgs) -> anyhow::Result<u8> {
    let options = args.flags.options()?;
    let baseline = crate::gate::load_report(&args.baseline)?;
    let candidate = crate::gate::load_report(&args.candidate)?;
    let comparison = if args.paired {
        compare::compare_paired(&baseline, &candidate, &options)?
    } else {
        compare::compare(&baseline, &candidate, &options)?
    };
    match args.format {
        Format::Table => {
            println!("baseline:  {}", args.baseline.display());
            println!("candidate: {}", args.candidate.display());
            print!("{}", render(&comparison, &options));
        }
        Format::Json => println!("{}", serde_json::to_string_pretty(&comparison)?),
    }
    Ok(if comparison.regressed() { exit::FAILED } else { exit::OK })
}
