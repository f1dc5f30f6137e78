//! CSV replay: a historical series → a piecewise-linear rate that keeps every row's count.
//!
//! Row `i` at time `tᵢ` covers `[tᵢ, tᵢ₊₁)`; the last row ends at `end`, or one row
//! spacing after it when `end` is not given. Its count is the value (`values: count`) or
//! value × interval / `rate_unit` (`values: rate`), and its average rate `rᵢ` is the count
//! over the interval length. The rate is 0 outside the series.
//!
//! - `step`: the rate is `rᵢ` throughout row i's interval.
//! - `linear`: the rate is continuous and piecewise linear. At each row boundary it is the
//!   mean of the two neighbouring average rates (at the ends, the end row's own rate); a
//!   knot at each interval's middle is set to `2rᵢ − (left + right)/2` so the interval's
//!   integral is exactly its count. Where that middle value would be negative (a quiet row
//!   between busy ones), that one interval falls back to the flat `rᵢ`.
//!
//! Both therefore conserve every row's count, hence the series total, exactly (up to the
//! timeline end: the part of an interval past it is cut off).

use std::path::Path;

use super::shapes::piecewise::Piecewise;
use super::spec::CompileContext;
use super::spec::{CsvSpec, CsvValues, Interpolation, TimeFormat};
use crate::source::MAX_PROBLEMS_SHOWN;
use crate::source::problem::{DocPath, Findings, Problem};
use crate::units::Span;

/// What a CSV time must look like, per format.
const OFFSET_EXPECTED: &str = "a duration from the timeline start such as `90m`, or seconds";
const TIMESTAMP_EXPECTED: &str = "an RFC 3339 instant such as `2025-01-13T05:00:00Z`";

/// Reads and checks the series; problems in the file go to `problems`, problems in the
/// spec to `findings`. `None` if anything was wrong.
pub fn load(
    spec: &CsvSpec,
    ctx: &CompileContext,
    path: &DocPath,
    findings: &mut Findings,
    problems: &mut Vec<Problem>,
) -> Option<Piecewise> {
    let before = (findings.len(), problems.len());
    let unit_s = match (spec.values, spec.rate_unit) {
        (CsvValues::Count, Some(_)) => {
            findings.add(
                &path.key("rate_unit"),
                "rate_unit is set but values are counts",
                "no rate_unit with `values: count`",
            );
            1.0
        }
        (CsvValues::Count, None) | (CsvValues::Rate, None) => 1.0,
        (CsvValues::Rate, Some(unit)) => unit.secs(),
    };
    findings.check(
        unit_s > 0.0,
        &path.key("rate_unit"),
        || "rate_unit is 0".into(),
        "a duration longer than 0, e.g. `1h`",
    );
    let timestamp_start = match (spec.time_format, ctx.start_unix_s) {
        (TimeFormat::Timestamp, None) => {
            // Without a start no row can be placed; one finding beats a problem per row.
            findings.add(
                &path.key("time_format"),
                "timestamps need the timeline's absolute start",
                "a timeline start time in the scenario, or `time_format: offset`",
            );
            return None;
        }
        (_, start) => start,
    };
    let file = match crate::source::file::confined(ctx.base_dir, &spec.file) {
        Ok(file) => file,
        Err(reason) => {
            findings.add(&path.key("file"), reason, crate::source::file::CONFINED_EXPECTED);
            return None;
        }
    };
    let mut capped = Capped { problems, listed: 0, more: 0 };
    let rows = read_rows(spec, &file, ctx.span_s, timestamp_start, &mut capped);
    if capped.more > 0 {
        let more = capped.more;
        capped.problems.push(Problem::whole_file(
            &file,
            format!("{more} more problems in this series are not listed"),
            "a series without bad rows",
        ));
    }
    let rows = rows?;
    if findings.len() > before.0 || problems.len() > before.1 {
        return None;
    }
    let end = match (spec.end, rows.as_slice()) {
        (Some(end), _) => end.secs(),
        (None, [.., (t0, _), (t1, _)]) => t1 + (t1 - t0),
        (None, _) => {
            findings.add(
                &path.key("end"),
                "a single-row series has no interval length",
                "`end`, where the last row's interval ends",
            );
            return None;
        }
    };
    let last = rows.last().map_or(0.0, |r| r.0);
    if end <= last {
        findings.add(
            &path.key("end"),
            format!("end {} is not after the last row at {}", Span::from_secs(end), Span::from_secs(last)),
            "a time after the last row",
        );
        return None;
    }
    let mut knots: Vec<f64> = rows.iter().map(|r| r.0).collect();
    knots.push(end);
    let rates: Vec<f64> = rows
        .iter()
        .zip(knots.windows(2))
        .map(|(&(_, value), w)| match spec.values {
            CsvValues::Count => value / (w[1] - w[0]),
            CsvValues::Rate => value / unit_s,
        })
        .collect();
    Some(match spec.interpolation {
        Interpolation::Step => Piecewise::segments(knots, rates.clone(), rates, 0.0, 0.0),
        Interpolation::Linear => conserving_linear(&knots, &rates),
    })
}

