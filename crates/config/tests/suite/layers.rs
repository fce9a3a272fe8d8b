//! Precedence of the layers and the provenance of every value.

use std::path::PathBuf;

use distiq_config::{ConfigBuilder, Source, find_repo_root};
use distiq_core::{ModelRef, Money, ProviderKind, Stage, Tier};

use super::util::Home;

fn m(s: &str) -> ModelRef {
    s.parse().unwrap()
}

#[test]
fn defaults_alone_cover_every_stage_tier_and_provider() {
    let home = Home::new();
    let c = home.build();
    assert_eq!(c.stages.len(), Stage::ALL.len());
    assert_eq!(c.tiers[&Tier::Cheap].model, m("deepseek:deepseek-chat"));
    assert_eq!(c.tiers[&Tier::Mid].model, m("anthropic:claude-sonnet-4-5"));
    assert_eq!(c.tiers[&Tier::Top].model, m("anthropic:claude-opus-4-5"));
    for name in [
        "anthropic",
        "openai",
        "gemini",
        "deepseek",
        "openrouter",
        "ollama",
    ] {
        assert!(c.providers.contains_key(name), "{name}");
    }
    assert_eq!(
        c.providers["gemini"].api_key_env,
        ["GEMINI_API_KEY", "GOOGLE_API_KEY"]
    );
    assert!(c.providers["ollama"].is_local());
    assert_eq!(c.stages[&Stage::Plan].tier, Tier::Mid);
    assert_eq!(c.stages[&Stage::Execute].tier, Tier::Cheap);
    assert_eq!(c.structured.max_tokens_ladder, [16384, 32768, 65536]);
    assert_eq!(c.budget.per_task, None);
    assert_eq!(
        c.ledger.path,
        home.home.join(".local/share/distiq/ledger.sqlite")
    );
    assert_eq!(c.source_of("tiers.cheap.model"), Some(&Source::Default));
    assert_eq!(
        c.source_of("ledger.path"),
        None,
        "derived, not set by a layer"
    );
    // Every stage and tier model of the defaults has a price.
    for model in c.tiers.values().map(|a| &a.model) {
        assert!(c.models.contains_key(model), "{model} unpriced");
    }
}

#[test]
fn each_layer_overrides_the_one_below_and_is_recorded() {
    let home = Home::new();
    let user = home.write_user(
        r#"
[tiers.top]
model = "anthropic:claude-opus-4-0"
[tiers.mid]
model = "openai:gpt-5"
[tiers.cheap]
model = "openai:gpt-5-nano"
[budget]
per_day = 1
"#,
    );
    let repo = home.write_repo(
        r#"
tiers.top.model = "openai:gpt-5"
tiers.mid.model = "gemini:gemini-2.5-pro"
budget.per_day = 2.0
"#,
    );
    let c = home
        .builder()
        .env([
            ("DISTIQ_TOP_MODEL", "gemini:gemini-2.5-pro"),
            ("DISTIQ_BUDGET_PER_DAY", "$3"),
        ])
        .cli_arg("tiers.top.model=anthropic:claude-opus-4-5")
        .build()
        .unwrap();

    assert_eq!(c.tiers[&Tier::Top].model, m("anthropic:claude-opus-4-5"));
    assert_eq!(c.tiers[&Tier::Mid].model, m("gemini:gemini-2.5-pro"));
    assert_eq!(c.tiers[&Tier::Cheap].model, m("openai:gpt-5-nano"));
    assert_eq!(c.budget.per_day, Some(Money::from_micros(3_000_000)));

    assert_eq!(
        c.source_of("tiers.top.model"),
        Some(&Source::Cli("-c tiers.top.model".into()))
    );
    assert_eq!(
        c.source_of("tiers.mid.model"),
        Some(&Source::RepoFile(repo))
    );
    assert_eq!(
        c.source_of("tiers.cheap.model"),
        Some(&Source::UserFile(user))
    );
    assert_eq!(
        c.source_of("budget.per_day"),
        Some(&Source::Env("DISTIQ_BUDGET_PER_DAY".into()))
    );
    assert_eq!(c.source_of("budget.per_task"), None);
    assert_eq!(c.source_of("stages.plan.tier"), Some(&Source::Default));
    assert!(c.files().iter().all(|f| f.loaded));
}

#[test]
fn later_flags_win_over_earlier_ones() {
    let home = Home::new();
    let c = home
        .builder()
        .cli_override("stages.plan.max_tokens", "1000")
        .cli_override("stages.plan.max_tokens", "2000")
        .build()
        .unwrap();
    assert_eq!(c.stages[&Stage::Plan].max_tokens, 2000);
}

