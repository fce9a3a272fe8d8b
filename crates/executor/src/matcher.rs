//! Finding a search block in a file, level by level, and splicing a
//! replacement or an insertion in.
//!
//! The levels, tried in order; the first that finds anything decides:
//!
//! 1. **Exact**: the search text, with its line endings turned into the
//!    file's, is a substring of the file.
//! 2. **Whitespace**: the search's lines equal a run of the file's lines
//!    once trailing whitespace and line endings are ignored.
//! 3. **Indentation**: as 2, except that every non-blank line is indented
//!    by the same extra (or smaller) amount; the replacement is re-indented
//!    by that offset.
//! 4. **Fuzzy**: the most similar run of lines, if its similarity reaches
//!    [`MatchOptions::fuzzy_threshold`] (see the `fuzzy` module for the
//!    measure).
//!
//! Levels 2-4 ignore blank lines at the start and end of the search (and
//! the same number of blank lines at the start and end of the
//! replacement). A level that finds more than one place refuses: the edit
//! is ambiguous and needs more context. Untouched lines keep their bytes;
//! new lines get the file's line ending (CRLF stays CRLF), and a file
//! without a final newline still has none.

use std::fmt;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::fuzzy;
use crate::text::{Lines, Reindent, split_lines, to_eol, to_lf};

/// How tolerant matching is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatchOptions {
    /// The similarity (0 to 1) a fuzzy match needs; above 1 turns the fuzzy
    /// level off (failures still name the closest lines). Default 0.9.
    pub fuzzy_threshold: f32,
    /// A second fuzzy match whose distance from a perfect match (1 minus
    /// its similarity) is at most this many times the best one's makes the
    /// match ambiguous. Default 2: a block one character off is not
    /// confused with one three characters off, but 0.92 ties with 0.95.
    pub fuzzy_tie_factor: f32,
}

impl Default for MatchOptions {
    fn default() -> Self {
        Self {
            fuzzy_threshold: 0.9,
            fuzzy_tie_factor: 2.0,
        }
    }
}

/// The level at which a search block was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchLevel {
    /// Byte for byte (line endings aside).
    Exact,
    /// Ignoring trailing whitespace and line endings.
    Whitespace,
    /// With a uniform indentation offset.
    Indentation,
    /// By similarity.
    Fuzzy,
}

impl fmt::Display for MatchLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MatchLevel::Exact => "exact",
            MatchLevel::Whitespace => "whitespace-tolerant",
            MatchLevel::Indentation => "re-indented",
            MatchLevel::Fuzzy => "fuzzy",
        })
    }
}

/// Where a search block was found.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Match {
    /// How it was found.
    pub level: MatchLevel,
    /// First line of the match, 1-based.
    pub start_line: usize,
    /// Last line of the match, 1-based, inclusive.
    pub end_line: usize,
    /// 1.0 except for fuzzy matches.
    pub similarity: f32,
}

/// The lines of a file most like a search block that matched nowhere.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClosestLines {
    /// The first line's number, 1-based.
    pub start_line: usize,
    /// The lines as they are in the file.
    pub lines: Vec<String>,
    /// Their similarity to the search, 0 to 1.
    pub similarity: f32,
}

/// Why a search block could not be used. The `Display` is written for the
/// model that wrote the block, so it can correct it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MatchError {
    /// The search block is empty or only whitespace.
    #[error(
        "the search text is empty; give the exact lines to change (a new file is a create edit)"
    )]
    EmptySearch,
    /// Nothing matched at any level.
    #[error("{}", not_found_message(closest.as_ref(), *threshold))]
    NotFound {
        /// The closest lines in the file, if any are at all similar.
        closest: Option<ClosestLines>,
        /// The fuzzy threshold that was not reached.
        threshold: f32,
    },
    /// The search block matches more than one place.
    #[error(
        "the search text matches {} places ({} match, starting at lines {}); include more surrounding lines so that it matches exactly one",
        start_lines.len(),
        level,
        list_lines(start_lines)
    )]
    Ambiguous {
        /// The level at which it matched more than once.
        level: MatchLevel,
        /// Where each match starts, 1-based.
        start_lines: Vec<usize>,
    },
}

/// At most ten line numbers, then how many more.
fn list_lines(lines: &[usize]) -> String {
    let mut out = lines
        .iter()
        .take(10)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    if lines.len() > 10 {
        out.push_str(&format!(" and {} more", lines.len() - 10));
    }
    out
}

