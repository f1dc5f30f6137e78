//! Reading a scenario file into its typed model, collecting *every* structural problem.
//!
//! serde stops at the first error, so the document is deserialized section by section
//! (each top-level key, each journey, each step) and every failure is recorded with its
//! path; only when all sections pass is the whole model assembled.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::model::{JourneySpec, ScenarioSpec, StepSpec};
use crate::source::problem::{DocPath, Findings, Problem};
use crate::source::yaml::{self as source, Positions};

/// Top-level keys a scenario may have, in the order the README documents them.
const TOP_LEVEL_KEYS: &[&str] = &[
    "name",
    "description",
    "seed",
    "sources",
    "timeline",
    "arrivals",
    "population",
    "journeys",
    "outages",
    "slo",
    "target",
    "targets",
];

/// The parsed document, kept so findings can be placed after validation.
#[derive(Debug)]
pub struct Document {
    /// Where each node of the document starts.
    pub positions: Positions,
}

impl Document {
    /// Places path-based findings in the file, in file order.
    pub fn place(&self, file: &Path, findings: Findings) -> Vec<Problem> {
        let mut problems: Vec<Problem> = findings
            .into_vec()
            .into_iter()
            .map(|finding| {
                let (line, column) = if finding.at_key {
                    self.positions.locate_key(&finding.path)
                } else {
                    self.positions.locate(&finding.path)
                };
                Problem {
                    file: file.to_path_buf(),
                    line,
                    column,
                    message: finding.message,
                    expected: finding.expected,
                }
            })
            .collect();
        // serde_json maps iterate in key order; report in file order.
        problems.sort_by_key(|p| (p.line, p.column));
        problems
    }
}

/// Reads and deserializes `file`. On failure returns every problem found.
pub fn read(file: &Path) -> Result<(ScenarioSpec, Document), Vec<Problem>> {
    let text = crate::source::file::read_text(file).map_err(|e| {
        vec![Problem::whole_file(file, e.to_string(), "a readable UTF-8 YAML file of at most 16 MiB")]
    })?;
    parse(file, &text)
}

/// Deserializes scenario `text` (named `file` in problems).
pub fn parse(file: &Path, text: &str) -> Result<(ScenarioSpec, Document), Vec<Problem>> {
    let (value, positions) = source::parse(text).map_err(|e| vec![e.into_problem(file)])?;
    let document = Document { positions };
    let mut findings = Findings::new();
    let Value::Object(map) = &value else {
        let what = if value.is_null() { "the file is empty" } else { "the document is not a mapping" };
        findings.add(
            &DocPath::root(),
            what,
            "a YAML mapping with name, seed, timeline, arrivals and journeys",
        );
        return Err(document.place(file, findings));
    };

    for (key, section) in map {
        let path = DocPath::root().key(key.clone());
        match key.as_str() {
            "journeys" => check_journeys(section, &path, &mut findings),
            known if TOP_LEVEL_KEYS.contains(&known) => {
                // Checked whole below; here only to collect this section's error.
                if let Err(finding) = check_section(known, section, &path) {
                    add_serde(&mut findings, finding);
                }
            }
            unknown => findings.add_at_key(
                &path,
                format!("unknown key `{unknown}`"),
                format!("one of {}", TOP_LEVEL_KEYS.join(", ")),
            ),
        }
    }
    if !findings.is_empty() {
        return Err(document.place(file, findings));
    }
    match deserialize::<ScenarioSpec>(&value, &DocPath::root()) {
        Ok(spec) => Ok((spec, document)),
        Err(finding) => {
            add_serde(&mut findings, finding);
            Err(document.place(file, findings))
        }
    }
}

type SerdeFinding = (DocPath, String, String);

/// Records a serde finding; unknown fields are placed at their key, everything else at
/// the offending value.
pub(crate) fn add_serde(findings: &mut Findings, (path, message, expected): SerdeFinding) {
    if message.starts_with("unknown field") {
        findings.add_at_key(&path, message, expected);
    } else {
        findings.add(&path, message, expected);
    }
}

/// Deserializes one top-level section into the type of its field.
fn check_section(key: &str, section: &Value, path: &DocPath) -> Result<(), SerdeFinding> {
    use super::model::{PopulationSpec, SourceSpec, TimelineSpec};
    use crate::arrival::ArrivalsSpec;
    match key {
        "name" | "description" | "target" => deserialize::<String>(section, path).map(drop),
        "seed" => deserialize::<u64>(section, path).map(drop),
        "sources" => deserialize::<Vec<SourceSpec>>(section, path).map(drop),
        "timeline" => deserialize::<TimelineSpec>(section, path).map(drop),
        "arrivals" => deserialize::<ArrivalsSpec>(section, path).map(drop),
        "population" => deserialize::<PopulationSpec>(section, path).map(drop),
        "slo" => deserialize::<Vec<String>>(section, path).map(drop),
        "targets" => deserialize::<Vec<super::targets::TargetSpec>>(section, path).map(drop),
        "outages" => deserialize::<Vec<super::outage::OutageSpec>>(section, path).map(drop),
        _ => Ok(()),
    }
}