#[test]
fn tables_merge_key_by_key() {
    let home = Home::new();
    let repo = home.write_repo("[models.\"anthropic:claude-sonnet-4-5\"]\ninput = 2.5\n");
    let c = home.build();
    let sonnet = &c.models[&m("anthropic:claude-sonnet-4-5")];
    assert_eq!(sonnet.price.input, 2_500_000);
    assert_eq!(
        sonnet.price.output, 15_000_000,
        "the default output price stays"
    );
    let key = r#"models."anthropic:claude-sonnet-4-5""#;
    assert_eq!(
        c.source_of(&format!("{key}.input")),
        Some(&Source::RepoFile(repo))
    );
    assert_eq!(
        c.source_of(&format!("{key}.output")),
        Some(&Source::Default)
    );
}

#[test]
fn swapping_a_model_drops_the_date_of_the_old_one() {
    let home = Home::new();
    home.write_user(
        "[tiers.cheap]\nmodel = \"openai:gpt-5-nano\"\ndeprecation = \"2027-01-31\"\n\
         [stages.review]\nmodel = \"openai:gpt-5-nano\"\ndeprecation = \"2027-02-01\"\n",
    );
    let c = home.build();
    assert_eq!(
        c.tiers[&Tier::Cheap].deprecation,
        Some(jiff::civil::date(2027, 1, 31))
    );

    let c = home
        .builder()
        .cli_override("tiers.cheap.model", "openai:gpt-5-mini")
        .build()
        .unwrap();
    assert_eq!(c.tiers[&Tier::Cheap].deprecation, None);
    assert_eq!(c.source_of("tiers.cheap.deprecation"), None);
    assert_eq!(
        c.stages[&Stage::Review].deprecation,
        Some(jiff::civil::date(2027, 2, 1))
    );

    // Restating only the date keeps the model.
    let c = home
        .builder()
        .cli_override("tiers.cheap.deprecation", "2027-03-01")
        .build()
        .unwrap();
    assert_eq!(c.tiers[&Tier::Cheap].model, m("openai:gpt-5-nano"));
    assert_eq!(
        c.tiers[&Tier::Cheap].deprecation,
        Some(jiff::civil::date(2027, 3, 1))
    );
}

