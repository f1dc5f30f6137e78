//! Live-room metrics: how fast chat messages reach the room's members, and what the
//! streams that carry them did. Kept apart from request metrics because a delivery is not
//! a request: one message sent to a room of `n` members is `n` deliveries, each timed from
//! the sender's send (replay clock, same process) to a member reading it off its stream.

use super::ErrorCounts;
use super::histogram::LazyHistogram;

/// Everything the room members of a run observed.
#[derive(Debug, Clone, Default)]
pub struct ChatMetrics {
    /// Messages of this run read by a member off its stream (the sender's own included).
    pub deliveries: u64,
    /// Messages a member's stream skipped because it fell behind the room's buffer.
    pub missed: u64,
    /// Event streams opened (first byte received).
    pub streams_opened: u64,
    /// Event streams that could not be opened, by class.
    pub stream_errors: ErrorCounts,
    /// Streams that broke before their member's stay ended.
    pub streams_broken: u64,
    /// Most members connected to a stream at once (all rooms).
    pub max_members: u64,
    /// Send (before the request) → a member read it, µs.
    pub delivery: LazyHistogram,
    /// Stream request sent → first byte (the platform's `ready` event), µs.
    pub connect: LazyHistogram,
}

impl ChatMetrics {
    /// Whether any room activity was recorded (reports omit the section otherwise).
    pub fn is_empty(&self) -> bool {
        self.streams_opened == 0 && self.stream_errors.total() == 0 && self.deliveries == 0
    }
}
