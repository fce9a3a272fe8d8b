//! The git side of applying a task (git2): which files are dirty, the guard
//! that keeps distiq off the user's uncommitted work, the commit of exactly
//! the touched paths, and `undo`.

use std::fs;
use std::io;
use std::path::Path;

use distiq_core::TaskId;
use git2::build::TreeUpdateBuilder;
use git2::{ErrorCode, FileMode, Repository, ResetType, Signature, Status, StatusOptions};

use crate::error::{Error, Result};
use crate::path::RepoPath;

/// The trailer that marks a commit as distiq's: `Distiq-Task: <task id>`.
pub const TASK_TRAILER: &str = "Distiq-Task";

/// The committer when git has no `user.name` / `user.email`.
pub const FALLBACK_NAME: &str = "distiq";
/// The committer's email when git has no `user.email`.
pub const FALLBACK_EMAIL: &str = "distiq@localhost";

/// A commit distiq made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitInfo {
    /// The commit id, in hex.
    pub id: String,
    /// The first line of its message.
    pub summary: String,
    /// The paths it changed, relative to the root.
    pub paths: Vec<String>,
    /// Whether git had no `user.name`/`user.email` and the commit is signed
    /// `distiq <distiq@localhost>` instead (tell the user).
    pub fallback_signature: bool,
}

/// What [`undo`] reverted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undone {
    /// The reverted commit's id, in hex.
    pub commit: String,
    /// The first line of its message.
    pub summary: String,
    /// The task named by its trailer.
    pub task: String,
    /// The paths it had changed, now back as they were.
    pub paths: Vec<String>,
    /// The commit HEAD points at now, in hex.
    pub head: String,
}

/// Opens the repository whose work tree is `root`.
fn open(root: &Path) -> Result<Repository> {
    Repository::open(root).map_err(|_| Error::NotARepo {
        path: root.to_path_buf(),
    })
}

fn git(what: &'static str) -> impl Fn(git2::Error) -> Error {
    move |e| Error::git(what, &e)
}

/// Every path with uncommitted changes: modified or deleted in the work
/// tree, staged, or untracked and not ignored. Relative to the root, `/`
/// separated, sorted.
///
/// # Errors
///
/// [`Error::NotARepo`], or [`Error::Git`] if the status cannot be read.
pub fn dirty_paths(root: &Path) -> Result<Vec<String>> {
    let repo = open(root)?;
    Ok(statuses(&repo)?.into_iter().map(|(p, _)| p).collect())
}

fn statuses(repo: &Repository) -> Result<Vec<(String, Status)>> {
    let mut opts = StatusOptions::new();
    opts.include_untracked(true)
        .recurse_untracked_dirs(true)
        .include_ignored(false)
        .exclude_submodules(true);
    let list = repo
        .statuses(Some(&mut opts))
        .map_err(git("read the status"))?;
    let mut out: Vec<(String, Status)> = list
        .iter()
        .filter(|e| e.status() != Status::CURRENT && !e.status().contains(Status::IGNORED))
        .filter_map(|e| Some((e.path().ok()?.to_owned(), e.status())))
        .collect();
    out.sort();
    Ok(out)
}

/// The guard run before a task writes: refuses if any of `paths` has
/// uncommitted changes, unless `allow_dirty`. Returns the dirty paths that
/// were allowed, so the caller can say so.
///
/// # Errors
///
/// [`Error::Dirty`] listing the dirty paths and naming `--allow-dirty`.
pub fn check_clean(root: &Path, paths: &[RepoPath], allow_dirty: bool) -> Result<Vec<String>> {
    let dirty = dirty_paths(root)?;
    let hit: Vec<String> = paths
        .iter()
        .map(RepoPath::to_slash)
        .filter(|p| dirty.binary_search(p).is_ok())
        .collect();
    if hit.is_empty() || allow_dirty {
        Ok(hit)
    } else {
        Err(Error::Dirty { paths: hit })
    }
}