#[test]
fn flag_values_are_read_as_toml_then_as_strings() {
    let home = Home::new();
    let c = home
        .builder()
        .cli_arg("structured.max_tokens_ladder=[1000, 2000]")
        .cli_arg("budget.per_task=0.25")
        .cli_arg("tiers.top.deprecation=2027-01-31")
        .cli_arg(r#"models."openai:gpt-4.1".input=1.5"#)
        .cli_arg("ledger.path=/var/tmp/l.sqlite")
        .build()
        .unwrap();
    assert_eq!(c.structured.max_tokens_ladder, [1000, 2000]);
    assert_eq!(c.budget.per_task, Some(Money::from_micros(250_000)));
    assert_eq!(
        c.tiers[&Tier::Top].deprecation,
        Some(jiff::civil::date(2027, 1, 31))
    );
    assert_eq!(c.models[&m("openai:gpt-4.1")].price.input, 1_500_000);
    assert_eq!(c.ledger.path, PathBuf::from("/var/tmp/l.sqlite"));
    assert_eq!(
        c.source_of(r#"models."openai:gpt-4.1".input"#),
        Some(&Source::Cli(r#"-c models."openai:gpt-4.1".input"#.into()))
    );
}

#[test]
fn env_variables_set_tiers_budgets_and_the_ledger() {
    let home = Home::new();
    let c = home
        .builder()
        .env([
            ("DISTIQ_CHEAP_MODEL", "openai:gpt-5-nano"),
            ("DISTIQ_MID_MODEL", "openai:gpt-5-mini"),
            ("DISTIQ_BUDGET_PER_TASK", "0.5"),
            ("DISTIQ_LEDGER_PATH", "/srv/ledger.sqlite"),
            ("DISTIQ_TOP_MODEL", ""),
        ])
        .build()
        .unwrap();
    assert_eq!(c.tiers[&Tier::Cheap].model, m("openai:gpt-5-nano"));
    assert_eq!(c.tiers[&Tier::Mid].model, m("openai:gpt-5-mini"));
    assert_eq!(
        c.tiers[&Tier::Top].model,
        m("anthropic:claude-opus-4-5"),
        "empty is unset"
    );
    assert_eq!(c.budget.per_task, Some(Money::from_micros(500_000)));
    assert_eq!(c.ledger.path, PathBuf::from("/srv/ledger.sqlite"));
    assert_eq!(
        c.source_of("ledger.path"),
        Some(&Source::Env("DISTIQ_LEDGER_PATH".into()))
    );
}

#[test]
fn relative_paths_are_relative_to_their_file_and_tilde_is_home() {
    let home = Home::new();
    home.write_repo("ledger.path = \"data/ledger.sqlite\"\n");
    home.write_user("[providers.anthropic]\napi_key_file = \"~/keys/anthropic\"\n");
    let c = home.build();
    assert_eq!(c.ledger.path, home.repo.join("data/ledger.sqlite"));
    assert_eq!(
        c.providers["anthropic"].api_key_file,
        Some(home.home.join("keys/anthropic"))
    );
}

#[test]
fn an_openai_compatible_local_server_is_one_entry_and_free() {
    let home = Home::new();
    home.write_repo(
        r#"
[providers.local]
kind = "openai"
base_url = "http://127.0.0.1:8089/v1"

[tiers.cheap]
model = "local:qwen2.5-coder-7b"
"#,
    );
    let c = home.build();
    let local = &c.providers["local"];
    assert_eq!(local.kind, ProviderKind::Openai);
    assert!(local.api_key_env.is_empty() && local.is_local());
    let route = c.route(Stage::Execute, Tier::Cheap);
    assert_eq!(route.model, m("local:qwen2.5-coder-7b"));
    assert_eq!(c.price(&route.model), Some(distiq_core::Price::default()));
    let summary = c
        .model_summaries()
        .into_iter()
        .find(|s| s.model == route.model)
        .unwrap();
    assert!(summary.local && summary.info.is_none());
    assert_eq!(summary.tiers, [Tier::Cheap]);
}

#[test]
fn the_user_file_is_found_from_the_environment_or_given_or_skipped() {
    let home = Home::new();
    home.write_user("retry.max_attempts = 9\n");
    assert_eq!(home.build().retry.max_attempts, 9);
    let c = home.builder().user_file(None).build().unwrap();
    assert_eq!(c.retry.max_attempts, 4);
    let other = home.repo.join("elsewhere.toml");
    std::fs::write(&other, "retry.max_attempts = 7\n").unwrap();
    let c = home
        .builder()
        .user_file(Some(other.clone()))
        .build()
        .unwrap();
    assert_eq!(c.retry.max_attempts, 7);
    assert_eq!(
        c.source_of("retry.max_attempts"),
        Some(&Source::UserFile(other))
    );
}

#[test]
fn the_repo_root_is_the_nearest_directory_with_git() {
    let home = Home::new();
    let deep = home.repo.join("src/a/b");
    std::fs::create_dir_all(&deep).unwrap();
    assert_eq!(find_repo_root(&deep), Some(home.repo.clone()));
    assert_eq!(find_repo_root(&home.home), None);
}

#[test]
fn without_home_or_xdg_the_ledger_path_must_be_given() {
    let err = ConfigBuilder::new().build().unwrap_err().to_string();
    assert!(
        err.contains("ledger.path") && err.contains("DISTIQ_LEDGER_PATH"),
        "{err}"
    );
    let c = ConfigBuilder::new()
        .env([("DISTIQ_LEDGER_PATH", "/x/l.sqlite")])
        .build()
        .unwrap();
    assert_eq!(c.ledger.path, PathBuf::from("/x/l.sqlite"));
}

#[test]
fn show_entries_carry_every_value_with_its_source_and_no_key() {
    let home = Home::new();
    let repo = home.write_repo("stages.plan.tier = \"top\"\n");
    let c = home
        .builder()
        .env([("ANTHROPIC_API_KEY", "sk-secret")])
        .build()
        .unwrap();
    let entries = c.entries();
    let plan = entries
        .iter()
        .find(|e| e.key == "stages.plan.tier")
        .unwrap();
    assert_eq!(plan.source, Source::RepoFile(repo));
    assert_eq!(plan.value, Some(toml::Value::String("top".into())));
    let fallbacks = entries
        .iter()
        .find(|e| e.key == "stages.execute.fallbacks")
        .unwrap();
    assert!(fallbacks.note.is_some(), "derived fallbacks say so");
    let gpt41 = entries
        .iter()
        .find(|e| e.key == r#"models."openai:gpt-4.1".output"#)
        .unwrap();
    assert_eq!(gpt41.value, Some(toml::Value::Float(8.0)));
    assert!(
        entries
            .iter()
            .all(|e| !format!("{:?}", e.value).contains("sk-secret"))
    );
    assert!(entries.iter().any(|e| e.key == "ledger.path"));
}
