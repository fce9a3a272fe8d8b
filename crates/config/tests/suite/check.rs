//! `check`: errors that stop distiq, warnings that should not surprise anyone.

use distiq_config::{Diagnostic, Severity};
use jiff::civil::{Date, date};

use super::util::Home;

fn warnings(d: &[Diagnostic]) -> Vec<&str> {
    d.iter()
        .filter(|d| d.severity == Severity::Warning)
        .map(|d| d.message.as_str())
        .collect()
}

fn errors(d: &[Diagnostic]) -> Vec<&str> {
    d.iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.message.as_str())
        .collect()
}

#[test]
fn the_built_in_defaults_check_clean() {
    let home = Home::new();
    assert_eq!(home.build().check(date(2025, 12, 1)), []);
}

#[test]
fn a_fallback_to_a_cheaper_model_is_refused_with_both_prices() {
    let home = Home::new();
    let builder = home
        .builder()
        .cli_arg(r#"stages.plan.fallbacks=["deepseek:deepseek-chat"]"#);
    let err = home.build_err(builder.clone());
    assert!(
        err.contains("stage `plan`") && err.contains("anthropic:claude-sonnet-4-5"),
        "{err}"
    );
    assert!(
        err.contains("$15.00/MTok") && err.contains("$0.42/MTok"),
        "{err}"
    );
    assert!(err.contains("stages.plan.fallbacks"), "{err}");

    let config = builder.build_unchecked().unwrap();
    assert_eq!(errors(&config.check(date(2025, 12, 1))).len(), 1);
}

#[test]
fn an_upward_or_equal_fallback_is_fine() {
    let home = Home::new();
    home.write_repo(
        "[stages.execute]\nfallbacks = [\"deepseek:deepseek-reasoner\", \"anthropic:claude-opus-4-1\"]\n",
    );
    let c = home.build();
    assert_eq!(errors(&c.check(date(2025, 12, 1))), Vec::<&str>::new());
}

#[test]
fn deprecation_warns_from_thirty_days_ahead_and_after_it_passed() {
    let home = Home::new();
    home.write_user(
        "[tiers.cheap]\nmodel = \"deepseek:deepseek-chat\"\ndeprecation = \"2027-01-31\"\n",
    );
    let c = home.build();
    let at = |d: Date| c.check(d);

    assert_eq!(at(date(2026, 12, 31)), [], "31 days ahead is quiet");
    let w = at(date(2027, 1, 1));
    assert_eq!(warnings(&w).len(), 1);
    assert!(
        w[0].message.contains("tiers.cheap.model") && w[0].message.contains("in 30 days"),
        "{w:?}"
    );
    assert!(warnings(&at(date(2027, 1, 31)))[0].contains("today"));
    let w = at(date(2027, 2, 3));
    assert!(
        w[0].message
            .contains("was retired on 2027-01-31, 3 days ago"),
        "{w:?}"
    );
    assert_eq!(
        errors(&w),
        Vec::<&str>::new(),
        "a deprecation warns, it does not fail"
    );
}

#[test]
fn price_table_dates_warn_only_for_models_in_use() {
    let home = Home::new();
    // claude-3-opus is in the table with a past date but unused: quiet.
    let c = home.build();
    assert_eq!(c.check(date(2026, 11, 24)), []);

    let c = home
        .builder()
        .cli_override("tiers.mid.model", "anthropic:claude-3-7-sonnet-20250219")
        .build()
        .unwrap();
    let w = c.check(date(2026, 3, 1));
    assert_eq!(warnings(&w).len(), 1, "{w:?}");
    assert!(
        w[0].message.contains("claude-3-7-sonnet") && w[0].message.contains("2026-02-19"),
        "{w:?}"
    );
}

#[test]
fn a_stage_pin_carries_its_own_date() {
    let home = Home::new();
    home.write_repo(
        "[stages.review]\nmodel = \"anthropic:claude-haiku-4-5\"\ndeprecation = \"2026-12-10\"\n",
    );
    let w = home.build().check(date(2026, 11, 24));
    assert_eq!(warnings(&w).len(), 1, "{w:?}");
    assert!(w[0].message.contains("stages.review.model") && w[0].message.contains("in 16 days"));
}

#[test]
fn tiers_out_of_price_order_are_a_warning() {
    let home = Home::new();
    let c = home
        .builder()
        .cli_override("tiers.cheap.model", "anthropic:claude-opus-4-1")
        .build()
        .unwrap();
    let w = c.check(date(2025, 12, 1));
    assert!(
        warnings(&w)
            .iter()
            .any(|m| m.contains("tier `mid`") && m.contains("cheaper than tier `cheap`")),
        "{w:?}"
    );
}

#[test]
fn check_lists_every_problem_where_build_stops_at_the_first() {
    let home = Home::new();
    home.write_repo("tiers.cheap.model = \"acme:a\"\ntiers.mid.model = \"openai:gpt-9\"\n");
    let c = home.builder().build_unchecked().unwrap();
    let e = c.check(date(2025, 12, 1));
    assert_eq!(errors(&e).len(), 2, "{e:?}");
    assert!(c.validate().is_err());
}
