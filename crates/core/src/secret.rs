use std::fmt;

/// An API key. It prints as `[redacted]` and can scrub itself out of text,
/// so that it never reaches a log, an error, the ledger or the cache.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key (surrounding whitespace, such as a key file's newline,
    /// is dropped).
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into().trim().to_owned())
    }

    /// The key itself, for the one place it is needed: a request header.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with every occurrence of the key replaced by `[redacted]`.
    pub fn redact(&self, text: &str) -> String {
        if self.0.len() < 4 {
            return text.to_owned();
        }
        text.replace(&self.0, "[redacted]")
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey([redacted])")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_never_prints_and_scrubs_itself_from_text() {
        let k = ApiKey::new(" sk-secret-123456\n");
        assert_eq!(k.expose(), "sk-secret-123456");
        assert_eq!(format!("{k:?} {k}"), "ApiKey([redacted]) [redacted]");
        assert_eq!(k.redact("bad key sk-secret-123456!"), "bad key [redacted]!");
    }
}
