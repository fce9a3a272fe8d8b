//! The event sink the pipeline writes through.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread;

use distiq_core::{Event, EventSink, Money, Stage, Task, TaskId};
use distiq_ledger::{
    Error, Ledger, LedgerEntry, LedgerSink, LedgerStore, Result, StatsQuery, StatsReport,
};
use jiff::tz::TimeZone;

use super::common::{costing, ledger_path};

#[test]
fn the_sink_records_finished_calls_with_the_repo_and_ignores_the_rest() {
    let (_dir, path) = ledger_path();
    let repo = PathBuf::from("/src/project");
    let sink = LedgerSink::new(Ledger::open(&path).unwrap(), Some(repo.clone()));
    let task = Task::new("add a --json flag");
    sink.emit(&Event::TaskStarted { task: task.clone() });
    sink.emit(&Event::CallFinished(costing(
        "2026-11-24T10:00:00Z",
        30,
        Some(task.id),
    )));
    sink.emit(&Event::StageFinished {
        stage: Stage::Execute,
        ok: true,
    });
    sink.emit(&Event::CallFinished(costing(
        "2026-11-24T10:00:05Z",
        12,
        Some(task.id),
    )));
    sink.emit(&Event::TaskFinished {
        task_id: task.id,
        ok: true,
        cost: Money::from_micros(42),
        baseline_cost: Money::from_micros(420),
    });

    let ledger = sink.into_inner();
    let calls = ledger.calls(&StatsQuery::default()).unwrap();
    assert_eq!(calls.len(), 2);
    assert!(
        calls
            .iter()
            .all(|e| e.repo.as_deref() == Some(repo.as_path()))
    );
    assert_eq!(
        ledger.spent_on_task(task.id).unwrap(),
        Money::from_micros(42)
    );
}

#[test]
fn one_sink_takes_calls_from_many_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<LedgerSink>();

    let (_dir, path) = ledger_path();
    let sink = Arc::new(LedgerSink::new(Ledger::open(&path).unwrap(), None));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let sink = Arc::clone(&sink);
            thread::spawn(move || {
                for _ in 0..50 {
                    sink.emit(&Event::CallFinished(costing(
                        "2026-11-24T10:00:00Z",
                        1,
                        None,
                    )));
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let sink = Arc::into_inner(sink).unwrap();
    assert_eq!(
        sink.into_inner()
            .calls(&StatsQuery::default())
            .unwrap()
            .len(),
        200
    );
}

/// A store whose writes always fail, as a full disk or a held lock would.
#[derive(Debug)]
struct FailingStore;

impl LedgerStore for FailingStore {
    fn record(&self, _: &distiq_core::CallRecord, _: Option<&Path>) -> Result<()> {
        Err(Error::Busy {
            path: PathBuf::from("/data/ledger.sqlite"),
            seconds: 5,
        })
    }
    fn spent(&self, _: &StatsQuery) -> Result<Money> {
        Ok(Money::ZERO)
    }
    fn stats(&self, _: &StatsQuery, _: &TimeZone) -> Result<StatsReport> {
        Ok(StatsReport::default())
    }
    fn calls(&self, _: &StatsQuery) -> Result<Vec<LedgerEntry>> {
        Ok(Vec::new())
    }
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_ledger_that_cannot_be_written_is_a_warning_not_a_failure() {
    let log = Captured::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let sink = LedgerSink::new(Ledger::new(Box::new(FailingStore)), None);
    tracing::subscriber::with_default(subscriber, || {
        sink.emit(&Event::CallFinished(costing(
            "2026-11-24T10:00:00Z",
            30,
            Some(TaskId::new()),
        )));
    });
    let log = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("WARN"), "{log}");
    assert!(
        log.contains("could not record a model call in the ledger"),
        "{log}"
    );
    assert!(log.contains("/data/ledger.sqlite"), "{log}");
}

#[test]
fn the_sink_records_cache_lookups_and_route_decisions() {
    use distiq_core::{Complexity, RouteDecision, TaskKind};
    let (_dir, path) = ledger_path();
    let sink = LedgerSink::new(Ledger::open(&path).unwrap(), None);
    for (hit, saved) in [(true, 40_000), (false, 0), (true, 2_000)] {
        sink.emit(&Event::CacheLookup {
            task_id: None,
            hit,
            similarity: Some(0.9),
            saved: Money::from_micros(saved),
            reason: "similarity 0.90".to_owned(),
        });
    }
    sink.emit(&Event::RouteDecided {
        task_id: None,
        decision: RouteDecision {
            kind: TaskKind::Bugfix,
            complexity: Complexity::Standard,
            tiers: Default::default(),
            confidence: 0.8,
            inspected: false,
        },
    });
    let d = sink.into_inner().decisions(&StatsQuery::default()).unwrap();
    assert_eq!((d.cache_lookups, d.cache_hits), (3, 2));
    assert_eq!(d.cache_saved, Money::from_micros(42_000));
    assert_eq!(d.routes[&(TaskKind::Bugfix, Complexity::Standard)], 1);
}
