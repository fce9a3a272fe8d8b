//! distiq-tui's tests: the App's behaviour and a snapshot of every screen.

mod suite;
