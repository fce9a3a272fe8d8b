//! The vocabulary every distiq crate shares.
//!
//! distiq sends a task through a cascade of stages, each served by a model of
//! some tier. This crate names those things and nothing else: it has no I/O.
//!
//! ```
//! use distiq_core::{Money, Price, Tier, Usage};
//!
//! // $3 per million input tokens, $15 per million output tokens.
//! let price = Price::per_mtok_usd(3.0, 15.0, 0.30, 3.75);
//! let usage = Usage { input_tokens: 10_000, output_tokens: 1_000, ..Usage::default() };
//! assert_eq!(price.cost(&usage), Money::from_micros(45_000));
//! assert!(Tier::Top > Tier::Cheap);
//! ```

mod event;
mod ids;
mod model;
mod money;
mod plan;
mod route;
mod secret;
mod stage;
mod usage;

pub use event::{
    CallOutcome, CallRecord, CheckSummary, Event, EventSink, FileDelta, NullSink, VecSink,
};
pub use ids::TaskId;
pub use model::{ModelRef, ParseModelRefError, ProviderKind};
pub use money::{Money, ParseMoneyError, Price};
pub use plan::{Change, ChangeKind, CodePlan, FileAction, FilePlan};
pub use route::{Complexity, RouteDecision, TaskKind};
pub use secret::ApiKey;
pub use stage::{ParseEnumError, Stage, Tier};
pub use usage::Usage;

/// A task as the user typed it, with the id that ties its calls together.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Task {
    /// Identifies the task in events and in the ledger.
    pub id: TaskId,
    /// The user's words, unchanged.
    pub prompt: String,
}

impl Task {
    /// A new task with a fresh id.
    pub fn new(prompt: impl Into<String>) -> Self {
        Self {
            id: TaskId::new(),
            prompt: prompt.into(),
        }
    }
}