/// Commits exactly `paths` as they are in the work tree on the current
/// branch: the new tree is HEAD's with just these paths updated (or
/// removed), so the user's other staged and unstaged work stays as it is.
/// The message gets a `Distiq-Task: <task>` trailer. The index entries of
/// `paths` are updated to match; other index entries are left alone.
///
/// Returns `None` when the paths already match HEAD (nothing to commit).
///
/// # Errors
///
/// [`Error::DetachedHead`] when HEAD is detached; [`Error::NotARepo`];
/// [`Error::Git`] or [`Error::Io`] on failure.
pub fn commit(
    root: &Path,
    paths: &[RepoPath],
    message: &str,
    task: TaskId,
) -> Result<Option<CommitInfo>> {
    let repo = open(root)?;
    let parent = match repo.head() {
        Ok(head) => {
            if repo.head_detached().map_err(git("read HEAD"))? {
                let id = head.target().map(|o| o.to_string()).unwrap_or_default();
                return Err(Error::DetachedHead {
                    head: id.chars().take(12).collect(),
                });
            }
            Some(head.peel_to_commit().map_err(git("read HEAD's commit"))?)
        }
        Err(e) if e.code() == ErrorCode::UnbornBranch => None,
        Err(e) => return Err(Error::git("read HEAD", &e)),
    };
    let base = match &parent {
        Some(c) => c.tree().map_err(git("read HEAD's tree"))?,
        None => {
            let empty = repo
                .treebuilder(None)
                .and_then(|b| b.write())
                .map_err(git("make an empty tree"))?;
            repo.find_tree(empty).map_err(git("make an empty tree"))?
        }
    };

    let mut update = TreeUpdateBuilder::new();
    let mut touched = Vec::new();
    for p in paths {
        let rel = p.to_slash();
        let abs = p.abs(root);
        match fs::symlink_metadata(&abs) {
            Ok(meta) => {
                let oid = repo.blob_path(&abs).map_err(git("store a file"))?;
                update.upsert(rel.as_str(), oid, file_mode(&meta));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if base.get_path(Path::new(&rel)).is_err() {
                    continue;
                }
                update.remove(rel.as_str());
            }
            Err(e) => return Err(Error::io(abs, e)),
        }
        touched.push(rel);
    }
    let tree_id = update
        .create_updated(&repo, &base)
        .map_err(git("build the commit's tree"))?;
    if tree_id == base.id() && parent.is_some() {
        return Ok(None);
    }
    let tree = repo.find_tree(tree_id).map_err(git("read the new tree"))?;

    let config = repo.config().map_err(git("read git's config"))?;
    let (sig, fallback_signature) = signature(&config)?;
    let message = message.trim_end();
    let message = if message.is_empty() {
        format!("distiq task {task}\n\n{TASK_TRAILER}: {task}\n")
    } else {
        format!("{message}\n\n{TASK_TRAILER}: {task}\n")
    };
    let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
    let id = repo
        .commit(Some("HEAD"), &sig, &sig, &message, &tree, &parents)
        .map_err(git("commit"))?;

    let mut index = repo.index().map_err(git("read the index"))?;
    for rel in &touched {
        let path = Path::new(rel);
        if root.join(path).exists() {
            index.add_path(path).map_err(git("update the index"))?;
        } else {
            // Not in the index (an untracked file deleted) is fine.
            let _ = index.remove_path(path);
        }
    }
    index.write().map_err(git("write the index"))?;

    Ok(Some(CommitInfo {
        id: id.to_string(),
        summary: message.lines().next().unwrap_or_default().to_owned(),
        paths: touched,
        fallback_signature,
    }))
}

#[cfg(unix)]
fn file_mode(meta: &fs::Metadata) -> FileMode {
    use std::os::unix::fs::PermissionsExt as _;
    if meta.file_type().is_symlink() {
        FileMode::Link
    } else if meta.permissions().mode() & 0o111 != 0 {
        FileMode::BlobExecutable
    } else {
        FileMode::Blob
    }
}

#[cfg(not(unix))]
fn file_mode(_meta: &fs::Metadata) -> FileMode {
    FileMode::Blob
}

/// The committer from git's config (`user.name`, `user.email`), or
/// `distiq <distiq@localhost>` for whatever is missing; the flag says
/// whether the fallback was used.
///
/// # Errors
///
/// [`Error::Git`] if the signature cannot be built.
pub fn signature(config: &git2::Config) -> Result<(Signature<'static>, bool)> {
    let name = config
        .get_string("user.name")
        .ok()
        .filter(|s| !s.trim().is_empty());
    let email = config
        .get_string("user.email")
        .ok()
        .filter(|s| !s.trim().is_empty());
    let fallback = name.is_none() || email.is_none();
    let sig = Signature::now(
        name.as_deref().unwrap_or(FALLBACK_NAME),
        email.as_deref().unwrap_or(FALLBACK_EMAIL),
    )
    .map_err(git("make a signature"))?;
    Ok((sig, fallback))
}

/// The task named by a commit message's `Distiq-Task` trailer, if any.
pub fn task_of(message: &str) -> Option<String> {
    let trailers = git2::message_trailers_strs(message).ok()?;
    trailers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(TASK_TRAILER))
        .map(|(_, v)| v.trim().to_owned())
}

