//! One module per subcommand.

pub mod config;
pub mod map;
pub mod models;
pub mod stats;
