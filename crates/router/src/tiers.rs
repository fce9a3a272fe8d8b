//! The tier of each stage for a routed task.

use std::collections::BTreeMap;

use distiq_config::Config;
use distiq_core::{Complexity, Stage, TaskKind, Tier};

/// How the router moves a stage away from its configured default tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shift {
    /// The stage's default tier.
    Keep,
    /// One tier cheaper (the cheap tier stays cheap).
    Down,
    /// One tier stronger.
    Up,
    /// The top tier.
    Top,
}

use Shift::{Down, Keep, Top, Up};

/// The mapping, relative to each stage's `tier` in config (defaults: analyze
/// cheap, plan mid, execute cheap, validate cheap, answer mid). Then
/// [`Config::route`] raises any stage to its `min_tier` floor.
///
/// | stage    | trivial | standard | complex | architecture (any level) |
/// |----------|---------|----------|---------|--------------------------|
/// | analyze  | keep    | keep     | up      | up                       |
/// | plan     | down    | keep     | top     | top                      |
/// | execute  | keep    | keep     | keep    | keep                     |
/// | validate | keep    | keep     | up      | up                       |
/// | answer   | down    | keep     | top     | top                      |
///
/// Questions run analyze and answer (nothing is planned or executed); every
/// other kind runs analyze, plan, execute and validate. Execution stays on
/// its default tier for every task: a precise plan is carried out by cheap
/// hands, and a failure escalates upward.
const TABLE: [(Stage, [Shift; 4]); 5] = [
    (Stage::Analyze, [Keep, Keep, Up, Up]),
    (Stage::Plan, [Down, Keep, Top, Top]),
    (Stage::Execute, [Keep, Keep, Keep, Keep]),
    (Stage::Validate, [Keep, Keep, Up, Up]),
    (Stage::Answer, [Down, Keep, Top, Top]),
];

/// The stages a task of `kind` runs through.
pub fn stages_for(kind: TaskKind) -> &'static [Stage] {
    match kind {
        TaskKind::Question => &[Stage::Analyze, Stage::Answer],
        _ => &[Stage::Analyze, Stage::Plan, Stage::Execute, Stage::Validate],
    }
}

/// The tier of each stage a task of `kind` and `complexity` runs through.
/// With `cheapest`, every stage runs on the cheap tier instead (a tight
/// latency budget, seed 002). Stage floors (`min_tier`) apply either way.
pub fn tiers_for(
    config: &Config,
    kind: TaskKind,
    complexity: Complexity,
    cheapest: bool,
) -> BTreeMap<Stage, Tier> {
    let column = match complexity {
        Complexity::Trivial => 0,
        Complexity::Standard => 1,
        Complexity::Complex => 2,
    };
    stages_for(kind)
        .iter()
        .map(|stage| {
            let default = config.stages.get(stage).map_or(Tier::Mid, |s| s.tier);
            let shifts = TABLE
                .iter()
                .find(|(s, _)| s == stage)
                .map_or([Keep; 4], |(_, shifts)| *shifts);
            let mut wanted = apply(default, shifts[column]);
            if kind == TaskKind::Architecture {
                wanted = wanted.max(apply(default, shifts[3]));
            }
            if cheapest {
                wanted = Tier::Cheap;
            }
            (*stage, config.route(*stage, wanted).tier)
        })
        .collect()
}

fn apply(tier: Tier, shift: Shift) -> Tier {
    match shift {
        Keep => tier,
        Down => match tier {
            Tier::Top => Tier::Mid,
            Tier::Mid | Tier::Cheap => Tier::Cheap,
        },
        Up => tier.up().unwrap_or(Tier::Top),
        Top => Tier::Top,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use distiq_config::ConfigBuilder;

    fn config(overrides: &[(&str, &str)]) -> Config {
        overrides
            .iter()
            .fold(
                ConfigBuilder::new()
                    .user_file(None)
                    .env([("HOME", "/home/u")]),
                |b, (k, v)| b.cli_override(*k, *v),
            )
            .build()
            .unwrap()
    }

    #[test]
    fn trivial_tasks_plan_cheaper_and_complex_ones_plan_on_top() {
        let c = config(&[]);
        let trivial = tiers_for(&c, TaskKind::Edit, Complexity::Trivial, false);
        assert_eq!(trivial[&Stage::Plan], Tier::Cheap);
        let standard = tiers_for(&c, TaskKind::Edit, Complexity::Standard, false);
        assert_eq!(standard[&Stage::Plan], c.stages[&Stage::Plan].tier);
        let complex = tiers_for(&c, TaskKind::Feature, Complexity::Complex, false);
        assert_eq!(complex[&Stage::Plan], Tier::Top);
        assert_eq!(complex[&Stage::Execute], c.stages[&Stage::Execute].tier);
    }

    #[test]
    fn architecture_plans_on_top_even_when_it_looks_easy() {
        let c = config(&[]);
        let t = tiers_for(&c, TaskKind::Architecture, Complexity::Trivial, false);
        assert_eq!(t[&Stage::Plan], Tier::Top);
    }

    #[test]
    fn questions_have_no_execute_or_plan_stage() {
        let c = config(&[]);
        let t = tiers_for(&c, TaskKind::Question, Complexity::Complex, false);
        assert_eq!(
            t.keys().copied().collect::<Vec<_>>(),
            [Stage::Analyze, Stage::Answer]
        );
        assert_eq!(t[&Stage::Answer], Tier::Top);
    }

    #[test]
    fn a_min_tier_floor_wins_over_a_cheaper_route_and_over_a_tight_latency_budget() {
        let c = config(&[("stages.plan.min_tier", "mid")]);
        let t = tiers_for(&c, TaskKind::Edit, Complexity::Trivial, false);
        assert_eq!(t[&Stage::Plan], Tier::Mid);
        let fast = tiers_for(&c, TaskKind::Architecture, Complexity::Complex, true);
        assert_eq!(fast[&Stage::Plan], Tier::Mid);
        assert_eq!(fast[&Stage::Analyze], Tier::Cheap);
    }
}
