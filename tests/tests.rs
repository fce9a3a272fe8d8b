//! End-to-end tests of the `distiq` binary in isolated temp dirs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod util;

mod suite;
