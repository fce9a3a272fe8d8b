//! The pre-commit hook: installed next to (never over) the user's own.
//!
//! `install` writes a `pre-commit` script that runs `distiq review --staged`
//! and then the hook that was there before, which it first renames to
//! `pre-commit.distiq-chained` (bytes and mode untouched). `uninstall`
//! removes distiq's script and renames the chained hook back, so the
//! original is restored exactly. The hooks directory honours
//! `core.hooksPath`. `git commit --no-verify` skips every pre-commit hook,
//! distiq's included; that is git's doing.

use std::path::{Path, PathBuf};

use git2::Repository;

use crate::{Error, Result};

/// The line that marks a hook as distiq's.
pub const MARKER: &str = "# distiq pre-commit hook";

/// The name the user's earlier hook is kept under.
pub const CHAINED: &str = "pre-commit.distiq-chained";

/// What `install` or `uninstall` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookChange {
    /// The hook was installed; `chained` is the user's earlier hook, kept
    /// and run after the review.
    Installed {
        /// The hook file.
        hook: PathBuf,
        /// The earlier hook, renamed, if there was one.
        chained: Option<PathBuf>,
    },
    /// distiq's hook was already there; it was rewritten in place (the
    /// chained hook, if any, untouched).
    AlreadyInstalled {
        /// The hook file.
        hook: PathBuf,
    },
    /// distiq's hook was removed; `restored` is the earlier hook, back
    /// under its own name.
    Uninstalled {
        /// The hook file (now the restored hook, or gone).
        hook: PathBuf,
        /// Whether an earlier hook was restored.
        restored: bool,
    },
    /// There was no distiq hook to remove.
    NotInstalled {
        /// Where it would be.
        hook: PathBuf,
    },
}

/// The directory git runs `repo`'s hooks from: `core.hooksPath` (relative
/// to the working tree's root) or `hooks/` in the git directory.
pub fn hooks_dir(repo: &Repository) -> Result<PathBuf> {
    let config = repo
        .config()
        .map_err(|e| Error::git("read the git config", &e))?;
    if let Ok(p) = config.get_path("core.hooksPath") {
        if p.is_absolute() {
            return Ok(p);
        }
        let root = repo.workdir().unwrap_or_else(|| repo.path());
        return Ok(root.join(p));
    }
    Ok(repo.commondir().join("hooks"))
}

/// The hook script: review what is staged, then run the chained hook.
/// `distiq` is the binary to run, with a fallback to `distiq` on `PATH`
/// should that file move.
pub fn script(distiq: &Path) -> String {
    let exe = shell_quote(&distiq.to_string_lossy());
    format!(
        "#!/bin/sh\n\
{MARKER} (installed by `distiq hook install`; `distiq hook uninstall` removes it\n\
# and puts back any hook that was here before). Skip once: git commit --no-verify.\n\
distiq={exe}\n\
[ -x \"$distiq\" ] || distiq=distiq\n\
\"$distiq\" review --staged || exit $?\n\
chained=\"$(dirname \"$0\")/{CHAINED}\"\n\
if [ -f \"$chained\" ] && [ -x \"$chained\" ]; then\n\
    exec \"$chained\" \"$@\"\n\
fi\n"
    )
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn is_ours(path: &Path) -> bool {
    std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).contains(MARKER))
        .unwrap_or(false)
}

/// Installs the hook in `repo`, running `distiq`. Idempotent: a second
/// install rewrites distiq's script and keeps the chained hook as it is.
pub fn install(repo: &Repository, distiq: &Path) -> Result<HookChange> {
    let dir = hooks_dir(repo)?;
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let hook = dir.join("pre-commit");
    let chained = dir.join(CHAINED);
    let exists = hook.symlink_metadata().is_ok();
    if exists && is_ours(&hook) {
        write_hook(&hook, &script(distiq))?;
        return Ok(HookChange::AlreadyInstalled { hook });
    }
    let mut kept = None;
    if exists {
        if chained.symlink_metadata().is_ok() {
            return Err(Error::Hook {
                message: format!(
                    "{} is not distiq's hook, and {} already holds an earlier one; move one of them \
                     away, then run `distiq hook install` again",
                    hook.display(),
                    chained.display()
                ),
            });
        }
        // A rename keeps the bytes, the mode and even a symlink as they are.
        std::fs::rename(&hook, &chained).map_err(|e| Error::io(&hook, e))?;
        kept = Some(chained);
    }
    write_hook(&hook, &script(distiq))?;
    Ok(HookChange::Installed {
        hook,
        chained: kept,
    })
}

