//! API keys: found through the names in config, never stored in it.

use distiq_core::ApiKey;

use crate::{Error, ProviderConfig, Result};

impl ProviderConfig {
    /// The first of `api_key_env` that `lookup` finds set (non-empty).
    pub fn key_var<F>(&self, lookup: F) -> Option<&str>
    where
        F: Fn(&str) -> Option<String>,
    {
        self.api_key_env
            .iter()
            .find(|var| lookup(var).is_some_and(|v| !v.trim().is_empty()))
            .map(String::as_str)
    }

    /// The provider's key: from the first variable of `api_key_env` that is
    /// set, else from `api_key_file`. `Ok(None)` when neither gives one (a
    /// local server needs none). `provider` names the provider in errors.
    pub fn api_key<F>(&self, provider: &str, lookup: F) -> Result<Option<ApiKey>>
    where
        F: Fn(&str) -> Option<String>,
    {
        for var in &self.api_key_env {
            if let Some(v) = lookup(var).filter(|v| !v.trim().is_empty()) {
                return Ok(Some(ApiKey::new(v)));
            }
        }
        let Some(path) = &self.api_key_file else {
            return Ok(None);
        };
        match std::fs::read_to_string(path) {
            Ok(text) if !text.trim().is_empty() => Ok(Some(ApiKey::new(text))),
            Ok(_) => Ok(None),
            Err(source) => Err(Error::KeyFile {
                provider: provider.to_owned(),
                path: path.clone(),
                source,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use distiq_core::ProviderKind;

    fn provider(vars: &[&str]) -> ProviderConfig {
        ProviderConfig {
            kind: ProviderKind::Gemini,
            base_url: "https://example.invalid".into(),
            api_key_env: vars.iter().map(|v| (*v).to_owned()).collect(),
            api_key_file: None,
        }
    }

    #[test]
    fn the_first_set_variable_wins_and_the_key_never_prints() {
        let p = provider(&["GEMINI_API_KEY", "GOOGLE_API_KEY"]);
        let env = |v: &str| (v == "GOOGLE_API_KEY").then(|| "sekrit".to_owned());
        assert_eq!(p.key_var(env), Some("GOOGLE_API_KEY"));
        let key = p.api_key("gemini", env).unwrap().unwrap();
        assert_eq!(key.expose(), "sekrit");
        assert!(!format!("{key:?} {key}").contains("sekrit"));
    }

    #[test]
    fn a_key_file_serves_when_no_variable_is_set() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("k");
        std::fs::write(&file, "from-file\n").unwrap();
        let mut p = provider(&["NOPE"]);
        p.api_key_file = Some(file.clone());
        let key = p.api_key("x", |_| None).unwrap().unwrap();
        assert_eq!(key.expose(), "from-file");
        std::fs::remove_file(&file).unwrap();
        let err = p.api_key("x", |_| None).unwrap_err().to_string();
        assert!(err.contains(&file.display().to_string()), "{err}");
    }
}
