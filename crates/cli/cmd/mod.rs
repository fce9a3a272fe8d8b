//! One module per subcommand.

pub mod ask;
pub mod cache;
pub mod config;
pub mod hook;
pub mod map;
pub mod models;
pub mod plan;
pub mod review;
pub mod route;
pub mod run;
pub mod stats;
pub mod tui;
pub mod undo;
