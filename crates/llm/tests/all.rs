//! The provider suites: each dialect against its fake server.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod suite;
