//! Fake openai server: wire-format builders. (Being written.)
