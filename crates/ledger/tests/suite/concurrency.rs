//! Two distiq processes on one ledger: each has its own connection.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;

use distiq_core::{Money, TaskId};
use distiq_ledger::{Ledger, StatsQuery};

use super::common::{costing, ledger_path};

const ROWS: i64 = 300;

#[test]
fn two_writers_on_one_file_lose_no_rows() {
    let (_dir, path) = ledger_path();
    let barrier = Arc::new(Barrier::new(2));
    // Spawned in a loop, not a lazy iterator: both must run to meet at the
    // barrier.
    let mut writers = Vec::new();
    for w in 0..2 {
        let (path, barrier) = (path.clone(), Arc::clone(&barrier));
        writers.push(thread::spawn(move || {
            let task = TaskId::new();
            // Both open the brand-new file at once: creating the schema
            // races too.
            barrier.wait();
            let ledger = Ledger::open(&path).unwrap();
            for i in 0..ROWS {
                let at = format!("2026-11-24T10:{:02}:{:02}Z", i / 60, i % 60);
                ledger
                    .record(&costing(&at, 1 + w, Some(task)), None)
                    .unwrap();
            }
            task
        }));
    }
    let tasks: Vec<TaskId> = writers.into_iter().map(|h| h.join().unwrap()).collect();

    let ledger = Ledger::open(&path).unwrap();
    assert_eq!(ledger.calls(&StatsQuery::default()).unwrap().len(), 600);
    assert_eq!(
        ledger.spent_on_task(tasks[0]).unwrap(),
        Money::from_micros(ROWS)
    );
    assert_eq!(
        ledger.spent_on_task(tasks[1]).unwrap(),
        Money::from_micros(2 * ROWS)
    );
}

#[test]
fn a_reader_during_writes_sees_whole_snapshots() {
    let (_dir, path) = ledger_path();
    Ledger::open(&path).unwrap();
    let done = Arc::new(AtomicBool::new(false));

    let writer = {
        let (path, done) = (path.clone(), Arc::clone(&done));
        thread::spawn(move || {
            let ledger = Ledger::open(&path).unwrap();
            for i in 0..400 {
                let at = format!("2026-11-24T11:{:02}:{:02}Z", i / 60, i % 60);
                ledger.record(&costing(&at, 7, None), None).unwrap();
            }
            done.store(true, Ordering::SeqCst);
        })
    };

    let reader = Ledger::open(&path).unwrap();
    let mut last = 0;
    let mut reads = 0;
    loop {
        let finished = done.load(Ordering::SeqCst);
        let r = reader.stats(&StatsQuery::default()).unwrap();
        let n = r.total.calls;
        assert!(n >= last, "the count went back from {last} to {n}");
        assert_eq!(
            r.total.cost,
            Money::from_micros(7 * i64::try_from(n).unwrap())
        );
        let by_stage: u64 = r.by_stage.values().map(|t| t.calls).sum();
        assert_eq!(by_stage, n);
        last = n;
        reads += 1;
        if finished {
            break;
        }
    }
    writer.join().unwrap();
    assert_eq!(last, 400);
    assert!(reads > 1);
}

/// Regression: two connections switching a new file to WAL deadlock, and
/// SQLite fails one at once instead of waiting; and a schema check that
/// read the version and the tables in two snapshots took a ledger being
/// created by another process for a foreign database.
#[test]
fn many_processes_opening_a_new_ledger_at_once_all_succeed() {
    const OPENERS: usize = 8;
    for _ in 0..40 {
        let (_dir, path) = ledger_path();
        let barrier = Arc::new(Barrier::new(OPENERS));
        let openers: Vec<_> = (0..OPENERS)
            .map(|_| {
                let (path, barrier) = (path.clone(), Arc::clone(&barrier));
                thread::spawn(move || {
                    barrier.wait();
                    Ledger::open(&path).map(drop)
                })
            })
            .collect();
        for h in openers {
            h.join().unwrap().unwrap();
        }
    }
}
