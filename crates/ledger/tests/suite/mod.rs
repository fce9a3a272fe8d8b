mod budget;
mod common;
mod concurrency;
mod record;
mod schema;
mod sink;
mod stats;
