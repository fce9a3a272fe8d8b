//! Paths confined to the repository.
//!
//! Every path a plan or an edit names goes through [`RepoPath::new`] before
//! anything reads or writes it. The checks are lexical first (absolute
//! paths, `..`, `.git/`, `.distiq/`) and then physical: each component that
//! exists is looked at on disk, and a symlink is followed only if it stays
//! inside the repository. The result is the file's real location relative
//! to the root, so a write through an in-repo symlink lands on its target
//! and the symlink itself stays a symlink.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use crate::error::{Error, PathRejection, Result};

/// A file path inside a repository, checked: relative, without `..`, not in
/// `.git/` or `.distiq/`, and not leaving the repository through a symlink.
///
/// The file itself need not exist (a file to be created), but it is never a
/// directory.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RepoPath {
    /// Where the file really is, relative to the repository root.
    rel: PathBuf,
    /// The path as it was given, for messages.
    given: String,
}

impl RepoPath {
    /// Checks `given` against the repository at `root`.
    ///
    /// # Errors
    ///
    /// [`Error::Path`] naming the path and why it is refused, or
    /// [`Error::Io`] when the root or a component cannot be inspected.
    pub fn new(root: &Path, given: &str) -> Result<Self> {
        let refuse = |reason| Error::path(given, reason);
        let parts = lexical_parts(given).map_err(refuse)?;
        let canon_root = root.canonicalize().map_err(|e| Error::io(root, e))?;

        let mut cur = canon_root.clone();
        for (i, part) in parts.iter().enumerate() {
            let next = cur.join(part);
            let meta = match fs::symlink_metadata(&next) {
                Ok(meta) => meta,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    // Nothing exists from here on: the rest is plain names.
                    cur = parts[i..].iter().fold(cur, |p, c| p.join(c));
                    break;
                }
                Err(e) => return Err(Error::io(next, e)),
            };
            if meta.file_type().is_symlink() {
                let target = fs::read_link(&next).map_err(|e| Error::io(&next, e))?;
                let resolved = match next.canonicalize() {
                    Ok(resolved) => resolved,
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {
                        return Err(refuse(PathRejection::BrokenSymlink { target }));
                    }
                    Err(e) => return Err(Error::io(next, e)),
                };
                if !resolved.starts_with(&canon_root) {
                    return Err(refuse(PathRejection::SymlinkOutside { target: resolved }));
                }
                cur = resolved;
            } else {
                cur = next;
            }
            let is_last = i + 1 == parts.len();
            if !is_last && cur.is_file() {
                let component = parts[..=i].iter().collect::<PathBuf>();
                return Err(refuse(PathRejection::NotADirectory { component }));
            }
        }

        let rel = cur
            .strip_prefix(&canon_root)
            .map(Path::to_path_buf)
            .unwrap_or_default();
        // A symlink may have led back into a forbidden place.
        match rel.components().next() {
            None => return Err(refuse(PathRejection::IsADirectory)),
            Some(Component::Normal(first)) if is_git_dir(first) => {
                return Err(refuse(PathRejection::GitDir));
            }
            Some(Component::Normal(first)) if first == ".distiq" => {
                return Err(refuse(PathRejection::DistiqDir));
            }
            _ => {}
        }
        if rel
            .components()
            .any(|c| matches!(c, Component::Normal(n) if is_git_dir(n)))
        {
            return Err(refuse(PathRejection::GitDir));
        }
        if cur.is_dir() {
            return Err(refuse(PathRejection::IsADirectory));
        }
        Ok(Self {
            rel,
            given: given.to_owned(),
        })
    }

    /// The file's real location relative to the repository root.
    pub fn as_path(&self) -> &Path {
        &self.rel
    }

    /// The path as it was given.
    pub fn given(&self) -> &str {
        &self.given
    }

    /// The relative path with `/` separators, as git writes it.
    pub fn to_slash(&self) -> String {
        self.rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/")
    }

    /// The absolute path under `root`.
    pub fn abs(&self, root: &Path) -> PathBuf {
        root.join(&self.rel)
    }
}

impl fmt::Display for RepoPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_slash())
    }
}

/// The normal components of `given`, or why it is refused without looking
/// at the disk.
fn lexical_parts(given: &str) -> std::result::Result<Vec<&std::ffi::OsStr>, PathRejection> {
    let path = Path::new(given);
    if path.is_absolute() || given.starts_with('/') || given.starts_with('\\') {
        return Err(PathRejection::Absolute);
    }
    let mut parts = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(name) => parts.push(name),
            Component::CurDir => {}
            Component::ParentDir => return Err(PathRejection::ParentDir),
            Component::RootDir | Component::Prefix(_) => return Err(PathRejection::Absolute),
        }
    }
    match parts.first() {
        None => Err(PathRejection::Empty),
        Some(first) if *first == ".distiq" => Err(PathRejection::DistiqDir),
        Some(_) if parts.iter().any(|p| is_git_dir(p)) => Err(PathRejection::GitDir),
        Some(_) => Ok(parts),
    }
}

/// `.git`, in any case (case-insensitive file systems treat `.GIT` alike).
fn is_git_dir(name: &std::ffi::OsStr) -> bool {
    name.to_str()
        .is_some_and(|n| n.eq_ignore_ascii_case(".git"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexical_checks_refuse_before_touching_the_disk() {
        assert_eq!(lexical_parts(""), Err(PathRejection::Empty));
        assert_eq!(lexical_parts("./"), Err(PathRejection::Empty));
        assert_eq!(lexical_parts("/etc/passwd"), Err(PathRejection::Absolute));
        assert_eq!(lexical_parts("a/../../x"), Err(PathRejection::ParentDir));
        assert_eq!(lexical_parts(".git/config"), Err(PathRejection::GitDir));
        assert_eq!(lexical_parts("sub/.GIT/HEAD"), Err(PathRejection::GitDir));
        assert_eq!(
            lexical_parts(".distiq/journal/x.json"),
            Err(PathRejection::DistiqDir)
        );
        assert!(lexical_parts("./src/.gitignore").is_ok());
        assert!(lexical_parts(".distiq.toml").is_ok());
    }
}
