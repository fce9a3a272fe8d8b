//! Real code nobody here wrote: crate sources from the local cargo registry,
//! at the versions this workspace's Cargo.lock pins (so they are on any
//! machine that has built the workspace), copied into temp repositories.

use std::path::{Path, PathBuf};

/// The workspace's Cargo.lock.
fn lockfile() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.lock");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every version of `name` the lockfile pins.
fn locked_versions(name: &str) -> Vec<String> {
    let lock = lockfile();
    let mut out = Vec::new();
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == format!("name = \"{name}\"")
            && let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \""))
        {
            out.push(v.trim_end_matches('"').to_string());
        }
    }
    out
}

fn cargo_home() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .expect("CARGO_HOME or HOME")
}

/// The unpacked source of `name` at a locked version (the first given
/// prefix of the version, e.g. "0.9", picks among several).
pub fn registry_crate(name: &str, version_prefix: &str) -> PathBuf {
    let versions = locked_versions(name);
    let version = versions
        .iter()
        .find(|v| v.starts_with(version_prefix))
        .unwrap_or_else(|| {
            panic!("{name} {version_prefix}* is not in Cargo.lock (have {versions:?})")
        });
    let src = cargo_home().join("registry/src");
    for index in std::fs::read_dir(&src).unwrap_or_else(|e| panic!("{}: {e}", src.display())) {
        let dir = index.unwrap().path().join(format!("{name}-{version}"));
        if dir.is_dir() {
            return dir;
        }
    }
    panic!(
        "{name}-{version} is not unpacked under {}; run `cargo fetch` first",
        src.display()
    )
}

/// Copies `from` into `to`, skipping symlinks.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let ft = entry.file_type().unwrap();
        let dest = to.join(entry.file_name());
        if ft.is_dir() {
            copy_tree(&entry.path(), &dest);
        } else if ft.is_file() {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

/// A temp repository holding a copy of a registry crate.
pub fn crate_repo(name: &str, version_prefix: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&registry_crate(name, version_prefix), tmp.path());
    tmp
}
