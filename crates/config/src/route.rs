//! The stage router and the price table lookups.

use distiq_core::{ModelRef, Price, Stage, Tier};

use crate::{Config, ModelInfo, StageConfig, StageRoute};

impl Config {
    /// How `stage` is served when the router asks for `tier`.
    ///
    /// The router picks the tier (cheaper for trivial tasks, stronger for
    /// hard ones); the stage's `min_tier`, when set, is a floor it cannot go
    /// below. Use the stage's own `tier` when there is no route. The model
    /// is the stage's pinned model
    /// when the tier is the stage's own, else the tier's model. Fallbacks are
    /// the stage's explicit chain, or else the models of the strictly higher
    /// tiers; either way the model itself and anything cheaper than it (by
    /// output price) are left out, so escalation only goes up.
    pub fn route(&self, stage: Stage, tier: Tier) -> StageRoute {
        let sc = self.stage(stage);
        let tier = sc.min_tier.map_or(tier, |floor| tier.max(floor));
        let model = match &sc.model {
            Some(pinned) if tier == sc.tier => pinned.clone(),
            _ => self.tier_model(tier),
        };
        let candidates: Vec<ModelRef> = if sc.fallbacks.is_empty() {
            Tier::ALL
                .into_iter()
                .filter(|t| *t > tier)
                .map(|t| self.tier_model(t))
                .collect()
        } else {
            sc.fallbacks.clone()
        };
        let floor = self.price(&model).map(|p| p.output);
        let mut fallbacks: Vec<ModelRef> = Vec::new();
        for candidate in candidates {
            let cheaper = match (floor, self.price(&candidate)) {
                (Some(floor), Some(p)) => p.output < floor,
                _ => false,
            };
            if candidate != model && !cheaper && !fallbacks.contains(&candidate) {
                fallbacks.push(candidate);
            }
        }
        StageRoute {
            stage,
            tier,
            model,
            temperature: sc.temperature,
            max_tokens: sc.max_tokens,
            fallbacks,
        }
    }

    /// What `model` costs: its row in the price table (a dated id such as
    /// `claude-sonnet-4-5-20250929` falls back to the undated row), or zero
    /// for an unpriced model on a local provider (one that takes no key).
    /// `None` for a model distiq knows no price for.
    pub fn price(&self, model: &ModelRef) -> Option<Price> {
        if let Some(info) = self.model_info(model) {
            return Some(info.price);
        }
        self.is_local(&model.provider).then(Price::default)
    }

    /// The price table row of `model`, trying the id without a trailing
    /// `-YYYYMMDD` date when the exact id has none.
    pub fn model_info(&self, model: &ModelRef) -> Option<&ModelInfo> {
        self.models.get(model).or_else(|| {
            let undated = strip_date_suffix(&model.model)?;
            self.models
                .get(&ModelRef::new(model.provider.clone(), undated))
        })
    }

    /// The price of the top tier's model: what every call would cost if
    /// distiq sent everything to the strongest model, the baseline savings
    /// are measured against. Zero if the top tier is an unpriced local model.
    pub fn baseline_price(&self) -> Price {
        self.price(&self.tier_model(Tier::Top)).unwrap_or_default()
    }

    /// Whether `provider` is configured and takes no key (a local server).
    pub fn is_local(&self, provider: &str) -> bool {
        self.providers
            .get(provider)
            .is_some_and(crate::ProviderConfig::is_local)
    }

    /// The model assigned to `tier`.
    pub fn tier_model(&self, tier: Tier) -> ModelRef {
        // The builder fills every tier. Should a caller empty the public map,
        // the nearest tier below stands in, and with none at all the call
        // fails later on a provider named `unconfigured`.
        self.tiers
            .range(..=tier)
            .next_back()
            .or_else(|| self.tiers.iter().next())
            .map_or_else(
                || ModelRef::new("unconfigured", "unconfigured"),
                |(_, a)| a.model.clone(),
            )
    }

    fn stage(&self, stage: Stage) -> StageConfig {
        self.stages.get(&stage).cloned().unwrap_or(StageConfig {
            // The builder guarantees every stage; see `tier_model`.
            tier: Tier::Mid,
            min_tier: None,
            model: None,
            temperature: None,
            max_tokens: 8192,
            fallbacks: Vec::new(),
            deprecation: None,
        })
    }
}

/// `claude-sonnet-4-5-20250929` → `claude-sonnet-4-5`.
fn strip_date_suffix(id: &str) -> Option<&str> {
    let (head, tail) = id.rsplit_once('-')?;
    (tail.len() == 8 && tail.bytes().all(|b| b.is_ascii_digit())).then_some(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_eight_digit_suffix_is_a_date() {
        assert_eq!(
            strip_date_suffix("claude-sonnet-4-5-20250929"),
            Some("claude-sonnet-4-5")
        );
        assert_eq!(strip_date_suffix("gpt-4.1-mini"), None);
        assert_eq!(strip_date_suffix("model-2025"), None);
    }
}
