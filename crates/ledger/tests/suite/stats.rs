//! Groupings and totals, exact to the micro-dollar.

use distiq_core::{CallOutcome, CallRecord, Money, Stage, TaskId, Usage};
use distiq_ledger::{Ledger, StatsQuery, StatsReport, Totals};
use jiff::civil::date;

use super::common::{cheap_price, ledger_path, paris_clock, priced, top_price, ts, usage};

const OPUS: &str = "anthropic:claude-opus-4-1";
const MINI: &str = "openai:gpt-5-mini";

fn totals(calls: u64, cost: i64, baseline: i64) -> (u64, Money, Money) {
    (
        calls,
        Money::from_micros(cost),
        Money::from_micros(baseline),
    )
}

fn key(t: &Totals) -> (u64, Money, Money) {
    (t.calls, t.cost, t.baseline_cost)
}

/// Four calls over three stages, two models and two Paris days.
fn seeded() -> (tempfile::TempDir, Ledger) {
    let (dir, path) = ledger_path();
    let ledger = Ledger::open(&path)
        .unwrap()
        .with_clock(paris_clock("2026-11-25T08:00:00Z"));
    let calls = [
        // 00:30 on the 24th in Paris (the 23rd in UTC). Cost: 10k in at $15,
        // 2k out at $75, 50k cached at $1.50 = 0.15 + 0.15 + 0.075.
        // Baseline: 60k in at $15 + 2k out at $75 = 0.90 + 0.15.
        priced(
            "2026-11-23T23:30:00Z",
            Stage::Plan,
            OPUS,
            top_price(),
            usage(10_000, 2_000, 50_000),
        ),
        // Cost: 20k at $0.25 + 4k at $2. Baseline: 20k at $15 + 4k at $75.
        priced(
            "2026-11-24T12:00:00Z",
            Stage::Execute,
            MINI,
            cheap_price(),
            usage(20_000, 4_000, 0),
        ),
        // 23:30 on the 22nd in Paris. Cost: 1k at $0.25 + 500 at $2 + 3k
        // cached at $0.025 = 250 + 1000 + 75 µ$. Baseline: 4k at $15 + 500 at $75.
        priced(
            "2026-11-22T22:30:00Z",
            Stage::Execute,
            MINI,
            cheap_price(),
            usage(1_000, 500, 3_000),
        ),
        // A failed call still costs what it was billed: 7 tokens at $0.25
        // is 1.75 µ$, rounded once to 2.
        CallRecord {
            outcome: CallOutcome::Error {
                message: "invalid JSON".into(),
            },
            ..priced(
                "2026-11-24T22:59:59Z",
                Stage::Validate,
                MINI,
                cheap_price(),
                usage(7, 0, 0),
            )
        },
    ];
    for c in &calls {
        ledger.record(c, None).unwrap();
    }
    (dir, ledger)
}

#[test]
fn groupings_and_totals_are_exact_at_known_prices() {
    let (_dir, ledger) = seeded();
    let r = ledger.stats(&StatsQuery::default()).unwrap();

    assert_eq!(key(&r.total), totals(4, 389_327, 1_747_605));
    assert_eq!(r.total.savings(), Money::from_micros(1_358_278));
    assert_eq!(
        r.total
            .savings_percent()
            .map(|p| (p * 100.0).round() / 100.0),
        Some(77.72)
    );
    assert_eq!(
        r.total.usage,
        Usage {
            input_tokens: 31_007,
            output_tokens: 6_500,
            cache_read_tokens: 53_000,
            ..Usage::default()
        }
    );

    let stages: Vec<_> = r.by_stage.iter().map(|(s, t)| (*s, key(t))).collect();
    assert_eq!(
        stages,
        [
            (Stage::Plan, totals(1, 375_000, 1_050_000)),
            (Stage::Execute, totals(2, 14_325, 697_500)),
            (Stage::Validate, totals(1, 2, 105)),
        ]
    );

    let models: Vec<_> = r
        .by_model
        .iter()
        .map(|(m, t)| (m.to_string(), key(t)))
        .collect();
    assert_eq!(
        models,
        [
            (OPUS.to_owned(), totals(1, 375_000, 1_050_000)),
            (MINI.to_owned(), totals(3, 14_327, 697_605)),
        ]
    );

    // Days are Paris days: the plan call at 23:30 UTC on the 23rd belongs
    // to the 24th, the 22:59:59 UTC call on the 24th too.
    let days: Vec<_> = r.by_day.iter().map(|(d, t)| (*d, key(t))).collect();
    assert_eq!(
        days,
        [
            (date(2026, 11, 22), totals(1, 1_325, 97_500)),
            (date(2026, 11, 24), totals(3, 388_002, 1_650_105)),
        ]
    );
}

#[test]
fn every_grouping_adds_up_to_the_total() {
    let (_dir, ledger) = seeded();
    let r = ledger.stats(&StatsQuery::default()).unwrap();
    let sum = |ts: Vec<&Totals>| {
        ts.iter()
            .fold((0, Money::ZERO, Money::ZERO), |(n, c, b), t| {
                (n + t.calls, c + t.cost, b + t.baseline_cost)
            })
    };
    assert_eq!(sum(r.by_stage.values().collect()), key(&r.total));
    assert_eq!(sum(r.by_model.values().collect()), key(&r.total));
    assert_eq!(sum(r.by_day.values().collect()), key(&r.total));
}

#[test]
fn stats_narrow_to_a_period_and_a_task() {
    let (_dir, ledger) = seeded();
    let task = TaskId::new();
    let mut call = priced(
        "2026-11-25T07:00:00Z",
        Stage::Answer,
        OPUS,
        top_price(),
        usage(1_000, 0, 0),
    );
    call.task_id = Some(task);
    ledger.record(&call, None).unwrap();

    let since_24th = StatsQuery {
        since: Some(ts("2026-11-23T23:00:00Z")),
        ..Default::default()
    };
    let r = ledger.stats(&since_24th).unwrap();
    assert_eq!(key(&r.total), totals(4, 403_002, 1_665_105));
    assert_eq!(
        r.by_day.keys().copied().collect::<Vec<_>>(),
        [date(2026, 11, 24), date(2026, 11, 25)]
    );

    let r = ledger
        .stats(&StatsQuery {
            task: Some(task),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(key(&r.total), totals(1, 15_000, 15_000));
    assert_eq!(r.total.savings(), Money::ZERO);
    assert_eq!(
        r.by_stage.keys().copied().collect::<Vec<_>>(),
        [Stage::Answer]
    );
}

#[test]
fn an_empty_ledger_reports_nothing_rather_than_zero_rows() {
    let (_dir, path) = ledger_path();
    let r = Ledger::open(&path)
        .unwrap()
        .stats(&StatsQuery::default())
        .unwrap();
    assert!(r.is_empty());
    assert_eq!(r, StatsReport::default());
    assert_eq!(r.total.savings_percent(), None);
}
