//! CSV replay: totals are conserved by both interpolations, the oracle agrees, and every
//! broken file gives a `file:line:column` problem.

use std::path::Path;

use super::testkit::{REDNOTE_START, check_against_oracle, close, try_compile};
use crate::source::problem::Problem;

const H: f64 = 3600.0;

fn dir_with(name: &str, text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.path().join(name), text).unwrap_or_else(|e| panic!("{e}"));
    dir
}

fn replay(dir: &Path, options: &str, span_s: f64) -> super::Curve {
    let yaml = format!("curve: {{csv: {{file: s.csv, value_column: signups, {options}}}}}");
    try_compile(&yaml, span_s, Some(REDNOTE_START), dir).unwrap_or_else(|e| panic!("{e:?}"))
}

fn problems(dir: &Path, options: &str) -> Vec<Problem> {
    let yaml = format!("curve: {{csv: {{file: s.csv, value_column: signups, {options}}}}}");
    match try_compile(&yaml, 4.0 * H, Some(REDNOTE_START), dir) {
        Ok(_) => panic!("compiled but should not"),
        Err((_, problems)) => problems,
    }
}

/// Hourly counts: 3600, 0, 7200 (a quiet hour between busy ones).
const HOURLY: &str = "t,signups\n0h,3600\n1h,0\n2h,7200\n";

#[test]
fn step_counts_conserve_every_interval() {
    let dir = dir_with("s.csv", HOURLY);
    let c = replay(dir.path(), "values: count", 4.0 * H);
    // The last row reuses the 1 h spacing; after 3 h the rate is 0.
    close(c.cumulative(H), 3600.0, 1e-9);
    close(c.cumulative(2.0 * H), 3600.0, 1e-9);
    close(c.total(), 10_800.0, 1e-9);
    close(c.rate_per_s(2.5 * H), 2.0, 1e-12);
    close(c.inverse(3600.5), 2.0 * H + 0.25, 1e-7);
    check_against_oracle(&c, 1.0, 16, &[], 1e-10);
}

#[test]
fn linear_counts_conserve_every_interval() {
    let dir = dir_with("s.csv", "t,signups\n0,3600\n3600,7200\n7200,3600\n");
    let c = replay(dir.path(), "values: count, interpolation: linear", 4.0 * H);
    for (t, expected) in [(H, 3600.0), (2.0 * H, 10_800.0), (3.0 * H, 14_400.0)] {
        close(c.cumulative(t), expected, 1e-8);
    }
    // Continuous at the boundary between the first two rows: (1 + 2)/2 per s.
    close(c.rate_per_s(H), 1.5, 1e-12);
    check_against_oracle(&c, 1.0, 16, &[], 1e-10);
}

#[test]
fn linear_falls_back_to_flat_for_a_quiet_row() {
    let dir = dir_with("s.csv", HOURLY);
    let c = replay(dir.path(), "values: count, interpolation: linear", 4.0 * H);
    close(c.cumulative(2.0 * H), 3600.0, 1e-8);
    close(c.rate_per_s(1.5 * H), 0.0, 1e-12);
    close(c.total(), 10_800.0, 1e-8);
}

#[test]
fn rates_with_a_unit_and_timestamps() {
    let text = "time,signups\n2025-01-13T05:00:00Z,3600\n2025-01-13T00:30:00-05:00,7200\n";
    let dir = dir_with("s.csv", text);
    let c = replay(
        dir.path(),
        "time_column: time, time_format: timestamp, values: rate, rate_unit: 1h, end: 2h",
        3.0 * H,
    );
    // 1/s for 30 min, then 2/s until 2 h.
    close(c.cumulative(1800.0), 1800.0, 1e-9);
    close(c.total(), 1800.0 + 2.0 * 5400.0, 1e-8);
}

#[test]
fn missing_file_is_a_whole_file_problem() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let found = problems(dir.path(), "values: count");
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].line, found[0].file.clone()), (0, dir.path().join("s.csv")));
    assert!(found[0].message.contains("cannot read"), "{}", found[0]);
}

#[test]
fn missing_column_points_at_the_header() {
    let dir = dir_with("s.csv", "t,count\n0h,1\n");
    let found = problems(dir.path(), "values: count");
    assert_eq!((found[0].line, found[0].column), (1, 1));
    assert!(found[0].message.contains("no column `signups`"), "{}", found[0]);
}

#[test]
fn bad_cells_unsorted_and_duplicate_times_have_line_and_column() {
    let text = "t,signups\n0h,10\n1h,ten\n30m,5\n30m,5\nsoon,1\n9h,1\n";
    let dir = dir_with("s.csv", text);
    let found: Vec<(usize, usize, String)> =
        problems(dir.path(), "values: count").into_iter().map(|p| (p.line, p.column, p.message)).collect();
    let expect = [
        (3, 2, "not a non-negative"),
        (5, 1, "repeats"),
        (6, 1, "not a time"),
        (7, 1, "outside the timeline"),
    ];
    assert_eq!(found.len(), expect.len(), "{found:#?}");
    for ((line, column, message), (el, ec, needle)) in found.iter().zip(expect) {
        assert_eq!((*line, *column), (el, ec), "{message}");
        assert!(message.contains(needle), "{message} lacks {needle}");
    }
}

#[test]
fn unsorted_times_are_reported() {
    let dir = dir_with("s.csv", "t,signups\n1h,1\n30m,1\n");
    let found = problems(dir.path(), "values: count");
    assert_eq!((found[0].line, found[0].column), (3, 1));
    assert!(found[0].message.contains("is before"), "{}", found[0]);
}

#[test]
fn an_empty_series_is_a_problem() {
    let dir = dir_with("s.csv", "t,signups\n");
    let found = problems(dir.path(), "values: count");
    assert!(found[0].message.contains("no data rows"), "{}", found[0]);
}
