//! `junit.xml`: the run's verdicts as JUnit test cases, so any CI system shows which SLO
//! failed and by how much.
//!
//! One test case says whether the run completed (it fails when the run was interrupted:
//! its numbers then describe a partial replay); then one test case per verdict (each
//! threshold, and each baseline comparison once the gate fills them in). A failed verdict
//! is a `<failure>` whose message carries the measured value.

use std::fmt::Write;

use super::model::{Report, Verdict};
use crate::human::{percent, us as human_us};

impl Report {
    /// The whole `junit.xml`.
    pub fn render_junit(&self) -> String {
        let run = &self.run;
        let suite = format!("stampede.{}", run.scenario);
        let failures = usize::from(run.interrupted) + self.verdicts.iter().filter(|v| v.failed).count();
        let tests = 1 + self.verdicts.len();
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            out,
            r#"<testsuites name="stampede" tests="{tests}" failures="{failures}" errors="0" time="{:.3}">"#,
            finite(run.elapsed_s)
        );
        let _ = writeln!(
            out,
            r#"  <testsuite name="{}" tests="{tests}" failures="{failures}" errors="0" skipped="0" time="{:.3}" timestamp="{}">"#,
            xml(&suite),
            finite(run.elapsed_s),
            xml(&run.started_at)
        );
        out.push_str("    <properties>\n");
        let properties = [
            ("scenario_file", run.scenario_file.clone()),
            ("seed", run.seed.to_string()),
            ("compress", run.compress.to_string()),
            ("sample", run.sample.to_string()),
            ("target", run.target.clone()),
            ("stampede_version", run.stampede_version.clone()),
        ];
        for (name, value) in properties {
            let _ = writeln!(out, r#"      <property name="{name}" value="{}"/>"#, xml(&value));
        }
        out.push_str("    </properties>\n");

        let _ = write!(
            out,
            r#"    <testcase classname="{}" name="run completed" time="{:.3}""#,
            xml(&suite),
            finite(run.elapsed_s)
        );
        if run.interrupted {
            let reason = run.interrupt_reason.as_deref().unwrap_or("no reason given");
            let _ = write!(
                out,
                ">\n      <failure message=\"run interrupted: {}\" type=\"interrupted\"/>\n    </testcase>\n",
                xml(reason)
            );
        } else if let Some(headline) = self.validity.as_ref().and_then(super::validity::Validity::headline) {
            let _ = write!(
                out,
                ">\n      <failure message=\"{}\" type=\"generator-bound\"/>\n    </testcase>\n",
                xml(&headline)
            );
        } else {
            out.push_str("/>\n");
        }
        for verdict in &self.verdicts {
            testcase(&mut out, &suite, verdict);
        }
        out.push_str("  </testsuite>\n</testsuites>\n");
        out
    }
}

fn testcase(out: &mut String, suite: &str, v: &Verdict) {
    let classname = format!("{suite}.{}", v.kind.as_str());
    let _ = write!(out, r#"    <testcase classname="{}" name="{}" time="0""#, xml(&classname), xml(&v.name));
    let details = format!(
        "outcome: {}; measured: {}; limit: {}",
        v.outcome,
        value_text(v.measured, &v.unit),
        value_text(v.limit, &v.unit)
    );
    if v.failed {
        // The message must carry the measured value even if the gate left it out of its
        // own line, because CI systems show only the message in their summaries.
        let measured = value_text(v.measured, &v.unit);
        let message = match (v.message.is_empty(), v.measured.is_some()) {
            (true, _) => format!("measured {measured}"),
            (false, true) if !v.message.contains("measured") => {
                format!("{} (measured {measured})", v.message)
            }
            _ => v.message.clone(),
        };
        let _ = write!(
            out,
            ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>\n",
            xml(&message),
            xml(v.kind.as_str()),
            xml(&details)
        );
    } else {
        let _ = write!(out, ">\n      <system-out>{}</system-out>\n    </testcase>\n", xml(&details));
    }
}

/// A verdict value in its unit, for people: `912ms`, `1.2%`, `340/s`; `-` when absent.
pub fn value_text(value: Option<f64>, unit: &str) -> String {
    let Some(v) = value.filter(|v| v.is_finite()) else {
        return "-".to_string();
    };
    match unit {
        "us" => human_us(v.max(0.0).round() as u64),
        "ratio" => percent(v),
        "per_s" => format!("{v:.1}/s"),
        "" => format!("{v}"),
        other => format!("{v} {other}"),
    }
}

fn finite(x: f64) -> f64 {
    if x.is_finite() { x } else { 0.0 }
}

/// Escapes text for XML attributes and content; drops characters XML 1.0 forbids.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

    fn verdict(name: &str, failed: bool) -> Verdict {
        Verdict {
            kind: crate::report::VerdictKind::Threshold,
            name: name.into(),
            outcome: crate::report::Outcome::of_pass(!failed),
            failed,
            measured: Some(912_000.0),
            limit: Some(800_000.0),
            unit: "us".into(),
            message: String::new(),
        }
    }

    #[test]
    fn one_case_per_verdict_and_failures_carry_the_measured_value() {
        let mut report = fixture::report();
        report.run.interrupted = false;
        report.verdicts =
            vec![verdict("create_post.response.p99 < 800ms", true), verdict("errors < 1%", false)];
        let xml = report.render_junit();
        assert!(xml.contains(r#"tests="3" failures="1""#), "{xml}");
        assert!(xml.contains(r#"name="create_post.response.p99 &lt; 800ms""#));
        assert!(xml.contains(r#"<failure message="measured 912ms" type="threshold">"#), "{xml}");
        assert_eq!(xml.matches("<failure").count(), 1);
    }

    #[test]
    fn an_interrupted_run_fails_its_completion_case() {
        let xml = fixture::report().render_junit();
        assert!(xml.contains(r#"<failure message="run interrupted: ctrl-c" type="interrupted"/>"#), "{xml}");
    }

    #[test]
    fn values_and_escaping() {
        assert_eq!(value_text(Some(0.0125), "ratio"), "1.2%");
        assert_eq!(value_text(Some(340.0), "per_s"), "340.0/s");
        assert_eq!(value_text(None, "us"), "-");
        assert_eq!(value_text(Some(f64::NAN), "us"), "-");
        assert_eq!(xml("a<b>&\"'\u{1}\n"), "a&lt;b&gt;&amp;&quot;&apos;&#10;");
    }
}
