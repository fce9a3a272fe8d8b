//! Temp git repositories driven by the git CLI, and configs that point the
//! review stage at fake providers.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use distiq_config::{Config, ConfigBuilder};
use distiq_llm::EnvLookup;

/// A git repository in a temp dir, with a throwaway identity and no
/// global or system config.
pub struct Repo {
    pub tmp: tempfile::TempDir,
    pub root: PathBuf,
}

impl Repo {
    pub fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("repo");
        std::fs::create_dir_all(&root).unwrap();
        let r = Self { tmp, root };
        r.git(&["init", "-q", "-b", "main"]);
        r.git(&["config", "user.email", "dev@example.com"]);
        r.git(&["config", "user.name", "Dev"]);
        r.git(&["config", "commit.gpgsign", "false"]);
        // The test config lives in the repo but is never part of a change.
        std::fs::write(r.root.join(".git/info/exclude"), ".distiq.toml\n").unwrap();
        r
    }

    pub fn git(&self, args: &[&str]) -> String {
        let out = Command::new("git")
            .args(args)
            .current_dir(&self.root)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", self.tmp.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn write(&self, rel: &str, text: &str) {
        let p = self.root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    pub fn commit_all(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
    }

    pub fn path(&self) -> &Path {
        &self.root
    }
}

/// A config whose cheap tier is `fake:small` and whose mid and top tiers
/// are `fake:big`, both on a `kind` provider at `base_url`, key in
/// `FAKE_API_KEY`; `extra` is more TOML (a `[review]` table).
pub fn config(repo: &Repo, kind: &str, base_url: &str, extra: &str) -> Arc<Config> {
    let toml = format!(
        r#"
[providers.fake]
kind = "{kind}"
base_url = "{base_url}"
api_key_env = ["FAKE_API_KEY"]

[models."fake:small"]
input = 1.0
output = 2.0
[models."fake:big"]
input = 10.0
output = 20.0

[tiers.cheap]
model = "fake:small"
[tiers.mid]
model = "fake:big"
[tiers.top]
model = "fake:big"

[retry]
max_attempts = 1
initial_delay_ms = 5
max_delay_ms = 10

{extra}
"#
    );
    std::fs::write(repo.root.join(".distiq.toml"), toml).unwrap();
    let ledger = repo.tmp.path().join("ledger.sqlite");
    Arc::new(
        ConfigBuilder::new()
            .user_file(None)
            .repo_root(Some(repo.root.clone()))
            .env([("HOME", repo.tmp.path().to_str().unwrap())])
            .cli_override("ledger.path", ledger.to_str().unwrap())
            .build()
            .unwrap(),
    )
}

pub fn env(vars: &[(&str, &str)]) -> EnvLookup {
    let map: std::collections::BTreeMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Arc::new(move |k: &str| map.get(k).cloned())
}
