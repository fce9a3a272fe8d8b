use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use distiq_core::{CallOutcome, CallRecord, ModelRef, Money, Stage, TaskId, Usage};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

/// Which calls an operation looks at. Every field narrows; the default is
/// every call ever recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatsQuery {
    /// Calls that started at or after this instant.
    pub since: Option<Timestamp>,
    /// Calls that started before this instant (exclusive).
    pub until: Option<Timestamp>,
    /// Calls made for this task.
    pub task: Option<TaskId>,
    /// Calls that served this repository, compared as recorded (callers
    /// record and query canonical paths).
    pub repo: Option<PathBuf>,
    /// Calls that ended this way.
    pub outcome: Option<OutcomeKind>,
}

/// How a call ended, without the error message: what the ledger can filter
/// on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OutcomeKind {
    /// [`CallOutcome::Ok`].
    Ok,
    /// [`CallOutcome::Truncated`].
    Truncated,
    /// [`CallOutcome::Error`].
    Error,
    /// [`CallOutcome::Cancelled`].
    Cancelled,
}

impl OutcomeKind {
    /// Every kind.
    pub const ALL: [OutcomeKind; 4] = [
        OutcomeKind::Ok,
        OutcomeKind::Truncated,
        OutcomeKind::Error,
        OutcomeKind::Cancelled,
    ];

    /// The kind of an outcome.
    pub fn of(outcome: &CallOutcome) -> Self {
        match outcome {
            CallOutcome::Ok => OutcomeKind::Ok,
            CallOutcome::Truncated => OutcomeKind::Truncated,
            CallOutcome::Error { .. } => OutcomeKind::Error,
            CallOutcome::Cancelled => OutcomeKind::Cancelled,
        }
    }

    /// The lowercase name stored in the ledger.
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeKind::Ok => "ok",
            OutcomeKind::Truncated => "truncated",
            OutcomeKind::Error => "error",
            OutcomeKind::Cancelled => "cancelled",
        }
    }

    /// The kind named `s`, if any.
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for OutcomeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Sums over a group of calls. Money is summed as integer micro-dollars.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// How many calls.
    pub calls: u64,
    /// Their tokens, by kind.
    pub usage: Usage,
    /// What they cost.
    pub cost: Money,
    /// What they would have cost on the top-tier model with no prompt-cache
    /// discount.
    pub baseline_cost: Money,
    /// How many of the calls went through a provider's batch API.
    pub batch_calls: u64,
}

impl Totals {
    /// Adds one call.
    pub fn add(&mut self, call: &CallRecord) {
        self.calls += 1;
        self.usage += call.usage;
        self.cost += call.cost;
        self.baseline_cost += call.baseline_cost;
        self.batch_calls += u64::from(call.batch);
    }

    /// `baseline_cost - cost`: what routing and caching saved. Negative if
    /// the calls cost more than the baseline.
    pub fn savings(&self) -> Money {
        self.baseline_cost - self.cost
    }

    /// Savings as a percentage of the baseline, or `None` when the baseline
    /// is zero. Computed once from the integer sums; for display only.
    pub fn savings_percent(&self) -> Option<f64> {
        let baseline = self.baseline_cost.micros();
        (baseline != 0).then(|| self.savings().micros() as f64 / baseline as f64 * 100.0)
    }
}

/// What a set of calls cost, grouped three ways and in total.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatsReport {
    /// Per stage, in cascade order.
    pub by_stage: BTreeMap<Stage, Totals>,
    /// Per model, ordered by `provider:model`.
    pub by_model: BTreeMap<ModelRef, Totals>,
    /// Per local day, oldest first.
    pub by_day: BTreeMap<Date, Totals>,
    /// Every call.
    pub total: Totals,
}

impl StatsReport {
    /// Whether no call was counted.
    pub fn is_empty(&self) -> bool {
        self.total.calls == 0
    }

    /// Counts one call; `tz` decides which local day it falls on. For
    /// [`crate::LedgerStore`] implementations that aggregate client-side.
    pub fn add(&mut self, call: &CallRecord, tz: &TimeZone) {
        self.total.add(call);
        self.by_stage.entry(call.stage).or_default().add(call);
        if let Some(t) = self.by_model.get_mut(&call.model) {
            t.add(call);
        } else {
            let mut t = Totals::default();
            t.add(call);
            self.by_model.insert(call.model.clone(), t);
        }
        let day = tz.to_datetime(call.at).date();
        self.by_day.entry(day).or_default().add(call);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn savings_are_signed_and_the_percentage_needs_a_baseline() {
        let t = Totals {
            cost: Money::from_micros(25_000),
            baseline_cost: Money::from_micros(100_000),
            ..Totals::default()
        };
        assert_eq!(t.savings(), Money::from_micros(75_000));
        assert_eq!(t.savings_percent().map(|p| (p * 10.0).round()), Some(750.0));

        let worse = Totals {
            cost: Money::from_micros(3),
            baseline_cost: Money::from_micros(2),
            ..t
        };
        assert_eq!(worse.savings(), Money::from_micros(-1));
        assert_eq!(Totals::default().savings_percent(), None);
    }

    #[test]
    fn outcome_kinds_round_trip_through_their_names() {
        for k in OutcomeKind::ALL {
            assert_eq!(OutcomeKind::from_name(k.as_str()), Some(k));
        }
        assert_eq!(OutcomeKind::from_name("fine"), None);
        let err = CallOutcome::Error {
            message: "boom".into(),
        };
        assert_eq!(OutcomeKind::of(&err), OutcomeKind::Error);
    }
}
