//! `distiq config show|check` and `distiq models`, end to end.

use crate::util::World;

/// A world whose repo is a git repository (a `.git` directory is enough to
/// mark the root).
fn repo_world() -> World {
    let world = World::new();
    world.write(".git/HEAD", "ref: refs/heads/main\n");
    world
}

fn line_of<'a>(stdout: &'a str, key: &str) -> &'a str {
    stdout
        .lines()
        .find(|l| l.starts_with(&format!("{key} = ")))
        .unwrap_or_else(|| panic!("no `{key}` line in:\n{stdout}"))
}

#[test]
fn config_show_attributes_each_value_to_its_layer() {
    let world = repo_world();
    let user = world.write_user_config("[retry]\nmax_attempts = 6\n");
    let repo_file = world.write(".distiq.toml", "[stages.plan]\ntier = \"top\"\n");
    let stdout = world.ok(world
        .cmd(&[
            "config",
            "show",
            "-c",
            "tiers.cheap.model=openai:gpt-5-nano",
        ])
        .env("DISTIQ_BUDGET_PER_DAY", "2.5")
        .env("ANTHROPIC_API_KEY", "sk-ant-very-secret"));

    let plan = line_of(&stdout, "stages.plan.tier");
    assert!(
        plan.contains("\"top\"") && plan.ends_with(&format!("# repo file {}", repo_file.display())),
        "{plan}"
    );
    let cheap = line_of(&stdout, "tiers.cheap.model");
    assert!(
        cheap.contains("\"openai:gpt-5-nano\"") && cheap.ends_with("# flag -c tiers.cheap.model"),
        "{cheap}"
    );
    let retry = line_of(&stdout, "retry.max_attempts");
    assert!(
        retry.ends_with(&format!("# user file {}", user.display())),
        "{retry}"
    );
    assert!(
        line_of(&stdout, "budget.per_day").ends_with("# env DISTIQ_BUDGET_PER_DAY"),
        "{stdout}"
    );
    assert!(
        line_of(&stdout, "tiers.top.model").ends_with("# default"),
        "{stdout}"
    );

    assert!(
        stdout.contains("anthropic: ANTHROPIC_API_KEY is set"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("sk-ant-very-secret"),
        "a key leaked:\n{stdout}"
    );
}

#[test]
fn config_show_json_carries_layer_and_origin() {
    let world = repo_world();
    let repo_file = world.write(".distiq.toml", "[budget]\nper_task = 0.75\n");
    let stdout = world.ok(&mut world.cmd(&[
        "config",
        "show",
        "--json",
        "-c",
        "stages.plan.max_tokens=32768",
    ]));
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    let value = |key: &str| {
        v["values"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["key"] == key)
            .cloned()
            .unwrap()
    };
    let budget = value("budget.per_task");
    assert_eq!(budget["value"], 0.75);
    assert_eq!(budget["layer"], "repo_file");
    assert_eq!(budget["origin"], repo_file.display().to_string());
    let plan = value("stages.plan.max_tokens");
    assert_eq!(
        (plan["value"].as_i64(), plan["layer"].as_str()),
        (Some(32768), Some("cli"))
    );
    assert_eq!(v["api_keys"]["ollama"]["local"], true);
}

#[test]
fn the_repo_file_is_read_at_the_git_root_from_a_subdirectory() {
    let world = repo_world();
    world.write(".distiq.toml", "[tiers.mid]\nmodel = \"openai:gpt-5\"\n");
    world.write("src/deep/lib.rs", "");
    let stdout = world.ok(&mut world.cmd(&["--repo", "src/deep", "config", "show"]));
    assert!(
        line_of(&stdout, "tiers.mid.model").contains("\"openai:gpt-5\""),
        "{stdout}"
    );
}

#[test]
fn config_check_passes_on_the_defaults_and_warns_about_missing_keys() {
    let world = repo_world();
    let out = world.cmd(&["config", "check"]).output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.starts_with("config ok"), "{stdout}");
    assert!(
        stderr.contains("warning: provider `anthropic`") && stderr.contains("ANTHROPIC_API_KEY"),
        "{stderr}"
    );

    let stdout = world.ok(world
        .cmd(&["config", "check"])
        .env("ANTHROPIC_API_KEY", "k")
        .env("DEEPSEEK_API_KEY", "k"));
    assert_eq!(stdout.trim(), "config ok");
}

