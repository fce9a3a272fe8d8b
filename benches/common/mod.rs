//! What more than one benchmark needs: a real repository to measure on,
//! copied from a crate's source in the cargo registry.

use std::path::{Path, PathBuf};

/// `(name-version, path)` of a crate's unpacked source at its locked version.
pub fn registry_crate(name: &str) -> (String, PathBuf) {
    let lock = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.lock"))
        .expect("Cargo.lock");
    let mut lines = lock.lines();
    let mut version = None;
    while let Some(line) = lines.next() {
        if line == format!("name = \"{name}\"") {
            version = lines
                .next()
                .and_then(|l| l.strip_prefix("version = \""))
                .map(|v| v.trim_end_matches('"').to_string());
            break;
        }
    }
    let version = version.unwrap_or_else(|| panic!("{name} is not in Cargo.lock"));
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .expect("CARGO_HOME or HOME");
    let src = home.join("registry/src");
    for index in std::fs::read_dir(&src).expect("registry/src") {
        let dir = index
            .expect("entry")
            .path()
            .join(format!("{name}-{version}"));
        if dir.is_dir() {
            return (format!("{name}-{version}"), dir);
        }
    }
    panic!(
        "{name}-{version} is not unpacked under {}; run `cargo fetch`",
        src.display()
    )
}

/// Copies the directory tree `from` to `to` (files and directories only).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let ft = entry.file_type().expect("file type");
        let dest = to.join(entry.file_name());
        if ft.is_dir() {
            copy_tree(&entry.path(), &dest);
        } else if ft.is_file() {
            std::fs::copy(entry.path(), &dest).expect("copy");
        }
    }
}
