//! Integration tests of distiq-analyzer, on real code from the cargo registry
//! and on bad input.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

mod suite;
