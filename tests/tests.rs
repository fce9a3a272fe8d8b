//! End-to-end tests of the `distiq` binary in isolated temp dirs.

mod util;

mod suite;
