//! The validating walk over a [`CurveSpec`] tree that builds the compiled shapes.
//!
//! Checking and building happen in one pass, so a problem is reported exactly where the
//! value is read, with its document path, and the walk goes on to find the rest.

use super::csv_series;
use super::curve::NamedWindow;
use super::shape::{Kind, ShapeBox};
use super::shapes::combine::{Product, Sum};
use super::shapes::factor::{Diurnal, Window, parse_utc_offset};
use super::shapes::piecewise::Piecewise;
use super::shapes::pulse::{Bass, Decay, Logistic};
use super::spec::CompileContext;
use super::spec::{CurveSpec, StageSpec};
use crate::source::problem::{DocPath, Findings, Problem};
use crate::units::{Rate, Span};

/// `48h`-style text for a time in seconds, for messages.
pub(super) fn w_span(secs: f64) -> String {
    Span::from_secs(secs).to_string()
}

/// Reports unless `value` is finite and > 0.
pub(super) fn positive(findings: &mut Findings, value: f64, path: &DocPath, what: &str) -> bool {
    findings.check(
        value.is_finite() && value > 0.0,
        path,
        || format!("{what} is {value}"),
        "a number greater than 0",
    )
}

/// Reports unless `value` is finite and >= 0.
fn non_negative(findings: &mut Findings, value: f64, path: &DocPath, what: &str) -> bool {
    findings.check(value.is_finite() && value >= 0.0, path, || format!("{what} is {value}"), "a number >= 0")
}

/// The recursive validating builder.
pub(super) struct Walk<'a, 'b> {
    pub ctx: &'b CompileContext<'a>,
    pub findings: &'b mut Findings,
    pub file_problems: &'b mut Vec<Problem>,
    /// Named windows met so far, in document order.
    pub windows: Vec<NamedWindow>,
}

impl Walk<'_, '_> {
    fn rate(&mut self, rate: Rate, path: &DocPath, what: &str) -> f64 {
        non_negative(self.findings, rate.as_per_s(), path, what);
        rate.as_per_s()
    }

    /// Reports a time after the timeline end.
    fn within_span(&mut self, t: f64, path: &DocPath, what: &str) -> bool {
        let span = self.ctx.span_s;
        self.findings.check(
            t <= span,
            path,
            || format!("{what} {} is after the timeline end {}", w_span(t), w_span(span)),
            "a time within the timeline",
        )
    }

    pub fn shape(&mut self, spec: &CurveSpec, path: &DocPath) -> Option<(ShapeBox, Kind)> {
        let span = self.ctx.span_s;
        let rate: ShapeBox = match spec {
            CurveSpec::Constant { rate } => {
                let rate = self.rate(*rate, &path.key("constant").key("rate"), "rate");
                Box::new(Piecewise::constant(rate))
            }
            CurveSpec::Ramp { from, to, start, end } => {
                let path = path.key("ramp");
                let from = self.rate(*from, &path.key("from"), "from");
                let to = self.rate(*to, &path.key("to"), "to");
                let (start, end) = (start.map_or(0.0, Span::secs), end.map_or(span, Span::secs));
                if start >= end {
                    self.findings.add(
                        &path.key("end"),
                        format!("the ramp ends at {} but starts at {}", w_span(end), w_span(start)),
                        "an end after the start",
                    );
                }
                self.within_span(end, &path.key("end"), "the ramp end");
                Box::new(Piecewise::polyline(&[(start, from), (end, to)]))
            }
            CurveSpec::Stages(stages) => Box::new(self.stages(stages, &path.key("stages"))),
            CurveSpec::Logistic { peak_rate, midpoint, width } => {
                let path = path.key("logistic");
                let peak = self.rate(*peak_rate, &path.key("peak_rate"), "peak_rate");
                positive(self.findings, width.secs(), &path.key("width"), "width (s)");
                Box::new(Logistic { peak, mid: midpoint.secs(), width: width.secs() })
            }
            CurveSpec::Bass { p, q, m, time_unit } => {
                let path = path.key("bass");
                let p_ok = positive(self.findings, *p, &path.key("p"), "p");
                non_negative(self.findings, *q, &path.key("q"), "q");
                positive(self.findings, *m, &path.key("m"), "m");
                positive(self.findings, time_unit.secs(), &path.key("time_unit"), "time_unit (s)");
                self.findings.check(
                    !p_ok || (q / p).is_finite(),
                    &path.key("p"),
                    || format!("q/p = {} overflows", q / p),
                    "p not vanishingly small next to q",
                );
                Box::new(Bass { p: *p, q: *q, m: *m, unit: time_unit.secs() })
            }
            CurveSpec::Decay { initial, half_life, start } => {
                let path = path.key("decay");
                let initial = self.rate(*initial, &path.key("initial"), "initial");
                positive(self.findings, half_life.secs(), &path.key("half_life"), "half_life (s)");
                let start = start.map_or(0.0, Span::secs);
                self.within_span(start, &path.key("start"), "the decay start");
                Box::new(Decay { initial, half_life: half_life.secs(), start })
            }
            CurveSpec::Diurnal { peak_hour, amplitude, utc_offset } => {
                return self.diurnal(*peak_hour, *amplitude, utc_offset.as_deref(), &path.key("diurnal"));
            }
            CurveSpec::Window { name, start, duration, factor } => {
                let path = path.key("window");
                non_negative(self.findings, *factor, &path.key("factor"), "factor");
                positive(self.findings, duration.secs(), &path.key("duration"), "duration (s)");
                let (start, end) = (start.secs(), start.secs() + duration.secs());
                if self.within_span(start, &path.key("start"), "the window start") {
                    self.within_span(end, &path.key("duration"), "the window end");
                }
                if let Some(name) = name {
                    self.windows.push(NamedWindow { name: name.clone(), start_s: start, end_s: end });
                }
                return Some((Box::new(Window { start, end, factor: *factor }), Kind::Factor));
            }
            CurveSpec::Sum(children) => return self.combination(children, &path.key("sum"), true),
            CurveSpec::Product(children) => {
                return self.combination(children, &path.key("product"), false);
            }
            CurveSpec::Csv(csv) => {
                let series =
                    csv_series::load(csv, self.ctx, &path.key("csv"), self.findings, self.file_problems)?;
                Box::new(series)
            }
        };
        Some((rate, Kind::Rate))
    }

