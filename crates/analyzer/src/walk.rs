//! The repository walk: which files the analyzer looks at.
//!
//! `ignore` does the walking, so `.gitignore` (also outside a git checkout),
//! `.ignore` and the repository's `.distiqignore` all apply, and hidden
//! files and directories (`.git`, `.distiq`) are left out. Symbolic links are
//! never followed: a link cannot lead the walk out of the repository or round
//! a loop.

use std::fs::File;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use crate::lang::Lang;

/// The name of distiq's own ignore file, with `.gitignore` syntax.
pub const IGNORE_FILE: &str = ".distiqignore";

/// How many leading bytes decide whether a file is binary (a NUL among them).
pub(crate) const SNIFF_LEN: usize = 8 * 1024;

/// A file the walk found.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    /// Path relative to the root, with `/` separators.
    pub rel: String,
    /// Path on disk.
    pub abs: PathBuf,
    /// Size from the directory entry's metadata.
    pub size: u64,
    /// Language from the extension, if the analyzer parses it.
    pub lang: Option<Lang>,
}

/// What the walk found and what it left out.
#[derive(Debug, Default)]
pub(crate) struct Walked {
    pub files: Vec<Candidate>,
    pub too_large: Vec<String>,
    pub symlinks: usize,
    pub errors: usize,
}

/// Walks `root` (already canonical), sorted by path for determinism.
pub(crate) fn walk(root: &Path, max_file_size: u64) -> Walked {
    let mut out = Walked::default();
    let walker = ignore::WalkBuilder::new(root)
        .follow_links(false)
        .hidden(true)
        .parents(false)
        .require_git(false)
        .git_global(false)
        .add_custom_ignore_filename(IGNORE_FILE)
        .build();
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(err) => {
                tracing::debug!(%err, "skipping an unreadable path");
                out.errors += 1;
                continue;
            }
        };
        let Some(ft) = entry.file_type() else {
            continue;
        };
        if ft.is_symlink() {
            out.symlinks += 1;
            continue;
        }
        if !ft.is_file() {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(root) else {
            continue;
        };
        let rel = rel_string(rel);
        let size = match entry.metadata() {
            Ok(m) => m.len(),
            Err(_) => {
                out.errors += 1;
                continue;
            }
        };
        if size > max_file_size {
            out.too_large.push(rel);
            continue;
        }
        let lang = Lang::from_path(&rel);
        out.files.push(Candidate {
            rel,
            abs: entry.into_path(),
            size,
            lang,
        });
    }
    out.files.sort_by(|a, b| a.rel.cmp(&b.rel));
    out.too_large.sort();
    out
}

/// A relative path with `/` separators on every platform.
fn rel_string(rel: &Path) -> String {
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}

/// A file's contents as the analyzer sees them.
#[derive(Debug)]
pub(crate) enum Contents {
    /// Text (decoded lossily if it was not UTF-8: `lossy` says so).
    Text { text: String, lossy: bool },
    /// A NUL byte in the first 8 KB.
    Binary,
    /// It grew past the limit since the walk.
    TooLarge,
}

/// Reads a file of at most `limit` bytes; never more than `limit + 1` bytes
/// are read, whatever the file has become since it was listed.
pub(crate) fn read(path: &Path, limit: u64) -> std::io::Result<Contents> {
    let file = File::open(path)?;
    let mut buf = Vec::new();
    file.take(limit.saturating_add(1)).read_to_end(&mut buf)?;
    if buf.len() as u64 > limit {
        return Ok(Contents::TooLarge);
    }
    if is_binary(&buf) {
        return Ok(Contents::Binary);
    }
    Ok(match String::from_utf8(buf) {
        Ok(text) => Contents::Text { text, lossy: false },
        Err(e) => Contents::Text {
            text: String::from_utf8_lossy(e.as_bytes()).into_owned(),
            lossy: true,
        },
    })
}

/// Whether a file that is not parsed is text: reads its first 8 KB only.
pub(crate) fn sniff_text(path: &Path) -> std::io::Result<bool> {
    let mut head = Vec::with_capacity(SNIFF_LEN);
    File::open(path)?
        .take(SNIFF_LEN as u64)
        .read_to_end(&mut head)?;
    Ok(!is_binary(&head))
}

fn is_binary(bytes: &[u8]) -> bool {
    bytes[..bytes.len().min(SNIFF_LEN)].contains(&0)
}
