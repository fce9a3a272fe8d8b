//! The pipeline in-process against fake providers and real temp git
//! repositories (the binary's end-to-end tests are in the root `tests/`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod suite;
