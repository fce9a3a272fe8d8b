//! The chunk embeddings on disk: one vector per chunk text, keyed by the
//! text's hash, so an edit re-embeds only the definitions it changed.
//!
//! One file (`.distiq/cache/embeddings.bin` beside the tags cache): a magic,
//! the fingerprint of the model and of the chunk format, a generation
//! counter and the entry count, then per entry the key, the generation it
//! was last used in and 384 halves (788 bytes). Replaced atomically. A file
//! that does not add up is discarded with a warning; a vector that is not
//! of unit length when read (a flipped bit) is dropped and embedded again.
//! Past [`MAX_ENTRIES`] the least recently used entries go first. Loading
//! keeps the file's bytes and reads vectors in place when asked: a full
//! cache (39 MB) opens in about 22 ms, a 150k-line repository's in a few.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use distiq_embed::DIMENSION;

use super::half::{from_f16, to_f16};

const MAGIC: &[u8; 8] = b"DQEMBED\x01";
const HEADER: usize = 8 + 16 + 4 + 4;
const ENTRY: usize = 16 + 4 + DIMENSION * 2;

/// The most vectors kept (about 39 MB): several times the definitions of a
/// 150k-line repository.
pub(crate) const MAX_ENTRIES: usize = 50_000;

/// A chunk key: blake3 of the chunk format version and the chunk's text.
pub(crate) type ChunkKey = [u8; 16];

#[derive(Debug, Clone, Copy)]
struct Slot {
    /// Byte offset of the vector's halves (little-endian) in `data`.
    at: usize,
    /// The generation it was last used in.
    used: u32,
}

/// The embeddings in memory.
#[derive(Debug, Default)]
pub(crate) struct Store {
    path: Option<PathBuf>,
    fingerprint: [u8; 16],
    generation: u32,
    slots: HashMap<ChunkKey, Slot>,
    /// The file as read (vectors are used in place), then new vectors.
    data: Vec<u8>,
    dirty: bool,
    /// Why the file on disk was thrown away, if it was.
    pub warning: Option<String>,
}

impl Store {
    /// Loads the store at `path` (or an empty one in memory with `None`) for
    /// vectors made under `fingerprint`. A missing file is an empty store; a
    /// file of another fingerprint is replaced quietly; a corrupt one is
    /// replaced with a warning.
    pub fn load(path: Option<PathBuf>, fingerprint: [u8; 16]) -> Self {
        let mut store = Self {
            path,
            fingerprint,
            ..Self::default()
        };
        let Some(path) = store.path.clone() else {
            return store;
        };
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return store,
            Err(e) => {
                store.warn(format!(
                    "embeddings cache {}: {e}; embedding again",
                    path.display()
                ));
                return store;
            }
        };
        match store.decode(bytes) {
            Ok(true) => {}
            Ok(false) => {
                tracing::info!(path = %path.display(), "embeddings cache from another model or chunk format; rebuilding it");
            }
            Err(why) => {
                store.slots.clear();
                store.data.clear();
                store.warn(format!(
                    "embeddings cache {} is corrupt ({why}); discarding it and embedding again",
                    path.display()
                ));
            }
        }
        store
    }

    fn warn(&mut self, message: String) {
        tracing::warn!("{message}");
        self.warning = Some(message);
        self.dirty = true;
    }

    /// `Ok(false)`: a valid file of another fingerprint.
    fn decode(&mut self, bytes: Vec<u8>) -> Result<bool, String> {
        let rest = bytes.strip_prefix(MAGIC.as_slice()).ok_or("bad header")?;
        if rest.len() < HEADER - MAGIC.len() {
            return Err("truncated header".into());
        }
        let (fp, rest) = rest.split_at(16);
        if fp != self.fingerprint {
            return Ok(false);
        }
        let (generation, rest) = rest.split_at(4);
        let (count, body) = rest.split_at(4);
        let count = u32::from_le_bytes(le4(count)) as usize;
        if count > MAX_ENTRIES || body.len() != count * ENTRY {
            return Err(format!(
                "{count} entries announced, {} bytes of entries",
                body.len()
            ));
        }
        self.generation = u32::from_le_bytes(le4(generation));
        self.slots.reserve(count);
        for (i, entry) in body.chunks_exact(ENTRY).enumerate() {
            let (key, used) = entry.split_at(16);
            let mut k = [0; 16];
            k.copy_from_slice(key);
            let slot = Slot {
                at: HEADER + i * ENTRY + 20,
                used: u32::from_le_bytes(le4(used)),
            };
            if self.slots.insert(k, slot).is_some() {
                return Err("a key appears twice".into());
            }
        }
        self.data = bytes;
        Ok(true)
    }

    /// How many vectors it holds.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// The vector stored for `key`, as f32. A vector that is not of unit
    /// length is corrupt: it is dropped and `None` returned.
    pub fn get(&mut self, key: &ChunkKey) -> Option<Vec<f32>> {
        let slot = self.slots.get_mut(key)?;
        let v: Vec<f32> = self.data[slot.at..slot.at + DIMENSION * 2]
            .chunks_exact(2)
            .map(|h| from_f16(u16::from_le_bytes([h[0], h[1]])))
            .collect();
        let norm2: f32 = v.iter().map(|x| x * x).sum();
        // NaN fails this too.
        let unit = (norm2 - 1.0).abs() < 0.02;
        if !unit {
            tracing::warn!(
                norm2,
                "a cached chunk embedding is not a unit vector; embedding it again"
            );
            self.slots.remove(key);
            self.dirty = true;
            return None;
        }
        slot.used = self.generation.wrapping_add(1);
        Some(v)
    }

    /// Stores `vector` under `key` and returns it as read back (rounded to
    /// half precision), so a fresh vector scores exactly as a cached one.
    pub fn insert(&mut self, key: ChunkKey, vector: &[f32]) -> Vec<f32> {
        let halves: Vec<u16> = vector.iter().map(|&x| to_f16(x)).collect();
        let back = halves.iter().map(|&h| from_f16(h)).collect();
        let at = self.data.len();
        self.data
            .extend(halves.iter().flat_map(|h| h.to_le_bytes()));
        self.slots.insert(
            key,
            Slot {
                at,
                used: self.generation.wrapping_add(1),
            },
        );
        self.dirty = true;
        back
    }

    /// Writes the store if this run added or dropped anything. A failure to
    /// write is logged and returned as a message: the cache is an
    /// optimisation, it never stops a run.
    pub fn save(&mut self) -> Option<String> {
        if !self.dirty {
            return None;
        }
        let path = self.path.clone()?;
        match self.write(&path) {
            Ok(()) => {
                self.dirty = false;
                None
            }
            Err(e) => {
                let message = format!(
                    "could not write the embeddings cache {}: {e}; the next run embeds again",
                    path.display()
                );
                tracing::warn!("{message}");
                Some(message)
            }
        }
    }

    fn write(&mut self, path: &Path) -> std::io::Result<()> {
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let gitignore = dir.join(".gitignore");
        if dir.file_name().is_some_and(|n| n == "cache") && !gitignore.exists() {
            std::fs::write(&gitignore, "*\n")?;
        }
        let mut keep: Vec<(&ChunkKey, &Slot)> = self.slots.iter().collect();
        if keep.len() > MAX_ENTRIES {
            keep.sort_unstable_by(|a, b| b.1.used.cmp(&a.1.used).then(a.0.cmp(b.0)));
            keep.truncate(MAX_ENTRIES);
        }
        keep.sort_unstable_by_key(|(k, _)| **k);
        let generation = self.generation.wrapping_add(1);
        let mut out = Vec::with_capacity(HEADER + keep.len() * ENTRY);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.fingerprint);
        out.extend_from_slice(&generation.to_le_bytes());
        let count = u32::try_from(keep.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&count.to_le_bytes());
        for (key, slot) in &keep {
            out.extend_from_slice(*key);
            out.extend_from_slice(&slot.used.to_le_bytes());
            out.extend_from_slice(&self.data[slot.at..slot.at + DIMENSION * 2]);
        }
        let tmp = dir.join(format!(".embeddings.{}.tmp", std::process::id()));
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&out)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path).inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })?;
        self.generation = generation;
        Ok(())
    }
}

