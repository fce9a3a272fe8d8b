//! The local decisions in the ledger: cache lookups and route decisions.

use std::collections::BTreeMap;

use distiq_core::{Complexity, Money, RouteDecision, TaskId, TaskKind};
use jiff::Timestamp;

/// One cache lookup, as [`distiq_core::Event::CacheLookup`] reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct CacheLookupRecord {
    /// When.
    pub at: Timestamp,
    /// The task it served, if any.
    pub task_id: Option<TaskId>,
    /// Whether an entry was served.
    pub hit: bool,
    /// The nearest entry's similarity, if any.
    pub similarity: Option<f32>,
    /// What the hit saved.
    pub saved: Money,
    /// Why it hit or missed.
    pub reason: String,
}

/// One route decision, as [`distiq_core::Event::RouteDecided`] reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteRecord {
    /// When.
    pub at: Timestamp,
    /// The task it served, if any.
    pub task_id: Option<TaskId>,
    /// The decision.
    pub decision: RouteDecision,
}

/// What `distiq stats` shows of the local decisions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DecisionStats {
    /// Cache lookups.
    pub cache_lookups: u64,
    /// Of those, hits.
    pub cache_hits: u64,
    /// What the hits saved.
    pub cache_saved: Money,
    /// Route decisions per kind and complexity.
    pub routes: BTreeMap<(TaskKind, Complexity), u64>,
}

impl DecisionStats {
    /// Hits per lookup, or `None` without lookups.
    pub fn hit_rate(&self) -> Option<f64> {
        (self.cache_lookups > 0).then(|| self.cache_hits as f64 / self.cache_lookups as f64)
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.cache_lookups == 0 && self.routes.is_empty()
    }
}
