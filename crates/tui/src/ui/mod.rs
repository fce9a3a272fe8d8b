//! Rendering: a pure function of [`App`]. The same state draws the same
//! screen, which is what the snapshot tests rely on.
//!
//! ```text
//! distiq · repo · main                          $0.0123 · saved $0.0456
//! › add a --json flag                            <- transcript (scrolls)
//! route: feature · standard
//! ✓ plan     top   fake:big      1.2k tok  $0.0120  3.1s
//! ┌──────────────────────────────────────────────────────────────────┐
//! │Type a task, / for commands, ? for keys                           │  <- input
//! └──────────────────────────────────────────────────────────────────┘
//! Enter send · Alt-Enter newline · ↑↓ history · ? keys · Ctrl-D quit   <- footer
//! ```

mod input;
mod overlay;
mod review;
mod transcript;
mod wrap;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::{App, JobKind, Overlay};

/// The smallest screen the session draws on.
pub const MIN_WIDTH: u16 = 60;
/// The smallest screen the session draws on.
pub const MIN_HEIGHT: u16 = 16;

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// Draws the whole screen.
pub fn draw(app: &App, frame: &mut Frame) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let text = format!(
            "Terminal too small: {}x{} (need at least {MIN_WIDTH}x{MIN_HEIGHT})",
            area.width, area.height
        );
        frame.render_widget(
            Paragraph::new(text).wrap(ratatui::widgets::Wrap { trim: true }),
            area,
        );
        return;
    }
    let input_rows = input::rows(app, area);
    let [header, body, input_area, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(input_rows),
        Constraint::Length(1),
    ])
    .areas(area);

    frame.render_widget(header_line(app, header.width), header);
    match &app.review {
        Some(r) => review::draw(r, app, frame, body),
        None => transcript::draw(app, frame, body),
    }
    let cursor = input::draw(app, frame, input_area);
    frame.render_widget(Paragraph::new(footer_line(app)).style(dim()), footer);

    match app.overlay {
        Some(Overlay::Help) => overlay::help(frame, area),
        Some(Overlay::Stats) => overlay::stats(app, frame, area),
        None => {
            if let Some(pos) = cursor {
                frame.set_cursor_position(pos);
            }
        }
    }
}

/// `distiq · repo · branch` at the left, the session cost at the right.
fn header_line(app: &App, width: u16) -> Line<'static> {
    let left = format!("distiq · {} · {}", app.repo, app.branch);
    let mut right = format!("{} · saved {}", app.meter.total.cost, app.meter.saved());
    if let Some(t) = app.force_tier {
        right = format!("next: {t} · {right}");
    }
    let gap = usize::from(width).saturating_sub(wrap::width(&left) + wrap::width(&right));
    Line::from(vec![
        Span::styled(left, Style::default().add_modifier(Modifier::BOLD)),
        Span::raw(" ".repeat(gap.max(1))),
        Span::styled(right, Style::default().fg(Color::Yellow)),
    ])
}

/// The key hints of the current mode.
fn footer_line(app: &App) -> Line<'static> {
    if app.overlay.is_some() {
        return Line::from("Esc close");
    }
    if let Some(r) = &app.running {
        let what = match r.kind {
            JobKind::Run => "running",
            JobKind::Plan => "planning",
            JobKind::Ask => "answering",
            JobKind::Commit => "committing",
        };
        if r.cancelling {
            return Line::from(format!("{} cancelling…", spinner(app)));
        }
        return Line::from(format!(
            "{} {what} {} · Ctrl-C cancel · PgUp/PgDn scroll",
            spinner(app),
            elapsed(app.now.saturating_sub(r.since))
        ));
    }
    if let Some(r) = &app.review {
        if let Some(why) = &r.refused {
            return Line::styled(format!("! {why}"), Style::default().fg(Color::Yellow));
        }
        if r.confirm_discard {
            return Line::from("Discard all changes? y/n");
        }
        return Line::from("j/k file · Space y/n a/r mark · Enter commit · Esc discard");
    }
    if app.quit_hint() {
        return Line::from("Press Ctrl-C again to quit");
    }
    if app.scroll > 0 {
        return Line::from("Scrolled up · PgDn or Esc to return to the end");
    }
    Line::from("Enter send · Alt-Enter newline · ↑↓ history · ? keys")
}

/// The spinner's frame at the app's clock.
fn spinner(app: &App) -> &'static str {
    let frame = (app.now.as_millis() / 80) % SPINNER.len() as u128;
    SPINNER[usize::try_from(frame).unwrap_or(0)]
}

/// `0.4s`, `12s`, `3m05s`.
pub fn elapsed(d: std::time::Duration) -> String {
    let ms = d.as_millis();
    if ms < 10_000 {
        format!("{}.{}s", ms / 1000, (ms % 1000) / 100)
    } else if ms < 60_000 {
        format!("{}s", ms / 1000)
    } else {
        format!("{}m{:02}s", ms / 60_000, (ms / 1000) % 60)
    }
}

/// `850 tok`, `1.2k tok`, `3.4M tok`.
pub fn tokens(n: i64) -> String {
    if n < 1_000 {
        format!("{n} tok")
    } else if n < 1_000_000 {
        format!("{}.{}k tok", n / 1_000, (n % 1_000) / 100)
    } else {
        format!("{}.{}M tok", n / 1_000_000, (n % 1_000_000) / 100_000)
    }
}

fn dim() -> Style {
    Style::default().fg(Color::DarkGray)
}

/// A rectangle of `width` x `height` centred in `area`, clipped to it.
fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}
