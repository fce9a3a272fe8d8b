//! The anthropic dialect against its fake server. (Being written.)
