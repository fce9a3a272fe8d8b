//! The optimised model file: `model.onnx` as ONNX Runtime optimises it for
//! this runtime, saved once in ORT format and read in place afterwards.
//!
//! Building the session from `model.onnx` optimises the graph every time
//! (190-300 ms on a 2-core machine, most of a cold `distiq route`); from the
//! saved file it takes 40-80 ms and less memory (BENCHMARKS.md).
//!
//! The file is named after what it was made from: the model's content hash,
//! the runtime build and the optimisation level. A changed model or runtime
//! therefore never loads a stale file; it makes a new one. It is written
//! under a temporary name and renamed into place, so racing processes and
//! crashes never leave half a file under the real name. It lives beside the
//! model when that folder is writable, else in the user's cache folder.
//!
//! Finding it costs no hashing of the 23 MB model on a warm start: the hash
//! is remembered beside the file with the model's size and modification
//! time, and recomputed when either changes.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::UNIX_EPOCH;

use crate::session::OPTIMISATION_NAME;

/// A folder where optimised files may be, with the memo of the model's
/// hash that names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Store {
    dir: PathBuf,
    /// The memo's file name: one per model folder, since the cache folder
    /// holds the files of every model folder this user has run.
    memo: String,
    /// Whether this is the model folder itself, whose files were all made
    /// from its one `model.onnx`.
    beside_model: bool,
}

impl Store {
    /// The places to look, in order: the model folder itself, then
    /// `<cache>/distiq/optimised-models` (when a cache folder is known).
    pub(crate) fn candidates(model_dir: &Path, cache_dir: Option<&Path>) -> Vec<Self> {
        let mut stores = vec![Self {
            dir: model_dir.to_path_buf(),
            memo: "model.onnx.blake3".to_owned(),
            beside_model: true,
        }];
        if let Some(cache) = cache_dir {
            let canonical = model_dir
                .canonicalize()
                .unwrap_or_else(|_| model_dir.to_path_buf());
            let key = blake3::hash(canonical.as_os_str().as_encoded_bytes()).to_hex();
            stores.push(Self {
                dir: cache.join("distiq").join("optimised-models"),
                memo: format!("model.onnx.{}.blake3", &key[..16]),
                beside_model: false,
            });
        }
        stores
    }

    #[cfg(test)]
    fn dir(&self) -> &Path {
        &self.dir
    }

    /// The model's hash as remembered here, if the memo matches `stamp`.
    pub(crate) fn remembered(&self, stamp: &str) -> Option<String> {
        let text = fs::read_to_string(self.dir.join(&self.memo)).ok()?;
        let (hash, rest) = text.split_once('\n')?;
        (rest == stamp && hash.len() == 64).then(|| hash.to_owned())
    }

    /// Remembers the model's hash; failing only costs a rehash next time.
    pub(crate) fn remember(&self, stamp: &str, hash: &str) {
        let _ = write_atomically(
            &self.dir.join(&self.memo),
            format!("{hash}\n{stamp}").as_bytes(),
        );
    }

    /// The optimised file for a model of `hash` on `runtime`.
    pub(crate) fn file(&self, hash: &str, runtime: &str) -> PathBuf {
        self.dir.join(file_name(hash, runtime))
    }

    /// Deletes the files made from an earlier `model.onnx` of the model
    /// folder (23 MB each; a changed model never reads them again). Files of
    /// the same model for another runtime stay, and so does everything in
    /// the cache folder, which other model folders share.
    pub(crate) fn forget_other_models(&self, hash: &str) {
        if !self.beside_model {
            return;
        }
        let keep = format!("model-{}-", hash.get(..16).unwrap_or(hash));
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with("model-") && name.ends_with(".ort") && !name.starts_with(&keep) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }

    /// A new, empty temporary file for `target`, created here to prove the
    /// folder writable. `None` when it is not.
    pub(crate) fn temporary(&self, target: &Path) -> Option<PathBuf> {
        fs::create_dir_all(&self.dir).ok()?;
        let path = temporary_beside(target);
        File::create_new(&path).ok()?;
        Some(path)
    }
}

/// `model-<model hash>-<runtime>-<level>.ort`.
pub(crate) fn file_name(hash: &str, runtime: &str) -> String {
    let hash = hash.get(..16).unwrap_or(hash);
    format!("model-{hash}-{runtime}-{OPTIMISATION_NAME}.ort")
}

/// Identifies the loaded ONNX Runtime build: its commit, and a hash of its
/// whole build description. Call only once the runtime is loaded.
pub(crate) fn runtime_key() -> String {
    let info = ort::info();
    let commit = info
        .split(|c: char| c == ',' || c.is_whitespace())
        .find_map(|part| part.strip_prefix("git-commit-id="))
        .filter(|commit| commit.chars().all(|c| c.is_ascii_alphanumeric()))
        .unwrap_or("unknown");
    let build = blake3::hash(info.as_bytes()).to_hex();
    format!("ort-{commit}.{}", &build[..8])
}

