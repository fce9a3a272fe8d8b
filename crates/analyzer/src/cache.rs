//! The persistent tags cache: tags keyed by the hash of a file's language and
//! contents, so a warm run parses only what changed.
//!
//! One file (`.distiq/cache/tags.bin` by default): a magic, the fingerprint of
//! the queries and grammars that made the tags, then the entries in postcard.
//! It is replaced atomically (write beside, then rename). A cache that cannot
//! be read is discarded with a warning and rebuilt; it never stops a run.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::tags::FileTags;

const MAGIC: &[u8; 8] = b"DQTAGS\x00\x01";

/// A content key: blake3 of the language name and the file's bytes, cut to
/// 128 bits.
pub(crate) type Key = [u8; 16];

pub(crate) fn key(lang: crate::Lang, text: &str) -> Key {
    let mut h = blake3::Hasher::new();
    h.update(lang.name().as_bytes());
    h.update(&[0]);
    h.update(text.as_bytes());
    let mut out = [0; 16];
    out.copy_from_slice(&h.finalize().as_bytes()[..16]);
    out
}

#[derive(Serialize, Deserialize)]
struct Stored {
    entries: Vec<(Key, FileTags)>,
}

/// The cache in memory.
#[derive(Debug, Default)]
pub(crate) struct TagsCache {
    path: Option<PathBuf>,
    entries: HashMap<Key, Arc<FileTags>>,
    /// Why the file on disk was thrown away, if it was.
    pub warning: Option<String>,
}

impl TagsCache {
    /// No persistence: every run parses everything.
    pub fn disabled() -> Self {
        Self::default()
    }

    /// Loads the cache at `path`; a missing file is an empty cache, a
    /// corrupt or foreign one is discarded with a warning.
    pub fn load(path: PathBuf) -> Self {
        let mut cache = Self {
            path: Some(path),
            ..Self::default()
        };
        let Some(path) = cache.path.as_deref() else {
            return cache;
        };
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return cache,
            Err(e) => {
                cache.warn(format!(
                    "tags cache {}: {e}; parsing every file",
                    path.display()
                ));
                return cache;
            }
        };
        match decode(&bytes) {
            Ok(Some(entries)) => cache.entries = entries,
            Ok(None) => {
                tracing::info!(path = %path.display(), "tags cache from another version of distiq; rebuilding it");
            }
            Err(why) => {
                cache.warn(format!(
                    "tags cache {} is corrupt ({why}); discarding it and parsing every file",
                    path.display()
                ));
            }
        }
        cache
    }

    fn warn(&mut self, message: String) {
        tracing::warn!("{message}");
        self.warning = Some(message);
    }

    pub fn get(&self, key: &Key) -> Option<Arc<FileTags>> {
        self.entries.get(key).cloned()
    }

    /// Replaces the contents with exactly `live` (what this run saw) and
    /// writes the file if that changed anything. A failure to write is
    /// logged, not returned: the cache is an optimisation.
    pub fn store(&mut self, live: Vec<(Key, Arc<FileTags>)>) {
        let changed = live.len() != self.entries.len()
            || live.iter().any(|(k, _)| !self.entries.contains_key(k));
        self.entries = live.into_iter().collect();
        if !changed && self.warning.is_none() {
            return;
        }
        let Some(path) = self.path.clone() else {
            return;
        };
        if let Err(e) = self.write(&path) {
            tracing::warn!(path = %path.display(), error = %e, "could not write the tags cache; the next run parses again");
        }
    }

    fn write(&self, path: &Path) -> std::io::Result<()> {
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        // The cache directory is distiq's own: keep it out of the user's commits.
        let gitignore = dir.join(".gitignore");
        if !gitignore.exists() {
            std::fs::write(&gitignore, "*\n")?;
        }
        let mut entries: Vec<(&Key, &FileTags)> =
            self.entries.iter().map(|(k, v)| (k, v.as_ref())).collect();
        entries.sort_unstable_by_key(|(k, _)| **k);
        let body = postcard::to_stdvec(&StoredRef { entries })
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        let tmp = dir.join(format!(".tags.{}.tmp", std::process::id()));
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(MAGIC)?;
        f.write_all(&crate::lang::tags_fingerprint())?;
        f.write_all(&body)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path).inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
    }
}

#[derive(Serialize)]
struct StoredRef<'a> {
    entries: Vec<(&'a Key, &'a FileTags)>,
}

/// `Ok(None)`: a valid cache of another fingerprint. `Err`: not a cache.
fn decode(bytes: &[u8]) -> Result<Option<HashMap<Key, Arc<FileTags>>>, String> {
    let rest = bytes.strip_prefix(MAGIC.as_slice()).ok_or("bad header")?;
    let (fp, body) = rest.split_at_checked(16).ok_or("truncated header")?;
    if fp != crate::lang::tags_fingerprint() {
        return Ok(None);
    }
    let stored: Stored = postcard::from_bytes(body).map_err(|e| e.to_string())?;
    Ok(Some(
        stored
            .entries
            .into_iter()
            .map(|(k, v)| (k, Arc::new(v)))
            .collect(),
    ))
}
