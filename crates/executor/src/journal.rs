//! Writing a task's files all-or-nothing, and recovering from a crash.
//!
//! The protocol, for a task `T` in the repository `R`:
//!
//! 1. `R/.distiq/journal/T.json` is written (to a `.tmp`, fsync'd, renamed,
//!    directory fsync'd) in state `preparing`: every target, whether it
//!    existed (with a hash of its old and new content), its backup and its
//!    temp file, and the directories that will be created.
//! 2. Each existing target is checked against the content the edits were
//!    computed from (a file changed since is refused), and backed up in
//!    `R/.distiq/journal/T/`; each new content is written to its temp file
//!    in the target's own directory with the target's permissions, fsync'd.
//! 3. The journal moves to state `committing`.
//! 4. Each temp file is renamed over its target (deletions remove the
//!    target); the directories are fsync'd.
//! 5. The backups and the journal are removed.
//!
//! [`recover`] handles a journal left by a crash: `preparing` is rolled
//! back (temp files removed, the tree was never touched); `committing` is
//! completed if every rename happened, and otherwise rolled back from the
//! backups (state `rolling_back` first, so that a crash during recovery
//! resumes the rollback). A rollback never overwrites a file whose content
//! is neither the old nor the new one: it stops and says so.
//!
//! Test hook: in debug builds only, `DISTIQ_TEST_CRASH_AFTER_RENAMES=N`
//! makes the writer `abort()` right after its `N`th rename (`0`: after the
//! journal reached `committing`, before any rename), and
//! `DISTIQ_TEST_CRASH_AFTER_RENAMES=prepared` aborts after the temp files
//! are written, while the journal still says `preparing`. Release builds
//! do not read the variable.

use std::fs::{self, File};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use distiq_core::TaskId;
use serde::{Deserialize, Serialize};

use crate::apply::Changeset;
use crate::error::{Error, Result};

/// Where journals live, relative to the repository root.
pub const JOURNAL_DIR: &str = ".distiq/journal";

/// What [`recover`] did with one leftover journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    /// The task whose write was interrupted.
    pub task: String,
    /// Whether its files were put back or its write finished.
    pub outcome: RecoveryOutcome,
    /// The files involved, relative to the repository root.
    pub paths: Vec<String>,
}

/// The two ways a leftover journal ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecoveryOutcome {
    /// Every file is as it was before the task.
    RolledBack,
    /// Every file is as the task left it (all renames had happened).
    Completed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum State {
    Preparing,
    Committing,
    RollingBack,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Journal {
    version: u32,
    task: String,
    state: State,
    entries: Vec<Entry>,
    /// Directories created for new files, parents first.
    created_dirs: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    /// The target, relative to the root.
    path: String,
    /// The backup's file name in the task's backup directory, if the
    /// target existed.
    backup: Option<String>,
    /// The temp file, relative to the root, unless the target is deleted.
    temp: Option<String>,
    /// blake3 of the old content, if the target existed.
    before: Option<String>,
    /// blake3 of the new content, unless the target is deleted.
    after: Option<String>,
}

/// Writes `changes` into the repository at `root` all-or-nothing (see the
/// module docs), then removes the journal. Also makes sure `.distiq/` is in
/// the repository's `.git/info/exclude`.
///
/// # Errors
///
/// [`Error::Io`] and the like; whatever had been done is rolled back first.
/// [`Error::Recovery`] if a target changed since the edits were computed.
pub fn write(root: &Path, task: TaskId, changes: &Changeset) -> Result<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let root = root.canonicalize().map_err(|e| Error::io(root, e))?;
    crate::git::ensure_excluded(&root)?;
    let task = task.to_string();
    let jdir = root.join(JOURNAL_DIR);
    fs::create_dir_all(&jdir).map_err(|e| Error::io(&jdir, e))?;
    let _lock = lock(&jdir)?;
    let jpath = jdir.join(format!("{task}.json"));
    if jpath.exists() {
        return Err(Error::Recovery {
            journal: jpath,
            reason: "a journal for this task already exists; run recovery first".to_owned(),
        });
    }

    let mut journal = Journal {
        version: 1,
        task: task.clone(),
        state: State::Preparing,
        entries: Vec::new(),
        created_dirs: Vec::new(),
    };
    for (n, f) in changes.files().iter().enumerate() {
        let rel = f.path.to_slash();
        let temp = f
            .after
            .as_ref()
            .map(|_| sibling(&rel, &format!("distiq-{task}.tmp")));
        if f.after.is_some() {
            for dir in missing_parents(&root, &rel) {
                if !journal.created_dirs.contains(&dir) {
                    journal.created_dirs.push(dir);
                }
            }
        }
        journal.entries.push(Entry {
            path: rel,
            backup: f.before.as_ref().map(|_| n.to_string()),
            temp,
            before: f.before.as_deref().map(hash),
            after: f.after.as_deref().map(hash),
        });
    }
    save(&jpath, &journal)?;

    let result = write_files(&root, &jdir, &jpath, &mut journal, changes);
    if let Err(err) = result {
        // Undo whatever was done; the first error is the one to report.
        let _ = recover_one(&root, &jpath);
        return Err(err);
    }
    Ok(())
}

