//! Validation: what makes a configuration unusable (errors) or worth a look
//! (warnings, such as a model close to its retirement).

use std::fmt;

use distiq_core::{ModelRef, Money, Stage, Tier};
use jiff::civil::Date;

use crate::{Config, Error, Result};

/// How many days ahead of a model's retirement `check` starts to warn.
pub const DEPRECATION_WARNING_DAYS: i32 = 30;

/// How serious a [`Diagnostic`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth a look; distiq still runs.
    Warning,
    /// distiq refuses to run with this configuration.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One finding of [`Config::check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, where, and what to do.
    pub message: String,
}

impl Diagnostic {
    /// A warning.
    pub fn warning(message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            message: message.into(),
        }
    }

    /// An error.
    pub fn error(message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.severity, self.message)
    }
}

/// A place that names a model: a tier, a stage pin, a stage fallback.
struct Use {
    key: String,
    model: ModelRef,
    /// A date written next to the assignment.
    deprecation: Option<Date>,
}

impl Config {
    /// The first problem that makes this configuration unusable, if any.
    pub fn validate(&self) -> Result<()> {
        match self.problems().into_iter().next() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Every finding, errors first: unknown providers and unpriced models,
    /// fallbacks that go down (errors); models retired or retiring within
    /// [`DEPRECATION_WARNING_DAYS`] of `today` (by tier, stage or price table
    /// date; only models in use), tiers out of price order, price rows for
    /// unknown providers (warnings).
    pub fn check(&self, today: Date) -> Vec<Diagnostic> {
        let mut out: Vec<Diagnostic> = self
            .problems()
            .iter()
            .map(|e| Diagnostic::error(e.to_string()))
            .collect();
        out.extend(self.deprecation_warnings(today));
        out.extend(self.tier_order_warnings());
        for model in self.models.keys() {
            if !self.providers.contains_key(&model.provider) {
                out.push(Diagnostic::warning(format!(
                    "the price table has `{model}`, but there is no provider `{}`; the row is unused",
                    model.provider
                )));
            }
        }
        out
    }

    fn uses(&self) -> Vec<Use> {
        let mut uses = Vec::new();
        for (tier, a) in &self.tiers {
            uses.push(Use {
                key: format!("tiers.{tier}.model"),
                model: a.model.clone(),
                deprecation: a.deprecation,
            });
        }
        for (stage, s) in &self.stages {
            if let Some(model) = &s.model {
                uses.push(Use {
                    key: format!("stages.{stage}.model"),
                    model: model.clone(),
                    deprecation: s.deprecation,
                });
            }
            for model in &s.fallbacks {
                uses.push(Use {
                    key: format!("stages.{stage}.fallbacks"),
                    model: model.clone(),
                    deprecation: None,
                });
            }
        }
        uses
    }

    fn problems(&self) -> Vec<Error> {
        let mut problems = Vec::new();
        for u in self.uses() {
            if !self.providers.contains_key(&u.model.provider) {
                problems.push(Error::UnknownProvider {
                    key: u.key,
                    model: u.model,
                    known: self.providers.keys().cloned().collect(),
                });
            } else if self.price(&u.model).is_none() {
                let same: Vec<ModelRef> = self
                    .models
                    .keys()
                    .filter(|m| m.provider == u.model.provider)
                    .cloned()
                    .collect();
                let same_provider = !same.is_empty();
                let known = if same_provider {
                    same
                } else {
                    self.models.keys().cloned().collect()
                };
                problems.push(Error::UnknownModel {
                    key: u.key,
                    model: u.model,
                    same_provider,
                    known,
                });
            }
        }
        for stage in Stage::ALL {
            problems.extend(self.downward_fallbacks(stage));
        }
        problems
    }

    fn downward_fallbacks(&self, stage: Stage) -> Vec<Error> {
        let Some(sc) = self.stages.get(&stage) else {
            return Vec::new();
        };
        let model = self.route(stage, sc.tier).model;
        let Some(floor) = self.price(&model) else {
            return Vec::new();
        };
        sc.fallbacks
            .iter()
            .filter_map(|fallback| {
                let p = self.price(fallback)?;
                (p.output < floor.output).then(|| Error::DownwardFallback {
                    stage,
                    model: model.clone(),
                    model_output: Money::from_micros(floor.output),
                    fallback: fallback.clone(),
                    fallback_output: Money::from_micros(p.output),
                })
            })
            .collect()
    }

    fn deprecation_warnings(&self, today: Date) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for u in self.uses() {
            let table = self.model_info(&u.model).and_then(|i| i.deprecation);
            let Some(date) = [u.deprecation, table].into_iter().flatten().min() else {
                continue;
            };
            let days = days_until(today, date);
            let model = &u.model;
            let key = &u.key;
            if days < 0 {
                out.push(Diagnostic::warning(format!(
                    "`{model}` ({key}) was retired on {date}, {}; requests to it fail. Set `{key}` to a current model",
                    days_ago(-days)
                )));
            } else if days <= DEPRECATION_WARNING_DAYS {
                out.push(Diagnostic::warning(format!(
                    "`{model}` ({key}) is retired on {date}, {}; move `{key}` to a current model before then",
                    in_days(days)
                )));
            }
        }
        out
    }

    fn tier_order_warnings(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for (lower, upper) in [(Tier::Cheap, Tier::Mid), (Tier::Mid, Tier::Top)] {
            let (lm, um) = (self.tier_model(lower), self.tier_model(upper));
            if let (Some(lp), Some(up)) = (self.price(&lm), self.price(&um))
                && up.output < lp.output
            {
                out.push(Diagnostic::warning(format!(
                    "tier `{upper}` (`{um}`, output {}/MTok) is cheaper than tier `{lower}` (`{lm}`, output {}/MTok); escalation from `{lower}` skips it, since a fallback never goes to a cheaper model",
                    Money::from_micros(up.output),
                    Money::from_micros(lp.output),
                )));
            }
        }
        out
    }
}

/// Days from `today` to `date`: negative once it has passed.
pub(crate) fn days_until(today: Date, date: Date) -> i32 {
    today.until(date).map_or(0, |span| span.get_days())
}

/// `1 day ago`, `12 days ago`.
pub(crate) fn days_ago(days: i32) -> String {
    if days == 1 {
        "1 day ago".to_owned()
    } else {
        format!("{days} days ago")
    }
}

/// `today`, `tomorrow`, `in 12 days`.
pub(crate) fn in_days(days: i32) -> String {
    match days {
        0 => "today".to_owned(),
        1 => "tomorrow".to_owned(),
        n => format!("in {n} days"),
    }
}
