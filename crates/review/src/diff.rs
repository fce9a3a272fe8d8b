//! What changed, read with git2: the files under review, their old and new
//! contents, and their hunks with line numbers and surrounding context.

use std::path::{Path, PathBuf};

use git2::{Delta, DiffOptions, FileMode, Index, Patch, Repository, RevparseMode, Tree};

use crate::{Error, Result};

/// What to review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// What is staged: what `git commit` would record. `index_file` is the
    /// index git names in `GIT_INDEX_FILE` while a hook runs (`git commit
    /// -a` and `git commit <paths>` commit from a temporary index).
    Staged {
        /// The index to read instead of the repository's own.
        index_file: Option<PathBuf>,
    },
    /// Every uncommitted change: staged, unstaged and untracked files.
    Worktree,
    /// The commits of a range, `A..B` or `A...B`.
    Range(String),
    /// These files (or the tracked files under these directories), whole,
    /// as they are on disk.
    Paths(Vec<PathBuf>),
}

impl Target {
    /// How the target is named in reports.
    pub fn label(&self) -> String {
        match self {
            Target::Staged { .. } => "staged".to_owned(),
            Target::Worktree => "worktree".to_owned(),
            Target::Range(spec) => spec.clone(),
            Target::Paths(_) => "paths".to_owned(),
        }
    }
}

/// How a file changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// New in this change.
    Added,
    /// Changed.
    Modified,
    /// Renamed (perhaps also changed).
    Renamed,
    /// Reviewed whole (`Target::Paths`): every line counts as added.
    Whole,
}

/// One line of a hunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// `+` added, `-` removed, ` ` context.
    pub origin: char,
    /// Its number in the new file (added and context lines).
    pub new_lineno: Option<u32>,
    /// The text, without its line ending.
    pub text: String,
}

/// A run of changed lines with their context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hunk {
    /// The `@@ -a,b +c,d @@` header.
    pub header: String,
    /// Its lines in order.
    pub lines: Vec<Line>,
}

/// A file under review. Deleted files, submodules and symlinks are not
/// reviewed and never appear here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedFile {
    /// Relative to the repository root, `/`-separated.
    pub path: String,
    /// How it changed.
    pub status: Status,
    /// Its new contents, unless it is larger than the limit it was read
    /// with (then `size` says how large).
    pub new: Option<Vec<u8>>,
    /// Its old contents, when it existed before (and was not too large).
    pub old: Option<Vec<u8>>,
    /// Its new size in bytes.
    pub size: u64,
    /// Its old size in bytes, if it existed.
    pub old_size: Option<u64>,
    /// Whether it is binary (a NUL byte in its first 8000 bytes, as git judges).
    pub binary: bool,
    /// The hunks, with context lines.
    pub hunks: Vec<Hunk>,
}

impl ChangedFile {
    /// The new text, if the file is text that was read.
    pub fn text(&self) -> Option<&str> {
        if self.binary {
            return None;
        }
        self.new
            .as_deref()
            .and_then(|b| std::str::from_utf8(b).ok())
    }

    /// The old text, if any.
    pub fn old_text(&self) -> Option<&str> {
        self.old
            .as_deref()
            .and_then(|b| std::str::from_utf8(b).ok())
    }

    /// The added lines with their numbers in the new file.
    pub fn added(&self) -> impl Iterator<Item = (u32, &str)> {
        self.hunks
            .iter()
            .flat_map(|h| h.lines.iter())
            .filter(|l| l.origin == '+')
            .filter_map(|l| Some((l.new_lineno?, l.text.as_str())))
    }
}

/// The repository containing `dir`.
pub fn open_repo(dir: &Path) -> Result<Repository> {
    let repo = Repository::discover(dir).map_err(|_| Error::NotARepo {
        path: dir.to_path_buf(),
    })?;
    if repo.is_bare() {
        return Err(Error::NotARepo {
            path: dir.to_path_buf(),
        });
    }
    Ok(repo)
}

/// The root of `repo`'s working tree.
pub fn workdir(repo: &Repository) -> Result<PathBuf> {
    repo.workdir()
        .map(Path::to_path_buf)
        .ok_or_else(|| Error::NotARepo {
            path: repo.path().to_path_buf(),
        })
}