/// Removes distiq's hook from `repo` and restores the one it chained.
/// A `pre-commit` that is not distiq's is left alone (an error says so).
pub fn uninstall(repo: &Repository) -> Result<HookChange> {
    let dir = hooks_dir(repo)?;
    let hook = dir.join("pre-commit");
    let chained = dir.join(CHAINED);
    if hook.symlink_metadata().is_err() {
        return Ok(HookChange::NotInstalled { hook });
    }
    if !is_ours(&hook) {
        return Err(Error::Hook {
            message: format!(
                "{} is not distiq's hook; leaving it as it is",
                hook.display()
            ),
        });
    }
    std::fs::remove_file(&hook).map_err(|e| Error::io(&hook, e))?;
    let restored = chained.symlink_metadata().is_ok();
    if restored {
        std::fs::rename(&chained, &hook).map_err(|e| Error::io(&chained, e))?;
    }
    Ok(HookChange::Uninstalled { hook, restored })
}

fn write_hook(path: &Path, text: &str) -> Result<()> {
    // Write beside it and rename, so a crash never leaves half a hook.
    let tmp = path.with_extension("distiq-tmp");
    std::fs::write(&tmp, text).map_err(|e| Error::io(&tmp, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| Error::io(&tmp, e))?;
    }
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo() -> (tempfile::TempDir, Repository) {
        let tmp = tempfile::tempdir().unwrap();
        let repo = Repository::init(tmp.path()).unwrap();
        (tmp, repo)
    }

    #[test]
    fn install_keeps_the_old_hook_and_uninstall_restores_it_exactly() {
        let (_tmp, repo) = repo();
        let dir = hooks_dir(&repo).unwrap();
        std::fs::create_dir_all(&dir).unwrap();
        let original = b"#!/bin/sh\necho mine \xff\n".to_vec();
        let hook = dir.join("pre-commit");
        std::fs::write(&hook, &original).unwrap();

        let change = install(&repo, Path::new("/opt/distiq's bin/distiq")).unwrap();
        assert!(matches!(
            change,
            HookChange::Installed {
                chained: Some(_),
                ..
            }
        ));
        assert_eq!(std::fs::read(dir.join(CHAINED)).unwrap(), original);
        let text = std::fs::read_to_string(&hook).unwrap();
        assert!(text.contains(MARKER) && text.contains("review --staged"));
        assert!(text.contains(r"'/opt/distiq'\''s bin/distiq'"), "{text}");

        // Twice is the same as once.
        let again = install(&repo, Path::new("/usr/bin/distiq")).unwrap();
        assert!(matches!(again, HookChange::AlreadyInstalled { .. }));
        assert_eq!(std::fs::read(dir.join(CHAINED)).unwrap(), original);

        let change = uninstall(&repo).unwrap();
        assert_eq!(
            change,
            HookChange::Uninstalled {
                hook: hook.clone(),
                restored: true
            }
        );
        assert_eq!(std::fs::read(&hook).unwrap(), original);
        assert!(!dir.join(CHAINED).exists());
        assert_eq!(
            uninstall(&repo).unwrap_err().to_string(),
            format!(
                "{} is not distiq's hook; leaving it as it is",
                hook.display()
            )
        );
    }

    #[test]
    fn a_foreign_hook_over_a_chained_one_is_never_clobbered() {
        let (_tmp, repo) = repo();
        let dir = hooks_dir(&repo).unwrap();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("pre-commit"), "new").unwrap();
        std::fs::write(dir.join(CHAINED), "old").unwrap();
        let err = install(&repo, Path::new("/bin/distiq"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("already holds"), "{err}");
        assert_eq!(
            std::fs::read_to_string(dir.join("pre-commit")).unwrap(),
            "new"
        );
        assert_eq!(std::fs::read_to_string(dir.join(CHAINED)).unwrap(), "old");
    }

    #[test]
    fn core_hooks_path_is_honoured_relative_to_the_work_tree() {
        let (tmp, repo) = repo();
        repo.config()
            .unwrap()
            .set_str("core.hooksPath", ".githooks")
            .unwrap();
        let dir = hooks_dir(&repo).unwrap();
        assert_eq!(dir, repo.workdir().unwrap().join(".githooks"));
        let change = install(&repo, Path::new("/bin/distiq")).unwrap();
        assert!(matches!(
            change,
            HookChange::Installed { chained: None, .. }
        ));
        assert!(tmp.path().join(".githooks/pre-commit").exists());
        assert_eq!(
            uninstall(&repo).unwrap(),
            HookChange::Uninstalled {
                hook: dir.join("pre-commit"),
                restored: false
            }
        );
        assert!(!tmp.path().join(".githooks/pre-commit").exists());
    }
}
