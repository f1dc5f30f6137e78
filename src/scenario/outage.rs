//! Outage windows of the target: when (on the curve's clock), which actions, and what the
//! target does meanwhile — refuse requests, answer slowly, or hang until the window ends.
//!
//! A historical surge often broke the platform at its peak (Signal on 15 Jan 2021); a
//! replay that cannot say so measures a platform that never fell over. The scenario only
//! describes the window; the executor injects it through the target's fault admin endpoint
//! (the reference platform's `PUT /admin/faults`) at the window's replay time and lifts it
//! afterwards. Each window is also a phase of the same name, so thresholds can say
//! `... during outage` and reports shade it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::action::Action;
use super::distribution::DelayDist;
use crate::source::problem::{DocPath, Findings};
use crate::units::Span;

/// A window in which the target is (partly) down.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutageSpec {
    /// Name of the window; also a phase (`signup.error_rate < 1% during NAME`).
    pub name: String,
    /// Start, from the timeline start (curve time, compressed like the arrivals).
    pub start: Span,
    /// End, from the timeline start.
    pub end: Span,
    /// Actions whose requests are affected (default: every request).
    #[serde(default)]
    pub actions: Vec<Action>,
    /// Fraction of the affected requests refused with 503, 0..=1. The default, when neither
    /// `latency` nor `stall` is given, is 1: a full outage.
    #[serde(default)]
    pub error_rate: Option<f64>,
    /// Latency added to each affected request (fixed, exponential, lognormal or uniform).
    #[serde(default)]
    pub latency: Option<DelayDist>,
    /// Every request arriving in the window hangs until the window ends (the whole server:
    /// not combinable with `actions`).
    #[serde(default)]
    pub stall: bool,
    /// Which of the scenario's `targets` go down (default: all of them).
    #[serde(default)]
    pub targets: Vec<String>,
}

impl OutageSpec {
    /// The fraction refused: as given, or 1 when the window names no other effect.
    pub fn refused_fraction(&self) -> f64 {
        match self.error_rate {
            Some(rate) => rate,
            None if self.latency.is_none() && !self.stall => 1.0,
            None => 0.0,
        }
    }

    /// The added latency in the fault admin syntax (`exp:2s`), when the window adds one.
    pub fn latency_fault(&self) -> Option<String> {
        Some(match self.latency.as_ref()? {
            DelayDist::Fixed(span) => format!("fixed:{span}"),
            DelayDist::Exponential { mean } => format!("exp:{mean}"),
            DelayDist::Lognormal { median, sigma } => format!("lognormal:{median},{sigma}"),
            DelayDist::Uniform { low, high } => format!("uniform:{low}..{high}"),
            DelayDist::Pareto { .. } => return None,
        })
    }

    /// One line for people: `signup, login refused (100%)`, `every request hangs`.
    pub fn effect(&self) -> String {
        let scope = if self.actions.is_empty() {
            "every request".to_string()
        } else {
            self.actions.iter().map(|a| a.name()).collect::<Vec<_>>().join(", ")
        };
        let mut parts = Vec::new();
        if self.stall {
            parts.push("hangs until the end".to_string());
        }
        let refused = self.refused_fraction();
        if refused > 0.0 {
            parts.push(format!("refused ({}%)", (refused * 1000.0).round() / 10.0));
        }
        if let Some(latency) = self.latency_fault() {
            parts.push(format!("+{latency} latency"));
        }
        format!("{scope}: {}", parts.join(", "))
    }
}