fn not_found_message(closest: Option<&ClosestLines>, threshold: f32) -> String {
    let mut msg = format!(
        "the search text was not found (no exact, whitespace-tolerant, re-indented or {:.0}%-similar match)",
        threshold * 100.0
    );
    match closest {
        Some(c) => {
            let end = c.start_line + c.lines.len().saturating_sub(1);
            msg.push_str(&format!(
                "; the closest lines are {}-{} ({:.0}% similar):",
                c.start_line,
                end,
                c.similarity * 100.0
            ));
            for (i, line) in c.lines.iter().enumerate() {
                msg.push_str(&format!("\n{:>6} | {line}", c.start_line + i));
            }
        }
        None => msg.push_str("; nothing in the file is similar"),
    }
    msg
}

/// Where a block was found, in the terms needed to splice.
#[derive(Debug, Clone)]
struct Located {
    level: MatchLevel,
    span: Span,
    reindent: Reindent,
    similarity: f32,
    /// Blank lines ignored at the start and end of the search.
    trimmed: (usize, usize),
}

#[derive(Debug, Clone)]
enum Span {
    Bytes(Range<usize>),
    Lines(Range<usize>),
}

impl Located {
    fn to_match(&self, lines: &Lines<'_>) -> Match {
        let (start, end) = match &self.span {
            Span::Bytes(r) => (
                lines.line_of(r.start),
                lines.line_of(r.end.max(r.start + 1) - 1),
            ),
            Span::Lines(r) => (r.start, r.end - 1),
        };
        Match {
            level: self.level,
            start_line: start + 1,
            end_line: end + 1,
            similarity: self.similarity,
        }
    }

    /// The line index after the match, where an insertion goes.
    fn line_after(&self, lines: &Lines<'_>) -> usize {
        match &self.span {
            Span::Bytes(r) => lines.line_of(r.end.max(r.start + 1) - 1) + 1,
            Span::Lines(r) => r.end,
        }
    }
}

/// Finds `search` in `content`.
///
/// # Errors
///
/// [`MatchError`] when the search is empty, matches nowhere (naming the
/// closest lines) or matches more than one place.
///
/// ```
/// use distiq_executor::{MatchLevel, MatchOptions, find};
///
/// let file = "fn main() {\n        println!(\"hi\");\n}\n";
/// let m = find(file, "    println!(\"hi\");\n", &MatchOptions::default()).unwrap();
/// assert_eq!(m.level, MatchLevel::Exact); // a substring, indentation and all
/// assert_eq!((m.start_line, m.end_line), (2, 2));
/// ```
pub fn find(content: &str, search: &str, options: &MatchOptions) -> Result<Match, MatchError> {
    let lines = Lines::new(content);
    locate(&lines, search, options).map(|l| l.to_match(&lines))
}

/// `content` with `search` replaced by `replace`, and where it matched.
///
/// # Errors
///
/// As [`find`].
pub fn replace(
    content: &str,
    search: &str,
    replace: &str,
    options: &MatchOptions,
) -> Result<(String, Match), MatchError> {
    let lines = Lines::new(content);
    let located = locate(&lines, search, options)?;
    Ok((
        splice_replace(&lines, &located, search, replace),
        located.to_match(&lines),
    ))
}

/// `content` with `text` inserted as whole lines after the line where
/// `anchor` ends (at the end of the file without an anchor), and where the
/// anchor matched. A re-indented or fuzzy anchor re-indents `text` too.
///
/// # Errors
///
/// As [`find`], for the anchor.
pub fn insert_after(
    content: &str,
    anchor: Option<&str>,
    text: &str,
    options: &MatchOptions,
) -> Result<(String, Option<Match>), MatchError> {
    let lines = Lines::new(content);
    let (at, reindent, found) = match anchor {
        Some(anchor) => {
            let located = locate(&lines, anchor, options)?;
            (
                located.line_after(&lines),
                located.reindent.clone(),
                Some(located.to_match(&lines)),
            )
        }
        None => (lines.len(), Reindent::None, None),
    };
    let new: Vec<String> = split_lines(&to_lf(text))
        .into_iter()
        .map(|l| reindent.apply(l).into_owned())
        .collect();
    Ok((splice_lines(&lines, at..at, &new), found))
}

