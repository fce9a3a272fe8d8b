use std::fmt;
use std::path::PathBuf;

use crate::{Error, Result};

/// An API key. It prints as `[redacted]` and can scrub itself out of text,
/// so that it never reaches a log, an error, the ledger or the cache.
#[derive(Clone)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key.
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into().trim().to_owned())
    }

    /// The key itself, for the one place it is needed: a request header.
    pub(crate) fn expose(&self) -> &str {
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

/// Where a provider's key comes from: the first of `env_vars` that is set,
/// else `file`. An empty source means the provider needs no key (a local
/// server).
#[derive(Debug, Clone, Default)]
pub struct KeySource {
    /// Environment variables, tried in order.
    pub env_vars: Vec<String>,
    /// A file holding the key, tried after the variables.
    pub file: Option<PathBuf>,
}

impl KeySource {
    /// Whether this provider needs a key at all.
    pub fn needs_key(&self) -> bool {
        !self.env_vars.is_empty() || self.file.is_some()
    }

    /// Finds the key. `env` looks a variable up; callers pass
    /// `|k| std::env::var(k).ok()` in production and a map in tests.
    ///
    /// `Ok(None)` when no key is needed.
    pub fn resolve(
        &self,
        provider: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<ApiKey>> {
        if !self.needs_key() {
            return Ok(None);
        }
        for var in &self.env_vars {
            if let Some(v) = env(var).filter(|v| !v.trim().is_empty()) {
                return Ok(Some(ApiKey::new(v)));
            }
        }
        if let Some(path) = &self.file {
            return match std::fs::read_to_string(path) {
                Ok(s) if !s.trim().is_empty() => Ok(Some(ApiKey::new(s))),
                Ok(_) => Err(Error::KeyFile {
                    provider: provider.to_owned(),
                    path: path.display().to_string(),
                    message: "the file is empty".to_owned(),
                }),
                Err(e) => Err(Error::KeyFile {
                    provider: provider.to_owned(),
                    path: path.display().to_string(),
                    message: e.to_string(),
                }),
            };
        }
        Err(Error::MissingKey {
            provider: provider.to_owned(),
            vars: self.env_vars.join(" (or ") + &")".repeat(self.env_vars.len().saturating_sub(1)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_never_prints() {
        let k = ApiKey::new("sk-secret-123456");
        assert_eq!(format!("{k:?}"), "ApiKey([redacted])");
        assert_eq!(k.redact("bad key sk-secret-123456!"), "bad key [redacted]!");
    }

    #[test]
    fn the_first_set_variable_wins_and_a_missing_key_names_the_variable() {
        let src = KeySource {
            env_vars: vec!["GEMINI_API_KEY".into(), "GOOGLE_API_KEY".into()],
            file: None,
        };
        let env = |k: &str| (k == "GOOGLE_API_KEY").then(|| "g-key".to_owned());
        assert_eq!(
            src.resolve("gemini", &env).unwrap().unwrap().expose(),
            "g-key"
        );
        let err = src.resolve("gemini", &|_| None).unwrap_err().to_string();
        assert_eq!(
            err,
            "no API key for provider `gemini`: set GEMINI_API_KEY (or GOOGLE_API_KEY)"
        );
        assert!(
            KeySource::default()
                .resolve("local", &|_| None)
                .unwrap()
                .is_none()
        );
    }
}
