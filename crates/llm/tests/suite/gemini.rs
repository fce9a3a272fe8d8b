//! The gemini dialect against its fake server. (Being written.)
