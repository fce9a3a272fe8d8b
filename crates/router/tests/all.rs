//! distiq-router's integration tests, with the real embedding model (never
//! a fake one): they need `./models/fetch` to have run.

// Test helpers, like the tests themselves, fail by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod suite;
