//! Validation and compilation: [`ArrivalsSpec`] → [`Curve`].
//!
//! [`super::walk`] checks every value and builds the shape tree; this checks the `total`
//! rescale and, only when nothing was reported, builds the table and applies the rescale.

use super::curve::Curve;
use super::shape::Kind;
use super::spec::ArrivalsSpec;
pub use super::spec::CompileContext;
use super::table::Table;
use super::walk::{Walk, positive, w_span};
use crate::source::problem::{DocPath, Findings, Problem};

/// Validates everything (reporting every problem, each with a [`DocPath`] under `path`, or
/// a CSV `file:line:column` in `file_problems`) and compiles. `None` if anything was wrong.
pub fn compile(
    spec: &ArrivalsSpec,
    ctx: &CompileContext,
    path: &DocPath,
    findings: &mut Findings,
    file_problems: &mut Vec<Problem>,
) -> Option<Curve> {
    let (findings_before, problems_before) = (findings.len(), file_problems.len());
    let span = ctx.span_s;
    if !(span.is_finite() && span > 0.0) {
        findings.add(path, format!("the timeline length is {span} s"), "a timeline longer than 0 s");
        return None;
    }
    let curve_path = path.key("curve");
    let mut walk = Walk { ctx, findings, file_problems, windows: Vec::new() };
    let shape = walk.shape(&spec.curve, &curve_path);
    let windows = std::mem::take(&mut walk.windows);
    if let Some((_, Kind::Factor)) = shape {
        findings.add(
            &curve_path,
            "the curve is only a factor (diurnal/window) with no rate to multiply",
            "a rate shape, or a product with one rate shape",
        );
    }
    if let Some(total) = spec.total {
        positive(findings, total, &path.key("total"), "total");
    }
    let within = spec.total_within.as_ref().map(|w| (w.start.secs(), w.end.secs()));
    if let Some((start, end)) = within {
        let within_path = path.key("total_within");
        if start >= end {
            findings.add(
                &within_path.key("end"),
                format!("end {} is not after start {}", w_span(end), w_span(start)),
                "an end after the start",
            );
        } else if end > span {
            findings.add(
                &within_path.key("end"),
                format!("end {} is after the timeline end {}", w_span(end), w_span(span)),
                "a time within the timeline",
            );
        }
    }
    if findings.len() > findings_before || file_problems.len() > problems_before {
        return None;
    }
    let (shape, _) = shape?;
    let mut table = match Table::build(shape.as_ref(), span) {
        Ok(table) => table,
        Err(err) => {
            findings.add(&curve_path, err.to_string(), "values small enough to stay finite");
            return None;
        }
    };
    let base = within.map_or(table.total(), |(a, b)| table.cumulative(b) - table.cumulative(a));
    if base.is_nan() || base <= 0.0 {
        let where_ = if within.is_some() { path.key("total_within") } else { curve_path };
        findings.add(
            &where_,
            "the curve has no arrivals (its integral is 0) over the counted time",
            "a curve with a positive rate somewhere in the counted time",
        );
        return None;
    }
    let scale = spec.total.map_or(1.0, |total| total / base);
    table.scale(scale);
    Some(Curve::new(table, shape, scale, windows))
}
