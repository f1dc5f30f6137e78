//! stampede replays viral signup surges, time-compressed, against a platform.
//!
//! The modules follow the data flow, on a ground floor the stages share:
//!
//! ```text
//! ground floor: units · source (files, YAML positions, problems) · seed · human (formatting)
//! scenario file ─► scenario (typed model, load, validate, threshold grammar)
//!                    └─► arrival (pure curve math) ─► plan (pure, seeded schedule + expectations)
//!                                                      └─► executor (the only module that uses goose)
//!                                                            │ samples
//!                                                            ▼
//!                                          metrics (HDR recorders, intervals) ─► report ─► gate
//! replay   the chain as a library: Config ─► run(config, shutdown) ─► Report; one finish
//! cli      clap types and dispatch only
//! platform (the reference platform, `stampede serve`) stands alone.
//! ```
//!
//! Imports point down the floors only (ground → arrival → scenario → plan → population,
//! profile, metrics → executor → report → gate → replay → cli; the platform on the ground
//! floor alone), and no file reaches itself through its imports: inside a module, what
//! several files share sits in a file of its own below them (the executor's `job` and
//! `primitives`, the platform's `app` state under its `router`). Both are checked by
//! `tests/integration/architecture.rs`, with files of at most 400 lines; functions stay
//! under 100 lines (clippy's `too_many_lines`).
//!
//! - [`units`]: durations and rates as scenario files write them.
//! - [`source`]: reading input files with limits, YAML with a `line:column` index, problems.
//! - [`seed`]: seeded random streams keyed by `(seed, stream, index)`.
//! - [`human`]: one rendering per quantity (durations, spans, counts, rates, percents).
//! - [`net`]: the client's network edge: the target allowlist and rate rail, TLS, HTTP/2,
//!   `--connect-to`, connections counted (ground floor: imports no stage).
//! - [`arrival`]: the newcomers' signup curve: rate, cumulative intensity and its inverse.
//! - [`scenario`]: the scenario file model, loading with `file:line:column` problems, the
//!   threshold grammar.
//! - [`import`]: `stampede import access-log`: access logs (combined, JSON, ALB) into a
//!   scenario and its CSV series, streaming and bounded.
//! - [`plan`]: the seeded, lazily generated arrival schedule, per-newcomer decisions and the
//!   expectations `stampede plan` prints.
//! - [`profile`]: target profiles mapping actions to HTTP requests; the built-in `reference`.
//! - [`population`]: the users and posts a replay creates, compact, with O(1) picks.
//! - [`metrics`]: HdrHistogram recorders (service time and response time from the intended
//!   start), arrivals, journeys and the per-interval series; never per-request samples.
//! - [`executor`]: goose worker slots replaying the plan on an open model: `run` prepares
//!   (policy, health, natives, slots, one context owning the run's `Limits`) then drives.
//! - [`report`]: `report.json` (versioned, with a committed JSON Schema) and the console summary.
//! - [`gate`]: thresholds' evaluation and the baseline comparison, judged on saved reports.
//! - [`replay`]: a replay as a library: resolved configuration, `run`, `finish`.
//! - [`platform`]: the reference platform behind `stampede serve`.
//! - [`cli`]: the command line.

pub mod arrival;
pub mod cli;
pub mod executor;
pub mod gate;
pub mod human;
pub mod import;
pub mod metrics;
pub mod net;
pub mod plan;
pub mod platform;
pub mod population;
pub mod profile;
pub mod replay;
pub mod report;
pub mod scenario;
pub mod seed;
pub mod source;
pub mod units;