/// What identifies the model file's content cheaply: its size and
/// modification time (changed by every rewrite, e.g. `./models/fetch`).
pub(crate) fn stamp(onnx: &Path) -> Option<String> {
    let meta = onnx.metadata().ok()?;
    let modified = meta
        .modified()
        .ok()
        .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |since| since.as_nanos());
    Some(format!("{} {modified}", meta.len()))
}

/// The model's content hash, in hex.
pub(crate) fn hash(onnx: &[u8]) -> String {
    blake3::hash(onnx).to_hex().to_string()
}

/// The user's cache folder: `$XDG_CACHE_HOME` when absolute, else
/// `$HOME/.cache`.
pub(crate) fn user_cache_dir() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|value| !value.is_empty());
    var("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|path| path.is_absolute())
        .or_else(|| var("HOME").map(|home| PathBuf::from(home).join(".cache")))
}

/// A name beside `target` that no other process or thread uses.
fn temporary_beside(target: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = target
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(
        ".{name}.tmp-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ))
}

/// Writes `bytes` under a temporary name and renames it to `path`.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let temporary = temporary_beside(path);
    let written = File::create_new(&temporary).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    let renamed = written.and_then(|()| fs::rename(&temporary, path));
    if renamed.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    renamed
}

/// Moves a finished temporary file to its real name, durably: a crash
/// after this leaves the whole file or none.
pub(crate) fn publish(temporary: &Path, target: &Path) -> std::io::Result<()> {
    File::open(temporary)?.sync_all()?;
    let renamed = fs::rename(temporary, target);
    if renamed.is_err() {
        let _ = fs::remove_file(temporary);
    }
    renamed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_model_folder_comes_first_then_a_per_folder_memo_in_the_cache() {
        let stores = Store::candidates(Path::new("/m/model"), Some(Path::new("/home/u/.cache")));
        assert_eq!(stores[0].dir(), Path::new("/m/model"));
        assert_eq!(
            stores[1].dir(),
            Path::new("/home/u/.cache/distiq/optimised-models")
        );
        let other = Store::candidates(Path::new("/n/model"), Some(Path::new("/home/u/.cache")));
        assert_ne!(stores[1].memo, other[1].memo);
        assert_eq!(Store::candidates(Path::new("/m/model"), None).len(), 1);
    }

    #[test]
    fn a_new_model_clears_the_files_of_the_old_one_only_beside_the_model() {
        let root = tempfile::tempdir().expect("tempdir");
        let (model, cache) = (root.path().join("model"), root.path().join("cache"));
        let stores = Store::candidates(&model, Some(&cache));
        let (old, new) = (hash(b"old model"), hash(b"new model"));
        let mut made = Vec::new();
        for store in &stores {
            fs::create_dir_all(&store.dir).expect("mkdir");
            for (hash, runtime) in [(&old, "ort-a"), (&new, "ort-a"), (&new, "ort-b")] {
                let file = store.file(hash, runtime);
                fs::write(&file, b"ort").expect("write");
                made.push(file);
            }
            fs::write(store.dir.join("notes.txt"), b"mine").expect("write");
        }
        for store in &stores {
            store.forget_other_models(&new);
        }
        let left: Vec<bool> = made.iter().map(|file| file.exists()).collect();
        assert_eq!(left, [false, true, true, true, true, true]);
        assert!(model.join("notes.txt").exists());
    }

    #[test]
    fn the_file_name_changes_with_the_model_and_the_runtime() {
        let a = hash(b"model a");
        let b = hash(b"model b");
        assert_ne!(file_name(&a, "ort1.32.0.x"), file_name(&b, "ort1.32.0.x"));
        assert_ne!(file_name(&a, "ort1.32.0.x"), file_name(&a, "ort1.33.0.x"));
        assert!(file_name(&a, "r").ends_with(".ort"));
    }

    #[test]
    fn the_memo_is_used_only_while_the_stamp_matches() {
        let dir = tempfile::tempdir().unwrap();
        let store = &Store::candidates(dir.path(), None)[0];
        let hash = hash(b"model");
        assert_eq!(store.remembered("10 1"), None);
        store.remember("10 1", &hash);
        assert_eq!(store.remembered("10 1"), Some(hash));
        assert_eq!(store.remembered("10 2"), None);
    }

    #[test]
    fn a_temporary_file_is_unique_and_a_folder_that_cannot_be_made_gives_none() {
        let dir = tempfile::tempdir().unwrap();
        let store = &Store::candidates(dir.path(), None)[0];
        let target = store.file(&hash(b"m"), "r");
        let first = store.temporary(&target).unwrap();
        let second = store.temporary(&target).unwrap();
        assert_ne!(first, second);
        assert!(first.is_file() && second.is_file());
        fs::write(&first, b"done").unwrap();
        publish(&first, &target).unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"done");

        // A plain file where the folder should be.
        let blocked = dir.path().join("file");
        fs::write(&blocked, b"").unwrap();
        let store = &Store::candidates(&blocked.join("model"), None)[0];
        assert_eq!(store.temporary(&store.file("h", "r")), None);
    }
}
