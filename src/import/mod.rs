//! `stampede import access-log`: a platform's own access log → a scenario that replays its
//! surge.
//!
//! - [`source`]: files, gzip, bounded line reading.
//! - [`format`]: combined and ALB lines → [`format::Record`]; [`json`]: JSON lines.
//! - [`rules`]: `--signup` and `--map` (method + path glob → action).

pub mod format;
pub mod json;
pub mod rules;
pub mod source;
