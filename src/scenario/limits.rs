//! The documented limits of a scenario: how much one newcomer, one file, one replay may ask
//! for. Everything sized by user input is bounded here, checked at validation (with the
//! limit named at the offending `line:column`) and enforced again where values are drawn,
//! so that whatever validates also plans and runs in bounded time and memory.
//!
//! The values are far above any real surge (the README's "Scenario limits" lists them with
//! the reasoning); they exist so that a typo (`1e300`) or a hostile file is an error, not
//! a process that takes the machine's memory.

/// Times one step may repeat for one newcomer (a `repeat` draw is capped here).
pub const MAX_REPEAT: u64 = 1_000;
/// Requests one newcomer's journey may make at most: the sum over its steps of each
/// step's largest repeat count (unbounded distributions count as [`MAX_REPEAT`]). Bounds
/// the list of steps planned for one newcomer.
pub const MAX_JOURNEY_REQUESTS: u64 = 10_000;
/// Any drawn count (bytes, characters, reactions): 16 MiB, the largest image payload.
pub const MAX_COUNT: u64 = 16 * 1024 * 1024;
/// Bytes of one uploaded image.
pub const MAX_IMAGE_BYTES: u64 = MAX_COUNT;
/// Characters of one text payload (1 MiB).
pub const MAX_TEXT_LEN: u64 = 1024 * 1024;
/// Reactions by natives to one triggering request.
pub const MAX_REACTIONS: u64 = 10_000;
/// Chat messages one room member sends during its stay.
pub const MAX_MESSAGES: u64 = 10_000;
/// Posts each native has before the surge.
pub const MAX_POSTS_PER_NATIVE: u64 = 1_000;
/// Newcomers a replay may start (the curve's total × sample): ten million keeps `plan`,
/// which draws every arrival, within seconds.
pub const MAX_REPLAYED_ARRIVALS: f64 = 1e7;
/// Natives a replay creates before it starts (natives × sample).
pub const MAX_REPLAYED_NATIVES: f64 = 1e7;
/// Newcomers at real scale (the curve's integral, `arrivals.total`): a hundred billion,
/// more than ten times the world's population.
pub const MAX_REAL_ARRIVALS: f64 = 1e11;
/// The limits of every input file, kept with the code that reads them.
pub use crate::source::{MAX_FILE_BYTES, MAX_PROBLEMS_SHOWN};