/// The files `target` puts under review, read with `context` lines around
/// each change. Contents larger than `max_bytes` are not loaded.
pub fn collect(
    repo: &Repository,
    target: &Target,
    context: u32,
    max_bytes: u64,
) -> Result<Vec<ChangedFile>> {
    let mut opts = DiffOptions::new();
    opts.context_lines(context)
        .ignore_submodules(true)
        .include_typechange(true);
    let git = |what: &str| {
        let what = what.to_owned();
        move |e: git2::Error| Error::git(what, &e)
    };
    let (diff, from_disk) = match target {
        Target::Paths(paths) => return whole_files(repo, paths, max_bytes),
        Target::Staged { index_file } => {
            let index = match index_file {
                Some(path) => Index::open(path).map_err(git("read GIT_INDEX_FILE"))?,
                None => repo.index().map_err(git("read the index"))?,
            };
            let head = head_tree(repo)?;
            let diff = repo
                .diff_tree_to_index(head.as_ref(), Some(&index), Some(&mut opts))
                .map_err(git("diff HEAD against the index"))?;
            (diff, false)
        }
        Target::Worktree => {
            opts.include_untracked(true)
                .recurse_untracked_dirs(true)
                .show_untracked_content(true);
            let head = head_tree(repo)?;
            let diff = repo
                .diff_tree_to_workdir_with_index(head.as_ref(), Some(&mut opts))
                .map_err(git("diff HEAD against the working tree"))?;
            (diff, true)
        }
        Target::Range(spec) => {
            let (from, to) = range_trees(repo, spec)?;
            let diff = repo
                .diff_tree_to_tree(Some(&from), Some(&to), Some(&mut opts))
                .map_err(git("diff the range"))?;
            (diff, false)
        }
    };
    let mut diff = diff;
    diff.find_similar(None).map_err(git("find renames"))?;
    let root = workdir(repo)?;
    let mut files = Vec::new();
    for (i, delta) in diff.deltas().enumerate() {
        let status = match delta.status() {
            Delta::Added | Delta::Untracked | Delta::Copied => Status::Added,
            Delta::Modified | Delta::Typechange => Status::Modified,
            Delta::Renamed => Status::Renamed,
            _ => continue,
        };
        let new = delta.new_file();
        if !matches!(new.mode(), FileMode::Blob | FileMode::BlobExecutable) {
            continue;
        }
        let Some(path) = new.path().map(slash_path) else {
            continue;
        };
        let (contents, size) = if from_disk {
            read_limited(&root.join(&path), max_bytes)?
        } else {
            blob_limited(repo, new.id(), max_bytes)?
        };
        let old_file = delta.old_file();
        let (old, old_size) = if status == Status::Added || old_file.id().is_zero() {
            (None, None)
        } else {
            let (bytes, size) = blob_limited(repo, old_file.id(), max_bytes)?;
            (bytes, Some(size))
        };
        let binary = contents.as_deref().is_some_and(is_binary) || delta.flags().is_binary();
        let hunks = if contents.is_some() && !binary {
            patch_hunks(&diff, i)?
        } else {
            Vec::new()
        };
        files.push(ChangedFile {
            path,
            status,
            new: contents,
            old,
            size,
            old_size,
            binary,
            hunks,
        });
    }
    Ok(files)
}

fn head_tree(repo: &Repository) -> Result<Option<Tree<'_>>> {
    match repo.head() {
        Ok(head) => head
            .peel_to_tree()
            .map(Some)
            .map_err(|e| Error::git("read HEAD's tree", &e)),
        // A repository with no commit yet: everything staged is new.
        Err(e) if e.code() == git2::ErrorCode::UnbornBranch => Ok(None),
        Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
        Err(e) => Err(Error::git("read HEAD", &e)),
    }
}

fn range_trees<'r>(repo: &'r Repository, spec: &str) -> Result<(Tree<'r>, Tree<'r>)> {
    let bad = |message: String| Error::BadRange {
        spec: spec.to_owned(),
        message,
    };
    if !spec.contains("..") {
        return Err(bad("that is a single revision, not a range".to_owned()));
    }
    let rs = repo
        .revparse(spec)
        .map_err(|e| bad(e.message().to_owned()))?;
    let (Some(from), Some(to)) = (rs.from(), rs.to()) else {
        return Err(bad("both ends must name a commit".to_owned()));
    };
    let from_commit = from
        .peel_to_commit()
        .map_err(|e| bad(e.message().to_owned()))?;
    let to_commit = to
        .peel_to_commit()
        .map_err(|e| bad(e.message().to_owned()))?;
    let base = if rs.mode().contains(RevparseMode::MERGE_BASE) {
        let oid = repo
            .merge_base(from_commit.id(), to_commit.id())
            .map_err(|e| bad(e.message().to_owned()))?;
        repo.find_commit(oid)
            .map_err(|e| bad(e.message().to_owned()))?
    } else {
        from_commit
    };
    let tree = |c: &git2::Commit<'r>| c.tree().map_err(|e| Error::git("read a commit's tree", &e));
    Ok((tree(&base)?, tree(&to_commit)?))
}

