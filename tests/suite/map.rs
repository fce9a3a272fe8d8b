//! `distiq map`, end to end in a temp repository.

use crate::util::World;

fn world() -> World {
    let world = World::new();
    world.write(".git/HEAD", "ref: refs/heads/main\n");
    world.write(
        "src/config.rs",
        "/// Reads the config file.\npub fn load_config(path: &str) -> Config {\n    parse_toml(path)\n}\n\npub struct Config {\n    pub port: u16,\n}\n",
    );
    world.write(
        "src/toml.rs",
        "use crate::config::Config;\n\npub fn parse_toml(text: &str) -> Config {\n    Config { port: 8080 }\n}\n",
    );
    world.write("src/main.rs", "mod config;\nmod toml;\n\nfn main() {\n    let c = config::load_config(\"x\");\n    println!(\"{}\", c.port);\n}\n");
    world.write("web/app.ts", "export interface Route { path: string }\nexport function serveRoutes(routes: Route[]): void {}\n");
    world.write(".gitignore", "dist/\n");
    world.write("dist/bundle.rs", "pub fn ignored_output() {}\n");
    world
}

#[test]
fn map_json_ranks_files_for_a_task_best_first() {
    let world = world();
    let stdout = world.ok(&mut world.cmd(&[
        "map",
        "--for",
        "change how parse_toml reads the port",
        "--json",
    ]));
    let v: serde_json::Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    let files = v["files"].as_array().expect("files");
    let paths: Vec<&str> = files.iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(paths[0], "src/toml.rs", "{paths:?}");
    assert!(
        !paths.contains(&"dist/bundle.rs"),
        "gitignored files are left out: {paths:?}"
    );
    assert!(paths.contains(&"web/app.ts"));
    let scores: Vec<f64> = files.iter().map(|f| f["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    assert!(files[0]["why"].as_array().is_some_and(|w| !w.is_empty()));
    let chunks = v["chunks"].as_array().expect("chunks");
    assert!(
        chunks
            .iter()
            .any(|c| c["name"] == "parse_toml" && c["path"] == "src/toml.rs"),
        "{chunks:?}"
    );
    assert!(v["tokens"].as_u64().unwrap() <= 8192);
}

#[test]
fn map_prints_signatures_and_the_chosen_code_with_reasons() {
    let world = world();
    let stdout = world.ok(&mut world.cmd(&[
        "map",
        "--for",
        "where is load_config defined?",
        "--budget",
        "2000",
    ]));
    assert!(stdout.starts_with("# Repository map\n"), "{stdout}");
    assert!(
        stdout.contains("│pub fn load_config(path: &str) -> Config"),
        "{stdout}"
    );
    assert!(
        stdout.contains("│export function serveRoutes(routes: Route[]): void"),
        "{stdout}"
    );
    assert!(
        stdout.contains("## src/config.rs:1-4 `load_config` (function"),
        "{stdout}"
    );
    assert!(
        stdout.contains("why: `load_config` is named in the task"),
        "{stdout}"
    );
}

#[test]
fn map_without_a_task_is_the_map_alone_and_a_second_run_is_warm() {
    let world = world();
    let first = world.ok(&mut world.cmd(&["map", "--json"]));
    let v: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert!(v["chunks"].as_array().unwrap().is_empty());
    assert!(v["stats"]["parsed"].as_u64().unwrap() >= 4);
    let second = world.ok(&mut world.cmd(&["map", "--json"]));
    let v2: serde_json::Value = serde_json::from_str(&second).unwrap();
    assert_eq!(
        v2["stats"]["parsed"], 0,
        "the tags cache makes the second run warm"
    );
    assert_eq!(v["files"], v2["files"]);
}

#[test]
fn map_of_an_empty_repo_succeeds() {
    let world = World::new();
    let stdout = world.ok(&mut world.cmd(&["map", "--for", "anything"]));
    assert!(stdout.contains("# Code chosen for this task"), "{stdout}");
}

/// A repository whose right answer for a task phrased without its
/// identifiers is only found by meaning.
fn retry_world() -> World {
    let world = World::new();
    world.write(".git/HEAD", "ref: refs/heads/main\n");
    world.write(
        "src/backoff.rs",
        "/// The pause before attempt `n`: doubles each time, capped.\n\
         pub fn pause_for(n: u32, cap_ms: u64) -> u64 {\n    (100u64 << n.min(16)).min(cap_ms)\n}\n",
    );
    world.write(
        "src/table.rs",
        "/// A database table's rows.\npub struct Table {\n    pub rows: Vec<String>,\n}\n\n\
         /// Adds one row to the table.\npub fn insert_row(t: &mut Table, row: String) {\n    t.rows.push(row);\n}\n",
    );
    world.write(
        "src/render.rs",
        "/// Writes the table as an HTML page.\npub fn render_html(rows: &[String]) -> String {\n    rows.join(\"<br>\")\n}\n",
    );
    world.write(
        "src/lib.rs",
        "pub mod backoff;\npub mod render;\npub mod table;\n",
    );
    world
}

#[test]
fn map_for_a_task_blends_in_the_embedding_model_and_caches_its_vectors() {
    let world = retry_world();
    let task = "where do we decide how long to wait before retrying";
    let run = || {
        let stdout = world.ok(&mut world.cmd(&["map", "--for", task, "--json"]));
        serde_json::from_str::<serde_json::Value>(&stdout)
            .unwrap_or_else(|e| panic!("{e}: {stdout}"))
    };
    let v = run();
    assert_eq!(v["ranking"], "graph+embedding", "{v:#}");
    assert_eq!(v["fallback"], serde_json::Value::Null);
    assert_eq!(v["files"][0]["path"], "src/backoff.rs", "{:#}", v["files"]);
    let chunk = v["chunks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "pause_for")
        .unwrap_or_else(|| panic!("{:#}", v["chunks"]));
    assert!(
        chunk["why"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["reason"] == "similar"),
        "{chunk:#}"
    );
    assert!(v["embedding"]["embedded"].as_u64().unwrap() > 0);
    assert!(world.repo.join(".distiq/cache/embeddings.bin").is_file());

    // Warm: every vector comes from the cache.
    let v = run();
    assert_eq!(v["embedding"]["embedded"], 0, "{:#}", v["embedding"]);
    assert!(v["embedding"]["cached"].as_u64().unwrap() > 0);
    assert_eq!(v["files"][0]["path"], "src/backoff.rs");
}

#[test]
fn map_without_the_model_says_it_ranks_by_the_graph_alone() {
    let world = retry_world();
    let empty = world.home.join("no-models");
    std::fs::create_dir_all(&empty).unwrap();
    let out = world
        .cmd(&["map", "--for", "change how rows are inserted", "--json"])
        .env("DISTIQ_MODEL_DIR", &empty)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("ranking by the graph alone"), "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["ranking"], "graph");
    assert!(v["fallback"].as_str().is_some_and(|f| !f.is_empty()));
    assert_eq!(v["files"][0]["path"], "src/table.rs", "{:#}", v["files"]);

    // Turned off in config: no model is loaded, and the human output says so.
    let stdout = world.ok(&mut world.cmd(&[
        "-c",
        "analyze.embed=false",
        "map",
        "--for",
        "change how rows are inserted",
    ]));
    assert!(stdout.contains("ranked by the graph alone"), "{stdout}");
}
