use std::fmt;
use std::path::PathBuf;

/// The layer a value came from, lowest precedence first.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Source {
    /// distiq's built-in defaults (`defaults.toml`, embedded in the binary).
    Default,
    /// The user's file, `$XDG_CONFIG_HOME/distiq/config.toml`.
    UserFile(PathBuf),
    /// The repository's `.distiq.toml`, at the git root.
    RepoFile(PathBuf),
    /// An environment variable, by name.
    Env(String),
    /// A command-line flag, as written (`-c tiers.top.model`).
    Cli(String),
}

impl Source {
    /// A stable machine name of the layer: `default`, `user_file`,
    /// `repo_file`, `env` or `cli`.
    pub fn layer(&self) -> &'static str {
        match self {
            Source::Default => "default",
            Source::UserFile(_) => "user_file",
            Source::RepoFile(_) => "repo_file",
            Source::Env(_) => "env",
            Source::Cli(_) => "cli",
        }
    }

    /// The file path, variable name or flag, if the layer has one.
    pub fn detail(&self) -> Option<String> {
        match self {
            Source::Default => None,
            Source::UserFile(p) | Source::RepoFile(p) => Some(p.display().to_string()),
            Source::Env(v) => Some(v.clone()),
            Source::Cli(f) => Some(f.clone()),
        }
    }

    /// The file this value came from, for resolving relative paths.
    pub(crate) fn file(&self) -> Option<&std::path::Path> {
        match self {
            Source::UserFile(p) | Source::RepoFile(p) => Some(p),
            _ => None,
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::UserFile(p) => write!(f, "user file {}", p.display()),
            Source::RepoFile(p) => write!(f, "repo file {}", p.display()),
            Source::Env(v) => write!(f, "env {v}"),
            Source::Cli(flag) => write!(f, "flag {flag}"),
        }
    }
}

/// A key path written as TOML writes dotted keys: bare segments where TOML
/// allows them, quoted otherwise (`models."openai:gpt-4.1".input`).
pub(crate) fn dotted<S: AsRef<str>>(path: &[S]) -> String {
    let parts: Vec<String> = path.iter().map(|s| quote_segment(s.as_ref())).collect();
    parts.join(".")
}

fn quote_segment(s: &str) -> String {
    let bare = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Splits a dotted key as TOML would (`models."openai:gpt-4.1".input` has
/// three segments). `None` if it is not a single TOML key.
pub(crate) fn parse_key(key: &str) -> Option<Vec<String>> {
    if key.contains(['\n', '\r', '=']) {
        return None;
    }
    let table: toml::Table = toml::from_str(&format!("{key} = 0")).ok()?;
    let mut path = Vec::new();
    let mut current = &table;
    loop {
        let mut entries = current.iter();
        let (k, v) = entries.next()?;
        if entries.next().is_some() {
            return None;
        }
        path.push(k.clone());
        match v {
            toml::Value::Table(t) => current = t,
            _ => return Some(path),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_with_dots_or_colons_are_quoted_and_read_back() {
        let path = ["models", "openai:gpt-4.1", "input"];
        let key = dotted(&path);
        assert_eq!(key, r#"models."openai:gpt-4.1".input"#);
        assert_eq!(parse_key(&key).unwrap(), path);
        assert_eq!(
            parse_key("tiers.top.model").unwrap(),
            ["tiers", "top", "model"]
        );
        assert_eq!(parse_key("a = 1\nb"), None);
        assert_eq!(parse_key(""), None);
    }
}
