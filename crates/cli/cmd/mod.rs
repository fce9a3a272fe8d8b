//! One module per subcommand.

pub mod config;
pub mod models;
pub mod stats;
