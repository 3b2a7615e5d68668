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

#[cfg(test)]
fn edges_of(relative: &str, text: &str) -> BTreeSet<String> {
    edges_with_lines(relative, text)
        .into_iter()
        .map(|(m, _)| m)
        .collect()
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Path,
    Punct(char),
}

/// The top-level modules a file refers to, each with the line of a reference. `relative` is the
/// file's path under `src/` and tells where `super::` leads.
fn edges_with_lines(relative: &str, text: &str) -> Vec<(String, usize)> {
    let tokens = tokenize(text);
    // The module path of the file: `x.rs` → [x], `x/y.rs` → [x, y].
    let file_path: Vec<String> = relative
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_string)
        .collect();
    // Inline `mod name { … }` blocks open further levels; each frame remembers its brace depth.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut edges = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let (token, line) = &tokens[i];
        match token {
            Token::Punct('{') => depth += 1,
            Token::Punct('}') => {
                depth = depth.saturating_sub(1);
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
            }
            Token::Ident(word) if word == "mod" => {
                if let (Some((Token::Ident(name), _)), Some((Token::Punct('{'), _))) =
                    (tokens.get(i + 1), tokens.get(i + 2))
                {
                    inline.push((name.clone(), depth));
                }
            }
            Token::Ident(word)
                if (word == "crate" || word == "super")
                    && tokens.get(i + 1).is_some_and(|(t, _)| *t == Token::Path)
                    && !(i > 0 && tokens[i - 1].0 == Token::Punct('$'))
                    && !(i > 0 && tokens[i - 1].0 == Token::Path) =>
            {
                let mut here: Vec<String> = file_path.clone();
                here.extend(inline.iter().map(|(n, _)| n.clone()));
                let mut j = i;
                let base: Vec<String> = if word == "crate" {
                    j += 2;
                    Vec::new()
                } else {
                    while matches!(&tokens.get(j), Some((Token::Ident(w), _)) if w == "super")
                        && tokens.get(j + 1).is_some_and(|(t, _)| *t == Token::Path)
                    {
                        here.pop();
                        j += 2;
                    }
                    here
                };
                if let Some(top) = base.first() {
                    // Still inside a top-level module: that module is the target.
                    edges.push((top.clone(), *line));
                } else {
                    // At the crate root: the next segment (or each item of a `{…}` group) names
                    // the module.
                    for name in first_segments(&tokens, j) {
                        if name != "self" {
                            edges.push((name, *line));
                        }
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    edges
}

/// The first path segment at `start`: one identifier, or the leading identifier of every item of
/// a `{…}` group.
fn first_segments(tokens: &[(Token, usize)], start: usize) -> Vec<String> {
    match tokens.get(start) {
        Some((Token::Ident(name), _)) => vec![name.clone()],
        Some((Token::Punct('{'), _)) => {
            let mut names = Vec::new();
            let mut depth = 0;
            let mut expect_item = true;
            for (token, _) in &tokens[start..] {
                match token {
                    Token::Punct('{') => {
                        depth += 1;
                        if depth == 1 {
                            expect_item = true;
                        }
                    }
                    Token::Punct('}') => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    Token::Punct(',') if depth == 1 => expect_item = true,
                    Token::Ident(name) if depth == 1 && expect_item => {
                        names.push(name.clone());
                        expect_item = false;
                    }
                    _ if depth == 1 => expect_item = false,
                    _ => {}
                }
            }
            names
        }
        _ => Vec::new(),
    }
}

/// Identifiers, `::` and single punctuation, with their line; comments, strings and character
/// literals dropped.
fn tokenize(text: &str) -> Vec<(Token, usize)> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut line = 1;
    let mut i = 0;
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c == '/' && at(i + 1) == '/' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            let mut nesting = 0;
            while i < chars.len() {
                if chars[i] == '/' && at(i + 1) == '*' {
                    nesting += 1;
                    i += 2;
                } else if chars[i] == '*' && at(i + 1) == '/' {
                    nesting -= 1;
                    i += 2;
                    if nesting == 0 {
                        break;
                    }
                } else {
                    if chars[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
        } else if c == '"'
            || ((c == 'r' || c == 'b') && (at(i + 1) == '"' || at(i + 1) == '#'))
            || (c == 'b' && at(i + 1) == 'r' && (at(i + 2) == '"' || at(i + 2) == '#'))
        {
            // A string literal, raw (`r#"…"#`) or not.
            let mut j = i;
            if chars[j] == 'b' {
                j += 1;
            }
            let raw = chars[j] == 'r';
            if raw {
                j += 1;
            }
            let mut hashes = 0;
            while at(j) == '#' {
                hashes += 1;
                j += 1;
            }
            if at(j) != '"' {
                // `r#ident` or similar: not a string.
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= chars.len() {
                    break;
                }
                let d = chars[j];
                if d == '\n' {
                    line += 1;
                }
                if !raw && d == '\\' {
                    j += 2;
                    continue;
                }
                if d == '"' && (0..hashes).all(|k| at(j + 1 + k) == '#') {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            i = j;
        } else if c == '\'' {
            // A character literal (`'x'`, `'\n'`, `'\u{..}'`) or a lifetime (`'a`).
            if at(i + 1) == '\\' {
                let mut j = i + 3;
                while j < chars.len() && chars[j] != '\'' {
                    j += 1;
                }
                i = j + 1;
            } else if at(i + 2) == '\'' {
                i += 3;
            } else {
                i += 1;
            }
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push((Token::Ident(chars[start..i].iter().collect()), line));
        } else if c == ':' && at(i + 1) == ':' {
            tokens.push((Token::Path, line));
            i += 2;
        } else if c.is_whitespace() || c.is_numeric() {
            i += 1;
        } else {
            tokens.push((Token::Punct(c), line));
            i += 1;
        }
    }
    tokens
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
