//! The `distiq` binary: thin glue from the command line to the library crates.

fn main() {}
