//! The transcript view: each entry as styled lines, wrapped, the newest at
//! the bottom. Only the entries that can reach the screen are turned into
//! lines, so a long session draws as fast as a short one.

use distiq_core::{FileAction, Stage};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{dim, elapsed, spinner, tokens, wrap};
use crate::app::App;
use crate::transcript::{Entry, RowState, StageRow};

/// Lines of streamed structured output (plans, edits as JSON) shown while
/// the stage runs: enough to see it move.
const STREAM_TAIL: usize = 3;
/// Characters of each of those lines shown, from its end.
const STREAM_WIDTH: usize = 120;

/// Draws the transcript into `area`, scrolled `app.scroll` rows up.
pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let width = usize::from(area.width);
    let height = usize::from(area.height);
    let want = height + app.scroll;
    // Newest entries first, until the screen (and the scroll) is covered.
    let mut rows: Vec<Line<'static>> = Vec::new();
    let last = app.transcript.entries.len();
    for (i, entry) in app.transcript.entries.iter().enumerate().rev() {
        let mut lines: Vec<Line<'static>> = Vec::new();
        let budget = want.saturating_sub(rows.len());
        for line in entry_lines(app, entry, i + 1 == last, budget) {
            lines.extend(wrap::wrap(line, width));
        }
        if matches!(entry, Entry::Task(_)) && i > 0 {
            lines.insert(0, Line::default());
        }
        lines.reverse();
        rows.extend(lines);
        if rows.len() >= want {
            break;
        }
    }
    let scroll = app.scroll.min(rows.len().saturating_sub(height));
    let visible: Vec<Line<'static>> = rows
        .into_iter()
        .skip(scroll)
        .take(height)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    if visible.is_empty() {
        let hello = vec![
            Line::from(Span::styled(
                "distiq: cheap hands, an expensive brain.",
                Style::default().add_modifier(Modifier::BOLD),
            )),
            Line::from(Span::styled(
                "Describe a change to make in this repository. You review the diff before anything is committed.",
                dim(),
            )),
        ];
        let mut lines = Vec::new();
        for l in hello {
            lines.extend(wrap::wrap(l, width));
        }
        frame.render_widget(Paragraph::new(lines), area);
        return;
    }
    // Bottom-aligned: the newest line sits just above the input box.
    let top = area
        .height
        .saturating_sub(u16::try_from(visible.len()).unwrap_or(area.height));
    let area = Rect {
        y: area.y + top,
        height: area.height - top,
        ..area
    };
    frame.render_widget(Paragraph::new(visible), area);
}

/// The lines of one entry; `last` says whether it is the newest one
/// (streamed text of a running stage is shown only then). Long texts give
/// at most their last `budget` lines: no more can reach the screen.
fn entry_lines(app: &App, entry: &Entry, last: bool, budget: usize) -> Vec<Line<'static>> {
    let one = |line: Line<'static>| vec![line];
    match entry {
        Entry::Task(text) => task_lines(text),
        Entry::Route(kind, complexity) => {
            one(Line::styled(format!("route: {kind} · {complexity}"), dim()))
        }
        Entry::Cache {
            hit,
            similarity,
            reason,
        } => {
            let text = match (hit, similarity) {
                (true, Some(s)) => format!("cache: hit ({s:.2})"),
                (true, None) => format!("cache: hit ({reason})"),
                (false, _) => format!("cache: miss ({reason})"),
            };
            one(Line::styled(text, dim()))
        }
        Entry::Stage(row) => one(stage_line(app, row)),
        Entry::Retry {
            stage,
            attempt,
            reason,
        } => one(Line::styled(
            format!("↻ {stage}: attempt {attempt} ({reason})"),
            Style::default().fg(Color::Yellow),
        )),
        Entry::Escalated {
            stage,
            from,
            to,
            reason,
        } => one(Line::styled(
            format!("↑ {stage}: {from} → {to} ({reason})"),
            Style::default().fg(Color::Magenta),
        )),
        Entry::Plan {
            summary,
            files,
            cached,
        } => {
            let from = if *cached { " (from the cache)" } else { "" };
            let mut lines = vec![Line::from(format!("plan{from}: {summary}"))];
            for (action, path) in files {
                lines.push(Line::styled(format!("  {} {path}", letter(*action)), dim()));
            }
            lines
        }
        Entry::Wrote(files) => {
            let list: Vec<String> = files
                .iter()
                .map(|f| format!("{} (+{} -{})", f.path, f.added, f.removed))
                .collect();
            one(Line::styled(format!("wrote {}", list.join(", ")), dim()))
        }
        Entry::Validate(checks) => {
            let mut spans = vec![Span::raw("validate:")];
            for c in checks {
                let (mark, color) = if c.passed {
                    ("✓", Color::Green)
                } else {
                    ("✗", Color::Red)
                };
                spans.push(Span::raw(" "));
                spans.push(Span::styled(
                    format!("{mark} {}", c.name),
                    Style::default().fg(color),
                ));
            }
            let failed: Vec<&str> = checks
                .iter()
                .filter(|c| !c.passed)
                .map(|c| c.summary.lines().next().unwrap_or_default())
                .collect();
            if !failed.is_empty() {
                spans.push(Span::styled(format!(" ({})", failed.join("; ")), dim()));
            }
            one(Line::from(spans))
        }
        Entry::RolledBack(paths) => one(Line::styled(
            format!("rolled back {}", paths.join(", ")),
            Style::default().fg(Color::Yellow),
        )),
        Entry::Text { stage, text } => text_lines(app, *stage, text, last, budget),
        Entry::Committed { commit, summary } => one(Line::from(vec![
            Span::styled(
                "Committed ",
                Style::default()
                    .fg(Color::Green)
                    .add_modifier(Modifier::BOLD),
            ),
            Span::styled(
                commit.chars().take(7).collect::<String>(),
                Style::default().fg(Color::Yellow),
            ),
            Span::raw(format!(" {summary}")),
        ])),
        Entry::Warning(message) => one(Line::styled(
            format!("! {message}"),
            Style::default().fg(Color::Yellow),
        )),
        Entry::Info(text) => tail(text, budget),
        Entry::Failed(error) => one(Line::styled(
            format!("Failed: {error}"),
            Style::default().fg(Color::Red).add_modifier(Modifier::BOLD),
        )),
        Entry::Cancelled => one(Line::styled(
            "Cancelled",
            Style::default()
                .fg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
        )),
    }
}

