//! The modules of `server/src` form no cycle: a module never imports one that imports it back,
//! directly or through others. Shared vocabulary lives in leaf modules; services depend on it and
//! not on each other in a circle.
//!
//! The check reads the sources: every `crate::x…` path (in `use` items, grouped `use crate::{…}`
//! lists and inline paths) and every `super::…` path that climbs out of a top-level module counts
//! as an edge from the file's top-level module (`x.rs` and everything under `x/`) to `x`. Comments
//! and string literals are skipped. `lib.rs`, the crate root that declares and re-exports the
//! modules, is not a module of its own here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

mod imports;

use imports::{Token, edges_of, edges_with_lines, tokenize};

/// Top-level module → (imported top-level module → one place that imports it).
type Graph = BTreeMap<String, BTreeMap<String, String>>;

#[test]
fn the_modules_of_the_domain_crate_import_each_other_without_cycles() {
    let graph = module_graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(
        graph.len() > 10,
        "expected to find the domain's modules, found {:?}",
        graph.keys().collect::<Vec<_>>()
    );
    let cycles = cycles(&graph);
    assert!(
        cycles.is_empty(),
        "modules of server/src import each other in a circle:\n{}",
        cycles.join("\n")
    );
}

/// The foundation every module may use: failures, ids and time, which import nothing but each
/// other.
const FOUNDATION: [&str; 3] = ["clock", "error", "ids"];

/// `authz` decides and turns a refusal into an error; it never reaches storage or a service.
#[test]
fn authorization_reaches_only_the_vocabulary_and_the_foundation() {
    let graph = module_graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let reach = reachable(&graph, "authz");
    let extra: Vec<&String> = reach
        .iter()
        .filter(|m| *m != "vocab" && !FOUNDATION.contains(&m.as_str()))
        .collect();
    assert!(
        extra.is_empty(),
        "authz must stay pure, but it reaches {extra:?}"
    );
}

/// The shared vocabulary is a leaf of the domain: nothing but the foundation below it.
#[test]
fn the_vocabulary_imports_nothing_of_the_domain_but_the_foundation() {
    let graph = module_graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(graph.contains_key("vocab"), "a `vocab` module");
    let reach = reachable(&graph, "vocab");
    let extra: Vec<&String> = reach
        .iter()
        .filter(|m| !FOUNDATION.contains(&m.as_str()))
        .collect();
    assert!(extra.is_empty(), "vocab reaches {extra:?}");
}

/// The cycle detector itself, on hand-made graphs: a longer cycle is reported as a path.
#[test]
fn the_cycle_check_reports_a_path_through_every_cycle() {
    let mut graph = Graph::new();
    let mut edge = |from: &str, to: &str| {
        graph
            .entry(from.into())
            .or_default()
            .insert(to.into(), format!("{from}.rs"));
        graph.entry(to.into()).or_default();
    };
    edge("a", "b");
    edge("b", "c");
    edge("c", "a");
    edge("c", "d");
    edge("e", "f");
    edge("f", "e");
    let found = cycles(&graph);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].starts_with("a -> b -> c -> a"), "{found:?}");
    assert!(found[1].starts_with("e -> f -> e"), "{found:?}");
    let found = edges_of(
        "x/y.rs",
        "use crate::{a::B, b::{self, C}};\n// crate::c in a comment\nfn f() { let _ = \"crate::d\"; crate::e::f(); super::super::g::h(); super::i(); }\nmod tests { use super::*; use super::super::j; }",
        // `super::super` from `x::y::tests` is `x` itself: `j` is an item of `x`, not a module.
    );
    assert_eq!(
        found.into_iter().collect::<Vec<_>>(),
        ["a", "b", "e", "g", "x"]
    );
}

