//! Writing calls and reading them back, with the filters.

use std::path::{Path, PathBuf};

use distiq_core::{CallOutcome, CallRecord, Money, Stage, TaskId, Tier, Usage};
use distiq_ledger::{Ledger, OutcomeKind, StatsQuery};

use super::common::{costing, ledger_path, ts};

#[test]
fn a_call_reads_back_field_for_field_with_its_repo() {
    let (_dir, path) = ledger_path();
    let ledger = Ledger::open(&path).unwrap();
    let task = TaskId::new();
    let failed = CallRecord {
        // Nanoseconds survive: the instant is stored as RFC 3339 text.
        at: ts("2026-11-24T09:15:42.123456789Z"),
        task_id: Some(task),
        stage: Stage::Plan,
        tier: Tier::Top,
        model: "openrouter:meta/llama-3:free".parse().unwrap(),
        usage: Usage {
            input_tokens: 12_345,
            output_tokens: 6_789,
            cache_read_tokens: 40_000,
            cache_write_tokens: 2_048,
            reasoning_tokens: 1_024,
        },
        cost: Money::from_micros(123_456),
        baseline_cost: Money::from_micros(987_654),
        latency_ms: 31_415,
        streamed: false,
        batch: false,
        attempt: 3,
        outcome: CallOutcome::Error {
            message: "HTTP 529: overloaded".into(),
        },
    };
    let fine = CallRecord {
        at: ts("2026-11-24T09:16:00Z"),
        task_id: None,
        outcome: CallOutcome::Truncated,
        streamed: true,
        batch: true,
        ..failed.clone()
    };
    let repo = Path::new("/home/ada/src/distiq");
    ledger.record(&failed, Some(repo)).unwrap();
    ledger.record(&fine, None).unwrap();

    let back = ledger.calls(&StatsQuery::default()).unwrap();
    assert_eq!(back.len(), 2);
    assert_eq!(back[0].call, failed);
    assert_eq!(back[0].repo.as_deref(), Some(repo));
    assert_eq!(back[1].call, fine);
    assert_eq!(back[1].repo, None);
}

#[test]
fn rows_survive_closing_and_reopening() {
    let (_dir, path) = ledger_path();
    {
        let ledger = Ledger::open(&path).unwrap();
        ledger
            .record(&costing("2026-11-24T10:00:00Z", 5, None), None)
            .unwrap();
    }
    let ledger = Ledger::open(&path).unwrap();
    ledger
        .record(&costing("2026-11-24T11:00:00Z", 7, None), None)
        .unwrap();
    let calls = ledger.calls(&StatsQuery::default()).unwrap();
    let costs: Vec<i64> = calls.iter().map(|e| e.call.cost.micros()).collect();
    assert_eq!(costs, [5, 7]);
}

#[test]
fn open_existing_never_creates_a_ledger() {
    let (_dir, path) = ledger_path();
    assert!(Ledger::open_existing(&path).unwrap().is_none());
    assert!(!path.exists());
    assert!(!path.parent().unwrap().exists());

    Ledger::open(&path)
        .unwrap()
        .record(&costing("2026-11-24T10:00:00Z", 5, None), None)
        .unwrap();
    let ledger = Ledger::open_existing(&path).unwrap().unwrap();
    assert_eq!(ledger.calls(&StatsQuery::default()).unwrap().len(), 1);
}

#[test]
fn calls_are_filtered_by_outcome_repo_task_and_period() {
    let (_dir, path) = ledger_path();
    let ledger = Ledger::open(&path).unwrap();
    let a = PathBuf::from("/src/a");
    let b = PathBuf::from("/src/b");
    let task = TaskId::new();
    let outcomes = [
        CallOutcome::Ok,
        CallOutcome::Truncated,
        CallOutcome::Error {
            message: "timed out".into(),
        },
        CallOutcome::Cancelled,
    ];
    // Four calls in repo a, an hour apart, one per outcome; one in repo b,
    // for `task`; one with no repo.
    for (hour, outcome) in outcomes.iter().enumerate() {
        let call = CallRecord {
            outcome: outcome.clone(),
            ..costing(&format!("2026-11-24T1{hour}:00:00Z"), 1 << hour, None)
        };
        ledger.record(&call, Some(&a)).unwrap();
    }
    ledger
        .record(&costing("2026-11-24T12:30:00Z", 100, Some(task)), Some(&b))
        .unwrap();
    ledger
        .record(&costing("2026-11-24T12:45:00Z", 1_000, None), None)
        .unwrap();

    let costs = |q: StatsQuery| -> Vec<i64> {
        ledger
            .calls(&q)
            .unwrap()
            .iter()
            .map(|e| e.call.cost.micros())
            .collect()
    };
    assert_eq!(costs(StatsQuery::default()), [1, 2, 4, 100, 1_000, 8]);
    assert_eq!(
        costs(StatsQuery {
            repo: Some(a.clone()),
            ..Default::default()
        }),
        [1, 2, 4, 8]
    );
    assert_eq!(
        costs(StatsQuery {
            repo: Some(b),
            ..Default::default()
        }),
        [100]
    );
    assert_eq!(
        costs(StatsQuery {
            task: Some(task),
            ..Default::default()
        }),
        [100]
    );
    assert_eq!(
        costs(StatsQuery {
            outcome: Some(OutcomeKind::Error),
            ..Default::default()
        }),
        [4]
    );
    assert_eq!(
        costs(StatsQuery {
            outcome: Some(OutcomeKind::Ok),
            ..Default::default()
        }),
        [1, 100, 1_000]
    );
    assert_eq!(
        costs(StatsQuery {
            repo: Some(a),
            outcome: Some(OutcomeKind::Cancelled),
            ..Default::default()
        }),
        [8]
    );
    // `since` is inclusive and `until` exclusive.
    assert_eq!(
        costs(StatsQuery {
            since: Some(ts("2026-11-24T11:00:00Z")),
            until: Some(ts("2026-11-24T13:00:00Z")),
            ..Default::default()
        }),
        [2, 4, 100, 1_000]
    );
    let errors = ledger
        .calls(&StatsQuery {
            outcome: Some(OutcomeKind::Error),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        errors[0].call.outcome,
        CallOutcome::Error {
            message: "timed out".into()
        }
    );
}