fn locate(lines: &Lines<'_>, search: &str, options: &MatchOptions) -> Result<Located, MatchError> {
    if search.trim().is_empty() {
        return Err(MatchError::EmptySearch);
    }
    let text = lines.text();

    // 1. Exact.
    let needle = to_eol(search, lines.eol());
    let hits = find_all(text, &needle, 8);
    if let Some(&first) = hits.first() {
        if hits.len() > 1 {
            return Err(ambiguous(
                MatchLevel::Exact,
                hits.iter().map(|&h| lines.line_of(h)),
            ));
        }
        return Ok(Located {
            level: MatchLevel::Exact,
            span: Span::Bytes(first..first + needle.len()),
            reindent: Reindent::None,
            similarity: 1.0,
            trimmed: (0, 0),
        });
    }

    let all = split_lines(&needle);
    let lead = all.iter().take_while(|l| l.trim().is_empty()).count();
    let trail = all.iter().rev().take_while(|l| l.trim().is_empty()).count();
    let block: Vec<&str> = all[lead..all.len() - trail]
        .iter()
        .map(|l| l.trim_end())
        .collect();
    let n = block.len();
    let located = |level, start: usize, reindent, similarity| Located {
        level,
        span: Span::Lines(start..start + n),
        reindent,
        similarity,
        trimmed: (lead, trail),
    };
    let first_text = block.iter().position(|l| !l.is_empty()).unwrap_or(0);
    let starts = (0..(lines.len() + 1).saturating_sub(n))
        .filter(|&i| lines.body(i + first_text).trim() == block[first_text].trim());

    // 2. Trailing whitespace and line endings ignored.
    let hits: Vec<usize> = starts
        .clone()
        .filter(|&i| (0..n).all(|k| lines.body(i + k).trim_end() == block[k]))
        .take(8)
        .collect();
    match hits.as_slice() {
        [] => {}
        [one] => return Ok(located(MatchLevel::Whitespace, *one, Reindent::None, 1.0)),
        many => return Err(ambiguous(MatchLevel::Whitespace, many.iter().copied())),
    }

    // 3. A uniform indentation offset.
    let hits: Vec<(usize, Reindent)> = starts
        .filter_map(|i| {
            let shift =
                Reindent::between(lines.body(i + first_text).trim_end(), block[first_text])?;
            (0..n)
                .all(|k| {
                    let f = lines.body(i + k).trim_end();
                    if block[k].is_empty() {
                        f.is_empty()
                    } else {
                        shift.maps(block[k], f)
                    }
                })
                .then_some((i, shift))
        })
        .take(8)
        .collect();
    match hits.as_slice() {
        [] => {}
        [(one, shift)] => {
            return Ok(located(MatchLevel::Indentation, *one, shift.clone(), 1.0));
        }
        many => return Err(ambiguous(MatchLevel::Indentation, many.iter().map(|h| h.0))),
    }

    // 4. Fuzzy.
    let threshold = options.fuzzy_threshold;
    let scan = fuzzy::scan(lines, &block, threshold, options.fuzzy_tie_factor);
    let Some(best) = scan.scored.first().copied() else {
        return Err(MatchError::NotFound {
            closest: None,
            threshold,
        });
    };
    if best.score < threshold {
        return Err(MatchError::NotFound {
            closest: Some(ClosestLines {
                start_line: best.start + 1,
                lines: (best.start..best.start + best.len)
                    .map(|i| lines.body(i).to_owned())
                    .collect(),
                similarity: best.score,
            }),
            threshold,
        });
    }
    let mut rivals: Vec<fuzzy::Scored> = Vec::new();
    for s in scan.scored.iter().skip(1) {
        let tie =
            s.score >= threshold && fuzzy::ties(s.score, best.score, options.fuzzy_tie_factor);
        if tie && !s.overlaps(&best) && rivals.iter().all(|r| !r.overlaps(s)) {
            rivals.push(*s);
        }
    }
    if !rivals.is_empty() || !scan.complete {
        // Too many look-alikes to be sure counts as ambiguous too.
        let mut starts: Vec<usize> = std::iter::once(best.start)
            .chain(rivals.iter().map(|r| r.start))
            .collect();
        starts.sort_unstable();
        return Err(ambiguous(MatchLevel::Fuzzy, starts.into_iter()));
    }
    let window_first =
        (best.start..best.start + best.len).find(|&i| !lines.body(i).trim().is_empty());
    let reindent = window_first
        .and_then(|i| Reindent::between(lines.body(i).trim_end(), block[first_text]))
        .unwrap_or_default();
    Ok(Located {
        level: MatchLevel::Fuzzy,
        span: Span::Lines(best.start..best.start + best.len),
        reindent,
        similarity: best.score,
        trimmed: (lead, trail),
    })
}

