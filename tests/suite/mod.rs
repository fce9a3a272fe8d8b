mod cache;
mod config;
mod map;
mod review;
mod stats;
mod undo;
