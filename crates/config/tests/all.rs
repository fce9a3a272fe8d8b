//! Integration tests of distiq-config: real files in temp dirs, the
//! environment injected, never read from or written to the process.

// Test helpers outside `#[test]` functions fail loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod suite;
