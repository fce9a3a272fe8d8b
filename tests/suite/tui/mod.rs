//! `distiq tui` end to end: the real binary on a pseudo-terminal, driven
//! by keys and read back from its screen.

mod pty;
