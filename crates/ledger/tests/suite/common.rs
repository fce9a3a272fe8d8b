//! Builders shared by the suite.

use std::path::PathBuf;

use distiq_core::{CallOutcome, CallRecord, Money, Price, Stage, TaskId, Tier, Usage};
use distiq_ledger::FixedClock;
use jiff::Timestamp;
use jiff::tz::TimeZone;

/// A temp dir and a ledger path two directories below it, so that opening
/// also exercises creating the parents.
pub fn ledger_path() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data/distiq/ledger.sqlite");
    (dir, path)
}

pub fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// Paris, as a POSIX rule so that the tests need no tzdb on the machine.
pub fn paris() -> TimeZone {
    TimeZone::posix("CET-1CEST,M3.5.0,M10.5.0/3").unwrap()
}

/// A clock stopped at `at` (UTC) in Paris.
pub fn paris_clock(at: &str) -> FixedClock {
    FixedClock(ts(at).to_zoned(paris()))
}

/// A top-tier price ($15 / $75 per MTok, cached $1.50, cache write $18.75).
pub fn top_price() -> Price {
    Price::per_mtok_usd(15.0, 75.0, 1.5, 18.75)
}

/// A cheap price ($0.25 / $2 per MTok, cached $0.025).
pub fn cheap_price() -> Price {
    Price::per_mtok_usd(0.25, 2.0, 0.025, 0.0)
}

pub fn usage(input: i64, output: i64, cache_read: i64) -> Usage {
    Usage {
        input_tokens: input,
        output_tokens: output,
        cache_read_tokens: cache_read,
        ..Usage::default()
    }
}

/// A successful call at `at`, priced the way the pipeline prices it: at the
/// model's own rate, against the top tier without cache discount.
pub fn priced(at: &str, stage: Stage, model: &str, price: Price, usage: Usage) -> CallRecord {
    CallRecord {
        at: ts(at),
        task_id: None,
        stage,
        tier: if price == top_price() {
            Tier::Top
        } else {
            Tier::Cheap
        },
        model: model.parse().unwrap(),
        usage,
        cost: price.cost(&usage),
        baseline_cost: top_price().undiscounted_cost(&usage),
        latency_ms: 1_200,
        streamed: true,
        batch: false,
        attempt: 1,
        outcome: CallOutcome::Ok,
    }
}

/// A call that costs exactly `micros` (baseline ten times that).
pub fn costing(at: &str, micros: i64, task: Option<TaskId>) -> CallRecord {
    CallRecord {
        task_id: task,
        cost: Money::from_micros(micros),
        baseline_cost: Money::from_micros(micros * 10),
        ..priced(
            at,
            Stage::Execute,
            "openai:gpt-5-mini",
            cheap_price(),
            usage(100, 10, 0),
        )
    }
}
