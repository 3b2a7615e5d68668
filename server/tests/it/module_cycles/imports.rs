//! Reading a Rust source file for the module graph: a small tokenizer (comments, strings and
//! character literals dropped) and the top-level modules each `crate::`/`super::` path names.

use std::collections::BTreeSet;

pub(super) fn edges_of(relative: &str, text: &str) -> BTreeSet<String> {
    edges_with_lines(relative, text)
        .into_iter()
        .map(|(m, _)| m)
        .collect()
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Token {
    Ident(String),
    Path,
    Punct(char),
}

/// The top-level modules a file refers to, each with the line of a reference. `relative` is the
/// file's path under `src/` and tells where `super::` leads.
pub(super) fn edges_with_lines(relative: &str, text: &str) -> Vec<(String, usize)> {
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
pub(super) fn tokenize(text: &str) -> Vec<(Token, usize)> {
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
