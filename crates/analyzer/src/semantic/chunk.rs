//! What the embedding model reads of a definition: its path, kind and name
//! in words, then its doc comment, signature and first lines, cut well
//! inside the model's 256 tokens (shorter embeds faster and, measured, finds
//! as much).

use crate::tags::Def;
use crate::terms::split_identifier;

/// Bumped whenever [`chunk_text`] changes what it produces: part of every
/// chunk's cache key, so old vectors are not reused for new texts.
pub(crate) const CHUNK_VERSION: u32 = 1;

/// The most characters of a chunk's text: the path, kind and name, then
/// what fits of the doc comment and the head of the code, about 35
/// WordPiece tokens. Measured on the retrieval tasks (BENCHMARKS.md): 120,
/// 200 and 400 characters found the same files (57, 57 and 56 of 65 in the
/// top 3), and the model's cost grows with the tokens (about 48, 25 and 13
/// chunks a second on a busy 2-core machine), so the shortest wins. Putting
/// the signature before the doc comment found fewer (54).
pub(crate) const MAX_CHARS: usize = 120;

/// The most source lines a chunk reads.
const MAX_LINES: usize = 12;

/// The text embedded for `def` of the file at `path`, whose lines are
/// `lines`: in source order (doc comment, attributes, signature, body), cut
/// at [`MAX_CHARS`]. Indentation, blank lines and comment markers are
/// dropped: they cost tokens and carry no meaning for the model.
pub(crate) fn chunk_text(path: &str, def: &Def, lines: &[&str]) -> String {
    let mut out = format!(
        "{path}: {} {}\n",
        def.kind.name(),
        split_identifier(&def.name).join(" ")
    );
    let start = (def.start_line as usize).saturating_sub(1);
    let end = (def.end_line as usize).min(lines.len());
    for line in lines
        .get(start..end)
        .unwrap_or_default()
        .iter()
        .take(MAX_LINES)
    {
        let line = strip_comment(line.trim());
        if line.is_empty() {
            continue;
        }
        if out.len() + line.len() + 1 > MAX_CHARS {
            let room = MAX_CHARS.saturating_sub(out.len());
            let cut = floor_char_boundary(line, room);
            out.push_str(&line[..cut]);
            break;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// A line without its comment markers (`///`, `//!`, `//`, `/**`, `*/`,
/// `*`, `#` before a space): the words of a doc comment stay.
fn strip_comment(line: &str) -> &str {
    let mut l = line;
    for prefix in ["///", "//!", "//", "/**", "/*", "*/", "* ", "# "] {
        if let Some(rest) = l.strip_prefix(prefix) {
            l = rest;
            break;
        }
    }
    if l == "*" {
        return "";
    }
    l.strip_suffix("*/").unwrap_or(l).trim()
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tags::DefKind;

    fn def(name: &str, start: u32, end: u32) -> Def {
        Def {
            name: name.into(),
            kind: DefKind::Function,
            start_line: start,
            line: start,
            end_line: end,
            signature: String::new(),
            parent: None,
            decl: false,
        }
    }

    #[test]
    fn a_chunk_is_path_kind_words_then_doc_and_code_without_markers() {
        let src = "use x;\n/// Parses the exponent.\n///\npub fn parse_exponent(s: &str) -> i32 {\n    0\n}\n";
        let lines: Vec<&str> = src.lines().collect();
        let text = chunk_text("src/number.rs", &def("parse_exponent", 2, 6), &lines);
        assert_eq!(
            text,
            "src/number.rs: function parse exponent\nParses the exponent.\n\
             pub fn parse_exponent(s: &str) -> i32 {\n0\n}\n"
        );
    }

    #[test]
    fn long_definitions_are_cut_on_a_char_boundary() {
        let body = format!(
            "fn big() {{\n{}\n}}\n",
            "let é = 1; // ééééééééé\n".repeat(500)
        );
        let lines: Vec<&str> = body.lines().collect();
        let text = chunk_text("a.rs", &def("big", 1, 502), &lines);
        assert!(text.len() <= MAX_CHARS, "{}", text.len());
        // Out-of-range lines give what there is, never a panic.
        let text = chunk_text("a.rs", &def("big", 900, 1000), &lines);
        assert_eq!(text, "a.rs: function big\n");
    }
}