    fn stages(&mut self, stages: &[StageSpec], path: &DocPath) -> Piecewise {
        self.findings.check(
            !stages.is_empty(),
            path,
            || "no stages".into(),
            "at least one `{at, rate}` point",
        );
        let mut points = Vec::with_capacity(stages.len());
        for (i, stage) in stages.iter().enumerate() {
            let at = stage.at.secs();
            let stage_path = path.index(i);
            if let Some(&(previous, _)) = points.last() {
                self.findings.check(
                    at > previous,
                    &stage_path.key("at"),
                    || {
                        format!(
                            "stage at {} is not after the previous stage at {}",
                            w_span(at),
                            w_span(previous)
                        )
                    },
                    "strictly increasing `at` times",
                );
            }
            self.within_span(at, &stage_path.key("at"), "the stage");
            points.push((at, self.rate(stage.rate, &stage_path.key("rate"), "rate")));
        }
        Piecewise::polyline(&points)
    }

    fn diurnal(
        &mut self,
        peak_hour: f64,
        amplitude: f64,
        utc_offset: Option<&str>,
        path: &DocPath,
    ) -> Option<(ShapeBox, Kind)> {
        self.findings.check(
            (0.0..24.0).contains(&peak_hour),
            &path.key("peak_hour"),
            || format!("peak_hour is {peak_hour}"),
            "an hour in [0, 24)",
        );
        self.findings.check(
            (0.0..=1.0).contains(&amplitude),
            &path.key("amplitude"),
            || format!("amplitude is {amplitude}"),
            "a number between 0 and 1",
        );
        let offset = match utc_offset.map(parse_utc_offset) {
            None => Some(0),
            Some(Some(offset)) => Some(offset),
            Some(None) => {
                self.findings.add(
                    &path.key("utc_offset"),
                    format!("utc_offset `{}` is not an offset", utc_offset.unwrap_or_default()),
                    "`±HH:MM`, e.g. `-05:00`",
                );
                None
            }
        };
        let Some(start) = self.ctx.start_unix_s else {
            self.findings.add(
                path,
                "diurnal needs the timeline's absolute start to place its hours",
                "a timeline start time (RFC 3339) in the scenario",
            );
            return None;
        };
        Some((Box::new(Diurnal::new(peak_hour, amplitude, start + offset?)), Kind::Factor))
    }

    /// `sum` (all children of one kind) or `product` (at most one rate child).
    fn combination(&mut self, children: &[CurveSpec], path: &DocPath, sum: bool) -> Option<(ShapeBox, Kind)> {
        let what = if sum { "sum" } else { "product" };
        self.findings.check(!children.is_empty(), path, || format!("an empty {what}"), "at least one curve");
        let built: Vec<_> = children.iter().enumerate().map(|(i, c)| self.shape(c, &path.index(i))).collect();
        let kinds: Vec<Kind> = children.iter().map(kind_of).collect();
        let rates = kinds.iter().filter(|k| **k == Kind::Rate).count();
        let kind = if rates > 0 { Kind::Rate } else { Kind::Factor };
        for (i, child_kind) in kinds.iter().enumerate() {
            if sum && *child_kind != kinds[0] {
                self.findings.add(
                    &path.index(i),
                    "a sum mixes rates and factors (diurnal/window)",
                    "all rates, or all factors",
                );
            }
        }
        if !sum && rates > 1 {
            let second =
                kinds.iter().enumerate().filter(|(_, k)| **k == Kind::Rate).nth(1).map_or(0, |(i, _)| i);
            self.findings.add(
                &path.index(second),
                format!("a product of {rates} rates (newcomers per second squared)"),
                "at most one rate times any number of factors (diurnal/window)",
            );
        }
        let shapes: Vec<ShapeBox> = built.into_iter().map(|b| b.map(|(s, _)| s)).collect::<Option<_>>()?;
        if shapes.is_empty() {
            return None;
        }
        Some((if sum { Box::new(Sum(shapes)) } else { Box::new(Product(shapes)) }, kind))
    }
}

/// The kind of a spec, known without compiling it (so a broken child still gets its
/// combination checked).
fn kind_of(spec: &CurveSpec) -> Kind {
    match spec {
        CurveSpec::Diurnal { .. } | CurveSpec::Window { .. } => Kind::Factor,
        CurveSpec::Sum(children) | CurveSpec::Product(children) => {
            if children.iter().any(|c| kind_of(c) == Kind::Rate) { Kind::Rate } else { Kind::Factor }
        }
        _ => Kind::Rate,
    }
}