fn write_files(
    root: &Path,
    jdir: &Path,
    jpath: &Path,
    journal: &mut Journal,
    changes: &Changeset,
) -> Result<()> {
    let backups = jdir.join(&journal.task);
    fs::create_dir_all(&backups).map_err(|e| Error::io(&backups, e))?;
    for (entry, f) in journal.entries.iter().zip(changes.files()) {
        let target = root.join(&entry.path);
        if f.before.is_none() && fs::symlink_metadata(&target).is_ok() {
            return Err(Error::Recovery {
                journal: jpath.to_path_buf(),
                reason: format!(
                    "{} appeared since the edits were computed; nothing was written, run the task again",
                    entry.path
                ),
            });
        }
        if let (Some(before), Some(backup)) = (&f.before, &entry.backup) {
            // The file must still be what the edits were computed from.
            let now = fs::read(&target).map_err(|e| Error::io(&target, e))?;
            if now != before.as_bytes() {
                return Err(Error::Recovery {
                    journal: jpath.to_path_buf(),
                    reason: format!(
                        "{} changed since the edits were computed; nothing was written, run the task again",
                        entry.path
                    ),
                });
            }
            let perms = fs::metadata(&target)
                .map_err(|e| Error::io(&target, e))?
                .permissions();
            write_synced(&backups.join(backup), before.as_bytes(), Some(perms))?;
        }
    }
    sync_dir(&backups)?;
    for dir in &journal.created_dirs {
        let dir = root.join(dir);
        match fs::create_dir(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(Error::io(dir, e)),
        }
    }
    for (entry, f) in journal.entries.iter().zip(changes.files()) {
        if let (Some(temp), Some(after)) = (&entry.temp, &f.after) {
            let target = root.join(&entry.path);
            let perms = fs::metadata(&target).ok().map(|m| m.permissions());
            write_synced(&root.join(temp), after.as_bytes(), perms)?;
        }
    }
    for dir in parent_dirs(root, journal) {
        sync_dir(&dir)?;
    }
    crash_point("prepared");

    journal.state = State::Committing;
    save(jpath, journal)?;
    crash_point("0");
    for (n, entry) in journal.entries.iter().enumerate() {
        let target = root.join(&entry.path);
        match &entry.temp {
            Some(temp) => {
                let temp = root.join(temp);
                fs::rename(&temp, &target).map_err(|e| Error::io(&target, e))?;
            }
            None => fs::remove_file(&target).map_err(|e| Error::io(&target, e))?,
        }
        crash_point(&(n + 1).to_string());
    }
    for dir in parent_dirs(root, journal) {
        sync_dir(&dir)?;
    }
    finish(root, jpath, journal)
}

