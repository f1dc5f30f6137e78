//! The house has floors and no circles: every `crate::…` and `super::…` path in `src/` is
//! read as an edge between files, and
//! - an edge between top-level modules must point down the declared layering (below), and
//! - no file may reach itself again through such edges.
//!
//! Layering, lowest first (a module may use only modules on lower floors):
//! ground floor (`units`, `source`, `seed`, `human`, `net`) → `arrival` (pure curve math, which
//! the scenario model embeds) → `scenario` → `plan` (and `import`, which writes scenarios) → `population`, `profile`, `metrics`
//! (the recorders the executor writes into) → `executor` → `report` → `gate` → `replay` →
//! `cli`. The reference platform stands alone on the ground floor: it uses the ground floor
//! only, and only `replay` (the embedded platform) and `cli` (`serve`) use it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::util::repo_root;

/// The floor of each top-level module; `platform` is handled apart.
const FLOORS: &[(&str, u32)] = &[
    ("units", 0),
    ("source", 0),
    ("seed", 0),
    ("human", 0),
    ("net", 0),
    ("arrival", 1),
    ("scenario", 2),
    ("plan", 3),
    ("import", 3),
    ("population", 4),
    ("profile", 4),
    ("metrics", 4),
    ("executor", 5),
    ("report", 6),
    ("gate", 7),
    ("replay", 8),
    ("cli", 9),
];

fn floor(module: &str) -> Option<u32> {
    FLOORS.iter().find(|(name, _)| *name == module).map(|(_, floor)| *floor)
}

/// Whether `from` may use `to` (two different top-level modules).
fn allowed(from: &str, to: &str) -> bool {
    match (from, to) {
        ("platform", _) => floor(to) == Some(0),
        (_, "platform") => matches!(from, "replay" | "cli"),
        _ => match (floor(from), floor(to)) {
            // The ground floor's modules may use each other; circles are caught below.
            (Some(0), Some(0)) => true,
            (Some(a), Some(b)) => b < a,
            _ => false,
        },
    }
}

/// Every `.rs` file under `src/` (but the binary) with its module path.
fn files(src: &Path) -> BTreeMap<Vec<String>, PathBuf> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src is readable") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path.strip_prefix(src).expect("under src");
                let mut module: Vec<String> =
                    relative.with_extension("").iter().map(|c| c.to_string_lossy().into_owned()).collect();
                if module.last().is_some_and(|m| m == "mod") {
                    module.pop();
                }
                if module == ["lib"] || module == ["main"] {
                    continue;
                }
                out.insert(module, path);
            }
        }
    }
    out
}

/// The text without comments (doc comments mention paths that are not uses) and without
/// inline test modules (`#[cfg(test)] mod tests { use super::*; … }` is the file itself).
fn code(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(|line| line.split("//").next().unwrap_or("")).collect();
    let end = (0..lines.len())
        .find(|&i| {
            lines[i].trim() == "#[cfg(test)]"
                && lines.get(i + 1).is_some_and(|next| {
                    next.trim_start().starts_with("mod ") && next.trim_end().ends_with('{')
                })
        })
        .unwrap_or(lines.len());
    lines[..end].join("\n")
}

/// The module paths a file names, each resolved to an absolute path from the crate root.
fn paths(module: &[String], text: &str) -> Vec<Vec<String>> {
    let code = code(text);
    let bytes = code.as_bytes();
    let mut found = Vec::new();
    for prefix in ["crate::", "super::"] {
        let mut start = 0;
        while let Some(at) = code[start..].find(prefix) {
            let at = start + at;
            start = at + prefix.len();
            // `foo_crate::` or `x.super::` are not paths of ours.
            if at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_') {
                continue;
            }
            let base: Vec<String> = if prefix == "crate::" {
                Vec::new()
            } else {
                // `super` of `a/b.rs` and of `a/b/mod.rs` (both module `a::b`) is `a`.
                let mut base = module.to_vec();
                base.pop();
                base
            };
            expand(&code[start..], base, &mut found);
        }
    }
    found
}

/// Reads `a::b::{c, d::e}` after a prefix into every full path it names.
fn expand(rest: &str, base: Vec<String>, out: &mut Vec<Vec<String>>) {
    let mut path = base;
    let mut text = rest;
    if let Some(group) = text.strip_prefix('{') {
        for item in split_group(group) {
            expand(item.trim(), path.clone(), out);
        }
        return;
    }
    loop {
        let ident: String = text.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        if ident.is_empty() {
            break;
        }
        text = &text[ident.len()..];
        if ident != "self" {
            path.push(ident);
        }
        if let Some(next) = text.strip_prefix("::") {
            text = next;
            if let Some(group) = text.strip_prefix('{') {
                for item in split_group(group) {
                    expand(item.trim(), path.clone(), out);
                }
                return;
            }
        } else {
            break;
        }
    }
    out.push(path);
}

