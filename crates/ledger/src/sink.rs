use std::path::PathBuf;
use std::sync::Mutex;

use distiq_core::{Event, EventSink};

use crate::{CacheLookupRecord, Ledger, RouteRecord};

/// Records every [`Event::CallFinished`], [`Event::CacheLookup`] and
/// [`Event::RouteDecided`] in a [`Ledger`] and ignores every other event.
/// Lookups and routes carry no time: they are stamped with the ledger's
/// clock.
///
/// The pipeline must not stop because the ledger cannot be written: a
/// failure is logged with `tracing::warn!` and the event is dropped.
#[derive(Debug)]
pub struct LedgerSink {
    // The connection is not `Sync`; the pipeline emits from many tasks.
    ledger: Mutex<Ledger>,
    repo: Option<PathBuf>,
}

impl LedgerSink {
    /// Records into `ledger`, tagging each call with `repo` (the repository
    /// the run serves, canonical), if any.
    pub fn new(ledger: Ledger, repo: Option<PathBuf>) -> Self {
        Self {
            ledger: Mutex::new(ledger),
            repo,
        }
    }

    /// Gives the ledger back, for queries after a run.
    pub fn into_inner(self) -> Ledger {
        self.ledger
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl EventSink for LedgerSink {
    fn emit(&self, event: &Event) {
        if !matches!(
            event,
            Event::CallFinished(_) | Event::CacheLookup { .. } | Event::RouteDecided { .. }
        ) {
            return;
        }
        // A panic elsewhere while the lock was held leaves the ledger itself
        // intact; keep recording.
        let ledger = self
            .ledger
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let repo = self.repo.as_deref();
        match event {
            Event::CallFinished(call) => {
                if let Err(err) = ledger.record(call, repo) {
                    tracing::warn!(
                        error = %err,
                        stage = %call.stage,
                        model = %call.model,
                        cost = %call.cost,
                        "could not record a model call in the ledger"
                    );
                }
            }
            Event::CacheLookup {
                task_id,
                hit,
                similarity,
                saved,
                reason,
            } => {
                let record = CacheLookupRecord {
                    at: ledger.now(),
                    task_id: *task_id,
                    hit: *hit,
                    similarity: *similarity,
                    saved: *saved,
                    reason: reason.clone(),
                };
                if let Err(err) = ledger.record_cache_lookup(&record, repo) {
                    tracing::warn!(error = %err, "could not record a cache lookup in the ledger");
                }
            }
            Event::RouteDecided { task_id, decision } => {
                let record = RouteRecord {
                    at: ledger.now(),
                    task_id: *task_id,
                    decision: decision.clone(),
                };
                if let Err(err) = ledger.record_route(&record, repo) {
                    tracing::warn!(error = %err, "could not record a route decision in the ledger");
                }
            }
            _ => {}
        }
    }
}
