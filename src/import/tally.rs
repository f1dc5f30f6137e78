//! What one pass over the log counts: signups per bin (the newcomer curve), existing users'
//! sessions per bin, requests per action (newcomers' and existing users'), unmapped paths,
//! and bad lines. Every table is bounded: bins by [`MAX_BINS`], unmapped paths by
//! [`MAX_UNMAPPED_PATHS`] distinct entries, bad line numbers by [`BAD_LINES_KEPT`].

use std::collections::{BTreeMap, HashMap};

use super::journey::Who;
use crate::scenario::Action;

/// Bins of the curve: 100,000 rows keep the CSV series (≈ 3 MB) under the 16 MiB a
/// scenario's series may be, and cover 69 days of 1-minute bins.
pub const MAX_BINS: usize = 100_000;
/// Distinct unmapped paths counted one by one; later ones count as "other paths".
pub const MAX_UNMAPPED_PATHS: usize = 10_000;
/// Bad lines listed by file and number; the rest are only counted.
pub const BAD_LINES_KEPT: usize = 10;

/// Counts in one bin.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bin {
    pub signups: u64,
    /// Existing users' sessions that started in the bin.
    pub sessions: u64,
}

/// A bad line: where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLineAt {
    pub file: String,
    pub line: u64,
    pub reason: &'static str,
}

/// The counts of one import.
#[derive(Debug, Default)]
pub struct Tally {
    /// Bin index (from the origin) → counts.
    pub bins: BTreeMap<u64, Bin>,
    pub lines: u64,
    pub requests: u64,
    pub bad_lines: u64,
    pub first_bad: Vec<BadLineAt>,
    /// Requests before the origin (`--origin`), left out.
    pub before_origin: u64,
    pub signups: u64,
    /// Signups answered with a 4xx or 5xx status (still counted: each is an arrival).
    pub failed_signups: u64,
    pub newcomer_requests: BTreeMap<Action, u64>,
    pub existing_requests: BTreeMap<Action, u64>,
    pub unmapped: u64,
    pub unmapped_paths: HashMap<String, u64>,
    /// Unmapped requests whose path came after the table was full.
    pub unmapped_other: u64,
    /// Actions in the order the log first shows them (the step order without user keys).
    pub first_seen: Vec<Action>,
}

/// More bins than [`MAX_BINS`] would be needed.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[error(
    "the log spans more than {MAX_BINS} bins of --bin {bin_s} s (expected a larger --bin, or --origin nearer the surge)"
)]
pub struct TooManyBins {
    pub bin_s: f64,
}

impl Tally {
    /// Counts a bad line.
    pub fn bad(&mut self, file: &str, line: u64, reason: &'static str) {
        self.bad_lines += 1;
        if self.first_bad.len() < BAD_LINES_KEPT {
            self.first_bad.push(BadLineAt { file: file.to_string(), line, reason });
        }
    }

    /// The bin of a request `offset_us` after the origin.
    pub fn bin(&mut self, offset_us: i64, bin_us: i64) -> Result<&mut Bin, TooManyBins> {
        let index = (offset_us / bin_us) as u64;
        let bin_s = bin_us as f64 / 1e6;
        if index >= MAX_BINS as u64 {
            return Err(TooManyBins { bin_s });
        }
        Ok(self.bins.entry(index).or_default())
    }

    /// Counts a mapped request.
    pub fn action(&mut self, action: Action, who: Who) {
        let table = match who {
            Who::Newcomer => &mut self.newcomer_requests,
            Who::Existing => &mut self.existing_requests,
        };
        *table.entry(action).or_default() += 1;
    }

    /// Notes an action's first appearance.
    pub fn note_order(&mut self, action: Action) {
        if !self.first_seen.contains(&action) {
            self.first_seen.push(action);
        }
    }

    /// Counts an unmapped request.
    pub fn unmapped(&mut self, method: &str, path: &str) {
        self.unmapped += 1;
        let key = format!("{method} {path}");
        if let Some(count) = self.unmapped_paths.get_mut(&key) {
            *count += 1;
        } else if self.unmapped_paths.len() < MAX_UNMAPPED_PATHS {
            self.unmapped_paths.insert(key, 1);
        } else {
            self.unmapped_other += 1;
        }
    }

    /// The most frequent unmapped `METHOD PATH`s, most first (ties by name).
    pub fn top_unmapped(&self, n: usize) -> Vec<(String, u64)> {
        let mut top: Vec<(String, u64)> = self.unmapped_paths.iter().map(|(p, c)| (p.clone(), *c)).collect();
        top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        top.truncate(n);
        top
    }

    /// Share of requests that were signups or mapped to an action.
    pub fn mapped_share(&self) -> f64 {
        if self.requests == 0 { 0.0 } else { 1.0 - self.unmapped as f64 / self.requests as f64 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_bounded_and_ranked() {
        let mut tally = Tally::default();
        for i in 0..(MAX_UNMAPPED_PATHS + 5) {
            tally.unmapped("GET", &format!("/p/{i}"));
        }
        tally.unmapped("GET", "/p/1");
        tally.unmapped("GET", "/p/1");
        tally.unmapped("GET", "/p/2");
        assert_eq!(tally.unmapped_paths.len(), MAX_UNMAPPED_PATHS);
        assert_eq!((tally.unmapped, tally.unmapped_other), (MAX_UNMAPPED_PATHS as u64 + 8, 5));
        assert_eq!(tally.top_unmapped(2), [("GET /p/1".to_string(), 3), ("GET /p/2".to_string(), 2)]);
        for line in 1..=20 {
            tally.bad("a.log", line, "the line is not JSON");
        }
        assert_eq!(
            (tally.bad_lines, tally.first_bad.len(), tally.first_bad[9].line),
            (20, BAD_LINES_KEPT, 10)
        );
    }

    #[test]
    fn bins_index_from_the_origin_and_stop_at_the_cap() {
        let mut tally = Tally::default();
        tally.bin(59_999_999, 60_000_000).expect("in range").signups += 1;
        tally.bin(60_000_000, 60_000_000).expect("in range").signups += 1;
        assert_eq!(tally.bins.keys().copied().collect::<Vec<_>>(), [0, 1]);
        let err = tally.bin(MAX_BINS as i64 * 1_000_000, 1_000_000).map(|_| ()).expect_err("too far");
        assert!(err.to_string().starts_with("the log spans more than 100000 bins of --bin 1 s"));
    }
}
