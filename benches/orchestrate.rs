//! The cascade's own overhead (distiq-pipeline), model latency excluded: a
//! whole `run` on a large real repository — tokio's source from the cargo
//! registry (about 150k lines of Rust) in a temp git repository — against a
//! fake OpenAI-compatible server on loopback that answers the planner at
//! once with a plan carrying exact code (so no executor call).
//!
//! What is timed is everything distiq does around the model: routing (the
//! local embedding and classifier), the cache lookup, the repository index
//! (its tags cache warm) and context, the plan's checks, the in-memory
//! apply, the journaled write, the syntax check and the commit. "Warm" means
//! a process that has already loaded the embedding model and indexed the
//! repository once. Between iterations (untimed) the repository is reset to
//! its first commit. Run with `cargo bench --bench orchestrate`.

// A benchmark without its fixture has nothing to measure: stop.
#![allow(clippy::expect_used, clippy::print_stderr, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use common::{copy_tree, registry_crate};
use distiq_config::ConfigBuilder;
use distiq_core::NullSink;
use distiq_pipeline::{LocalModels, Options, Pipeline};
use distiq_test_support::openai::{base_url, chat_mock, sse_template, stream_structured, usage};
use serde_json::json;

/// The file the plan edits.
const TARGET: &str = "src/time/interval.rs";
const TASK: &str = "note in interval() that the first tick completes immediately";

fn main() {
    // DISTIQ_BENCH_TRACE=1 logs the time of each pipeline step to stderr.
    if std::env::var_os("DISTIQ_BENCH_TRACE").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("distiq_pipeline=debug"))
            .with_writer(std::io::stderr)
            .try_init();
    }
    let f = fixture();
    eprintln!(
        "orchestrate fixture: {} ({} lines of Rust), plan edits {TARGET}",
        f.name, f.lines
    );
    divan::main();
}

struct Fixture {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    name: String,
    lines: usize,
    first: String,
    runtime: tokio::runtime::Runtime,
    _server: wiremock::MockServer,
    config: Arc<distiq_config::Config>,
    local: Arc<LocalModels>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let (name, src) = registry_crate("tokio");
        let tmp = tempfile::tempdir().expect("temp dir");
        let root = tmp.path().join("repo");
        copy_tree(&src, &root);
        let lines = count_lines(&root);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let server = runtime.block_on(wiremock::MockServer::start());
        let text = std::fs::read_to_string(root.join(TARGET)).expect("target file");
        let anchor = text
            .lines()
            .find(|l| l.starts_with("pub fn interval("))
            .expect("fn interval in interval.rs");
        let plan = json!({
            "summary": "Note that the first tick completes immediately",
            "files": [{"path": TARGET, "action": "modify", "changes": [{
                "type": "replace", "location": "fn interval",
                "old_code": format!("{anchor}\n"),
                "new_code": format!("{anchor}\n    // The first tick completes immediately.\n"),
                "reasoning": "the note"
            }]}]
        });
        runtime.block_on(
            chat_mock()
                .respond_with(sse_template(stream_structured(
                    &plan.to_string(),
                    "stop",
                    usage(6_000, 300),
                )))
                .mount(&server),
        );
        std::fs::write(
            root.join(".distiq.toml"),
            format!(
                "[providers.fake]\nkind = \"openai\"\nbase_url = \"{}\"\napi_key_env = []\n\
                 [tiers.cheap]\nmodel = \"fake:small\"\n[tiers.mid]\nmodel = \"fake:mid\"\n\
                 [tiers.top]\nmodel = \"fake:big\"\n[router]\ninspect = false\n",
                base_url(&server)
            ),
        )
        .expect("config");
        git(&root, &["init", "-q", "-b", "main"]);
        std::fs::write(root.join(".git/info/exclude"), ".distiq.toml\n/.distiq/\n")
            .expect("exclude");
        git(&root, &["add", "-A"]);
        git(&root, &["commit", "-q", "-m", "tokio"]);
        let first = git(&root, &["rev-parse", "HEAD"]).trim().to_owned();
        let home = tmp.path().join("home");
        let config = Arc::new(
            ConfigBuilder::new()
                .user_file(None)
                .repo_root(Some(root.clone()))
                .env([("HOME", home.to_str().expect("utf-8 path"))])
                .build()
                .expect("config"),
        );
        let cache_home = home.join(".cache");
        let local = LocalModels::load(
            &config,
            |k| (k == "XDG_CACHE_HOME").then(|| cache_home.display().to_string()),
            true,
        )
        .expect("the local models (run ./models/fetch)");
        let f = Fixture {
            _tmp: tmp,
            root,
            name,
            lines,
            first,
            runtime,
            _server: server,
            config,
            local: Arc::new(local),
        };
        // Warm the tags cache and the chunk embeddings once.
        run_once(&f, &pipeline(&f, true, false));
        f
    })
}

fn pipeline(f: &Fixture, route: bool, cache: bool) -> Pipeline {
    Pipeline::new(
        &f.root,
        f.config.clone(),
        Arc::new(|_: &str| None),
        Arc::new(NullSink),
        (route || cache).then(|| f.local.clone()),
        Options {
            route,
            cache,
            ..Options::default()
        },
    )
    .expect("pipeline")
}

fn reset(f: &Fixture) {
    git(&f.root, &["reset", "-q", "--hard", &f.first]);
}

fn run_once(f: &Fixture, p: &Pipeline) {
    reset(f);
    let out = f.runtime.block_on(p.run(TASK)).expect("run");
    assert_eq!(out.files.len(), 1, "the plan was carried out");
}

/// No local models: every stage on its configured tier, no cache.
#[divan::bench(sample_count = 20, sample_size = 1)]
fn run_unrouted(bencher: divan::Bencher) {
    let f = fixture();
    let p = pipeline(f, false, false);
    bencher
        .with_inputs(|| reset(f))
        .bench_local_values(|()| f.runtime.block_on(p.run(TASK)).expect("run"));
}

/// Routed by the local embedding and classifier; the cache off.
#[divan::bench(sample_count = 20, sample_size = 1)]
fn run_routed(bencher: divan::Bencher) {
    let f = fixture();
    let p = pipeline(f, true, false);
    bencher
        .with_inputs(|| reset(f))
        .bench_local_values(|()| f.runtime.block_on(p.run(TASK)).expect("run"));
}

/// Routed, and the plan served from the semantic cache (no index, no
/// planner call): the path of a repeated task.
#[divan::bench(sample_count = 20, sample_size = 1)]
fn run_cache_hit(bencher: divan::Bencher) {
    let f = fixture();
    let p = pipeline(f, true, true);
    run_once(f, &p); // stores the plan
    bencher.with_inputs(|| reset(f)).bench_local_values(|()| {
        let out = f.runtime.block_on(p.run(TASK)).expect("run");
        assert!(out.cached, "served from the cache");
        out
    });
}

fn git(root: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(root)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "bench")
        .env("GIT_AUTHOR_EMAIL", "bench@example.com")
        .env("GIT_COMMITTER_NAME", "bench")
        .env("GIT_COMMITTER_EMAIL", "bench@example.com")
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn count_lines(root: &Path) -> usize {
    let mut n = 0;
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                n += std::fs::read_to_string(&path).map_or(0, |t| t.lines().count());
            }
        }
    }
    n
}