/// Rolls back or completes every write left unfinished by a crash in the
/// repository at `root` (see the module docs). Call it before any run; it
/// does nothing when there is no journal.
///
/// # Errors
///
/// [`Error::Recovery`] when a journal cannot be recovered without
/// overwriting changes made since; it is left in place, and the other
/// journals are still recovered before the error is returned.
pub fn recover(root: &Path) -> Result<Vec<Recovered>> {
    let jdir = root.join(JOURNAL_DIR);
    if !jdir.is_dir() {
        return Ok(Vec::new());
    }
    // Waits for a write in progress in another process: its journal is
    // live, not left by a crash.
    let _lock = lock(&jdir)?;
    let listing = fs::read_dir(&jdir).map_err(|e| Error::io(&jdir, e))?;
    let mut journals = Vec::new();
    for item in listing {
        let path = item.map_err(|e| Error::io(&jdir, e))?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name.ends_with(".json") {
            journals.push(path);
        } else if name.ends_with(".json.tmp") {
            // A journal write cut short: the journal it replaced (if any)
            // is still whole and says what to do.
            fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
        }
    }
    journals.sort();
    let mut done = Vec::new();
    let mut first_err = None;
    for jpath in journals {
        match recover_one(root, &jpath) {
            Ok(r) => done.push(r),
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    match first_err {
        Some(e) => Err(e),
        None => Ok(done),
    }
}

fn recover_one(root: &Path, jpath: &Path) -> Result<Recovered> {
    let bytes = fs::read(jpath).map_err(|e| Error::io(jpath, e))?;
    let mut journal: Journal = serde_json::from_slice(&bytes).map_err(|source| Error::Journal {
        path: jpath.to_path_buf(),
        source,
    })?;
    let paths = journal.entries.iter().map(|e| e.path.clone()).collect();
    let recovered = |outcome| Recovered {
        task: journal.task.clone(),
        outcome,
        paths,
    };
    match journal.state {
        State::Preparing => {
            for temp in journal.entries.iter().filter_map(|e| e.temp.as_ref()) {
                remove_if_exists(&root.join(temp))?;
            }
            remove_created_dirs(root, &journal);
            finish(root, jpath, &journal)?;
            Ok(recovered(RecoveryOutcome::RolledBack))
        }
        State::Committing if all_renamed(root, &journal) => {
            finish(root, jpath, &journal)?;
            Ok(recovered(RecoveryOutcome::Completed))
        }
        State::Committing | State::RollingBack => {
            check_rollback(root, jpath, &journal)?;
            if journal.state != State::RollingBack {
                journal.state = State::RollingBack;
                save(jpath, &journal)?;
            }
            rollback(root, jpath, &journal)?;
            Ok(recovered(RecoveryOutcome::RolledBack))
        }
    }
}

fn all_renamed(root: &Path, journal: &Journal) -> bool {
    journal.entries.iter().all(|e| match &e.temp {
        Some(temp) => !root.join(temp).exists(),
        None => !root.join(&e.path).exists(),
    })
}

/// Refuses a rollback that would overwrite a file changed since the crash.
fn check_rollback(root: &Path, jpath: &Path, journal: &Journal) -> Result<()> {
    for e in &journal.entries {
        if e.temp.as_ref().is_some_and(|t| root.join(t).exists()) {
            continue; // never renamed: the target was not touched
        }
        let now = current_hash(&root.join(&e.path))?;
        if now != e.before && now != e.after {
            return Err(Error::Recovery {
                journal: jpath.to_path_buf(),
                reason: format!(
                    "{} was changed after distiq's interrupted write (it holds neither its old nor its new content), so it was not rolled back",
                    e.path
                ),
            });
        }
    }
    Ok(())
}

fn rollback(root: &Path, jpath: &Path, journal: &Journal) -> Result<()> {
    let backups = root.join(JOURNAL_DIR).join(&journal.task);
    for e in &journal.entries {
        let target = root.join(&e.path);
        if let Some(temp) = e.temp.as_ref().map(|t| root.join(t)).filter(|t| t.exists()) {
            fs::remove_file(&temp).map_err(|err| Error::io(temp, err))?;
            continue;
        }
        let now = current_hash(&target)?;
        if now == e.before {
            continue;
        }
        match &e.backup {
            Some(backup) => {
                let backup = backups.join(backup);
                let content = fs::read(&backup).map_err(|err| Error::io(&backup, err))?;
                let perms = fs::metadata(&backup)
                    .map_err(|err| Error::io(&backup, err))?
                    .permissions();
                let restore = root.join(sibling(
                    &e.path,
                    &format!("distiq-{}.restore", journal.task),
                ));
                write_synced(&restore, &content, Some(perms))?;
                fs::rename(&restore, &target).map_err(|err| Error::io(&target, err))?;
            }
            None => remove_if_exists(&target)?,
        }
    }
    for dir in parent_dirs(root, journal) {
        sync_dir(&dir)?;
    }
    remove_created_dirs(root, journal);
    finish(root, jpath, journal)
}

/// The journal directory's lock, held while a write or a recovery runs, so
/// that `recover` in one process never rolls back a write that another is
/// still making. The OS releases it when the holder dies.
fn lock(jdir: &Path) -> Result<File> {
    let path = jdir.join(".lock");
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| Error::io(&path, e))?;
    file.lock().map_err(|e| Error::io(&path, e))?;
    Ok(file)
}

/// Removes the backups and then the journal itself.
fn finish(root: &Path, jpath: &Path, journal: &Journal) -> Result<()> {
    let backups = root.join(JOURNAL_DIR).join(&journal.task);
    match fs::remove_dir_all(&backups) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(backups, e)),
    }
    remove_if_exists(jpath)?;
    if let Some(dir) = jpath.parent() {
        sync_dir(dir)?;
    }
    Ok(())
}

