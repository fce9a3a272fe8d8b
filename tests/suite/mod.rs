mod cache;
mod config;
mod map;
mod run;
mod review;
mod route;
mod stats;
mod undo;
