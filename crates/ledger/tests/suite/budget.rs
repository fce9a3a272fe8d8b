//! What budgets read: spending today (local time) and per task.

use distiq_core::{Money, TaskId};
use distiq_ledger::Ledger;

use super::common::{costing, ledger_path, paris_clock};

#[test]
fn spent_today_counts_the_local_day_not_the_utc_day() {
    let (_dir, path) = ledger_path();
    // 00:30 on 24 November in Paris, still the 23rd in UTC.
    let ledger = Ledger::open(&path)
        .unwrap()
        .with_clock(paris_clock("2026-11-23T23:30:00Z"));
    for (at, micros) in [
        ("2026-11-23T22:59:59Z", 1),     // 23:59:59 on the 23rd in Paris
        ("2026-11-23T23:00:00Z", 10),    // midnight, the first instant of the 24th
        ("2026-11-24T12:00:00Z", 100),   // noon
        ("2026-11-24T22:59:59Z", 1000),  // the last second of the 24th
        ("2026-11-24T23:00:00Z", 10000), // the 25th
    ] {
        ledger.record(&costing(at, micros, None), None).unwrap();
    }
    assert_eq!(ledger.spent_today().unwrap(), Money::from_micros(1_110));
}

#[test]
fn spent_today_is_zero_on_a_new_ledger() {
    let (_dir, path) = ledger_path();
    let ledger = Ledger::open(&path).unwrap();
    assert_eq!(ledger.spent_today().unwrap(), Money::ZERO);
}

#[test]
fn spent_on_task_sums_every_call_of_that_task_whenever_it_ran() {
    let (_dir, path) = ledger_path();
    let ledger = Ledger::open(&path).unwrap();
    let (t1, t2) = (TaskId::new(), TaskId::new());
    ledger
        .record(&costing("2026-11-20T10:00:00Z", 300, Some(t1)), None)
        .unwrap();
    ledger
        .record(&costing("2026-11-24T10:00:00Z", 45, Some(t1)), None)
        .unwrap();
    ledger
        .record(&costing("2026-11-24T10:00:01Z", 7, Some(t2)), None)
        .unwrap();
    ledger
        .record(&costing("2026-11-24T10:00:02Z", 9, None), None)
        .unwrap();
    assert_eq!(ledger.spent_on_task(t1).unwrap(), Money::from_micros(345));
    assert_eq!(ledger.spent_on_task(t2).unwrap(), Money::from_micros(7));
    assert_eq!(ledger.spent_on_task(TaskId::new()).unwrap(), Money::ZERO);
}
