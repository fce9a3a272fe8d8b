//! Syntax checking: where a source file fails to parse, for `distiq review`
//! and anything else that must tell a broken file from a sound one, offline.
//!
//! ```
//! use std::path::Path;
//! use distiq_analyzer::syntax::syntax_errors;
//!
//! let errors = syntax_errors(Path::new("src/lib.rs"), "fn main() {\n    let x = ;\n}\n").unwrap();
//! assert_eq!(errors[0].line, 2);
//! assert!(syntax_errors(Path::new("src/lib.rs"), "fn main() {}\n").unwrap().is_empty());
//! assert!(syntax_errors(Path::new("README.md"), "# anything").is_none());
//! ```

use std::ops::ControlFlow;
use std::path::Path;
use std::time::{Duration, Instant};

use tree_sitter::{Node, ParseOptions, Parser};

use crate::lang::Lang;

/// How long one file may take to parse; a file that takes longer is not
/// judged (a pathological input must not hang a pre-commit hook).
const DEADLINE: Duration = Duration::from_secs(2);

/// The most errors reported for one file: after the first few, the rest
/// are usually the same mistake seen again.
const MAX_ERRORS: usize = 20;

/// One place where a file does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// What the parser found there: "missing `;`", "unexpected `= ;`".
    pub message: String,
}

/// The syntax errors of `source`, judged by the grammar of `path`'s
/// language: empty when it parses cleanly, `None` when the language is not
/// one the analyzer parses (or the parse ran out of time).
pub fn syntax_errors(path: &Path, source: &str) -> Option<Vec<SyntaxError>> {
    let lang = Lang::from_path(&path.to_string_lossy())?;
    let mut parser = Parser::new();
    parser.set_language(&lang.grammar()).ok()?;
    let bytes = source.as_bytes();
    let stop_at = Instant::now() + DEADLINE;
    let mut progress = |_: &tree_sitter::ParseState| {
        if Instant::now() > stop_at {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    let tree = parser.parse_with_options(
        &mut |i, _| bytes.get(i..).unwrap_or_default(),
        None,
        Some(ParseOptions::new().progress_callback(&mut progress)),
    )?;
    let root = tree.root_node();
    let mut out = Vec::new();
    if root.has_error() {
        collect(root, source, &mut out);
    }
    Some(out)
}

/// The outermost `ERROR` and `MISSING` nodes under `node`, in order.
fn collect(node: Node<'_>, source: &str, out: &mut Vec<SyntaxError>) {
    if out.len() >= MAX_ERRORS {
        return;
    }
    if node.is_missing() {
        out.push(error_at(node, source, format!("missing `{}`", node.kind())));
        return;
    }
    if node.is_error() {
        let text = node.utf8_text(source.as_bytes()).unwrap_or_default();
        let snippet: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let snippet: String = snippet.chars().take(40).collect();
        let message = if snippet.is_empty() {
            "syntax error".to_owned()
        } else {
            format!("unexpected `{snippet}`")
        };
        out.push(error_at(node, source, message));
        return;
    }
    if !node.has_error() {
        return;
    }
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        collect(child, source, out);
    }
}

fn error_at(node: Node<'_>, source: &str, message: String) -> SyntaxError {
    let pos = node.start_position();
    let line_start = node.start_byte().saturating_sub(pos.column);
    let column = source
        .get(line_start..node.start_byte())
        .map_or(pos.column, |s| s.chars().count());
    SyntaxError {
        line: u32::try_from(pos.row).unwrap_or(u32::MAX - 1) + 1,
        column: u32::try_from(column).unwrap_or(u32::MAX - 1) + 1,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(path: &str, src: &str) -> Vec<SyntaxError> {
        syntax_errors(Path::new(path), src).unwrap()
    }

    #[test]
    fn sound_files_of_every_language_have_no_errors() {
        let files = [
            ("a.rs", "fn main() { let x = 1; }\n"),
            ("a.py", "def f(x):\n    return x + 1\n"),
            ("a.js", "function f(x) { return x + 1; }\n"),
            ("a.ts", "function f(x: number): number { return x + 1; }\n"),
            ("a.tsx", "const A = () => <div>hi</div>;\n"),
            ("a.go", "package main\nfunc main() {}\n"),
            ("A.java", "class A { void f() {} }\n"),
            ("a.c", "int main(void) { return 0; }\n"),
            ("a.cpp", "int main() { return 0; }\n"),
        ];
        for (path, src) in files {
            assert_eq!(errors(path, src), [], "{path}");
        }
    }

    #[test]
    fn a_broken_file_reports_line_column_and_what_was_found() {
        let e = errors("src/lib.rs", "fn main() {\n    let x = ;\n}\n");
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].line, 2);
        assert!(e[0].column >= 5, "{e:?}");
        let e = errors("x.py", "def f(:\n    pass\n");
        assert!(!e.is_empty());
        assert_eq!(e[0].line, 1);
        let e = errors("x.js", "function f( {\n");
        assert!(!e.is_empty());
    }

    #[test]
    fn unknown_languages_are_not_judged() {
        assert!(syntax_errors(Path::new("notes.md"), "((((").is_none());
        assert!(syntax_errors(Path::new("Makefile"), "((((").is_none());
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let e = errors("a.rs", "fn main() { let é = \"é\"; let y = ; }\n");
        assert_eq!(e.len(), 1, "{e:?}");
        let line = "fn main() { let é = \"é\"; let y = ; }";
        // `=` of `let y = ;`: column 32 in characters, 34 in bytes.
        let expected = line[..line.find("= ;").unwrap()].chars().count() + 1;
        assert_eq!(expected, 32);
        assert_eq!(e[0].column as usize, expected, "{e:?}");
    }
}