fn module_graph(src: &Path) -> Graph {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut sources = Vec::new();
    for file in files {
        let relative = file.strip_prefix(src).expect("under src");
        let relative = relative.to_string_lossy().replace('\\', "/");
        let text = std::fs::read_to_string(&file).expect("readable source");
        sources.push((relative, text));
    }
    let modules: BTreeSet<String> = sources
        .iter()
        .filter(|(relative, _)| relative != "lib.rs")
        .map(|(relative, _)| top_level(relative))
        .collect();
    let reexports = sources
        .iter()
        .find(|(relative, _)| relative == "lib.rs")
        .map(|(_, text)| reexports(text))
        .unwrap_or_default();
    let mut graph = Graph::new();
    for (relative, text) in &sources {
        if relative == "lib.rs" {
            continue;
        }
        let top = top_level(relative);
        let imports = graph.entry(top.clone()).or_default();
        for (name, line) in edges_with_lines(relative, text) {
            // A root-level name is a module, a re-export of one, or an item of the crate root
            // itself (`Services`, the composition root every module may take).
            let target = if modules.contains(&name) {
                Some(name)
            } else {
                reexports.get(&name).cloned()
            };
            if let Some(target) = target.filter(|t| *t != top) {
                imports
                    .entry(target)
                    .or_insert_with(|| format!("src/{relative}:{line}"));
            }
        }
    }
    graph
}

/// `x.rs` and `x/…` belong to the top-level module `x`.
fn top_level(relative: &str) -> String {
    relative
        .split('/')
        .next()
        .expect("a path")
        .trim_end_matches(".rs")
        .to_string()
}

/// The names `lib.rs` re-exports (`pub use x::{A, b::C as D};`), each with the module it comes
/// from, so that `crate::A` counts as an import of `x`.
fn reexports(lib: &str) -> BTreeMap<String, String> {
    let tokens = tokenize(lib);
    let mut names = BTreeMap::new();
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i].0 == Token::Ident("use".into()) {
            let Some((Token::Ident(module), _)) = tokens.get(i + 1) else {
                i += 1;
                continue;
            };
            let mut j = i + 2;
            while j < tokens.len() && tokens[j].0 != Token::Punct(';') {
                if let Token::Ident(name) = &tokens[j].0 {
                    let next = tokens.get(j + 1).map(|(t, _)| t);
                    let leaf = matches!(
                        next,
                        Some(Token::Punct(',')) | Some(Token::Punct('}')) | Some(Token::Punct(';'))
                    );
                    if leaf && name != "self" {
                        names.insert(name.clone(), module.clone());
                    }
                }
                j += 1;
            }
            i = j;
        }
        i += 1;
    }
    names
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("readable directory")
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every module `start` imports, directly or through others.
fn reachable(graph: &Graph, start: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![start.to_string()];
    while let Some(module) = stack.pop() {
        for next in graph.get(&module).into_iter().flat_map(BTreeMap::keys) {
            if seen.insert(next.clone()) {
                stack.push(next.clone());
            }
        }
    }
    seen
}

/// One line per strongly connected group of modules: a cycle through its first module written as
/// a path, the places that make each step of it, and every module of the group.
fn cycles(graph: &Graph) -> Vec<String> {
    let mut reported = BTreeSet::new();
    let mut found = Vec::new();
    for start in graph.keys() {
        if reported.contains(start) {
            continue;
        }
        let reach = reachable(graph, start);
        if !reach.contains(start) {
            continue;
        }
        // The group: modules reachable from `start` that reach it back.
        let group: BTreeSet<String> = reach
            .iter()
            .filter(|m| reachable(graph, m).contains(start))
            .cloned()
            .collect();
        let path = shortest_path_back(graph, start);
        let steps: Vec<String> = path
            .windows(2)
            .map(|w| format!("{} -> {} at {}", w[0], w[1], graph[&w[0]][&w[1]]))
            .collect();
        found.push(format!(
            "{}   ({}; group: {})",
            path.join(" -> "),
            steps.join(", "),
            group.iter().cloned().collect::<Vec<_>>().join(", ")
        ));
        reported.extend(group);
    }
    found
}

/// The shortest import path from `start` back to itself (breadth first, alphabetical ties).
fn shortest_path_back(graph: &Graph, start: &str) -> Vec<String> {
    let mut previous: BTreeMap<String, String> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start.to_string()]);
    while let Some(module) = queue.pop_front() {
        for next in graph.get(&module).into_iter().flat_map(BTreeMap::keys) {
            if next == start {
                // Walk back from `module` to `start` along the breadth-first tree.
                let mut path = vec![module.clone()];
                while let Some(p) = previous.get(path.last().expect("not empty")) {
                    path.push(p.clone());
                }
                path.reverse();
                path.push(start.to_string());
                return path;
            }
            if next != start && !previous.contains_key(next) {
                previous.insert(next.clone(), module.clone());
                queue.push_back(next.clone());
            }
        }
    }
    vec![start.to_string()]
}
