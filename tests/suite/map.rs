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
