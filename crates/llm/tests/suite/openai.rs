//! The openai dialect against its fake server. (Being written.)