/// Checks the windows: inside the span, non-empty, names unique among themselves and
/// against `phase_names`, effects the fault endpoint can express.
pub fn validate(
    outages: &[OutageSpec],
    span_s: f64,
    phase_names: &[&str],
    target_names: &[&str],
    findings: &mut Findings,
) {
    let at = DocPath::root().key("outages");
    let mut names: Vec<&str> = phase_names.to_vec();
    for (i, outage) in outages.iter().enumerate() {
        let at = at.index(i);
        findings.check(
            !names.contains(&outage.name.as_str()),
            &at.key("name"),
            || format!("`{}` is already the name of a phase or outage", outage.name),
            "a name unique among phases and outages",
        );
        names.push(&outage.name);
        findings.check(
            outage.start.secs() < outage.end.secs(),
            &at.key("end"),
            || format!("outage `{}` ends before it starts", outage.name),
            "end > start",
        );
        findings.check(
            outage.end.secs() <= span_s,
            &at.key("end"),
            || format!("outage `{}` ends after the timeline span", outage.name),
            "a window within the span",
        );
        if let Some(rate) = outage.error_rate {
            findings.check(
                (0.0..=1.0).contains(&rate),
                &at.key("error_rate"),
                || format!("error_rate {rate} is outside [0, 1]"),
                "a fraction 0..=1",
            );
        }
        findings.check(
            !matches!(outage.latency, Some(DelayDist::Pareto { .. })),
            &at.key("latency"),
            || "the fault endpoint cannot add Pareto latency".into(),
            "fixed, exponential, lognormal or uniform",
        );
        for (t, name) in outage.targets.iter().enumerate() {
            if !target_names.contains(&name.as_str()) {
                let expected = if target_names.is_empty() {
                    "no `targets` here: the scenario has a single target".to_string()
                } else {
                    format!("one of {}", target_names.join(", "))
                };
                findings.add(&at.key("targets").index(t), format!("unknown target `{name}`"), expected);
            }
        }
        findings.check(
            !outage.stall || outage.actions.is_empty(),
            &at.key("actions"),
            || "a stall hangs the whole server, not chosen actions".into(),
            "no `actions` with `stall: true`",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outage(yaml: &str) -> OutageSpec {
        let value: serde_json::Value = serde_json::from_str(yaml).expect("json");
        serde_json::from_value(value).expect("an outage")
    }

    #[test]
    fn a_bare_window_is_a_full_outage() {
        let o = outage(r#"{"name": "down", "start": "1h", "end": "2h"}"#);
        assert_eq!(o.refused_fraction(), 1.0);
        assert_eq!(o.effect(), "every request: refused (100%)");
    }

    #[test]
    fn effects_are_described_and_translated() {
        let o = outage(
            r#"{"name": "slow", "start": "1h", "end": "2h", "actions": ["signup", "login"],
                "latency": {"lognormal": {"median": "2s", "sigma": 0.5}}}"#,
        );
        assert_eq!(o.refused_fraction(), 0.0);
        assert_eq!(o.latency_fault().as_deref(), Some("lognormal:2s,0.5"));
        assert_eq!(o.effect(), "signup, login: +lognormal:2s,0.5 latency");
        let o = outage(r#"{"name": "hang", "start": "1h", "end": "2h", "stall": true, "error_rate": 0.25}"#);
        assert_eq!(o.effect(), "every request: hangs until the end, refused (25%)");
    }

    #[test]
    fn bad_windows_are_found() {
        let spans = [
            outage(r#"{"name": "peak", "start": "1h", "end": "2h"}"#),
            outage(r#"{"name": "late", "start": "3h", "end": "1h", "error_rate": 2}"#),
            outage(r#"{"name": "x", "start": "1h", "end": "9h", "stall": true, "actions": ["like"]}"#),
        ];
        let mut findings = Findings::new();
        validate(&spans, 4.0 * 3600.0, &["peak"], &[], &mut findings);
        let messages: Vec<String> = findings.into_vec().into_iter().map(|f| f.message).collect();
        assert_eq!(
            messages,
            [
                "`peak` is already the name of a phase or outage",
                "outage `late` ends before it starts",
                "error_rate 2 is outside [0, 1]",
                "outage `x` ends after the timeline span",
                "a stall hangs the whole server, not chosen actions",
            ]
        );
    }
}
