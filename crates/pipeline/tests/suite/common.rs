//! A temp git repository with a `.distiq.toml` pointing every tier at one
//! fake OpenAI-compatible server, with a distinct model id per tier
//! (cheap `small`, mid `mid`, top `big`), and helpers to script it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use distiq_config::{Config, ConfigBuilder};
use distiq_core::{Event, VecSink};
use distiq_pipeline::{Options, Pipeline};
use distiq_test_support::openai::base_url;
use serde_json::{Value, json};
use wiremock::MockServer;

pub struct Repo {
    _tmp: tempfile::TempDir,
    pub root: PathBuf,
    pub home: PathBuf,
}

fn git(root: &Path) -> git2::Repository {
    git2::Repository::open(root).unwrap()
}

/// A repository with `files` and the config committed, `extra` appended
/// to the config.
pub fn repo(server: &MockServer, files: &[(&str, &str)], extra: &str) -> Repo {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("repo");
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::create_dir_all(&home).unwrap();
    let repo = git2::Repository::init(&root).unwrap();
    let mut cfg = repo.config().unwrap();
    cfg.set_str("user.name", "Dev").unwrap();
    cfg.set_str("user.email", "dev@example.com").unwrap();
    let toml = distiq_test_support::cascade_toml(&base_url(server), extra);
    std::fs::write(root.join(".distiq.toml"), toml).unwrap();
    for (path, content) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
    commit_all(&root, "first");
    Repo {
        _tmp: tmp,
        root,
        home,
    }
}

/// Commits everything in the work tree.
pub fn commit_all(root: &Path, message: &str) {
    let repo = git(root);
    let mut index = repo.index().unwrap();
    index
        .add_all(["*"].iter(), git2::IndexAddOption::DEFAULT, None)
        .unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = repo.signature().unwrap();
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
    repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
        .unwrap();
}

/// HEAD's message.
pub fn head_message(root: &Path) -> String {
    let repo = git(root);
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    head.message().unwrap().to_owned()
}

impl Repo {
    pub fn config(&self, overrides: &[(&str, &str)]) -> Arc<Config> {
        let mut b = ConfigBuilder::new()
            .user_file(None)
            .repo_root(Some(self.root.clone()))
            .env([("HOME", self.home.to_str().unwrap())])
            .cli_override(
                "ledger.path",
                self.home.join("ledger.sqlite").to_str().unwrap(),
            );
        for (k, v) in overrides {
            b = b.cli_override(*k, *v);
        }
        Arc::new(b.build().unwrap())
    }

    pub fn pipeline(
        &self,
        overrides: &[(&str, &str)],
        options: Options,
    ) -> (Pipeline, Arc<VecSink>) {
        let sink = Arc::new(VecSink::default());
        let env: distiq_llm::EnvLookup =
            Arc::new(|k: &str| (k == "FAKE_API_KEY").then(|| "sk-fake-pipeline".to_owned()));
        let p = Pipeline::new(
            &self.root,
            self.config(overrides),
            env,
            sink.clone(),
            None,
            options,
        )
        .unwrap();
        (p, sink)
    }

    pub fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.root.join(path)).unwrap()
    }
}

pub use distiq_test_support::openai::{
    answer_structured as answer, models_and_schemas as requests,
};

/// A one-file plan replacing `old` with `new` in `path`.
pub fn replace_plan(path: &str, old: &str, new: &str) -> Value {
    json!({
        "summary": format!("Change {path}"),
        "files": [{
            "path": path,
            "action": "modify",
            "changes": [{
                "type": "replace",
                "location": "top",
                "old_code": old,
                "new_code": new,
                "reasoning": "the task"
            }]
        }]
    })
}

/// The names of the events, in order (`plan_ready`, `committed`, ...).
pub fn kinds(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            serde_json::to_value(e).unwrap()["event"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}
