//! Execution segments: one share of a plan, so that N processes (Kubernetes pods, or local
//! processes) replay one scenario together without talking to each other.
//!
//! Every segment computes the same seeded plan and keeps only its share: arrival `k` belongs
//! to segment `k mod N`, and so does native `i` (account `i` of the population). Because
//! every per-newcomer decision is keyed by `(seed, index)`, a newcomer's journey is the same
//! whichever process runs it, and the union of the segments' arrivals is exactly the plan of
//! a single process. Round-robin rather than time slices keeps every segment's rate curve a
//! 1/N copy of the whole one, so no pod carries the peak alone.

use std::fmt;
use std::str::FromStr;

/// Segment `index` of `count` (`0 ≤ index < count`); `0/1` is the whole plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Segment {
    pub index: u32,
    pub count: u32,
}

impl Default for Segment {
    fn default() -> Self {
        Segment::WHOLE
    }
}

impl Segment {
    /// The whole plan, as one process runs it.
    pub const WHOLE: Segment = Segment { index: 0, count: 1 };

    /// Whether item `k` (an arrival index or a native number) belongs to this segment.
    pub fn owns(self, k: u64) -> bool {
        k % u64::from(self.count.max(1)) == u64::from(self.index)
    }

    /// Whether this is the whole plan.
    pub fn is_whole(self) -> bool {
        self.count <= 1
    }
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Why `I/N` is not a segment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a segment: {why} (expected I/N with 0 ≤ I < N, e.g. 0/4)")]
pub struct SegmentError {
    text: String,
    why: &'static str,
}

impl FromStr for Segment {
    type Err = SegmentError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = |why| SegmentError { text: text.to_string(), why };
        let (index, count) = text.trim().split_once('/').ok_or_else(|| error("no `/`"))?;
        let index: u32 = index.trim().parse().map_err(|_| error("I is not a whole number"))?;
        let count: u32 = count.trim().parse().map_err(|_| error("N is not a whole number"))?;
        if count == 0 {
            return Err(error("N must be at least 1"));
        }
        if index >= count {
            return Err(error("I must be less than N"));
        }
        Ok(Segment { index, count })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        assert_eq!("2/4".parse(), Ok(Segment { index: 2, count: 4 }));
        assert_eq!("0/1".parse::<Segment>().map(Segment::is_whole), Ok(true));
        for bad in ["4/4", "1/0", "x/2", "3", "-1/2"] {
            let err = bad.parse::<Segment>().expect_err(bad);
            assert!(err.to_string().contains("expected I/N"), "{err}");
        }
    }

    #[test]
    fn segments_partition_every_index_exactly_once() {
        for count in 1..=5u32 {
            for k in 0..100u64 {
                let owners = (0..count).filter(|&index| Segment { index, count }.owns(k)).count();
                assert_eq!(owners, 1, "k={k} N={count}");
            }
        }
    }
}
