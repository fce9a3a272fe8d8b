//! Fake gemini server: wire-format builders. (Being written.)
