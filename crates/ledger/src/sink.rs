use std::path::PathBuf;
use std::sync::Mutex;

use distiq_core::{Event, EventSink};

use crate::Ledger;

/// Records every [`Event::CallFinished`] in a [`Ledger`] and ignores every
/// other event.
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
        let Event::CallFinished(call) = event else {
            return;
        };
        // A panic elsewhere while the lock was held leaves the ledger itself
        // intact; keep recording.
        let ledger = self
            .ledger
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Err(err) = ledger.record(call, self.repo.as_deref()) {
            tracing::warn!(
                error = %err,
                stage = %call.stage,
                model = %call.model,
                cost = %call.cost,
                "could not record a model call in the ledger"
            );
        }
    }
}
