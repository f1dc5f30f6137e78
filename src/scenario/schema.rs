//! The JSON Schema of scenario files, generated from the model's types.
//!
//! The committed copy (`scenarios/scenario.schema.json`) lets editors validate and complete
//! scenario files; a test fails when it no longer matches the types.

use super::model::ScenarioSpec;

/// Where the committed schema lives, relative to the repository root.
pub const COMMITTED_PATH: &str = "scenarios/scenario.schema.json";

/// The schema as pretty-printed JSON with a trailing newline.
pub fn render() -> String {
    let schema = schemars::schema_for!(ScenarioSpec);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_schema_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(COMMITTED_PATH);
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == render(),
            "{COMMITTED_PATH} is stale: run `cargo run -- schema > {COMMITTED_PATH}`"
        );
    }
}
