use std::fmt;
use std::path::{Path, PathBuf};

use distiq_core::{CallRecord, Money};
use jiff::tz::TimeZone;

use crate::{CacheLookupRecord, DecisionStats, Result, RouteRecord, StatsQuery, StatsReport};

/// One recorded call, as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    /// The call.
    pub call: CallRecord,
    /// The repository it served, if it was recorded.
    pub repo: Option<PathBuf>,
}

/// Where the ledger keeps its rows.
///
/// [`crate::SqliteStore`] serves one developer; a team that wants a shared
/// ledger can put another engine (PostgreSQL) behind this trait. It holds
/// storage only: "today" and local days are the [`crate::Ledger`]'s business,
/// passed in as instants and a time zone.
pub trait LedgerStore: Send + fmt::Debug {
    /// Stores one call, durably, before returning.
    fn record(&self, call: &CallRecord, repo: Option<&Path>) -> Result<()>;

    /// The summed cost of the calls `query` selects.
    fn spent(&self, query: &StatsQuery) -> Result<Money>;

    /// The calls `query` selects, grouped by stage, model and local day (in
    /// `tz`), read from one consistent snapshot.
    fn stats(&self, query: &StatsQuery, tz: &TimeZone) -> Result<StatsReport>;

    /// The calls `query` selects, oldest first.
    fn calls(&self, query: &StatsQuery) -> Result<Vec<LedgerEntry>>;

    /// Stores one cache lookup. Stores that keep no local decisions
    /// ignore it (the default).
    fn record_cache_lookup(&self, _lookup: &CacheLookupRecord, _repo: Option<&Path>) -> Result<()> {
        Ok(())
    }

    /// Stores one route decision. Stores that keep no local decisions
    /// ignore it (the default).
    fn record_route(&self, _route: &RouteRecord, _repo: Option<&Path>) -> Result<()> {
        Ok(())
    }

    /// Counts of the cache lookups and route decisions `query` selects (by
    /// time, task and repository; the outcome filter does not apply).
    fn decisions(&self, _query: &StatsQuery) -> Result<DecisionStats> {
        Ok(DecisionStats::default())
    }
}
