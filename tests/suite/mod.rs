mod config;
mod stats;