/// The `linear` rate described in the module doc.
fn conserving_linear(knots: &[f64], rates: &[f64]) -> Piecewise {
    let n = rates.len();
    let boundary = |k: usize| match k {
        0 => rates[0],
        k if k == n => rates[n - 1],
        k => 0.5 * (rates[k - 1] + rates[k]),
    };
    let (mut at, mut start, mut end) = (Vec::new(), Vec::new(), Vec::new());
    for (i, &rate) in rates.iter().enumerate() {
        let (left, right) = (boundary(i), boundary(i + 1));
        let middle = 2.0 * rate - 0.5 * (left + right);
        at.push(knots[i]);
        if middle >= 0.0 {
            at.push(0.5 * (knots[i] + knots[i + 1]));
            start.extend([left, middle]);
            end.extend([middle, right]);
        } else {
            start.push(rate);
            end.push(rate);
        }
    }
    at.push(knots[n]);
    Piecewise::segments(at, start, end, 0.0, 0.0)
}

/// The problems of one series, the first [`MAX_PROBLEMS_SHOWN`] kept and the rest only
/// counted: a file of a million bad rows must not become a million problems in memory.
struct Capped<'a> {
    problems: &'a mut Vec<Problem>,
    listed: usize,
    more: usize,
}

impl Capped<'_> {
    fn push(&mut self, problem: Problem) {
        if self.listed < MAX_PROBLEMS_SHOWN {
            self.problems.push(problem);
            self.listed += 1;
        } else {
            self.more += 1;
        }
    }
}

/// Parses the rows as `(time_s, value)`, reporting every bad cell by its position (never
/// its content: the file may not be a series at all); `None` when the file cannot be read
/// at all or has no usable columns.
fn read_rows(
    spec: &CsvSpec,
    file: &Path,
    span_s: f64,
    timestamp_start: Option<i64>,
    problems: &mut Capped<'_>,
) -> Option<Vec<(f64, f64)>> {
    let text = match crate::source::file::read_text(file) {
        Ok(text) => text,
        Err(err) => {
            problems.push(Problem::whole_file(
                file,
                format!("cannot read the series: {err}"),
                "a readable CSV file of at most 16 MiB with a header row",
            ));
            return None;
        }
    };
    let mut reader =
        csv::ReaderBuilder::new().trim(csv::Trim::All).comment(Some(b'#')).from_reader(text.as_bytes());
    let columns = columns(spec, file, &mut reader, problems)?;
    let mut rows: Vec<(f64, f64)> = Vec::new();
    let mut bad_rows = false;
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(err) => {
                let line = err.position().map_or(0, |p| p.line() as usize);
                problems.push(at(
                    file,
                    line,
                    1,
                    "unreadable row".to_string(),
                    "rows with as many fields as the header",
                ));
                bad_rows = true;
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line() as usize);
        let Some((time, value)) = cells(spec, file, &record, columns, timestamp_start, problems) else {
            bad_rows = true;
            continue;
        };
        if in_order(file, (line, columns.0 + 1), time, span_s, &rows, problems) {
            rows.push((time, value));
        } else {
            bad_rows = true;
        }
    }
    if rows.is_empty() && !bad_rows {
        problems.push(Problem::whole_file(
            file,
            "the series has no data rows",
            "at least one row under the header",
        ));
    }
    (!rows.is_empty()).then_some(rows)
}

