//! Counting what the model review spent, on the way to the real sink.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU32, Ordering};

use distiq_core::{Event, EventSink, Money};

/// An [`EventSink`] that passes every event on to `inner` (the ledger) and
/// counts the finished calls and their cost, so a review can say what it
/// spent.
pub struct Tally {
    inner: Arc<dyn EventSink>,
    calls: AtomicU32,
    cost: AtomicI64,
}

impl std::fmt::Debug for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (calls, cost) = self.snapshot();
        f.debug_struct("Tally")
            .field("calls", &calls)
            .field("cost", &cost)
            .finish_non_exhaustive()
    }
}

impl Tally {
    /// Counts on the way to `inner`.
    pub fn new(inner: Arc<dyn EventSink>) -> Self {
        Self {
            inner,
            calls: AtomicU32::new(0),
            cost: AtomicI64::new(0),
        }
    }

    /// Calls finished so far and what they cost.
    pub fn snapshot(&self) -> (u32, Money) {
        (
            self.calls.load(Ordering::Relaxed),
            Money::from_micros(self.cost.load(Ordering::Relaxed)),
        )
    }
}

impl EventSink for Tally {
    fn emit(&self, event: &Event) {
        if let Event::CallFinished(call) = event {
            self.calls.fetch_add(1, Ordering::Relaxed);
            self.cost.fetch_add(call.cost.micros(), Ordering::Relaxed);
        }
        self.inner.emit(event);
    }
}
