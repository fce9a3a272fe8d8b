//! A file's text as lines that keep their own terminators, so untouched
//! lines come out byte for byte, and new lines get the file's line ending.

use std::ops::Range;

/// A file's content split into lines; each line keeps its terminator.
#[derive(Debug)]
pub(crate) struct Lines<'a> {
    text: &'a str,
    /// Byte offset of the start of each line, then `text.len()`.
    bounds: Vec<usize>,
    /// `"\r\n"` when the file's first line ending is CRLF, else `"\n"`.
    eol: &'static str,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        let mut bounds = Vec::with_capacity(text.len() / 32 + 2);
        bounds.push(0);
        bounds.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        if bounds.last() != Some(&text.len()) {
            bounds.push(text.len());
        }
        let eol = match text.find('\n') {
            Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
            _ => "\n",
        };
        Self { text, bounds, eol }
    }

    pub(crate) fn text(&self) -> &'a str {
        self.text
    }

    pub(crate) fn eol(&self) -> &'static str {
        self.eol
    }

    /// How many lines.
    pub(crate) fn len(&self) -> usize {
        self.bounds.len() - 1
    }

    /// Line `i` with its terminator.
    pub(crate) fn raw(&self, i: usize) -> &'a str {
        &self.text[self.bounds[i]..self.bounds[i + 1]]
    }

    /// Line `i` without its terminator (`\n` or `\r\n`).
    pub(crate) fn body(&self, i: usize) -> &'a str {
        let raw = self.raw(i);
        let raw = raw.strip_suffix('\n').unwrap_or(raw);
        raw.strip_suffix('\r').unwrap_or(raw)
    }

    /// The byte range of lines `range`, terminators included.
    pub(crate) fn byte_range(&self, range: Range<usize>) -> Range<usize> {
        self.bounds[range.start]..self.bounds[range.end]
    }

    /// The (0-based) line holding byte `offset`.
    pub(crate) fn line_of(&self, offset: usize) -> usize {
        match self.bounds.binary_search(&offset) {
            Ok(i) => i.min(self.len().saturating_sub(1)),
            Err(i) => i - 1,
        }
    }

    /// Whether the last line has a terminator (or the text is empty).
    pub(crate) fn ends_with_newline(&self) -> bool {
        self.text.is_empty() || self.text.ends_with('\n')
    }
}

/// `text` with LF line endings.
pub(crate) fn to_lf(text: &str) -> String {
    text.replace("\r\n", "\n")
}

/// `text` (any line endings) with `eol` line endings.
pub(crate) fn to_eol(text: &str, eol: &str) -> String {
    let lf = to_lf(text);
    if eol == "\n" {
        lf
    } else {
        lf.replace('\n', eol)
    }
}

/// The lines of `text` (LF or CRLF), without terminators; a final newline
/// does not make an empty last line.
pub(crate) fn split_lines(text: &str) -> Vec<&str> {
    if text.is_empty() {
        return Vec::new();
    }
    let text = text.strip_suffix('\n').unwrap_or(text);
    text.split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect()
}

/// The leading spaces and tabs of `line`.
pub(crate) fn indent_of(line: &str) -> &str {
    &line[..line.len() - line.trim_start_matches([' ', '\t']).len()]
}

/// How a matched block's indentation differs from the search's: the
/// replacement is shifted the same way.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) enum Reindent {
    /// Same indentation.
    #[default]
    None,
    /// The file is indented more: prefix every non-blank line.
    Add(String),
    /// The file is indented less: strip this prefix from every line.
    Remove(String),
}

impl Reindent {
    /// The shift that turns `search_line` into `file_line`, if one does
    /// (both without trailing whitespace, same text after the indentation).
    pub(crate) fn between(file_line: &str, search_line: &str) -> Option<Self> {
        let (lf, ls) = (indent_of(file_line), indent_of(search_line));
        if let Some(extra) = lf.strip_prefix(ls) {
            Some(if extra.is_empty() {
                Reindent::None
            } else {
                Reindent::Add(extra.to_owned())
            })
        } else {
            ls.strip_prefix(lf)
                .map(|extra| Reindent::Remove(extra.to_owned()))
        }
    }

    /// Whether `search_line`, shifted, is exactly `file_line` (both
    /// without trailing whitespace).
    pub(crate) fn maps(&self, search_line: &str, file_line: &str) -> bool {
        match self {
            Reindent::None => search_line == file_line,
            Reindent::Add(p) => file_line.strip_prefix(p.as_str()) == Some(search_line),
            Reindent::Remove(p) => search_line.strip_prefix(p.as_str()) == Some(file_line),
        }
    }

    /// `line` shifted; blank lines stay as they are.
    pub(crate) fn apply<'l>(&self, line: &'l str) -> std::borrow::Cow<'l, str> {
        use std::borrow::Cow;
        if line.trim().is_empty() {
            return Cow::Borrowed(line);
        }
        match self {
            Reindent::None => Cow::Borrowed(line),
            Reindent::Add(p) => Cow::Owned(format!("{p}{line}")),
            Reindent::Remove(p) => Cow::Borrowed(
                line.strip_prefix(p.as_str())
                    .unwrap_or_else(|| line.trim_start_matches([' ', '\t'])),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_keep_terminators_and_find_the_line_ending() {
        let l = Lines::new("a\r\nb\r\nc");
        assert_eq!(l.len(), 3);
        assert_eq!(l.raw(0), "a\r\n");
        assert_eq!(l.body(1), "b");
        assert_eq!(l.raw(2), "c");
        assert_eq!(l.eol(), "\r\n");
        assert!(!l.ends_with_newline());
        assert_eq!(l.line_of(0), 0);
        assert_eq!(l.line_of(3), 1);
        assert_eq!(l.line_of(7), 2);

        let l = Lines::new("x\ny\n");
        assert_eq!(l.len(), 2);
        assert_eq!(l.eol(), "\n");
        assert!(l.ends_with_newline());
        assert_eq!(Lines::new("").len(), 0);
    }

    #[test]
    fn reindent_shifts_both_ways() {
        assert_eq!(
            Reindent::between("        x", "    x"),
            Some(Reindent::Add("    ".into()))
        );
        assert_eq!(
            Reindent::between("x", "\tx"),
            Some(Reindent::Remove("\t".into()))
        );
        assert_eq!(Reindent::between("\tx", "  x"), None);
        let add = Reindent::Add("  ".into());
        assert!(add.maps("y", "  y"));
        assert_eq!(add.apply("z"), "  z");
        assert_eq!(add.apply(""), "");
        let rm = Reindent::Remove("  ".into());
        assert_eq!(rm.apply("    z"), "  z");
        assert_eq!(rm.apply(" z"), "z");
    }
}
