//! The input box: the rows around the cursor, wrapped. Only a window of
//! lines around the cursor is laid out, so a 10,000-line paste costs what
//! a short task costs.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph};
use unicode_width::UnicodeWidthChar as _;

use super::dim;
use crate::app::App;

/// The placeholder of an empty box.
pub const PLACEHOLDER: &str = "Type a task, / for commands, ? for keys";

/// The most text rows the box grows to.
const MAX_ROWS: usize = 6;

/// The box's height, borders included.
pub fn rows(app: &App, area: Rect) -> u16 {
    let (rows, _) = layout(app, area.width, max_rows(area));
    u16::try_from(rows.len().max(1) + 2).unwrap_or(3)
}

/// Draws the box; returns where the cursor goes.
pub fn draw(app: &App, frame: &mut Frame, area: Rect) -> Option<Position> {
    let busy = app.running.is_some() || app.review.is_some();
    let mut block = Block::bordered().border_style(if busy {
        dim()
    } else {
        Style::default().fg(Color::Cyan)
    });
    if let Some(n) = app.input.pasted() {
        block = block.title(format!("[pasted {n} lines]"));
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if app.input.is_empty() {
        // No placeholder under an overlay: keys go to the overlay.
        let hint = if app.overlay.is_some() {
            ""
        } else if app.review.is_some() {
            "Reviewing: Enter commits the accepted files, Esc discards"
        } else {
            PLACEHOLDER
        };
        frame.render_widget(Paragraph::new(Line::styled(hint, dim())), inner);
        return (app.review.is_none()).then_some(Position::new(inner.x, inner.y));
    }
    let (rows, (row, col)) = layout(app, area.width, usize::from(inner.height));
    let lines: Vec<Line<'static>> = rows.into_iter().map(Line::from).collect();
    frame.render_widget(Paragraph::new(lines), inner);
    if app.review.is_some() {
        return None;
    }
    let x = inner.x
        + u16::try_from(col)
            .unwrap_or(0)
            .min(inner.width.saturating_sub(1));
    let y = inner.y + u16::try_from(row).unwrap_or(0);
    Some(Position::new(x, y))
}

fn max_rows(area: Rect) -> usize {
    MAX_ROWS.min(usize::from(area.height / 4)).max(1)
}

/// The rows shown (at most `max`) for a box `width` wide, and the cursor's
/// row and column among them.
fn layout(app: &App, width: u16, max: usize) -> (Vec<String>, (usize, usize)) {
    let text = app.input.text();
    let cursor = app.input.cursor();
    let width = usize::from(width.saturating_sub(2)).max(1);
    // A window of whole lines around the cursor's.
    let mut start = text[..cursor].rfind('\n').map_or(0, |i| i + 1);
    for _ in 0..max {
        if start == 0 {
            break;
        }
        start = text[..start - 1].rfind('\n').map_or(0, |i| i + 1);
    }
    let mut end = text[cursor..].find('\n').map_or(text.len(), |i| cursor + i);
    for _ in 0..max {
        if end == text.len() {
            break;
        }
        end = text[end + 1..]
            .find('\n')
            .map_or(text.len(), |i| end + 1 + i);
    }

    let mut rows = vec![String::new()];
    let mut used = 0;
    let mut at = (0, 0);
    for (i, c) in text[start..end].char_indices() {
        if start + i == cursor {
            at = (rows.len() - 1, used);
        }
        if c == '\n' {
            rows.push(String::new());
            used = 0;
            continue;
        }
        let w = c.width().unwrap_or(0);
        if used + w > width {
            rows.push(String::new());
            used = 0;
            if start + i == cursor {
                at = (rows.len() - 1, 0);
            }
        }
        if let Some(r) = rows.last_mut() {
            r.push(c);
        }
        used += w;
    }
    if cursor == end {
        at = if used >= width {
            rows.push(String::new());
            (rows.len() - 1, 0)
        } else {
            (rows.len() - 1, used)
        };
    }
    // The rows that fit, the cursor's among them, the last ones preferred.
    let first = rows.len().saturating_sub(max).min(at.0);
    let shown: Vec<String> = rows.into_iter().skip(first).take(max).collect();
    (shown, (at.0 - first, at.1))
}
