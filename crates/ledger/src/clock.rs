use std::fmt;

use jiff::Zoned;

/// Where the ledger gets "now" and the local time zone from.
///
/// "Today" (for daily budgets) and the days of [`crate::StatsReport::by_day`]
/// are local days; tests inject a [`FixedClock`] to pin both.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current instant in the local time zone.
    fn now(&self) -> Zoned;
}

/// The system clock and the system time zone.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Zoned {
        Zoned::now()
    }
}

/// A clock stopped at one instant in one time zone, for tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixedClock(pub Zoned);

impl Clock for FixedClock {
    fn now(&self) -> Zoned {
        self.0.clone()
    }
}
