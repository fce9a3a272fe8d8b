//! What an entry holds: the request, the payload, what it depended on and
//! what it cost.

use std::path::{Component, Path};

use distiq_core::{CodePlan, Money};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{Error, Result, Salient};

/// What the cache serves: a plan for the executor, or an answer to a
/// question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "lowercase")]
pub enum Payload {
    /// A plan the planner wrote.
    Plan(CodePlan),
    /// A written answer.
    Answer(String),
}

/// Something in the repository an entry was produced from. The entry is
/// served only while every dependency still holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Dependency {
    /// A file, by its BLAKE3 hash; `None` when it must not exist.
    File {
        /// Relative to the repository root, `/`-separated.
        path: String,
        /// The hex BLAKE3 of its content when the entry was made.
        hash: Option<String>,
    },
    /// A block of text that must still be in a file (the search block of
    /// an edit).
    Block {
        /// Relative to the repository root, `/`-separated.
        path: String,
        /// The exact text.
        search: String,
    },
}

impl Dependency {
    /// The file at `path` (relative to `repo`) as it is now: its hash, or
    /// its absence.
    pub fn file(repo: &Path, path: &str) -> Result<Self> {
        let full = resolve(repo, path)?;
        let hash = match std::fs::read(&full) {
            Ok(bytes) => Some(blake3::hash(&bytes).to_hex().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => return Err(Error::Io { path: full, source }),
        };
        Ok(Self::File {
            path: path.to_owned(),
            hash,
        })
    }

    /// A search block that must still be found in `path`.
    pub fn block(path: &str, search: impl Into<String>) -> Self {
        Self::Block {
            path: path.to_owned(),
            search: search.into(),
        }
    }

    /// The path this dependency is about.
    pub fn path(&self) -> &str {
        match self {
            Self::File { path, .. } | Self::Block { path, .. } => path,
        }
    }

    /// `None` when the dependency holds in `repo` now; otherwise why not
    /// ("src/lib.rs changed", "src/lib.rs was deleted").
    pub fn broken(&self, repo: &Path) -> Option<String> {
        let Ok(full) = resolve(repo, self.path()) else {
            return Some(format!("{} is outside the repository", self.path()));
        };
        let content = std::fs::read(&full).ok();
        match (self, content) {
            (Self::File { hash: None, .. }, None) => None,
            (Self::File { path, hash: None }, Some(_)) => Some(format!("{path} now exists")),
            (Self::File { path, .. }, None) | (Self::Block { path, .. }, None) => {
                Some(format!("{path} was deleted"))
            }
            (
                Self::File {
                    path,
                    hash: Some(h),
                },
                Some(bytes),
            ) => (blake3::hash(&bytes).to_hex().as_str() != h).then(|| format!("{path} changed")),
            (Self::Block { path, search }, Some(bytes)) => {
                let text = String::from_utf8_lossy(&bytes);
                (!text.contains(search.as_str())).then(|| format!("{path} changed"))
            }
        }
    }
}

/// `repo/path`, refusing absolute paths and `..`.
fn resolve(repo: &Path, path: &str) -> Result<std::path::PathBuf> {
    let rel = Path::new(path);
    if rel
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(Error::Io {
            path: rel.to_owned(),
            source: std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "a dependency must be a relative path inside the repository",
            ),
        });
    }
    Ok(repo.join(rel))
}

/// An entry to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    /// The request as the user typed it.
    pub request: String,
    /// What to serve.
    pub payload: Payload,
    /// What it was produced from.
    pub dependencies: Vec<Dependency>,
    /// What producing it cost: what each hit saves.
    pub cost: Money,
}

/// A stored entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its id in this repository's cache.
    pub id: i64,
    /// The request as the user typed it.
    pub request: String,
    /// The request's salient tokens.
    pub salient: Salient,
    /// What is served.
    pub payload: Payload,
    /// What it was produced from.
    pub dependencies: Vec<Dependency>,
    /// When it was stored.
    pub created: Timestamp,
    /// When it was last served.
    pub last_hit: Option<Timestamp>,
    /// How often it was served.
    pub hits: u64,
    /// What producing it cost.
    pub cost: Money,
    /// What serving it has saved so far.
    pub saved: Money,
}
