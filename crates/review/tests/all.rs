//! The review crate against real temp git repositories and fake providers.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod suite;
