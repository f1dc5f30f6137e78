//! The ground floor every reader of a user's file stands on: reading files with limits
//! ([`file`]), YAML text → a value with a `line:column` index ([`yaml`]), and problems
//! pinned to `file:line:column` ([`problem`]).
//!
//! It lives under the stages so that scenario, arrival (CSV series) and profile loading
//! share it without importing each other.

pub mod file;
pub mod problem;
pub mod yaml;

pub use problem::{Problem, Problems};

/// Bytes of any file stampede reads as input (scenario, profile, CSV series): 16 MiB.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;
/// Problems printed in full; the rest are counted ("… and N more").
pub const MAX_PROBLEMS_SHOWN: usize = 50;