fn le4(b: &[u8]) -> [u8; 4] {
    let mut out = [0; 4];
    out.copy_from_slice(&b[..4]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(i: usize) -> Vec<f32> {
        let mut v = vec![0.0; DIMENSION];
        v[i] = 0.6;
        v[i + 1] = 0.8;
        v
    }

    #[test]
    fn vectors_survive_a_save_and_load() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("embeddings.bin");
        let mut s = Store::load(Some(path.clone()), [7; 16]);
        let back = s.insert([1; 16], &unit(3));
        s.insert([2; 16], &unit(10));
        assert_eq!(s.save(), None);
        let mut s = Store::load(Some(path.clone()), [7; 16]);
        assert_eq!(s.warning, None);
        assert_eq!(s.len(), 2);
        assert_eq!(s.get(&[1; 16]), Some(back));
        assert!(s.get(&[3; 16]).is_none());
        // Another model's vectors are not used.
        let s = Store::load(Some(path), [8; 16]);
        assert_eq!((s.len(), s.warning), (0, None));
    }

    #[test]
    fn a_corrupt_file_is_discarded_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("embeddings.bin");
        let mut s = Store::load(Some(path.clone()), [7; 16]);
        s.insert([1; 16], &unit(3));
        s.save();
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.truncate(bytes.len() - 5);
        std::fs::write(&path, &bytes).unwrap();
        let mut s = Store::load(Some(path.clone()), [7; 16]);
        assert_eq!(s.len(), 0);
        assert!(s.warning.as_deref().unwrap().contains("corrupt"));
        // Saving replaces the bad file even with nothing new.
        assert_eq!(s.save(), None);
        assert!(Store::load(Some(path.clone()), [7; 16]).warning.is_none());
        std::fs::write(&path, b"garbage").unwrap();
        assert!(Store::load(Some(path), [7; 16]).warning.is_some());
    }

    #[test]
    fn a_vector_damaged_on_disk_is_dropped_when_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("embeddings.bin");
        let mut s = Store::load(Some(path.clone()), [7; 16]);
        s.insert([1; 16], &unit(3));
        s.save();
        let mut bytes = std::fs::read(&path).unwrap();
        // The first half of the vector becomes 1.0.
        let at = HEADER + 16 + 4;
        bytes[at..at + 2].copy_from_slice(&0x3c00u16.to_le_bytes());
        std::fs::write(&path, &bytes).unwrap();
        let mut s = Store::load(Some(path), [7; 16]);
        assert_eq!(s.len(), 1);
        assert!(s.get(&[1; 16]).is_none());
        assert_eq!(s.len(), 0);
    }
}