/// The top-level items of `a, b::{c, d}, e}` (up to the closing brace).
fn split_group(text: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let (mut depth, mut from) = (0usize, 0usize);
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                items.push(&text[from..i]);
                return items;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&text[from..i]);
                from = i + 1;
            }
            _ => {}
        }
    }
    items
}

/// The file a path lands in: its longest prefix that is a file's module.
fn file_of<'a>(path: &[String], files: &'a BTreeMap<Vec<String>, PathBuf>) -> Option<&'a Vec<String>> {
    (1..=path.len()).rev().find_map(|n| files.get_key_value(&path[..n]).map(|(k, _)| k))
}

#[test]
fn modules_use_only_lower_floors_and_files_form_no_circle() {
    let src = repo_root().join("src");
    let files = files(&src);
    let mut graph: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    let mut against = BTreeSet::new();
    for (module, path) in &files {
        let text = std::fs::read_to_string(path).expect("a source file");
        for used in paths(module, &text) {
            let Some(target) = file_of(&used, &files) else { continue };
            if target == module {
                continue;
            }
            graph.entry(module.clone()).or_default().insert(target.clone());
            let (from, to) = (&module[0], &target[0]);
            if from != to && !allowed(from, to) {
                against.insert(format!("{} uses {}", module.join("::"), used.join("::")));
            }
        }
    }
    assert!(
        floor("units").is_some() && against.is_empty(),
        "edges against the layering:\n{}",
        lines(&against)
    );
    let circles: BTreeSet<String> = circles(&graph)
        .into_iter()
        .filter(|circle| {
            !CIRCLES_TO_BREAK.iter().any(|module| circle.split(" ↔ ").all(|f| f.starts_with(module)))
        })
        .collect();
    assert!(circles.is_empty(), "circles between files:\n{}", lines(&circles));
}

/// Modules whose files still form a circle, to be broken next (not hidden: the list
/// only shrinks; empty now that the executor's jobs and the platform's state stand apart).
const CIRCLES_TO_BREAK: &[&str] = &[];

fn lines(set: &BTreeSet<String>) -> String {
    set.iter().map(|s| format!("  {s}\n")).collect()
}

/// One circle per strongly connected group of files (Tarjan's algorithm, iterative enough
/// for a few hundred files).
fn circles(graph: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> BTreeSet<String> {
    struct Walk<'a> {
        graph: &'a BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        index: BTreeMap<&'a Vec<String>, usize>,
        low: BTreeMap<&'a Vec<String>, usize>,
        stack: Vec<&'a Vec<String>>,
        on_stack: BTreeSet<&'a Vec<String>>,
        found: BTreeSet<String>,
    }
    fn visit<'a>(w: &mut Walk<'a>, node: &'a Vec<String>) {
        let i = w.index.len();
        w.index.insert(node, i);
        w.low.insert(node, i);
        w.stack.push(node);
        w.on_stack.insert(node);
        for next in w.graph.get(node).into_iter().flatten() {
            if !w.index.contains_key(next) {
                visit(w, next);
                let low = w.low[node].min(w.low[next]);
                w.low.insert(node, low);
            } else if w.on_stack.contains(next) {
                let low = w.low[node].min(w.index[next]);
                w.low.insert(node, low);
            }
        }
        if w.low[node] == w.index[node] {
            let mut group = Vec::new();
            while let Some(top) = w.stack.pop() {
                w.on_stack.remove(top);
                group.push(top.join("::"));
                if top == node {
                    break;
                }
            }
            if group.len() > 1 {
                group.sort();
                w.found.insert(group.join(" ↔ "));
            }
        }
    }
    let mut walk = Walk {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: BTreeSet::new(),
    };
    for node in graph.keys() {
        if !walk.index.contains_key(node) {
            visit(&mut walk, node);
        }
    }
    walk.found
}

#[test]
fn paths_are_read_with_their_groups() {
    let module: Vec<String> = vec!["executor".into(), "walk".into()];
    let found = paths(
        &module,
        "use super::{context::Context, journey::{self, apply}};\nuse crate::plan::Plan; // crate::x",
    );
    let found: Vec<String> = found.iter().map(|p| p.join("::")).collect();
    assert_eq!(
        found,
        ["plan::Plan", "executor::context::Context", "executor::journey", "executor::journey::apply"]
    );
    assert!(!allowed("scenario", "gate") && allowed("gate", "scenario") && !allowed("platform", "scenario"));
}

/// Most lines in a source file: past this a file holds more than one responsibility.
const MAX_FILE_LINES: usize = 400;

#[test]
fn no_source_file_is_over_400_lines() {
    let root = repo_root();
    let mut long = BTreeSet::new();
    for path in files(&root.join("src")).values() {
        let lines = std::fs::read_to_string(path).expect("a source file").lines().count();
        let name = path.strip_prefix(&root).expect("under the root").to_string_lossy().replace('\\', "/");
        if lines > MAX_FILE_LINES {
            long.insert(format!("{name}: {lines} lines"));
        }
    }
    assert!(long.is_empty(), "files over {MAX_FILE_LINES} lines:\n{}", lines(&long));
}
