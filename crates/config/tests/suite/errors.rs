//! Errors say where (file, line, column, key; variable; flag) and what to do.

use super::util::Home;

#[test]
fn invalid_toml_names_the_file_and_line() {
    let home = Home::new();
    let file = home.write_repo("[tiers.cheap]\nmodel = \"openai:gpt-5-nano\"\nbudget = \n");
    let err = home.build_err(home.builder());
    assert!(err.starts_with(&format!("{}:3:", file.display())), "{err}");
    assert!(err.contains("invalid TOML"), "{err}");
}

#[test]
fn a_value_of_the_wrong_type_names_file_line_column_and_key() {
    let home = Home::new();
    let file = home.write_user("# mine\n[stages.plan]\ntier = \"top\"\nmax_tokens = \"lots\"\n");
    let err = home.build_err(home.builder());
    assert!(
        err.starts_with(&format!("{}:4:14:", file.display())),
        "{err}"
    );
    assert!(err.contains("`stages.plan.max_tokens`"), "{err}");
}

#[test]
fn an_unknown_field_names_the_file_and_key_and_the_expected_ones() {
    let home = Home::new();
    let file = home.write_repo("[tiers.cheap]\nmodle = \"openai:gpt-5-nano\"\n");
    let err = home.build_err(home.builder());
    assert!(err.starts_with(&format!("{}:2:", file.display())), "{err}");
    assert!(err.contains("`tiers.cheap.modle`"), "{err}");
    assert!(
        err.contains("unknown field") && err.contains("model"),
        "{err}"
    );
}

#[test]
fn an_unknown_stage_lists_the_stages() {
    let home = Home::new();
    home.write_repo("[stages.planning]\ntier = \"top\"\n");
    let err = home.build_err(home.builder());
    assert!(
        err.contains(":1:") && err.contains("stages.planning"),
        "{err}"
    );
    assert!(err.contains("plan") && err.contains("execute"), "{err}");
}

#[test]
fn a_model_without_provider_or_a_bad_date_points_at_its_line() {
    let home = Home::new();
    home.write_repo("\n\ntiers.cheap.model = \"gpt-5\"\n");
    let err = home.build_err(home.builder());
    assert!(
        err.contains(":3:") && err.contains("provider:model"),
        "{err}"
    );

    home.write_repo("[models.\"openai:gpt-5\"]\ndeprecation = \"next year\"\n");
    let err = home.build_err(home.builder());
    assert!(
        err.contains(":2:") && err.contains(r#"models."openai:gpt-5".deprecation"#),
        "{err}"
    );
    assert!(err.contains("YYYY-MM-DD"), "{err}");
}

#[test]
fn a_negative_price_is_refused_where_it_is_written() {
    let home = Home::new();
    home.write_user("[models.\"openai:gpt-5\"]\ninput = -1.0\n");
    let err = home.build_err(home.builder());
    assert!(
        err.contains(":2:") && err.contains(r#"models."openai:gpt-5".input"#),
        "{err}"
    );
}

#[test]
fn an_unknown_model_lists_the_known_models_of_its_provider() {
    let home = Home::new();
    home.write_repo("tiers.mid.model = \"anthropic:claude-sonnet-9\"\n");
    let err = home.build_err(home.builder());
    assert!(
        err.contains("`tiers.mid.model`") && err.contains("anthropic:claude-sonnet-9"),
        "{err}"
    );
    assert!(
        err.contains("anthropic:claude-sonnet-4-5") && err.contains("anthropic:claude-haiku-4-5"),
        "{err}"
    );
    assert!(
        !err.contains("openai:gpt-5"),
        "only the same provider's models: {err}"
    );
    assert!(
        err.contains("[models.\"anthropic:claude-sonnet-9\"]"),
        "says how to add it: {err}"
    );
}

#[test]
fn a_model_on_a_provider_with_no_priced_models_lists_all_models() {
    let home = Home::new();
    let err = home.build_err(
        home.builder()
            .cli_override("tiers.cheap.model", "openrouter:meta/llama-3:free"),
    );
    assert!(err.contains("openrouter:meta/llama-3:free"), "{err}");
    assert!(
        err.contains("deepseek:deepseek-chat") && err.contains("openai:gpt-5"),
        "{err}"
    );
}

#[test]
fn an_unknown_provider_lists_the_known_providers() {
    let home = Home::new();
    let err = home.build_err(home.builder().env([("DISTIQ_CHEAP_MODEL", "acme:fast")]));
    assert!(err.contains("no provider `acme`"), "{err}");
    assert!(
        err.contains("anthropic, deepseek, gemini, ollama, openai, openrouter"),
        "{err}"
    );
}

#[test]
fn a_bad_environment_value_names_the_variable_and_key() {
    let home = Home::new();
    let err = home.build_err(home.builder().env([("DISTIQ_BUDGET_PER_TASK", "lots")]));
    assert!(
        err.starts_with("env DISTIQ_BUDGET_PER_TASK: invalid value for `budget.per_task`"),
        "{err}"
    );
    assert!(err.contains("`lots` is not a dollar amount"), "{err}");
}

#[test]
fn a_bad_flag_names_the_flag() {
    let home = Home::new();
    let err = home.build_err(home.builder().cli_arg("tiers.cheap.modle=openai:gpt-5"));
    assert!(err.starts_with("flag -c tiers.cheap.modle:"), "{err}");
    assert!(err.contains("unknown field `modle`"), "{err}");

    let err = home.build_err(home.builder().cli_arg("tiers.cheap.model"));
    assert!(err.contains("-c key=value"), "{err}");

    let err = home.build_err(home.builder().cli_arg("stages.plan.max_tokens=0"));
    assert!(
        err.contains("stages.plan.max_tokens") && err.contains("above 0"),
        "{err}"
    );
}

#[test]
fn a_new_provider_without_base_url_says_where_it_was_defined() {
    let home = Home::new();
    let file = home.write_repo("[providers.local]\nkind = \"openai\"\n");
    let err = home.build_err(home.builder());
    assert!(
        err.contains("`providers.local.base_url` is not set"),
        "{err}"
    );
    assert!(err.contains(&file.display().to_string()), "{err}");
}

#[test]
fn a_new_model_needs_input_and_output_prices() {
    let home = Home::new();
    home.write_user("[models.\"openai:gpt-9\"]\ninput = 1.0\n");
    let err = home.build_err(home.builder());
    assert!(
        err.contains(r#"`models."openai:gpt-9".output` is not set"#),
        "{err}"
    );
}

#[test]
fn a_shrinking_retry_ladder_is_refused() {
    let home = Home::new();
    home.write_repo("[structured]\nmax_tokens_ladder = [32768, 16384]\n");
    let err = home.build_err(home.builder());
    assert!(
        err.contains(":2:") && err.contains("structured.max_tokens_ladder"),
        "{err}"
    );
}
