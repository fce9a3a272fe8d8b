//! Fake anthropic server: wire-format builders. (Being written.)
