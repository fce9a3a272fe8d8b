//! Integration tests of distiq-executor, in real git repositories in temp
//! dirs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod suite;
