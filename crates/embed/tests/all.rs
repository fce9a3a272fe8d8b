//! distiq-embed's integration tests, with the real model.
//!
//! They need `./models/fetch` to have run (scripts/test runs it first).

// Test helpers, like the tests themselves, fail by panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod suite;
