mod common;
mod pairs;
mod persistence;
mod rule;