fn ambiguous(level: MatchLevel, lines: impl Iterator<Item = usize>) -> MatchError {
    MatchError::Ambiguous {
        level,
        start_lines: lines.map(|l| l + 1).collect(),
    }
}

/// Up to `max` start offsets of `needle` in `haystack`, overlapping ones
/// included.
fn find_all(haystack: &str, needle: &str, max: usize) -> Vec<usize> {
    let mut hits = Vec::new();
    let mut from = 0;
    while hits.len() < max {
        let Some(at) = haystack.get(from..).and_then(|h| h.find(needle)) else {
            break;
        };
        hits.push(from + at);
        // Next char boundary after the hit's start.
        from += at
            + haystack[from + at..]
                .chars()
                .next()
                .map_or(1, char::len_utf8);
    }
    hits
}

fn splice_replace(lines: &Lines<'_>, located: &Located, search: &str, replace: &str) -> String {
    let text = lines.text();
    let eol = lines.eol();
    match &located.span {
        Span::Bytes(range) => {
            let mut new = to_eol(replace, eol);
            let mut range = range.clone();
            let search_ends_line = search.ends_with('\n');
            if search_ends_line && !new.is_empty() && !new.ends_with('\n') {
                new.push_str(eol);
            } else if !search_ends_line && new.ends_with('\n') {
                new.pop();
                if new.ends_with('\r') {
                    new.pop();
                }
            }
            // Deleting whole lines takes their line ending too.
            let starts_line = range.start == 0 || text.as_bytes()[range.start - 1] == b'\n';
            if new.is_empty() && starts_line && !search_ends_line {
                if text[range.end..].starts_with("\r\n") {
                    range.end += 2;
                } else if text[range.end..].starts_with('\n') {
                    range.end += 1;
                }
            }
            format!("{}{new}{}", &text[..range.start], &text[range.end..])
        }
        Span::Lines(range) => {
            let replace = to_lf(replace);
            let mut new = split_lines(&replace);
            let (lead, trail) = located.trimmed;
            let lead = new
                .iter()
                .take(lead)
                .take_while(|l| l.trim().is_empty())
                .count();
            new.drain(..lead);
            let trail = new
                .iter()
                .rev()
                .take(trail)
                .take_while(|l| l.trim().is_empty())
                .count();
            new.truncate(new.len() - trail);
            let new: Vec<String> = new
                .into_iter()
                .map(|l| located.reindent.apply(l).into_owned())
                .collect();
            splice_lines(lines, range.clone(), &new)
        }
    }
}

/// `lines` with `range` (line indexes) replaced by `new`, each new line
/// ending with the file's line ending, and the file's final newline (or its
/// absence) kept.
fn splice_lines(lines: &Lines<'_>, range: Range<usize>, new: &[String]) -> String {
    let text = lines.text();
    let eol = lines.eol();
    let bytes = lines.byte_range(range.clone());
    let at_end = range.end == lines.len();
    let unterminated_end = at_end && !lines.ends_with_newline();
    let mut out =
        String::with_capacity(text.len() + new.iter().map(|l| l.len() + 2).sum::<usize>());
    let mut head = &text[..bytes.start];
    if unterminated_end && new.is_empty() && range.start > 0 {
        // The new last line loses its terminator, as the old last line had none.
        head = head.strip_suffix('\n').unwrap_or(head);
        head = head.strip_suffix('\r').unwrap_or(head);
    }
    out.push_str(head);
    if unterminated_end && range.is_empty() && !new.is_empty() && !text.is_empty() {
        // Appending after a last line without a newline: it gets one, the
        // new last line does not.
        out.push_str(eol);
        out.push_str(&new.join(eol));
        return out;
    }
    for (i, line) in new.iter().enumerate() {
        out.push_str(line);
        if !(unterminated_end && i + 1 == new.len()) {
            out.push_str(eol);
        }
    }
    out.push_str(&text[bytes.end..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_all_counts_overlapping_hits() {
        assert_eq!(find_all("aaa", "aa", 8), vec![0, 1]);
        assert_eq!(find_all("é-é", "é", 8), vec![0, 3]);
    }

    #[test]
    fn splice_keeps_a_missing_final_newline() {
        let lines = Lines::new("a\nb");
        assert_eq!(splice_lines(&lines, 1..2, &["c".into()]), "a\nc");
        assert_eq!(splice_lines(&lines, 2..2, &["c".into()]), "a\nb\nc");
        assert_eq!(splice_lines(&lines, 1..2, &[]), "a");
        assert_eq!(splice_lines(&lines, 0..0, &["z".into()]), "z\na\nb");
    }
}