fn patch_hunks(diff: &git2::Diff<'_>, idx: usize) -> Result<Vec<Hunk>> {
    let git = |e: git2::Error| Error::git("read a patch", &e);
    let Some(patch) = Patch::from_diff(diff, idx).map_err(git)? else {
        return Ok(Vec::new());
    };
    let mut hunks = Vec::with_capacity(patch.num_hunks());
    for h in 0..patch.num_hunks() {
        let (hunk, count) = patch.hunk(h).map_err(git)?;
        let header = String::from_utf8_lossy(hunk.header()).trim_end().to_owned();
        let mut lines = Vec::with_capacity(count);
        for l in 0..count {
            let line = patch.line_in_hunk(h, l).map_err(git)?;
            let origin = line.origin();
            if !matches!(origin, '+' | '-' | ' ') {
                continue;
            }
            let text = String::from_utf8_lossy(line.content());
            lines.push(Line {
                origin,
                new_lineno: line.new_lineno(),
                text: text.trim_end_matches(['\n', '\r']).to_owned(),
            });
        }
        hunks.push(Hunk { header, lines });
    }
    Ok(hunks)
}

/// `Target::Paths`: each file whole; directories expand to the tracked
/// files under them.
fn whole_files(repo: &Repository, paths: &[PathBuf], max_bytes: u64) -> Result<Vec<ChangedFile>> {
    let root = workdir(repo)?;
    let root_canon = root.canonicalize().map_err(|e| Error::io(&root, e))?;
    let index = repo.index().map_err(|e| Error::git("read the index", &e))?;
    let mut rels: Vec<String> = Vec::new();
    for given in paths {
        let abs = std::path::absolute(given).map_err(|e| Error::io(given, e))?;
        let canon = abs.canonicalize().map_err(|e| Error::BadPath {
            path: given.clone(),
            message: format!("cannot be read ({e})"),
        })?;
        let rel = canon
            .strip_prefix(&root_canon)
            .map_err(|_| Error::BadPath {
                path: given.clone(),
                message: format!("is outside the repository at {}", root.display()),
            })?;
        let rel = slash_path(rel);
        if canon.is_dir() {
            let prefix = if rel.is_empty() {
                String::new()
            } else {
                format!("{rel}/")
            };
            rels.extend(
                index
                    .iter()
                    .map(|e| String::from_utf8_lossy(&e.path).into_owned())
                    .filter(|p| p.starts_with(&prefix)),
            );
        } else {
            rels.push(rel);
        }
    }
    rels.sort();
    rels.dedup();
    let mut files = Vec::new();
    for rel in rels {
        let (contents, size) = read_limited(&root.join(&rel), max_bytes)?;
        let binary = contents.as_deref().is_some_and(is_binary);
        let hunks = match contents.as_deref() {
            Some(bytes) if !binary => vec![whole_hunk(&String::from_utf8_lossy(bytes))],
            _ => Vec::new(),
        };
        files.push(ChangedFile {
            path: rel,
            status: Status::Whole,
            new: contents,
            old: None,
            size,
            old_size: None,
            binary,
            hunks,
        });
    }
    Ok(files)
}

fn whole_hunk(text: &str) -> Hunk {
    let lines: Vec<Line> = text
        .lines()
        .zip(1u32..)
        .map(|(t, n)| Line {
            origin: '+',
            new_lineno: Some(n),
            text: t.to_owned(),
        })
        .collect();
    Hunk {
        header: format!("@@ -0,0 +1,{} @@", lines.len()),
        lines,
    }
}

fn read_limited(path: &Path, max_bytes: u64) -> Result<(Option<Vec<u8>>, u64)> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.len() > max_bytes {
        return Ok((None, meta.len()));
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let len = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    Ok((Some(bytes), len))
}

fn blob_limited(
    repo: &Repository,
    oid: git2::Oid,
    max_bytes: u64,
) -> Result<(Option<Vec<u8>>, u64)> {
    let blob = repo
        .find_blob(oid)
        .map_err(|e| Error::git(format!("read blob {oid}"), &e))?;
    let size = u64::try_from(blob.size()).unwrap_or(u64::MAX);
    if size > max_bytes {
        return Ok((None, size));
    }
    Ok((Some(blob.content().to_vec()), size))
}

fn is_binary(bytes: &[u8]) -> bool {
    bytes.iter().take(8000).any(|b| *b == 0)
}

fn slash_path(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
