//! The trained router on disk, so that a cold process does not retrain:
//! `<dir>/<key>.bin`, keyed by a hash of the exemplars and of the
//! embedding model's files. A file that cannot be trusted is removed and
//! rebuilt with a [`Warning`], never a crash.

use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use distiq_embed::{EmbedderPaths, MAX_TOKENS};

use crate::classifier::Trained;
use crate::{Error, Exemplars, Result};

/// Bumped whenever [`Trained`] or the training changes meaning.
const FORMAT: &[u8; 8] = b"DQROUTE6";
/// Model files older than the newest this many are deleted on a write.
const KEEP: usize = 8;

/// Something the user should know that did not stop routing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning(pub String);

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Identifies the embedding model's files by content: a router trained on
/// one model's embeddings is useless with another's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelFingerprint([u8; 32]);

impl ModelFingerprint {
    /// Hashes `model.onnx` and `tokenizer.json` of the model at `paths`.
    ///
    /// A missing file is the embedding crate's own error, which says what to
    /// run.
    pub fn of(paths: &EmbedderPaths) -> Result<Self> {
        let mut hasher = blake3::Hasher::new();
        hasher.update(&(MAX_TOKENS as u64).to_le_bytes());
        for name in MODEL_FILES {
            let path = model_file(paths, name)?;
            let bytes = std::fs::read(&path).map_err(|source| Error::Read { path, source })?;
            hasher.update(&bytes);
        }
        Ok(Self(*hasher.finalize().as_bytes()))
    }

    /// [`of`](Self::of), remembered in `store` by the files' size and
    /// modification time: a cold process then reads two small files instead
    /// of hashing the 23 MB model. A stale or unreadable memo is rehashed.
    pub fn of_cached(paths: &EmbedderPaths, store: Option<&ModelStore>) -> Result<Self> {
        let Some(store) = store else {
            return Self::of(paths);
        };
        let mut stamp = String::new();
        for name in MODEL_FILES {
            let path = model_file(paths, name)?;
            let meta = path.metadata().map_err(|source| Error::Read {
                path: path.clone(),
                source,
            })?;
            let modified = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            stamp.push_str(&format!("{name} {} {modified}\n", meta.len()));
        }
        let where_ = paths
            .model_dir
            .canonicalize()
            .unwrap_or_else(|_| paths.model_dir.clone());
        let memo = store.dir.join(format!(
            "fingerprint-{}.txt",
            &blake3::hash(where_.as_os_str().as_encoded_bytes()).to_hex()[..16]
        ));
        if let Ok(text) = std::fs::read_to_string(&memo)
            && let Some((hex, rest)) = text.split_once('\n')
            && rest == stamp
            && let Ok(hash) = blake3::Hash::from_hex(hex)
        {
            return Ok(Self(*hash.as_bytes()));
        }
        let fingerprint = Self::of(paths)?;
        let text = format!("{}\n{stamp}", blake3::Hash::from(fingerprint.0).to_hex());
        // A memo that cannot be written only costs the next start a rehash.
        let _ = std::fs::create_dir_all(&store.dir)
            .and_then(|()| write_atomically(&memo, text.as_bytes()));
        Ok(fingerprint)
    }

    /// A fingerprint from raw bytes (tests).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }
}

/// The model files whose content decides the embeddings.
const MODEL_FILES: [&str; 2] = ["model.onnx", "tokenizer.json"];

fn model_file(paths: &EmbedderPaths, name: &'static str) -> Result<PathBuf> {
    let path = paths.model_dir.join(name);
    if path.is_file() {
        Ok(path)
    } else {
        Err(Error::Embed(distiq_embed::Error::ModelMissing {
            dir: paths.model_dir.clone(),
            missing: vec![name],
        }))
    }
}

/// Writes `bytes` to a temporary file beside `path` and renames it into
/// place, so a reader never sees half a file.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}

/// Where trained routers are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelStore {
    dir: PathBuf,
}

