//! The review view: the changed files at the left with their marks, the
//! selected file's unified diff at the right, coloured.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::{dim, wrap};
use crate::app::App;
use crate::review::Review;

/// Draws `review` into `area`.
pub fn draw(review: &Review, _app: &App, frame: &mut Frame, area: Rect) {
    let n = review.files.len();
    let title = format!(
        "Review changes ({n} {})",
        if n == 1 { "file" } else { "files" }
    );
    // Where the diff is scrolled to, when it is longer than its pane.
    let total = review.current().map_or(0, |f| f.diff.lines().count());
    let rows = usize::from(area.height.saturating_sub(2));
    let position = (total > rows).then(|| {
        let last = (review.scroll + rows).min(total);
        format!(" {}-{last}/{total} PgUp/PgDn ", review.scroll + 1)
    });
    let room = usize::from(area.width.saturating_sub(4))
        .saturating_sub(position.as_deref().map_or(0, wrap::width));
    let mut block = Block::bordered()
        .title(Span::styled(
            title,
            Style::default().add_modifier(Modifier::BOLD),
        ))
        .title_bottom(Span::styled(wrap::truncate(&review.summary, room), dim()));
    if let Some(p) = position {
        block = block.title_bottom(Line::styled(p, dim()).right_aligned());
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [list, diff] =
        Layout::horizontal([Constraint::Percentage(35), Constraint::Percentage(65)]).areas(inner);

    let list_width = usize::from(list.width);
    let top = review
        .selected
        .saturating_sub(usize::from(list.height).saturating_sub(1));
    let files: Vec<Line<'static>> = review
        .files
        .iter()
        .enumerate()
        .skip(top)
        .map(|(i, (f, accepted))| {
            let mark = if *accepted { "[x]" } else { "[ ]" };
            let action = match f.action {
                distiq_core::FileAction::Create => "A",
                distiq_core::FileAction::Modify => "M",
                distiq_core::FileAction::Delete => "D",
            };
            let counts = format!(" +{} -{}", f.added, f.removed);
            let room = list_width.saturating_sub(6 + wrap::width(&counts));
            let text = format!("{mark} {action} {}", wrap::truncate(&f.path, room));
            let style = if i == review.selected {
                Style::default().add_modifier(Modifier::REVERSED)
            } else if *accepted {
                Style::default()
            } else {
                dim()
            };
            Line::from(vec![Span::styled(text, style), Span::styled(counts, dim())])
        })
        .collect();
    frame.render_widget(Paragraph::new(files), list);

    let Some(file) = review.current() else {
        return;
    };
    let diff_area = Rect {
        x: diff.x + 1,
        width: diff.width.saturating_sub(1),
        ..diff
    };
    let width = usize::from(diff_area.width);
    let lines: Vec<Line<'static>> = file
        .diff
        .lines()
        .skip(review.scroll)
        .take(usize::from(diff_area.height))
        .map(|l| {
            Line::styled(
                wrap::truncate(&l.replace('\t', "    "), width),
                diff_style(l),
            )
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), diff_area);
}

fn diff_style(line: &str) -> Style {
    if line.starts_with("+++") || line.starts_with("---") {
        Style::default().add_modifier(Modifier::BOLD)
    } else if line.starts_with('+') {
        Style::default().fg(Color::Green)
    } else if line.starts_with('-') {
        Style::default().fg(Color::Red)
    } else if line.starts_with("@@") {
        Style::default().fg(Color::Cyan)
    } else {
        Style::default()
    }
}
