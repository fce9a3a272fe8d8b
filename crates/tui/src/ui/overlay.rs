//! Overlays over the main view: the key bindings and the stats view.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::{centered, dim, tokens};
use crate::app::{App, LedgerView, StageCost};
use crate::commands::HELP;

/// The keys, for the help overlay: short enough that keys and commands
/// fit the smallest screen (60x16).
pub const KEYS: &[(&str, &str)] = &[
    ("Enter · Alt-Enter, Ctrl-J", "send · new line"),
    ("↑ ↓ · PgUp PgDn", "history · scroll"),
    ("Ctrl-C", "cancel task · clear · quit ×2"),
    ("Ctrl-D · Ctrl-U", "quit (empty input) · clear"),
    (
        "Review: ↑ ↓ j k · Space y n",
        "select · toggle/accept/reject",
    ),
    ("Review: a r · Enter · Esc", "all, none · commit · discard"),
];

/// The key bindings and the slash commands.
pub fn help(frame: &mut Frame, area: Rect) {
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let mut lines = Vec::new();
    for (key, what) in KEYS.iter().chain(HELP) {
        lines.push(Line::from(vec![
            Span::styled(format!("{key:<28} "), bold),
            Span::raw(*what),
        ]));
    }
    show(frame, area, "Keys", lines);
}

/// This session's cost per stage, and the repository's ledger.
pub fn stats(app: &App, frame: &mut Frame, area: Rect) {
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let m = &app.meter;
    let mut lines = vec![
        Line::styled("This session", bold),
        Line::styled(
            format!(
                "  {:<9} {:>5} {:>10} {:>10} {:>10}",
                "stage", "calls", "tokens", "cost", "top tier"
            ),
            dim(),
        ),
    ];
    for (stage, c) in &m.stages {
        lines.push(Line::from(row(stage.as_str(), c)));
    }
    if m.stages.is_empty() {
        lines.push(Line::styled("  no model calls yet", dim()));
    } else {
        lines.push(Line::styled(row("total", &m.total), bold));
    }
    lines.push(Line::from(saving_line(
        m.total.baseline,
        m.total.cost,
        m.cache_saved,
    )));
    lines.push(Line::default());
    lines.push(Line::styled("This repository (ledger)", bold));
    match &app.ledger {
        LedgerView::Loading => lines.push(Line::styled("  reading the ledger…", dim())),
        LedgerView::Failed(e) => lines.push(Line::styled(
            format!("  ! {e}"),
            Style::default().fg(Color::Yellow),
        )),
        LedgerView::Loaded(None) => lines.push(Line::styled("  no calls recorded yet", dim())),
        LedgerView::Loaded(Some(l)) => {
            lines.push(Line::from(format!(
                "  {} calls, spent {}, all-top-tier baseline {}",
                l.calls, l.cost, l.baseline
            )));
            lines.push(Line::from(saving_line(l.baseline, l.cost, l.cache_saved)));
            let rate = (l.cache_hits * 100)
                .checked_div(l.cache_lookups)
                .map(|pct| format!(" ({pct}%)"))
                .unwrap_or_default();
            lines.push(Line::from(format!(
                "  cache: {} hit(s) of {} lookup(s){rate}, saved {}",
                l.cache_hits, l.cache_lookups, l.cache_saved
            )));
        }
    }
    show(frame, area, "Stats", lines);
}

fn row(name: &str, c: &StageCost) -> String {
    format!(
        "  {name:<9} {:>5} {:>10} {:>10} {:>10}",
        c.calls,
        tokens(c.tokens),
        c.cost.to_string(),
        c.baseline.to_string()
    )
}

/// `  saved $0.03 (75%) against all on the top tier, $0.01 by the cache`.
fn saving_line(
    baseline: distiq_core::Money,
    cost: distiq_core::Money,
    cache: distiq_core::Money,
) -> String {
    let saved = baseline.saturating_sub(cost);
    let pct = (saved.micros() * 100)
        .checked_div(baseline.micros())
        .map(|p| format!(" ({p}%)"))
        .unwrap_or_default();
    let mut line = format!("  saved {saved}{pct} against all on the top tier");
    if cache.micros() > 0 {
        line.push_str(&format!(", {cache} by the cache"));
    }
    line
}

fn show(frame: &mut Frame, area: Rect, title: &str, lines: Vec<Line<'static>>) {
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let popup = centered(area, 76, height);
    frame.render_widget(Clear, popup);
    let block = Block::bordered()
        .title(Span::styled(
            format!(" {title} "),
            Style::default().add_modifier(Modifier::BOLD),
        ))
        .title_bottom(Span::styled(" Esc closes ", dim()))
        .border_style(Style::default().fg(Color::Cyan));
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}
