//! YAML text → a plain JSON value for serde, plus an index from document paths to
//! `line:column`.
//!
//! Why not deserialize straight from YAML: serde stops at the first error, and validation
//! of the typed model (rates, probabilities) has no positions. Parsing once into a marked
//! tree lets the loader deserialize each section separately (reporting every section's
//! error), and lets any finding, from serde or from validation, be placed by its path.

use std::collections::HashMap;

use saphyr::{MarkedYaml, Scalar, YamlData, YamlLoader};
use saphyr_parser::Parser;
use serde_json::{Map, Number, Value};

use super::problem::{DocPath, Segment};

/// Where each node of a document starts (1-based line and column).
#[derive(Debug, Default)]
pub struct Positions {
    nodes: HashMap<DocPath, (usize, usize)>,
    /// Mapping keys, so that "unknown field `x`" can point at the key rather than its value.
    keys: HashMap<DocPath, (usize, usize)>,
}

impl Positions {
    /// The position of the node at `path`, or of its nearest ancestor that has one.
    pub fn locate(&self, path: &DocPath) -> (usize, usize) {
        let mut current = Some(path.clone());
        while let Some(path) = current {
            if let Some(&position) = self.nodes.get(&path) {
                return position;
            }
            current = path.parent();
        }
        (1, 1)
    }

    /// The position of the key that names `path` (falls back to the node itself).
    pub fn locate_key(&self, path: &DocPath) -> (usize, usize) {
        self.keys.get(path).copied().unwrap_or_else(|| self.locate(path))
    }
}

/// A YAML syntax error, with its position.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{line}:{column}: {message}")]
pub struct SyntaxError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl SyntaxError {
    /// The error as a problem of `file`.
    pub fn into_problem(self, file: &std::path::Path) -> super::problem::Problem {
        super::problem::Problem {
            file: file.to_path_buf(),
            line: self.line,
            column: self.column,
            message: self.message,
            expected: String::new(),
        }
    }
}

/// Parses one YAML document. An empty document is an empty mapping's worth of nothing:
/// it yields `Value::Null`, which the loader reports as "empty file".
pub fn parse(text: &str) -> Result<(Value, Positions), SyntaxError> {
    let documents = load_documents(text)?;
    let mut positions = Positions::default();
    let Some(root) = documents.first() else {
        return Ok((Value::Null, positions));
    };
    if documents.len() > 1 {
        let second = &documents[1];
        return Err(SyntaxError {
            line: second.span.start.line(),
            column: second.span.start.col() + 1,
            message: "a scenario file holds exactly one YAML document".to_string(),
        });
    }
    let value = convert(root, &DocPath::root(), &mut positions)?;
    Ok((value, positions))
}

/// Loads the YAML documents of `text` with alias expansion disabled: aliases are
/// documented as unsupported, and an expanded alias is how a small file becomes a large
/// tree ("billion laughs").
fn load_documents(text: &str) -> Result<Vec<MarkedYaml<'_>>, SyntaxError> {
    let mut loader = YamlLoader::<MarkedYaml<'_>>::default();
    loader.alias_limit(0);
    let mut parser = Parser::new_from_str(text);
    let scan = parser.load(&mut loader, true).err();
    let error = scan.or_else(|| loader.error().cloned());
    if let Some(e) = error {
        // The loader's budget error is its only way to say "an alias was used" here.
        let message = if e.info().contains("alias expansion") {
            "YAML aliases (`*name`) are not supported".to_string()
        } else {
            format!("invalid YAML: {}", e.info())
        };
        return Err(SyntaxError { line: e.marker().line(), column: e.marker().col() + 1, message });
    }
    Ok(loader.into_documents())
}

fn start_of(node: &MarkedYaml<'_>) -> (usize, usize) {
    (node.span.start.line(), node.span.start.col() + 1)
}