#[test]
fn config_check_fails_with_the_file_and_line_of_a_bad_file() {
    let world = repo_world();
    let file = world.write(
        ".distiq.toml",
        "[tiers.cheap]\nmodel = \"openai:gpt-5-nano\"\ncontext = 12\n",
    );
    let (code, stderr) = world.fails(&mut world.cmd(&["config", "check"]));
    assert_eq!(code, 1);
    assert!(
        stderr.contains(&format!("{}:3:1:", file.display())),
        "{stderr}"
    );
    assert!(
        stderr.contains("`tiers.cheap.context`") && stderr.contains("unknown field"),
        "{stderr}"
    );
}

#[test]
fn config_check_fails_on_a_downward_fallback_and_an_unknown_model() {
    let world = repo_world();
    world.write(
        ".distiq.toml",
        "[stages.plan]\nfallbacks = [\"deepseek:deepseek-chat\"]\n[tiers.top]\nmodel = \"anthropic:claude-opus-9\"\n",
    );
    let (code, stderr) = world.fails(&mut world.cmd(&["config", "check"]));
    assert_eq!(code, 1);
    assert!(
        stderr.contains("$15.00/MTok") && stderr.contains("$0.42/MTok"),
        "{stderr}"
    );
    assert!(
        stderr.contains("anthropic:claude-opus-9") && stderr.contains("anthropic:claude-opus-4-1"),
        "{stderr}"
    );
    assert!(stderr.contains("2 errors"), "{stderr}");
}

#[test]
fn a_bad_flag_is_a_configuration_error_with_exit_code_2() {
    let world = repo_world();
    let (code, stderr) = world.fails(&mut world.cmd(&["models", "-c", "tiers.top.model=opus"]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("flag -c tiers.top.model") && stderr.contains("provider:model"),
        "{stderr}"
    );
}

#[test]
fn models_json_lists_prices_uses_and_local_models() {
    let world = repo_world();
    world.write(
        ".distiq.toml",
        "[providers.local]\nkind = \"openai\"\nbase_url = \"http://127.0.0.1:8089/v1\"\n\
         [stages.review]\nmodel = \"local:qwen2.5-coder\"\n",
    );
    let stdout = world.ok(&mut world.cmd(&["models", "--json"]));
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    let model = |name: &str| {
        v["models"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["model"] == name)
            .cloned()
            .unwrap()
    };
    let opus = model("anthropic:claude-opus-4-5");
    assert_eq!(opus["tiers"], serde_json::json!(["top"]));
    assert_eq!(opus["price_usd_per_mtok"]["output"], 25.0);
    assert_eq!(opus["price_micros_per_mtok"]["cache_write"], 6_250_000);
    assert_eq!(opus["context_window"], 200_000);
    let chat = model("deepseek:deepseek-chat");
    assert!(
        chat["stages"]
            .as_array()
            .unwrap()
            .contains(&"execute".into()),
        "{chat}"
    );
    let local = model("local:qwen2.5-coder");
    assert_eq!(
        (local["local"].as_bool(), local["priced"].as_bool()),
        (Some(true), Some(false))
    );
    assert_eq!(local["price_usd_per_mtok"]["input"], 0.0);
    assert_eq!(local["stages"], serde_json::json!(["review"]));
    let retired = model("anthropic:claude-3-opus-20240229");
    assert_eq!(retired["deprecation"], "2026-01-05");
    assert!(retired["days_until_deprecation"].is_i64());
}

#[test]
fn models_table_marks_free_local_models() {
    let world = repo_world();
    world.write(
        ".distiq.toml",
        "[tiers.cheap]\nmodel = \"ollama:qwen2.5-coder\"\n",
    );
    let stdout = world.ok(&mut world.cmd(&["models"]));
    let row = stdout
        .lines()
        .find(|l| l.starts_with("ollama:qwen2.5-coder"))
        .unwrap();
    assert!(row.contains("free*") && row.contains("tier cheap"), "{row}");
    assert!(stdout.contains("costs nothing"), "{stdout}");
}
