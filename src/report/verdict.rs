//! The typed kind and outcome of a verdict. In `report.json` they are the plain words they
//! always were (`threshold`, `pass`, …, and the schema still says "string"), so reports
//! written before stay readable; in code they are enums, so a misspelt `"skip"` is a
//! compile error instead of a check that never matches.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What a verdict checked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(with = "String")]
pub enum VerdictKind {
    /// A threshold (`SUBJECT.METRIC OP VALUE`).
    #[default]
    Threshold,
    /// An action × percentile compared with a baseline run.
    Comparison,
}

/// How a check came out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(with = "String")]
pub enum Outcome {
    #[default]
    Pass,
    Fail,
    /// The target profile cannot serve what the threshold measures.
    Skip,
    Regressed,
    Improved,
    Unchanged,
    Inconclusive,
}

impl VerdictKind {
    /// The word `report.json` uses.
    pub fn as_str(self) -> &'static str {
        match self {
            VerdictKind::Threshold => "threshold",
            VerdictKind::Comparison => "comparison",
        }
    }
}

impl Outcome {
    /// The word `report.json` uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Skip => "skip",
            Outcome::Regressed => "regressed",
            Outcome::Improved => "improved",
            Outcome::Unchanged => "unchanged",
            Outcome::Inconclusive => "inconclusive",
        }
    }

    /// `pass` or `fail`.
    pub fn of_pass(pass: bool) -> Self {
        if pass { Outcome::Pass } else { Outcome::Fail }
    }
}

impl fmt::Display for VerdictKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

// Comparing with the JSON word keeps tests and tools that read the words simple.
impl PartialEq<&str> for VerdictKind {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<&str> for Outcome {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_json_words_are_unchanged() {
        let words =
            serde_json::to_string(&[Outcome::Pass, Outcome::Skip, Outcome::Inconclusive]).expect("json");
        assert_eq!(words, r#"["pass","skip","inconclusive"]"#);
        assert_eq!(serde_json::to_string(&VerdictKind::Comparison).expect("json"), r#""comparison""#);
        let read: Outcome = serde_json::from_str(r#""regressed""#).expect("a known word");
        assert_eq!(read, Outcome::Regressed);
        assert!(serde_json::from_str::<Outcome>(r#""maybe""#).is_err());
    }
}
