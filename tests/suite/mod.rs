mod config;
mod map;
mod stats;