/// Journeys are checked one by one, and a failing journey step by step, so that a
/// mistake in one step does not hide a mistake in the next.
fn check_journeys(section: &Value, path: &DocPath, findings: &mut Findings) {
    let Value::Array(journeys) = section else {
        if let Err(finding) = deserialize::<Vec<JourneySpec>>(section, path) {
            add_serde(findings, finding);
        }
        return;
    };
    for (i, journey) in journeys.iter().enumerate() {
        let journey_path = path.index(i);
        let Err(first) = deserialize::<JourneySpec>(journey, &journey_path) else {
            continue;
        };
        let steps = journey.get("steps").and_then(Value::as_array);
        let mut step_findings = 0;
        for (j, step) in steps.into_iter().flatten().enumerate() {
            if let Err(finding) = deserialize::<StepSpec>(step, &journey_path.key("steps").index(j)) {
                add_serde(findings, finding);
                step_findings += 1;
            }
        }
        if step_findings == 0 {
            add_serde(findings, first);
        }
    }
}

/// Deserializes `value` and turns a serde error into (path, what is wrong, what was expected).
pub(crate) fn deserialize<T: DeserializeOwned>(value: &Value, base: &DocPath) -> Result<T, SerdeFinding> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = source::doc_path_of(error.path(), base);
        let (message, expected) = split_expected(&error.inner().to_string());
        (path, message, expected)
    })
}

/// serde messages read "what, expected X"; our problems print "what (expected X)". A
/// quoted value longer than a line is elided: it may be a whole file read as one string.
fn split_expected(message: &str) -> (String, String) {
    let message = &elide_long_quotes(message);
    if let Some((what, expected)) = message.rsplit_once(" (expected ") {
        return (what.to_string(), expected.trim_end_matches(')').to_string());
    }
    match message.split_once(", expected ") {
        Some((what, expected)) => (what.to_string(), expected.to_string()),
        None => (message.to_string(), String::new()),
    }
}

/// Replaces any `"…"` quotation longer than 60 characters in a serde message by its length.
fn elide_long_quotes(message: &str) -> String {
    let parts: Vec<&str> = message.split('"').collect();
    if parts.len() < 3 {
        return message.to_string();
    }
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push('"');
        }
        // Odd parts are quoted (between the i-th and (i+1)-th quote), unless unterminated.
        if i % 2 == 1 && i + 1 < parts.len() && part.chars().count() > 60 {
            out.push_str(&format!("<{} characters>", part.chars().count()));
        } else {
            out.push_str(part);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        match parse(Path::new("s.yaml"), text) {
            Ok(_) => Vec::new(),
            Err(problems) => problems.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn every_section_error_is_reported_at_once() {
        let text = "\
name: x
seed: 1
colour: red
timeline:
  span: 48 hours
arrivals:
  curve: { constant: { rate: 10/s } }
journeys:
  - name: a
    weight: 1
    steps:
      - action: signup
      - action: Dance
      - action: follow
        repaet: { fixed: 2 }
";
        let found = problems(text);
        assert_eq!(found.len(), 4, "{found:#?}");
        assert!(found[0].starts_with("s.yaml:3:1: unknown key `colour`"), "{}", found[0]);
        assert!(found[1].starts_with("s.yaml:5:9: invalid duration `48 hours`"), "{}", found[1]);
        assert!(found[2].starts_with("s.yaml:13:17: `Dance` is not an action name"), "{}", found[2]);
        assert!(found[3].starts_with("s.yaml:15:9: unknown field `repaet`"), "{}", found[3]);
    }

    #[test]
    fn missing_required_keys_are_named() {
        let found = problems("name: x\nseed: 1\n");
        assert_eq!(found.len(), 1);
        assert!(found[0].contains("missing field `timeline`"), "{}", found[0]);
    }

    #[test]
    fn long_quoted_values_are_elided() {
        let secret = format!("invalid type: string \"{}\", expected a map", "SECRET=x ".repeat(20));
        let (message, expected) = split_expected(&secret);
        assert_eq!(
            (message.as_str(), expected.as_str()),
            ("invalid type: string \"<180 characters>\"", "a map")
        );
        assert_eq!(elide_long_quotes("unknown variant `x`, \"short\""), "unknown variant `x`, \"short\"");
    }

    #[test]
    fn empty_and_non_mapping_documents_are_problems() {
        assert!(problems("")[0].contains("the file is empty"));
        assert!(problems("- a\n")[0].contains("not a mapping"));
    }
}
