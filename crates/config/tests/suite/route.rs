//! `route`: which model serves a stage, and where it escalates to.

use distiq_core::{ModelRef, Stage, Tier};

use super::util::Home;

fn m(s: &str) -> ModelRef {
    s.parse().unwrap()
}

#[test]
fn a_stage_uses_its_tier_model_and_escalates_through_the_tiers_above() {
    let c = Home::new().build();
    let r = c.route(Stage::Execute, Tier::Cheap);
    assert_eq!(
        (r.tier, r.model.clone()),
        (Tier::Cheap, m("deepseek:deepseek-chat"))
    );
    assert_eq!(
        r.fallbacks,
        [
            m("anthropic:claude-sonnet-4-5"),
            m("anthropic:claude-opus-4-5")
        ]
    );
    assert_eq!(r.max_tokens, 16384);

    let r = c.route(Stage::Plan, Tier::Mid);
    assert_eq!(r.model, m("anthropic:claude-sonnet-4-5"));
    assert_eq!(r.fallbacks, [m("anthropic:claude-opus-4-5")]);
}

#[test]
fn the_router_may_raise_or_lower_a_stage() {
    let c = Home::new().build();
    let raised = c.route(Stage::Plan, Tier::Top);
    assert_eq!(
        (raised.tier, raised.model),
        (Tier::Top, m("anthropic:claude-opus-4-5"))
    );
    assert!(raised.fallbacks.is_empty());
    // Without a floor the router may lower a stage: a trivial task plans
    // on the cheap tier.
    let lowered = c.route(Stage::Plan, Tier::Cheap);
    assert_eq!(lowered.tier, Tier::Cheap);
    assert_eq!(lowered.model, m("deepseek:deepseek-chat"));
}

#[test]
fn a_pinned_model_serves_its_own_tier_only() {
    let home = Home::new();
    home.write_repo("[stages.review]\nmodel = \"anthropic:claude-haiku-4-5\"\n");
    let c = home.build();
    assert_eq!(
        c.route(Stage::Review, Tier::Cheap).model,
        m("anthropic:claude-haiku-4-5")
    );
    assert_eq!(
        c.route(Stage::Review, Tier::Mid).model,
        m("anthropic:claude-sonnet-4-5")
    );
}

#[test]
fn explicit_fallbacks_drop_the_model_itself_and_anything_cheaper() {
    let home = Home::new();
    home.write_repo(
        "[stages.plan]\nfallbacks = [\"anthropic:claude-sonnet-4-5\", \"openai:gpt-5\", \"anthropic:claude-opus-4-5\"]\n",
    );
    // `build` refuses the downward gpt-5; `route` must cope regardless.
    let c = home.builder().build_unchecked().unwrap();
    // At mid: the model itself and cheaper gpt-5 ($10 < $15 output) are skipped.
    assert_eq!(
        c.route(Stage::Plan, Tier::Mid).fallbacks,
        [m("anthropic:claude-opus-4-5")]
    );
    // Raised to top: nothing left above opus.
    assert!(c.route(Stage::Plan, Tier::Top).fallbacks.is_empty());
}

#[test]
fn prices_come_from_the_table_and_the_baseline_is_the_top_tier() {
    let c = Home::new().build();
    let sonnet = c.price(&m("anthropic:claude-sonnet-4-5")).unwrap();
    assert_eq!(
        (
            sonnet.input,
            sonnet.output,
            sonnet.cached_input,
            sonnet.cache_write
        ),
        (3_000_000, 15_000_000, 300_000, 3_750_000)
    );
    // A dated id finds the undated row.
    assert_eq!(
        c.price(&m("anthropic:claude-sonnet-4-5-20250929")),
        Some(sonnet)
    );
    assert_eq!(c.price(&m("openai:gpt-9")), None);
    assert_eq!(
        c.price(&m("ollama:llama3")),
        Some(distiq_core::Price::default())
    );
    assert_eq!(
        c.baseline_price(),
        c.price(&m("anthropic:claude-opus-4-5")).unwrap()
    );
}

#[test]
fn a_new_model_row_defaults_its_cache_rates_to_the_input_price() {
    let home = Home::new();
    home.write_user("[models.\"openrouter:qwen/qwen3-coder\"]\ninput = 0.2\noutput = 0.8\n");
    let c = home.build();
    let p = c.price(&m("openrouter:qwen/qwen3-coder")).unwrap();
    assert_eq!((p.cached_input, p.cache_write), (200_000, 200_000));
}

#[test]
fn min_tier_is_a_floor_the_router_cannot_go_below() {
    let home = Home::new();
    home.write_repo("[stages.plan]\nmin_tier = \"mid\"\n");
    let c = home.build();
    let r = c.route(Stage::Plan, Tier::Cheap);
    assert_eq!(
        (r.tier, r.model),
        (Tier::Mid, m("anthropic:claude-sonnet-4-5"))
    );
    assert_eq!(c.route(Stage::Plan, Tier::Top).tier, Tier::Top);
    assert_eq!(
        c.source_of("stages.plan.min_tier").map(|s| s.layer()),
        Some("repo_file")
    );
}
