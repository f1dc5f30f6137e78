//! stampede replays viral signup surges, time-compressed, against a platform.
//!
//! The modules follow the data flow:
//!
//! ```text
//! scenario file ─► scenario (typed model, load, validate)
//!                    └─► arrival (pure curve math) ─► plan (pure, seeded schedule + expectations)
//!                                                      └─► executor (the only module that uses goose)
//!                                                            │ samples
//!                                                            ▼
//!                                          metrics (HDR recorders, intervals) ─► report ─► gate
//! target (the reference platform, `stampede serve`) stands alone.
//! ```
//!
//! - [`units`]: durations and rates as scenario files write them.
//! - [`scenario`]: the scenario file model, loading with `file:line:column` problems.
//! - [`arrival`]: the newcomers' signup curve: rate, cumulative intensity and its inverse.
//! - [`plan`]: the seeded, lazily generated arrival schedule, per-newcomer decisions and the
//!   expectations `stampede plan` prints.
//! - [`profile`]: target profiles mapping actions to HTTP requests; the built-in `reference`.
//! - [`population`]: the users and posts a replay creates, compact, with O(1) picks.
//! - [`executor`]: goose worker slots replaying the plan on an open model.
//! - [`metrics`]: HdrHistogram recorders (service time and response time from the intended
//!   start), arrivals, journeys and the per-interval series; never per-request samples.
//! - [`report`]: `report.json` (versioned, with a committed JSON Schema) and the console summary.
//! - [`gate`]: thresholds (and later the baseline comparison), judged on saved reports.
//! - [`target`]: the reference platform behind `stampede serve`.
//! - [`cli`]: the command line.

pub mod arrival;
pub mod cli;
pub mod executor;
pub mod gate;
pub mod import;
pub mod metrics;
pub mod plan;
pub mod population;
pub mod profile;
pub mod report;
pub mod scenario;
pub mod target;
pub mod units;
