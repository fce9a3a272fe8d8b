//! The cost ledger: every model call distiq makes, priced, in SQLite.
//!
//! Each call is one row: when, for which task and stage, on which model, the
//! tokens by kind, what it cost and what it would have cost on the top-tier
//! model without prompt caching (the baseline savings are measured against).
//! Budgets read [`Ledger::spent_today`] and [`Ledger::spent_on_task`];
//! `distiq stats` reads [`Ledger::stats`]. The pipeline writes through
//! [`LedgerSink`], an [`EventSink`](distiq_core::EventSink).
//!
//! ```
//! use distiq_core::{CallOutcome, CallRecord, Money, Stage, Tier, Usage};
//! use distiq_ledger::{Ledger, StatsQuery};
//!
//! let dir = tempfile::tempdir()?;
//! let ledger = Ledger::open(dir.path().join("ledger.sqlite"))?;
//! ledger.record(
//!     &CallRecord {
//!         at: jiff::Timestamp::now(),
//!         task_id: None,
//!         stage: Stage::Execute,
//!         tier: Tier::Cheap,
//!         model: "openai:gpt-5-mini".parse()?,
//!         usage: Usage { input_tokens: 10_000, output_tokens: 1_000, ..Usage::default() },
//!         cost: Money::from_micros(4_500),
//!         baseline_cost: Money::from_micros(45_000),
//!         latency_ms: 900,
//!         streamed: true,
//!         batch: false,
//!         attempt: 1,
//!         outcome: CallOutcome::Ok,
//!     },
//!     None,
//! )?;
//! let report = ledger.stats(&StatsQuery::default())?;
//! assert_eq!(report.total.savings(), Money::from_micros(40_500));
//! assert_eq!(ledger.spent_today()?, Money::from_micros(4_500));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Several distiq processes may use one ledger file at once; see
//! [`SqliteStore`]. Storage sits behind [`LedgerStore`] so that a shared
//! engine can serve a team later.

mod clock;
mod decisions;
mod error;
mod report;
mod schema;
mod since;
mod sink;
mod sqlite;
mod store;

use std::path::Path;

use distiq_core::{CallRecord, Money, TaskId};

pub use clock::{Clock, FixedClock, SystemClock};
pub use decisions::{CacheLookupRecord, DecisionStats, RouteRecord};
pub use error::{Error, Result};
pub use report::{OutcomeKind, StatsQuery, StatsReport, Totals};
pub use schema::SCHEMA_VERSION;
pub use since::parse_since;
pub use sink::LedgerSink;
pub use sqlite::SqliteStore;
pub use store::{LedgerEntry, LedgerStore};

/// The ledger: a [`LedgerStore`] and the [`Clock`] that says what "today"
/// is.
#[derive(Debug)]
pub struct Ledger {
    store: Box<dyn LedgerStore>,
    clock: Box<dyn Clock>,
}

impl Ledger {
    /// Opens (or creates) the SQLite ledger at `path`, with the system
    /// clock.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Ok(Self::new(Box::new(SqliteStore::open(path)?)))
    }

    /// Opens the SQLite ledger at `path` if the file exists, without ever
    /// creating it; `None` when there is no file.
    pub fn open_existing(path: impl AsRef<Path>) -> Result<Option<Self>> {
        Ok(SqliteStore::open_existing(path)?.map(|s| Self::new(Box::new(s))))
    }

    /// A ledger over any store, with the system clock.
    pub fn new(store: Box<dyn LedgerStore>) -> Self {
        Self {
            store,
            clock: Box::new(SystemClock),
        }
    }

    /// The same ledger with another clock (tests pin "today" with a
    /// [`FixedClock`]).
    #[must_use]
    pub fn with_clock(self, clock: impl Clock + 'static) -> Self {
        Self {
            clock: Box::new(clock),
            ..self
        }
    }

    /// Records one call; `repo` is the repository it served, if any.
    pub fn record(&self, call: &CallRecord, repo: Option<&Path>) -> Result<()> {
        self.store.record(call, repo)
    }

    /// What calls that started today, local time, cost.
    pub fn spent_today(&self) -> Result<Money> {
        let now = self.clock.now();
        let start = now.start_of_day()?;
        let end = start.tomorrow()?.start_of_day()?;
        self.store.spent(&StatsQuery {
            since: Some(start.timestamp()),
            until: Some(end.timestamp()),
            ..StatsQuery::default()
        })
    }

    /// What the calls made for `task` cost, whenever they ran.
    pub fn spent_on_task(&self, task: TaskId) -> Result<Money> {
        self.store.spent(&StatsQuery {
            task: Some(task),
            ..StatsQuery::default()
        })
    }

    /// The calls `query` selects, grouped by stage, model and local day.
    pub fn stats(&self, query: &StatsQuery) -> Result<StatsReport> {
        let now = self.clock.now();
        self.store.stats(query, now.time_zone())
    }

    /// The calls `query` selects, oldest first.
    pub fn calls(&self, query: &StatsQuery) -> Result<Vec<LedgerEntry>> {
        self.store.calls(query)
    }

    /// Records one cache lookup.
    pub fn record_cache_lookup(
        &self,
        lookup: &CacheLookupRecord,
        repo: Option<&Path>,
    ) -> Result<()> {
        self.store.record_cache_lookup(lookup, repo)
    }

    /// Records one route decision.
    pub fn record_route(&self, route: &RouteRecord, repo: Option<&Path>) -> Result<()> {
        self.store.record_route(route, repo)
    }

    /// Cache lookups and route decisions `query` selects.
    pub fn decisions(&self, query: &StatsQuery) -> Result<DecisionStats> {
        self.store.decisions(query)
    }

    /// "Now" by the ledger's clock, for events that carry no time.
    pub fn now(&self) -> jiff::Timestamp {
        self.clock.now().timestamp()
    }
}
