//! Wrapping styled lines to a width, by display columns (wide characters
//! count two), breaking between characters.

use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar as _;
use unicode_width::UnicodeWidthStr as _;

/// The display width of `text`.
pub fn width(text: &str) -> usize {
    text.width()
}

/// `line` cut into rows of at most `max` columns (at least one row).
pub fn wrap(line: Line<'static>, max: usize) -> Vec<Line<'static>> {
    let max = max.max(1);
    if line.width() <= max {
        return vec![line];
    }
    let style = line.style;
    let mut rows = Vec::new();
    let mut row: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for span in line.spans {
        let mut piece = String::new();
        for c in span.content.chars() {
            let w = c.width().unwrap_or(0);
            if used + w > max && used > 0 {
                if !piece.is_empty() {
                    row.push(Span::styled(std::mem::take(&mut piece), span.style));
                }
                rows.push(Line::from(std::mem::take(&mut row)).style(style));
                used = 0;
            }
            piece.push(c);
            used += w;
        }
        if !piece.is_empty() {
            row.push(Span::styled(piece, span.style));
        }
    }
    if !row.is_empty() {
        rows.push(Line::from(row).style(style));
    }
    rows
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
        assert_eq!(wrap(Line::from("界界界"), 4).len(), 2);
        assert_eq!(truncate("abcdef", 4), "abc…");
    }
}
