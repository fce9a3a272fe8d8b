mod bad_input;
mod cache;
mod context;
mod fixtures;
mod retrieval;
mod tokens;
