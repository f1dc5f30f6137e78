//! The JSON Schema of `report.json`, generated from [`Report`]'s types.
//!
//! The committed copy (`reports/schema.json`) is what dashboards and CI scripts validate
//! against; a test fails when it no longer matches the types, so the two cannot drift.

use super::model::Report;

/// Where the committed schema lives, relative to the repository root.
pub const COMMITTED_PATH: &str = "reports/schema.json";

/// The schema as pretty-printed JSON with a trailing newline (what `stampede schema
/// --report` prints).
pub fn render_schema() -> String {
    let schema = schemars::schema_for!(Report);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;
    use serde_json::Value;
    use std::path::{Path, PathBuf};

    fn committed_path() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(COMMITTED_PATH)
    }

    #[test]
    fn committed_schema_is_current() {
        let committed = std::fs::read_to_string(committed_path()).unwrap_or_default();
        assert!(
            committed == render_schema(),
            "{COMMITTED_PATH} is stale: run \
             `cargo test --lib report::schema::tests::regenerate_schema -- --ignored`"
        );
    }

    /// Rewrites the committed schema from the types.
    #[test]
    #[ignore = "writes reports/schema.json; run on purpose after changing the report model"]
    fn regenerate_schema() {
        let path = committed_path();
        std::fs::create_dir_all(path.parent().expect("has a parent")).expect("creates reports/");
        std::fs::write(&path, render_schema()).expect("writes the schema");
    }

    /// Checks `value` against `schema` structurally: types of objects and arrays, required
    /// keys, and recursion through properties, items, maps, `$ref` and `anyOf`/`oneOf`.
    /// Returns the JSON paths that do not conform.
    fn violations(value: &Value, schema: &Value, root: &Value, path: &str) -> Vec<String> {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let name = reference.trim_start_matches("#/$defs/");
            return violations(value, &root["$defs"][name], root, path);
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(options) = schema.get(key).and_then(Value::as_array) {
                let fits = options.iter().any(|o| violations(value, o, root, path).is_empty());
                return if fits { vec![] } else { vec![format!("{path}: no {key} fits")] };
            }
        }
        let mut out = Vec::new();
        let types: Vec<&str> = match schema.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let kind = match value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_u64() || n.is_i64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        let fits = |t: &&str| *t == kind || (*t == "number" && kind == "integer");
        if !types.is_empty() && !types.iter().any(fits) {
            out.push(format!("{path}: {kind} is not {types:?}"));
            return out;
        }
        if let Value::Object(map) = value {
            for key in schema["required"].as_array().into_iter().flatten() {
                let key = key.as_str().unwrap_or_default();
                if !map.contains_key(key) {
                    out.push(format!("{path}: missing required key {key}"));
                }
            }
            for (key, child) in map {
                let sub = match schema["properties"].get(key) {
                    Some(sub) => sub,
                    None => &schema["additionalProperties"],
                };
                if sub.is_object() {
                    out.extend(violations(child, sub, root, &format!("{path}.{key}")));
                }
            }
        }
        if let Value::Array(items) = value
            && schema["items"].is_object()
        {
            for (i, item) in items.iter().enumerate() {
                out.extend(violations(item, &schema["items"], root, &format!("{path}[{i}]")));
            }
        }
        out
    }

    #[test]
    fn a_report_conforms_to_the_committed_schema() {
        let text = std::fs::read_to_string(committed_path()).expect("committed schema exists");
        let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
        let report = serde_json::to_value(fixture::report()).expect("serializes");
        assert_eq!(violations(&report, &schema, &schema, "$"), Vec::<String>::new());
    }

    #[test]
    fn the_checker_notices_a_missing_key() {
        let schema: Value = serde_json::from_str(&render_schema()).expect("schema is JSON");
        let mut report = serde_json::to_value(fixture::report()).expect("serializes");
        let arrivals = report["arrivals"].as_object_mut().expect("object");
        arrivals.remove("dropped");
        report["actions"][0]["service_us"] = Value::String("fast".to_string());
        assert_eq!(
            violations(&report, &schema, &schema, "$"),
            [
                "$.actions[0].service_us: string is not [\"object\"]",
                "$.arrivals: missing required key dropped",
            ]
        );
    }
}
