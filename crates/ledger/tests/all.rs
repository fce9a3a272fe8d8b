//! Integration tests of distiq-ledger against real SQLite files in temp dirs.

// Helpers outside `#[test]` functions fail loudly too; clippy's test
// exemptions only cover the test functions themselves.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod suite;