fn convert(node: &MarkedYaml<'_>, path: &DocPath, positions: &mut Positions) -> Result<Value, SyntaxError> {
    positions.nodes.insert(path.clone(), start_of(node));
    Ok(match &node.data {
        YamlData::Value(Scalar::FloatingPoint(f)) if !f.into_inner().is_finite() => {
            // serde_json has no NaN or infinity: converted silently they would read as
            // "unset" (`sample: .nan` meaning every newcomer), so they are errors here.
            let (line, column) = start_of(node);
            return Err(SyntaxError {
                line,
                column,
                message: format!("`{}` is not a finite number", f.into_inner()),
            });
        }
        YamlData::Value(scalar) => scalar_value(scalar),
        // Unresolved scalars (not produced by the loader today) are kept as their text.
        YamlData::Representation(text, _, _) => Value::String(text.to_string()),
        YamlData::Sequence(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| convert(item, &path.index(i), positions))
                .collect::<Result<_, _>>()?,
        ),
        YamlData::Mapping(entries) => {
            let mut map = Map::new();
            for (key, value) in entries {
                let name = match &key.data {
                    YamlData::Value(Scalar::String(s)) => s.to_string(),
                    YamlData::Value(scalar) => scalar_value(scalar).to_string(),
                    YamlData::Representation(text, _, _) => text.to_string(),
                    _ => {
                        let (line, column) = start_of(key);
                        return Err(SyntaxError {
                            line,
                            column,
                            message: "mapping keys must be plain strings".into(),
                        });
                    }
                };
                let child = path.key(name.clone());
                if map.contains_key(&name) {
                    let (line, column) = start_of(key);
                    return Err(SyntaxError { line, column, message: format!("duplicate key `{name}`") });
                }
                positions.keys.insert(child.clone(), start_of(key));
                map.insert(name, convert(value, &child, positions)?);
            }
            Value::Object(map)
        }
        YamlData::Tagged(_, inner) => convert(inner, path, positions)?,
        YamlData::Alias(_) | YamlData::BadValue => {
            let (line, column) = start_of(node);
            return Err(SyntaxError {
                line,
                column,
                message: "aliases and unresolvable nodes are not supported".into(),
            });
        }
    })
}

fn scalar_value(scalar: &Scalar<'_>) -> Value {
    match scalar {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Bool(*b),
        Scalar::Integer(i) => Value::Number((*i).into()),
        Scalar::FloatingPoint(f) => Number::from_f64(f.into_inner()).map_or(Value::Null, Value::Number),
        Scalar::String(s) => Value::String(s.to_string()),
    }
}

/// Converts serde_path_to_error's path into ours, so a serde error can be placed.
pub fn doc_path_of(path: &serde_path_to_error::Path, base: &DocPath) -> DocPath {
    let mut out = base.clone();
    for segment in path.iter() {
        out = match segment {
            serde_path_to_error::Segment::Seq { index } => out.index(*index),
            serde_path_to_error::Segment::Map { key } => out.key(key.clone()),
            serde_path_to_error::Segment::Enum { variant } => out.key(variant.clone()),
            serde_path_to_error::Segment::Unknown => out,
        };
    }
    out
}

/// The last key of a path, if it ends in one.
pub fn last_key(path: &DocPath) -> Option<&str> {
    match path.segments().last() {
        Some(Segment::Key(key)) => Some(key),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_point_at_nodes_and_keys() {
        let text = "name: x\ntimeline:\n  span: 48h\n  sample: 0.1\nlist:\n  - a\n  - b: 1\n";
        let (value, positions) = parse(text).expect("valid yaml");
        assert_eq!(value["timeline"]["sample"], serde_json::json!(0.1));
        let sample = DocPath::root().key("timeline").key("sample");
        assert_eq!(positions.locate(&sample), (4, 11));
        assert_eq!(positions.locate_key(&sample), (4, 3));
        let b = DocPath::root().key("list").index(1).key("b");
        assert_eq!(positions.locate(&b), (7, 8));
        // An unknown child falls back to its nearest known ancestor.
        assert_eq!(positions.locate(&DocPath::root().key("timeline").key("nope")), (3, 3));
    }

    #[test]
    fn syntax_errors_and_duplicates_have_positions() {
        let err = parse("a: [1, 2\nb: 3\n").expect_err("unclosed flow sequence");
        assert!(err.line >= 1 && err.message.starts_with("invalid YAML"), "{err}");
        let err = parse("a: 1\na: 2\n").expect_err("duplicate key");
        assert_eq!((err.line, err.column), (2, 1));
    }

    #[test]
    fn non_finite_numbers_are_errors_at_their_position() {
        for (text, column) in
            [("a: .nan\n", 4), ("a:\n  b: [1, .inf]\n", 10), ("a: -.inf\n", 4), ("a: 1e400\n", 4)]
        {
            let err = parse(text).expect_err(text);
            assert_eq!((err.line, err.column), (text.lines().count(), column), "{text}: {err}");
            assert!(err.message.contains("is not a finite number"), "{err}");
        }
    }

    #[test]
    fn aliases_are_refused_even_a_single_one() {
        let err = parse("a: &x 1\nb: *x\n").expect_err("alias");
        assert_eq!((err.line, err.message.as_str()), (2, "YAML aliases (`*name`) are not supported"));
        // Anchors alone are harmless and accepted.
        assert!(parse("a: &x 1\n").is_ok());
    }
}
