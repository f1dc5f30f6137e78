//! TEMPORARY STUB (not committed): replaced by the arrival branch.
use crate::scenario::problem::{DocPath, Findings, Problem};
use crate::units::Rate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArrivalsSpec {
    pub curve: CurveSpec,
    pub total: Option<f64>,
    #[serde(default)]
    pub spacing: Spacing,
}
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Spacing {
    #[default]
    Poisson,
    Even,
}
pub mod testing {
    pub fn constant(r: f64, s: f64) -> super::Curve {
        super::Curve { rate: r, span: s }
    }
}
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum CurveSpec {
    Constant { rate: Rate },
}
pub struct CompileContext<'a> {
    pub span_s: f64,
    pub start_unix_s: Option<i64>,
    pub base_dir: &'a Path,
}
#[derive(Debug, Clone)]
pub struct Curve {
    rate: f64,
    span: f64,
}
#[derive(Debug, Clone)]
pub struct NamedWindow {
    pub name: String,
    pub start_s: f64,
    pub end_s: f64,
}
pub fn compile(
    spec: &ArrivalsSpec,
    ctx: &CompileContext,
    path: &DocPath,
    findings: &mut Findings,
    _p: &mut Vec<Problem>,
) -> Option<Curve> {
    let CurveSpec::Constant { rate } = &spec.curve;
    let mut r = rate.as_per_s();
    if let Some(t) = spec.total {
        r = t / ctx.span_s;
    }
    if r <= 0.0 {
        findings.add(&path.key("curve"), "empty curve", "a curve with arrivals");
        return None;
    }
    Some(Curve { rate: r, span: ctx.span_s })
}
impl Curve {
    pub fn span_s(&self) -> f64 {
        self.span
    }
    pub fn rate_per_s(&self, _t: f64) -> f64 {
        self.rate
    }
    pub fn cumulative(&self, t: f64) -> f64 {
        self.rate * t.clamp(0.0, self.span)
    }
    pub fn total(&self) -> f64 {
        self.rate * self.span
    }
    pub fn inverse(&self, c: f64) -> f64 {
        c / self.rate
    }
    pub fn windows(&self) -> Vec<NamedWindow> {
        vec![]
    }
    pub fn peak_rate_per_s(&self) -> (f64, f64) {
        (0.0, self.rate)
    }
}