/// `⠋ plan     top   fake:big   1.2k tok  $0.0120  3.1s`.
fn stage_line(app: &App, row: &StageRow) -> Line<'static> {
    let (glyph, color) = match row.state {
        RowState::Running => (spinner(app), Color::Cyan),
        RowState::Done => ("✓", Color::Green),
        RowState::Failed => ("✗", Color::Red),
    };
    let took = row.ended.unwrap_or(app.now).saturating_sub(row.started);
    Line::from(vec![
        Span::styled(glyph.to_owned(), Style::default().fg(color)),
        Span::raw(format!(
            " {:<8} {:<5} ",
            row.stage.as_str(),
            row.tier.as_str()
        )),
        Span::styled(
            format!("{:<16}", row.model.to_string()),
            Style::default().fg(Color::Blue),
        ),
        Span::raw(format!(
            " {:>9} {:>8} ",
            tokens(row.tokens),
            row.cost.to_string()
        )),
        Span::styled(elapsed(took), dim()),
    ])
}

/// Streamed text: an answer in full; other stages' structured output only
/// while it streams, as its last lines.
fn text_lines(
    app: &App,
    stage: Stage,
    text: &str,
    last: bool,
    budget: usize,
) -> Vec<Line<'static>> {
    if stage == Stage::Answer {
        return tail(text, budget);
    }
    if !last || app.running.is_none() {
        return Vec::new();
    }
    let count = text.lines().count();
    text.lines()
        .skip(count.saturating_sub(STREAM_TAIL))
        .map(|l| {
            // Structured output is often one long line: its end is what moves.
            let l = l.trim_end();
            let skip = l.chars().count().saturating_sub(STREAM_WIDTH);
            let l: String = l.chars().skip(skip).collect();
            Line::styled(format!("  {l}"), dim().add_modifier(Modifier::ITALIC))
        })
        .collect()
}

/// Lines shown of a task: a pasted log of thousands of lines is the task
/// all the same, but its first lines say which one it was.
const TASK_LINES: usize = 5;

/// `› first line`, the next lines indented, and how many more there are.
fn task_lines(text: &str) -> Vec<Line<'static>> {
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let mut lines: Vec<Line<'static>> = text
        .lines()
        .take(TASK_LINES)
        .enumerate()
        .map(|(i, l)| {
            let lead = if i == 0 { "› " } else { "  " };
            Line::styled(format!("{lead}{l}"), bold)
        })
        .collect();
    let more = text.lines().count().saturating_sub(TASK_LINES);
    if more > 0 {
        lines.push(Line::styled(format!("  … {more} more lines"), dim()));
    }
    lines
}

/// The last `n` lines of `text` (each is at least one row on screen).
fn tail(text: &str, n: usize) -> Vec<Line<'static>> {
    let mut lines: Vec<Line<'static>> = text
        .lines()
        .rev()
        .take(n)
        .map(|l| Line::from(l.to_owned()))
        .collect();
    lines.reverse();
    lines
}

fn letter(action: FileAction) -> &'static str {
    match action {
        FileAction::Create => "A",
        FileAction::Modify => "M",
        FileAction::Delete => "D",
    }
}
