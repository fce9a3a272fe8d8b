//! A temp home with XDG dirs and a repository, and a builder wired to them.

use std::path::PathBuf;

use distiq_config::{Config, ConfigBuilder};

pub struct Home {
    _tmp: tempfile::TempDir,
    pub home: PathBuf,
    pub repo: PathBuf,
}

impl Home {
    pub fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("home");
        let repo = tmp.path().join("repo");
        std::fs::create_dir_all(home.join(".config/distiq")).unwrap();
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        Self {
            _tmp: tmp,
            home,
            repo,
        }
    }

    pub fn user_file(&self) -> PathBuf {
        self.home.join(".config/distiq/config.toml")
    }

    pub fn repo_file(&self) -> PathBuf {
        self.repo.join(".distiq.toml")
    }

    pub fn write_user(&self, text: &str) -> PathBuf {
        std::fs::write(self.user_file(), text).unwrap();
        self.user_file()
    }

    pub fn write_repo(&self, text: &str) -> PathBuf {
        std::fs::write(self.repo_file(), text).unwrap();
        self.repo_file()
    }

    /// A builder that sees this home (HOME, XDG_CONFIG_HOME, XDG_DATA_HOME)
    /// and this repository, and nothing of the machine's.
    pub fn builder(&self) -> ConfigBuilder {
        ConfigBuilder::new()
            .env([
                ("HOME", self.home.display().to_string()),
                (
                    "XDG_CONFIG_HOME",
                    self.home.join(".config").display().to_string(),
                ),
                (
                    "XDG_DATA_HOME",
                    self.home.join(".local/share").display().to_string(),
                ),
            ])
            .repo_root(Some(self.repo.clone()))
    }

    pub fn build(&self) -> Config {
        self.builder().build().unwrap()
    }

    /// The error message of a build that must fail.
    pub fn build_err(&self, builder: ConfigBuilder) -> String {
        match builder.build() {
            Ok(_) => panic!("expected the build to fail"),
            Err(e) => e.to_string(),
        }
    }
}