impl ModelStore {
    /// A store in `dir` (created on the first write).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// `$XDG_CACHE_HOME/distiq/router`, else `$HOME/.cache/distiq/router`,
    /// from an environment lookup (no process state is read here). `None`
    /// without either variable; a relative `XDG_CACHE_HOME` is ignored, as
    /// the XDG spec says.
    pub fn default_dir(env: impl Fn(&str) -> Option<String>) -> Option<PathBuf> {
        let non_empty = |name: &str| env(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        non_empty("XDG_CACHE_HOME")
            .filter(|p| p.is_absolute())
            .or_else(|| non_empty("HOME").map(|home| home.join(".cache")))
            .map(|base| base.join("distiq").join("router"))
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file a router for `exemplars` on `model` lives in.
    pub fn path_for(&self, exemplars: &Exemplars, model: &ModelFingerprint) -> PathBuf {
        self.dir
            .join(format!("{}.bin", key(exemplars, model).to_hex()))
    }

    /// The stored router for `exemplars` on `model`, if there is one that
    /// can be trusted. A damaged file is deleted and reported.
    pub(crate) fn read(
        &self,
        exemplars: &Exemplars,
        model: &ModelFingerprint,
    ) -> (Option<Trained>, Option<Warning>) {
        let path = self.path_for(exemplars, model);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (None, None),
            Err(e) => {
                return (
                    None,
                    Some(Warning(format!(
                        "could not read the router model cache {}: {e}; retraining",
                        path.display()
                    ))),
                );
            }
        };
        match decode(&bytes, &key(exemplars, model), exemplars.len()) {
            Ok(trained) => (Some(trained), None),
            Err(why) => {
                // Best effort: the rewrite after retraining replaces it anyway.
                let _ = std::fs::remove_file(&path);
                (
                    None,
                    Some(Warning(format!(
                        "the router model cache {} is corrupt ({why}); it was removed and the \
                         router retrained",
                        path.display()
                    ))),
                )
            }
        }
    }

    /// Stores a trained router, atomically (a temporary file renamed into
    /// place), and prunes old ones. Failure is a warning: routing works
    /// without a cache, only the next cold start is slower.
    pub(crate) fn write(
        &self,
        exemplars: &Exemplars,
        model: &ModelFingerprint,
        trained: &Trained,
    ) -> Option<Warning> {
        let path = self.path_for(exemplars, model);
        let result = encode(trained, &key(exemplars, model)).and_then(|bytes| {
            std::fs::create_dir_all(&self.dir)?;
            write_atomically(&path, &bytes)
        });
        match result {
            Ok(()) => {
                self.prune();
                None
            }
            Err(e) => Some(Warning(format!(
                "could not save the router model cache {}: {e}; the next start will retrain",
                path.display()
            ))),
        }
    }

    fn prune(&self) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let mut files: Vec<(std::time::SystemTime, PathBuf)> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "bin"))
            .filter_map(|p| Some((p.metadata().ok()?.modified().ok()?, p)))
            .collect();
        files.sort_by_key(|(modified, _)| std::cmp::Reverse(*modified));
        for (_, old) in files.into_iter().skip(KEEP) {
            let _ = std::fs::remove_file(old);
        }
    }
}

fn key(exemplars: &Exemplars, model: &ModelFingerprint) -> blake3::Hash {
    let mut hasher = blake3::Hasher::new();
    hasher.update(FORMAT);
    hasher.update(&model.0);
    hasher.update(&exemplars.digest());
    // A change to how the router trains makes a new file too.
    hasher.update(crate::classifier::settings().as_bytes());
    hasher.finalize()
}

/// `FORMAT`, the key, the payload's length, the payload (postcard), and a
/// hash of the payload.
fn encode(trained: &Trained, key: &blake3::Hash) -> std::io::Result<Vec<u8>> {
    let payload = postcard::to_stdvec(trained).map_err(std::io::Error::other)?;
    let mut out = Vec::with_capacity(payload.len() + 80);
    out.extend_from_slice(FORMAT);
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(blake3::hash(&payload).as_bytes());
    Ok(out)
}

fn decode(
    bytes: &[u8],
    key: &blake3::Hash,
    exemplars: usize,
) -> std::result::Result<Trained, String> {
    let header = FORMAT.len() + 32 + 8;
    if bytes.len() < header + 32 {
        return Err(format!("{} bytes is too short", bytes.len()));
    }
    if &bytes[..FORMAT.len()] != FORMAT {
        return Err("not a router model file of this version".to_owned());
    }
    if &bytes[FORMAT.len()..FORMAT.len() + 32] != key.as_bytes() {
        return Err("it was written for other exemplars or another model".to_owned());
    }
    let mut len = [0u8; 8];
    len.copy_from_slice(&bytes[FORMAT.len() + 32..header]);
    let len = usize::try_from(u64::from_le_bytes(len)).unwrap_or(usize::MAX);
    if bytes.len() != header.saturating_add(len).saturating_add(32) {
        return Err("truncated or padded".to_owned());
    }
    let payload = &bytes[header..header + len];
    if blake3::hash(payload).as_bytes() != &bytes[header + len..] {
        return Err("checksum mismatch".to_owned());
    }
    let trained: Trained = postcard::from_bytes(payload).map_err(|e| e.to_string())?;
    if !trained.is_consistent(exemplars) {
        return Err("its shapes do not match the exemplars".to_owned());
    }
    Ok(trained)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_dir_prefers_an_absolute_xdg_cache_home() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        assert_eq!(
            ModelStore::default_dir(env(&[("XDG_CACHE_HOME", "/c"), ("HOME", "/h")])),
            Some(PathBuf::from("/c/distiq/router"))
        );
        assert_eq!(
            ModelStore::default_dir(env(&[("XDG_CACHE_HOME", "rel"), ("HOME", "/h")])),
            Some(PathBuf::from("/h/.cache/distiq/router"))
        );
        assert_eq!(ModelStore::default_dir(env(&[])), None);
    }
}