/// Directories created for new files, removed again if empty, deepest
/// first. A directory that is not empty is left alone.
fn remove_created_dirs(root: &Path, journal: &Journal) {
    for dir in journal.created_dirs.iter().rev() {
        let _ = fs::remove_dir(root.join(dir));
    }
}

/// Writes the journal atomically: temp file, fsync, rename, fsync the dir.
fn save(jpath: &Path, journal: &Journal) -> Result<()> {
    let bytes = serde_json::to_vec_pretty(journal).map_err(|source| Error::Journal {
        path: jpath.to_path_buf(),
        source,
    })?;
    let tmp = jpath.with_extension("json.tmp");
    write_synced(&tmp, &bytes, None)?;
    fs::rename(&tmp, jpath).map_err(|e| Error::io(jpath, e))?;
    match jpath.parent() {
        Some(dir) => sync_dir(dir),
        None => Ok(()),
    }
}

fn write_synced(path: &Path, bytes: &[u8], perms: Option<fs::Permissions>) -> Result<()> {
    let mut file = File::create(path).map_err(|e| Error::io(path, e))?;
    file.write_all(bytes).map_err(|e| Error::io(path, e))?;
    if let Some(perms) = perms {
        file.set_permissions(perms)
            .map_err(|e| Error::io(path, e))?;
    }
    file.sync_all().map_err(|e| Error::io(path, e))
}

/// Makes a directory's entries (renames, new files) durable.
fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| Error::io(dir, e))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

fn remove_if_exists(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// The distinct parent directories of the journal's targets.
fn parent_dirs(root: &Path, journal: &Journal) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = journal
        .entries
        .iter()
        .filter_map(|e| root.join(&e.path).parent().map(Path::to_path_buf))
        .filter(|d| d.is_dir())
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs
}

/// The parents of `rel` (a `/` path) that do not exist yet, outermost
/// first.
fn missing_parents(root: &Path, rel: &str) -> Vec<String> {
    let parts: Vec<&str> = rel.split('/').collect();
    (1..parts.len())
        .map(|i| parts[..i].join("/"))
        .filter(|d| !root.join(d).exists())
        .collect()
}

/// `dir/.name.suffix` for `dir/name`: a hidden file beside the target,
/// on the same file system, so a rename is atomic.
fn sibling(rel: &str, suffix: &str) -> String {
    match rel.rsplit_once('/') {
        Some((dir, name)) => format!("{dir}/.{name}.{suffix}"),
        None => format!(".{rel}.{suffix}"),
    }
}

fn hash(content: &str) -> String {
    blake3::hash(content.as_bytes()).to_hex().to_string()
}

fn current_hash(path: &Path) -> Result<Option<String>> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(blake3::hash(&bytes).to_hex().to_string())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// The crash hook of the module docs; compiled into debug builds only.
#[cfg(debug_assertions)]
fn crash_point(at: &str) {
    if std::env::var("DISTIQ_TEST_CRASH_AFTER_RENAMES").is_ok_and(|v| v == at) {
        std::process::abort();
    }
}

#[cfg(not(debug_assertions))]
fn crash_point(_at: &str) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_files_sit_beside_their_target() {
        assert_eq!(sibling("src/lib.rs", "x.tmp"), "src/.lib.rs.x.tmp");
        assert_eq!(sibling("a.rs", "x.tmp"), ".a.rs.x.tmp");
    }

    #[test]
    fn missing_parents_are_listed_outermost_first() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("a")).unwrap();
        assert_eq!(
            missing_parents(dir.path(), "a/b/c/d.rs"),
            vec!["a/b", "a/b/c"]
        );
        assert!(missing_parents(dir.path(), "top.rs").is_empty());
    }
}
