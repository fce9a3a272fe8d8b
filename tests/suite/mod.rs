mod cache;
mod config;
mod map;
mod review;
mod route;
mod stats;
mod undo;
