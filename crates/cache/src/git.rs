//! Keeping distiq's files out of `git status`.

use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// The line added to `.git/info/exclude`.
const PATTERN: &str = "/.distiq/";

/// Adds `/.distiq/` to the repository's `.git/info/exclude` unless it (or
/// `.distiq/`) is already there. Outside a git repository, does nothing.
pub(crate) fn exclude_distiq(repo: &Path) -> Result<()> {
    let Some(git_dir) = git_dir(repo) else {
        return Ok(());
    };
    let info = git_dir.join("info");
    let exclude = info.join("exclude");
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| Error::Io { path, source }
    };
    let current = match std::fs::read_to_string(&exclude) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(io(&exclude)(e)),
    };
    let present = current
        .lines()
        .map(str::trim)
        .any(|l| matches!(l, "/.distiq/" | ".distiq/" | "/.distiq" | ".distiq"));
    if present {
        return Ok(());
    }
    std::fs::create_dir_all(&info).map_err(io(&info))?;
    let mut text = current;
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str("# distiq's local state (cache, index)\n");
    text.push_str(PATTERN);
    text.push('\n');
    std::fs::write(&exclude, text).map_err(io(&exclude))
}

/// The directory holding `info/exclude` for `repo`: `.git` itself, or for
/// a worktree (`.git` is a file) the common git directory.
fn git_dir(repo: &Path) -> Option<PathBuf> {
    let dot_git = repo.join(".git");
    if dot_git.is_dir() {
        return Some(dot_git);
    }
    let text = std::fs::read_to_string(&dot_git).ok()?;
    let target = text.strip_prefix("gitdir:")?.trim();
    let dir = repo.join(target);
    match std::fs::read_to_string(dir.join("commondir")) {
        Ok(common) => Some(dir.join(common.trim())),
        Err(_) => Some(dir),
    }
}
