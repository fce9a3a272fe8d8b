//! distiq's terminal session (`distiq tui`): a ratatui front end over the
//! same pipeline events the plain CLI renders. It adds no logic of its own:
//! a task goes through [`distiq_pipeline`] exactly as with `distiq run`,
//! except that the change is reviewed file by file before it is committed.
//!
//! The pieces:
//! - [`App`]: the state machine. Pipeline [`Event`](distiq_core::Event)s,
//!   keys, pastes, ticks of the session clock and the results of jobs go in;
//!   [`Action`]s come out. No I/O, so it is tested directly.
//! - [`ui::draw`]: rendering, a pure function of the [`App`] (snapshot-tested
//!   with ratatui's `TestBackend`).
//! - [`run`]: the terminal, the event loop and the worker thread the pipeline
//!   runs on.
//!
//! ```
//! use distiq_tui::{App, ui};
//! use ratatui::{Terminal, backend::TestBackend};
//!
//! let mut app = App::new("repo", "main");
//! app.on_paste("add a --json flag");
//! let mut terminal = Terminal::new(TestBackend::new(80, 20)).unwrap();
//! terminal.draw(|f| ui::draw(&app, f)).unwrap();
//! ```

mod app;
mod commands;
mod error;
mod input;
mod review;
mod runner;
mod term;
mod transcript;
pub mod ui;

pub use app::{
    Action, App, BUSY, Done, JobKind, LedgerSummary, LedgerView, Meter, Overlay, QUIT_WINDOW,
    Running, StageCost,
};
pub use commands::{Command, ModelChoice};
pub use error::{Error, Result};
pub use input::Input;
pub use review::{Review, ReviewFile};
pub use runner::{ChannelSink, Events, Session, channel, run};
pub use transcript::{Entry, RowState, StageRow, Transcript};