/// The time and value columns' indexes, read from the header; `None` when either is missing
/// (both are reported).
fn columns(
    spec: &CsvSpec,
    file: &Path,
    reader: &mut csv::Reader<&[u8]>,
    problems: &mut Capped<'_>,
) -> Option<(usize, usize)> {
    let headers = match reader.headers() {
        Ok(headers) => headers.clone(),
        Err(err) => {
            problems.push(Problem::whole_file(
                file,
                format!("cannot read the header: {err}"),
                "a header row naming the columns",
            ));
            return None;
        }
    };
    let column = |name: &str, problems: &mut Capped<'_>| {
        let found = headers.iter().position(|h| h == name);
        if found.is_none() {
            problems.push(at(
                file,
                1,
                1,
                format!("no column `{name}` in the header ({} columns)", headers.len()),
                "the column named in the scenario",
            ));
        }
        found
    };
    let (time_col, value_col) = (column(&spec.time_column, problems), column(&spec.value_column, problems));
    Some((time_col?, value_col?))
}

/// A row's time and value; `None` when either cell is bad (each bad cell is reported).
fn cells(
    spec: &CsvSpec,
    file: &Path,
    record: &csv::StringRecord,
    (time_col, value_col): (usize, usize),
    timestamp_start: Option<i64>,
    problems: &mut Capped<'_>,
) -> Option<(f64, f64)> {
    let line = record.position().map_or(0, |p| p.line() as usize);
    let cell = |col: usize| record.get(col).unwrap_or_default();
    let time = match parse_time(cell(time_col), timestamp_start, spec.time_format) {
        Some(t) => Some(t),
        None => {
            let expected =
                if spec.time_format == TimeFormat::Offset { OFFSET_EXPECTED } else { TIMESTAMP_EXPECTED };
            problems.push(at(file, line, time_col + 1, "the cell is not a time".to_string(), expected));
            None
        }
    };
    let value = match cell(value_col).parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Some(v),
        _ => {
            problems.push(at(
                file,
                line,
                value_col + 1,
                "the cell is not a non-negative number".to_string(),
                "a number >= 0",
            ));
            None
        }
    };
    Some((time?, value?))
}

/// Whether a row at `time` fits: inside the timeline and after the rows kept so far
/// (reported at `(line, column)` otherwise).
fn in_order(
    file: &Path,
    (line, column): (usize, usize),
    time: f64,
    span_s: f64,
    rows: &[(f64, f64)],
    problems: &mut Capped<'_>,
) -> bool {
    if !(0.0..span_s).contains(&time) {
        let shown = Span::from_secs(time.abs());
        problems.push(at(
            file,
            line,
            column,
            format!(
                "row at {}{shown} is outside the timeline (0s to {})",
                if time < 0.0 { "-" } else { "" },
                Span::from_secs(span_s)
            ),
            "rows within the timeline",
        ));
        false
    } else if let Some(&(previous, _)) = rows.last().filter(|r| time <= r.0) {
        let what = if time == previous { "repeats" } else { "is before" };
        problems.push(at(
            file,
            line,
            column,
            format!("time {} {what} the previous row's {}", Span::from_secs(time), Span::from_secs(previous)),
            "strictly increasing times",
        ));
        false
    } else {
        true
    }
}

fn at(file: &Path, line: usize, column: usize, message: String, expected: &str) -> Problem {
    Problem { file: file.to_path_buf(), line, column, message, expected: expected.to_string() }
}

/// A CSV time cell → seconds from the timeline start.
fn parse_time(text: &str, start_unix_s: Option<i64>, format: TimeFormat) -> Option<f64> {
    match format {
        TimeFormat::Offset => match text.parse::<f64>() {
            Ok(secs) if secs.is_finite() => Some(secs),
            _ => text.parse::<Span>().ok().map(Span::secs),
        },
        TimeFormat::Timestamp => {
            let instant =
                time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
            let nanos = instant.unix_timestamp_nanos() - i128::from(start_unix_s?) * 1_000_000_000;
            Some(nanos as f64 / 1e9)
        }
    }
}
