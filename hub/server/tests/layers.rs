//! The hub's top-level modules form layers: no module reaches, through `crate::` paths, a
//! module that reaches back to it. A module and its children count as one (`db` and
//! `db::state` are the module `db`), so a parent and its child may use each other freely.
//!
//! The graph is read from the source: every `crate::<module>` in `hub/server/src/**/*.rs`
//! outside comments, including `use crate::{a, b::c}` groups, is an edge from the top-level
//! module of the file to `<module>`. References to items of the crate root (`crate::Shared`)
//! are not edges: the root wires the modules together and sits above them all.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level module name to the top-level modules it references.
type Graph = BTreeMap<String, BTreeSet<String>>;

#[test]
fn the_top_level_modules_form_no_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = read_graph(&src);
    assert!(
        graph.len() > 10,
        "found only {} modules under {}; is the walk broken?",
        graph.len(),
        src.display()
    );
    if let Some(cycle) = find_cycle(&graph) {
        panic!(
            "the modules of hub/server/src form a cycle: {}\nthe whole graph:\n{}",
            cycle.join(" -> "),
            describe(&graph)
        );
    }
}

#[test]
fn a_cycle_in_a_hand_made_graph_is_named() {
    let graph = graph_of(&[
        ("settings", &[]),
        ("db", &["settings", "plan"]),
        ("plan", &["settings", "deadlines"]),
        ("deadlines", &["db"]),
    ]);
    assert_eq!(
        find_cycle(&graph),
        Some(
            vec!["db", "plan", "deadlines", "db"]
                .into_iter()
                .map(String::from)
                .collect()
        )
    );
}

#[test]
fn layers_in_a_hand_made_graph_pass() {
    let graph = graph_of(&[
        ("settings", &[]),
        ("db", &["settings"]),
        ("plan", &["settings"]),
        ("batch", &["db", "plan", "settings"]),
    ]);
    assert_eq!(find_cycle(&graph), None);
}

#[test]
fn references_are_read_from_paths_and_groups_but_not_comments() {
    let text = "use crate::db::{self, Pool};\n\
                use crate::{plan, settings::Secret, Shared};\n\
                // see crate::metrics\n\
                /// [`crate::http`]\n\
                let x = crate::keys::load(&crate::retention::period());\n";
    let modules: BTreeSet<String> = [
        "db",
        "plan",
        "settings",
        "metrics",
        "http",
        "keys",
        "retention",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    let found = references(text, &modules);
    let expected: BTreeSet<String> = ["db", "plan", "settings", "keys", "retention"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(found, expected);
}

fn graph_of(edges: &[(&str, &[&str])]) -> Graph {
    edges
        .iter()
        .map(|(from, to)| {
            (
                (*from).to_owned(),
                to.iter().map(|t| (*t).to_owned()).collect(),
            )
        })
        .collect()
}

/// The top-level module a source file belongs to, or `None` for the crate root and binary.
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src).ok()?;
    let first = relative.components().next()?.as_os_str().to_str()?;
    match first.strip_suffix(".rs") {
        Some("lib" | "main") => None,
        Some(stem) => Some(stem.to_owned()),
        None => Some(first.to_owned()),
    }
}

fn rust_files(dir: &Path, into: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs") {
            into.push(path);
        }
    }
}

fn read_graph(src: &Path) -> Graph {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let modules: BTreeSet<String> = files.iter().filter_map(|f| module_of(src, f)).collect();
    let mut graph: Graph = modules
        .iter()
        .map(|m| (m.clone(), BTreeSet::new()))
        .collect();
    for file in &files {
        let Some(from) = module_of(src, file) else {
            continue;
        };
        let text =
            std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let uses = graph.get_mut(&from).expect("every module is in the graph");
        uses.extend(
            references(&text, &modules)
                .into_iter()
                .filter(|m| *m != from),
        );
    }
    graph
}

/// The modules among `modules` that `text` names as `crate::<module>`, outside comments.
fn references(text: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let code: String = text
        .lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        let names = match rest.strip_prefix('{') {
            Some(group) => group_heads(group),
            None => vec![identifier(rest)],
        };
        found.extend(
            names
                .into_iter()
                .filter(|n| modules.contains(*n))
                .map(str::to_owned),
        );
    }
    found
}

/// The first identifier of each item in a `{a, b::c, d::{e, f}}` group (`group` starts after
/// the opening brace).
fn group_heads(group: &str) -> Vec<&str> {
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut item_start = Some(0);
    for (i, c) in group.char_indices() {
        if let Some(start) = item_start.take() {
            let item = group[start..].trim_start();
            heads.push(identifier(item));
        }
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => item_start = Some(i + 1),
            _ => {}
        }
    }
    heads
}

fn identifier(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// A cycle of the graph, as the modules along it with the first repeated at the end, or
/// `None` when the graph has none. Modules are visited in name order, so the answer is stable.
fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(
        graph: &Graph,
        module: &str,
        marks: &mut BTreeMap<String, Mark>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match marks.get(module) {
            Some(Mark::Done) => return None,
            Some(Mark::Open) => {
                let start = path.iter().position(|m| m == module).expect("on the path");
                let mut cycle = path[start..].to_vec();
                cycle.push(module.to_owned());
                return Some(cycle);
            }
            None => {}
        }
        marks.insert(module.to_owned(), Mark::Open);
        path.push(module.to_owned());
        for next in graph.get(module).into_iter().flatten() {
            if let Some(cycle) = visit(graph, next, marks, path) {
                return Some(cycle);
            }
        }
        path.pop();
        marks.insert(module.to_owned(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for module in graph.keys() {
        if let Some(cycle) = visit(graph, module, &mut marks, &mut Vec::new()) {
            return Some(cycle);
        }
    }
    None
}

fn describe(graph: &Graph) -> String {
    graph
        .iter()
        .map(|(from, to)| {
            let to: Vec<&str> = to.iter().map(String::as_str).collect();
            format!("  {from} -> {}\n", to.join(", "))
        })
        .collect()
}
