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
//! - [`metrics`]: HdrHistogram recorders (service time and response time from the intended
//!   start), arrivals, journeys and the per-interval series; never per-request samples.
//! - [`report`]: `report.json` (versioned, with a committed JSON Schema) and the console summary.

pub mod arrival;
pub mod cli;
pub mod gate;
pub mod metrics;
pub mod plan;
pub mod report;
pub mod scenario;
pub mod target;
pub mod units;
