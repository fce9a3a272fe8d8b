//! Wrapping styled lines to a width, by display columns (wide characters
//! count two), between words where it can.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar as _;
use unicode_width::UnicodeWidthStr as _;

/// The display width of `text`.
pub fn width(text: &str) -> usize {
    text.width()
}

/// `line` cut into rows of at most `max` columns (at least one row),
/// between words where a row has a space, else between characters.
pub fn wrap(line: Line<'static>, max: usize) -> Vec<Line<'static>> {
    let max = max.max(1);
    if line.width() <= max {
        return vec![line];
    }
    let style = line.style;
    // Each character with its span's style; rows are ranges of it.
    let chars: Vec<(char, Style)> = line
        .spans
        .iter()
        .flat_map(|s| s.content.chars().map(move |c| (c, s.style)))
        .collect();
    let mut rows = Vec::new();
    let mut start = 0;
    let mut used = 0;
    let mut space: Option<usize> = None;
    let mut i = 0;
    while i < chars.len() {
        let (c, _) = chars[i];
        let w = c.width().unwrap_or(0);
        if used + w > max && i > start {
            // Break after the row's last space, unless that leaves it empty.
            let end = match space {
                Some(s) if s > start => s + 1,
                _ => i,
            };
            rows.push(row(&chars[start..end], style));
            start = end;
            used = chars[start..i]
                .iter()
                .map(|(c, _)| c.width().unwrap_or(0))
                .sum();
            space = None;
            continue;
        }
        if c == ' ' {
            space = Some(i);
        }
        used += w;
        i += 1;
    }
    if start < chars.len() {
        rows.push(row(&chars[start..], style));
    }
    rows
}

/// Characters back into spans, one per run of the same style.
fn row(chars: &[(char, Style)], style: Style) -> Line<'static> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut text = String::new();
    let mut current: Option<Style> = None;
    for &(c, s) in chars {
        if current.is_some_and(|cur| cur != s) {
            spans.push(Span::styled(
                std::mem::take(&mut text),
                current.unwrap_or_default(),
            ));
        }
        current = Some(s);
        text.push(c);
    }
    if !text.is_empty() {
        spans.push(Span::styled(text, current.unwrap_or_default()));
    }
    Line::from(spans).style(style)
}

/// `text` cut to at most `max` columns, with `…` when it was longer.
pub fn truncate(text: &str, max: usize) -> String {
    if text.width() <= max {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > max {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_wrap_by_columns_and_keep_their_styles() {
        let line = Line::from(vec![Span::raw("abcd"), Span::raw("efgh")]);
        let rows = wrap(line, 3);
        let text: Vec<String> = rows.iter().map(ToString::to_string).collect();
        assert_eq!(text, ["abc", "def", "gh"]);
        let words: Vec<String> = wrap(Line::from("one two three"), 8)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(words, ["one two ", "three"]);
        assert_eq!(wrap(Line::from("界界界"), 4).len(), 2);
        assert_eq!(truncate("abcdef", 4), "abc…");
    }
}
