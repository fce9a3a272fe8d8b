//! The harness for end-to-end tests: each test gets its own temp home and
//! repository, runs the real binary there, and on failure sees the working
//! directory, stdout and stderr (ripgrep's `tests/util.rs` is the model).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// An isolated world for one test: a home with XDG dirs and a work dir.
#[derive(Debug)]
pub struct World {
    _tmp: tempfile::TempDir,
    pub home: PathBuf,
    pub config_home: PathBuf,
    pub data_home: PathBuf,
    pub repo: PathBuf,
}

impl World {
    pub fn new() -> Self {
        let tmp = tempfile::tempdir().expect("temp dir");
        let root = tmp.path().to_path_buf();
        let home = root.join("home");
        let config_home = home.join(".config");
        let data_home = home.join(".local/share");
        let repo = root.join("repo");
        for d in [&home, &config_home, &data_home, &repo] {
            std::fs::create_dir_all(d).expect("mkdir");
        }
        Self {
            _tmp: tmp,
            home,
            config_home,
            data_home,
            repo,
        }
    }

    /// Writes `contents` to `rel` under the repo, creating parents.
    pub fn write(&self, rel: &str, contents: &str) -> PathBuf {
        let p = self.repo.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, contents).expect("write");
        p
    }

    /// Writes the user's config file (`$XDG_CONFIG_HOME/distiq/config.toml`).
    pub fn write_user_config(&self, contents: &str) -> PathBuf {
        let p = self.config_home.join("distiq/config.toml");
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, contents).expect("write");
        p
    }

    /// `distiq ARGS` run in the repo, with a clean environment: no API keys
    /// from the machine, no config but this world's.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_distiq"));
        cmd.args(args)
            .current_dir(&self.repo)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", &self.config_home)
            .env("XDG_DATA_HOME", &self.data_home)
            .env("NO_COLOR", "1");
        cmd
    }

    /// Runs and expects success; returns stdout.
    pub fn ok(&self, cmd: &mut Command) -> String {
        let out = cmd.output().expect("spawn distiq");
        if !out.status.success() {
            panic!("{}", describe(cmd, &out, &self.repo, "expected success"));
        }
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs and expects failure; returns (exit code, stderr).
    pub fn fails(&self, cmd: &mut Command) -> (i32, String) {
        let out = cmd.output().expect("spawn distiq");
        if out.status.success() {
            panic!("{}", describe(cmd, &out, &self.repo, "expected failure"));
        }
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

fn describe(cmd: &Command, out: &Output, cwd: &Path, what: &str) -> String {
    format!(
        "{what}\n\ncommand: {cmd:?}\ncwd: {}\nstatus: {}\n\nstdout:\n{}\n\nstderr:\n{}\n",
        cwd.display(),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    )
}