/// Reverts distiq's last commit: HEAD must carry the `Distiq-Task` trailer,
/// have exactly one parent, and the work tree must have no uncommitted
/// changes to tracked files (and no untracked file where the commit had
/// one). Then the branch, the index and the work tree go back to the
/// parent, as `git reset --hard HEAD~1` would (Aider's `/undo`). Untracked
/// files elsewhere are not touched.
///
/// # Errors
///
/// [`Error::Undo`] saying why HEAD cannot be reverted; [`Error::NotARepo`];
/// [`Error::Git`] on failure.
pub fn undo(root: &Path) -> Result<Undone> {
    let refuse = |reason: String| Err(Error::Undo { reason });
    let repo = open(root)?;
    let head = match repo.head() {
        Ok(h) => h,
        Err(e) if e.code() == ErrorCode::UnbornBranch => {
            return refuse("the repository has no commits yet".to_owned());
        }
        Err(e) => return Err(Error::git("read HEAD", &e)),
    };
    let commit = head.peel_to_commit().map_err(git("read HEAD's commit"))?;
    let short: String = commit.id().to_string().chars().take(12).collect();
    let summary = commit
        .summary()
        .ok()
        .flatten()
        .unwrap_or_default()
        .to_owned();
    if repo.head_detached().map_err(git("read HEAD"))? {
        return refuse(format!(
            "HEAD is detached (at {short}); check out the branch distiq committed on"
        ));
    }
    let Some(task) = commit.message().ok().and_then(task_of) else {
        return refuse(format!(
            "HEAD ({short} \"{summary}\") is not a distiq commit (no {TASK_TRAILER} trailer); distiq undo only reverts distiq's own last commit"
        ));
    };
    let parent = match commit.parent_count() {
        1 => commit.parent(0).map_err(git("read HEAD's parent"))?,
        0 => {
            return refuse(format!(
                "HEAD ({short}) is the repository's first commit; distiq will not remove it"
            ));
        }
        _ => return refuse(format!("HEAD ({short}) is a merge commit")),
    };

    let old_tree = parent.tree().map_err(git("read the parent's tree"))?;
    let new_tree = commit.tree().map_err(git("read HEAD's tree"))?;
    let diff = repo
        .diff_tree_to_tree(Some(&old_tree), Some(&new_tree), None)
        .map_err(git("diff HEAD against its parent"))?;
    let mut paths: Vec<String> = diff
        .deltas()
        .flat_map(|d| [d.old_file().path(), d.new_file().path()])
        .flatten()
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .collect();
    paths.sort();
    paths.dedup();

    let blocking: Vec<String> = statuses(&repo)?
        .into_iter()
        .filter(|(p, s)| *s != Status::WT_NEW || paths.binary_search(p).is_ok())
        .map(|(p, _)| p)
        .collect();
    if !blocking.is_empty() {
        return refuse(format!(
            "the work tree has uncommitted changes ({}); commit or stash them first, then run distiq undo again",
            blocking.join(", ")
        ));
    }

    repo.reset(parent.as_object(), ResetType::Hard, None)
        .map_err(git("reset to HEAD's parent"))?;
    Ok(Undone {
        commit: commit.id().to_string(),
        summary,
        task,
        paths,
        head: parent.id().to_string(),
    })
}

/// Makes sure `.distiq/` is listed in the repository's `info/exclude`, so
/// distiq's state never shows up as untracked. Returns whether the line
/// was added; `false` also outside a git repository.
///
/// # Errors
///
/// [`Error::Io`] if the exclude file cannot be read or written.
pub fn ensure_excluded(root: &Path) -> Result<bool> {
    let Ok(repo) = Repository::open(root) else {
        return Ok(false);
    };
    let path = repo.commondir().join("info").join("exclude");
    let current = match fs::read_to_string(&path) {
        Ok(s) => s,
        Err(e) if e.kind() == io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Error::io(path, e)),
    };
    let listed = current
        .lines()
        .map(str::trim)
        .any(|l| matches!(l, ".distiq" | ".distiq/" | "/.distiq" | "/.distiq/"));
    if listed {
        return Ok(false);
    }
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let sep = if current.is_empty() || current.ends_with('\n') {
        ""
    } else {
        "\n"
    };
    let mut next = current;
    next.push_str(sep);
    next.push_str("# distiq's journal and state\n/.distiq/\n");
    fs::write(&path, next).map_err(|e| Error::io(path, e))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trailer_is_found_among_others() {
        let msg = "Add a flag\n\nBody.\n\nCo-authored-by: A <a@b>\nDistiq-Task: 0190-abc\n";
        assert_eq!(task_of(msg).as_deref(), Some("0190-abc"));
        assert_eq!(
            task_of("Add a flag\n\nDistiq-Task mentioned in prose\n"),
            None
        );
    }

    #[test]
    fn a_config_without_a_user_gives_the_fallback_signature() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config");
        std::fs::write(&file, "[core]\n\tbare = false\n").unwrap();
        let config = git2::Config::open(&file).unwrap();
        let (sig, fallback) = signature(&config).unwrap();
        assert!(fallback);
        assert_eq!(sig.name().ok(), Some(FALLBACK_NAME));
        assert_eq!(sig.email().ok(), Some(FALLBACK_EMAIL));

        std::fs::write(&file, "[user]\n\tname = Ada\n\temail = ada@example.org\n").unwrap();
        let config = git2::Config::open(&file).unwrap();
        let (sig, fallback) = signature(&config).unwrap();
        assert!(!fallback);
        assert_eq!(sig.name().ok(), Some("Ada"));
    }
}
