//! The terminal: raw mode, the alternate screen, bracketed paste and
//! disambiguated keys on the way in; all of it undone on the way out, on an error and on a panic
//! (before the panic message is printed, so it is readable).

use std::io::{self, IsTerminal as _, Stdout};
use std::sync::OnceLock;
use std::thread::ThreadId;

use ratatui::Frame;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::cursor::Show;
use ratatui::crossterm::event::{
    DisableBracketedPaste, EnableBracketedPaste, KeyboardEnhancementFlags,
    PopKeyboardEnhancementFlags, PushKeyboardEnhancementFlags,
};
use ratatui::crossterm::terminal::{
    BeginSynchronizedUpdate, EndSynchronizedUpdate, EnterAlternateScreen, LeaveAlternateScreen,
    disable_raw_mode, enable_raw_mode,
};
use ratatui::crossterm::{execute, queue};

use crate::{Error, Result};

/// The terminal the session draws on; restored when dropped.
pub struct Term {
    /// The ratatui terminal.
    pub terminal: Terminal<CrosstermBackend<Stdout>>,
}

impl std::fmt::Debug for Term {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Term").finish_non_exhaustive()
    }
}

impl Term {
    /// Takes over the terminal.
    pub fn enter() -> Result<Self> {
        if !io::stdout().is_terminal() {
            return Err(Error::NotATerminal);
        }
        install_panic_hook();
        enable_raw_mode()?;
        // Disambiguated keys tell Shift-Enter from Enter where the terminal
        // supports it (kitty's protocol); others ignore the request.
        let entered = execute!(
            io::stdout(),
            EnterAlternateScreen,
            EnableBracketedPaste,
            PushKeyboardEnhancementFlags(KeyboardEnhancementFlags::DISAMBIGUATE_ESCAPE_CODES)
        )
        .and_then(|()| Terminal::new(CrosstermBackend::new(io::stdout())));
        match entered {
            Ok(terminal) => Ok(Self { terminal }),
            Err(e) => {
                restore();
                Err(e.into())
            }
        }
    }

    /// Draws one frame as a synchronized update (DEC mode 2026): a terminal
    /// that knows the mode shows the frame whole, never half of it over the
    /// last one; others ignore the markers.
    pub fn draw(&mut self, render: impl FnOnce(&mut Frame<'_>)) -> io::Result<()> {
        queue!(self.terminal.backend_mut(), BeginSynchronizedUpdate)?;
        self.terminal.draw(render)?;
        execute!(self.terminal.backend_mut(), EndSynchronizedUpdate)
    }
}

impl Drop for Term {
    fn drop(&mut self) {
        restore();
    }
}

/// Gives the terminal back as it was. Safe to call more than once.
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(
        io::stdout(),
        PopKeyboardEnhancementFlags,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        Show
    );
}

/// The thread that owns the terminal.
static UI_THREAD: OnceLock<ThreadId> = OnceLock::new();

/// A panic on the session's thread restores the terminal first, then
/// reports as it would have. A panic in a job (another thread) is reported
/// by the session as that job's failure instead of being printed over the
/// screen.
fn install_panic_hook() {
    let _ = UI_THREAD.set(std::thread::current().id());
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if UI_THREAD.get() == Some(&std::thread::current().id()) {
            restore();
            previous(info);
        }
    }));
}

/// What a panic said, from its payload.
pub fn panic_text(payload: Option<Box<dyn std::any::Any + Send>>) -> String {
    let Some(payload) = payload else {
        return "the job was stopped".to_owned();
    };
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_says_what_it_said() {
        let caught = std::panic::catch_unwind(|| std::panic::panic_any("boom")).err();
        assert_eq!(panic_text(caught), "boom");
        let caught = std::panic::catch_unwind(|| std::panic::panic_any(String::from("bang"))).err();
        assert_eq!(panic_text(caught), "bang");
        assert_eq!(panic_text(None), "the job was stopped");
    }
}
