//! Integration tests of distiq-cache with the real embedding model (run
//! `./models/fetch` first).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod suite;
