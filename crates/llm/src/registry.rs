//! From config to clients: the one place where the stage router table
//! becomes priced, recorded model calls, and where a failing stage climbs
//! its fallback chain (upward only, seed 001).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use distiq_config::{Config, StageRoute};
use distiq_core::{Event, EventSink, ModelRef, Stage, TaskId, Tier};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;

use crate::{
    CallContext, ChatRequest, Error, ModelClient, Provider, ProviderSettings, Result, RetryPolicy,
    StructuredOutcome, build_provider,
};

/// Looks an environment variable up. Production passes the process
/// environment; tests pass a map, so no test mutates the process.
pub type EnvLookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Builds providers from a [`Config`] (once each, lazily) and hands out
/// [`ModelClient`]s for stages. Every client reports to the same sink, so
/// one [`EventSink`] (the ledger, a front end) sees every call.
pub struct Registry {
    config: Arc<Config>,
    env: EnvLookup,
    sink: Arc<dyn EventSink>,
    providers: Mutex<BTreeMap<String, Arc<dyn Provider>>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry").finish_non_exhaustive()
    }
}

impl Registry {
    /// A registry over `config`, reading keys through `env`, reporting to
    /// `sink`.
    pub fn new(config: Arc<Config>, env: EnvLookup, sink: Arc<dyn EventSink>) -> Self {
        Self {
            config,
            env,
            sink,
            providers: Mutex::new(BTreeMap::new()),
        }
    }

    /// The config it serves.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The sizes a truncated structured answer is retried with (seed 000).
    pub fn ladder(&self) -> &[u32] {
        &self.config.structured.max_tokens_ladder
    }

    /// The provider named `name`, built on first use. A provider that needs
    /// a key and has none is an error naming the variable to set.
    pub fn provider(&self, name: &str) -> Result<Arc<dyn Provider>> {
        let mut cache = self.providers.lock().map_err(|_| Error::Config {
            provider: name.to_owned(),
            message: "the provider cache was poisoned by an earlier panic".to_owned(),
        })?;
        if let Some(p) = cache.get(name) {
            return Ok(p.clone());
        }
        let pc = self
            .config
            .providers
            .get(name)
            .ok_or_else(|| Error::Config {
                provider: name.to_owned(),
                message: format!(
                    "no such provider in the config; known: {}",
                    self.config
                        .providers
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })?;
        let env = self.env.clone();
        let key = pc.api_key(name, |v| env(v)).map_err(|e| Error::Config {
            provider: name.to_owned(),
            message: e.to_string(),
        })?;
        if key.is_none() && !pc.is_local() {
            let mut vars = pc.api_key_env.join(" or ");
            if let Some(f) = &pc.api_key_file {
                vars = format!("{vars} (or put the key in {})", f.display());
            }
            return Err(Error::MissingKey {
                provider: name.to_owned(),
                vars,
            });
        }
        let r = &self.config.retry;
        let t = &self.config.timeouts;
        let mut settings = ProviderSettings::new(name, pc.kind, pc.base_url.clone())
            .with_key(key)
            .with_retry(RetryPolicy {
                max_attempts: r.max_attempts.max(1),
                initial_delay: r.initial_delay,
                max_delay: r.max_delay,
                max_retry_after: r.max_retry_after,
                ..RetryPolicy::default()
            });
        settings.connect_timeout = t.connect;
        settings.request_timeout = t.request;
        settings.stream_idle_timeout = t.stream_idle;
        let provider = build_provider(settings)?;
        cache.insert(name.to_owned(), provider.clone());
        Ok(provider)
    }

    /// A client for `model`, recording calls as `stage` at `tier`.
    pub fn client(
        &self,
        model: &ModelRef,
        stage: Stage,
        tier: Tier,
        task: Option<TaskId>,
    ) -> Result<ModelClient> {
        let provider = self.provider(&model.provider)?;
        let price = self.config.price(model).unwrap_or_default();
        let mut client =
            ModelClient::new(provider, model.clone(), price, self.config.baseline_price())
                .for_stage(stage, tier)
                .with_sink(self.sink.clone());
        if let Some(t) = task {
            client = client.for_task(t);
        }
        Ok(client)
    }

    /// The route for `stage` at `tier` (never below the stage's
    /// `min_tier`) and a request carrying its settings.
    pub fn request(&self, stage: Stage, tier: Tier) -> (StageRoute, ChatRequest) {
        let route = self.config.route(stage, tier);
        let mut req = ChatRequest::new(route.model.model.clone(), route.max_tokens);
        req.temperature = route.temperature;
        (route, req)
    }

    /// The models to try for a route, strongest last: its model, then its
    /// fallbacks. Each with the tier it is recorded under: the route's own
    /// model under the route's tier (even when a higher tier uses the same
    /// model, as with one local model on every tier), a fallback under the
    /// highest tier that uses it, never below the route's.
    pub fn chain(&self, route: &StageRoute) -> Vec<(ModelRef, Tier)> {
        let own = std::iter::once((route.model.clone(), route.tier));
        let fallbacks = route.fallbacks.iter().cloned().map(|m| {
            let tier = Tier::ALL
                .into_iter()
                .rev()
                .find(|t| self.config.tier_model(*t) == m)
                .unwrap_or(route.tier)
                .max(route.tier);
            (m, tier)
        });
        own.chain(fallbacks).collect()
    }

    /// A structured call for `stage` that climbs the fallback chain when a
    /// model fails (after its own retries): each step is a stronger model,
    /// announced as [`Event::Escalated`]. Cancellation and a missing key stop
    /// at once. The error after the last model names every failure.
    pub async fn structured<T: DeserializeOwned + JsonSchema>(
        &self,
        route: &StageRoute,
        task: Option<TaskId>,
        req: ChatRequest,
        name: &str,
        description: &str,
        ctx: &CallContext,
    ) -> Result<StructuredOutcome<T>> {
        let chain = self.chain(route);
        let mut failures = Vec::new();
        for (i, (model, tier)) in chain.iter().enumerate() {
            let client = self.client(model, route.stage, *tier, task)?;
            match client
                .structured::<T>(req.clone(), name, description, self.ladder(), ctx)
                .await
            {
                Ok(out) => return Ok(out),
                Err(e @ (Error::Cancelled | Error::MissingKey { .. })) => return Err(e),
                Err(e) => {
                    if let Some((next, _)) = chain.get(i + 1) {
                        self.sink.emit(&Event::Escalated {
                            stage: route.stage,
                            from: model.clone(),
                            to: next.clone(),
                            reason: e.to_string(),
                        });
                    }
                    failures.push(format!("{model}: {e}"));
                }
            }
        }
        Err(Error::Exhausted {
            stage: route.stage.to_string(),
            failures: failures.join("; "),
        })
    }
}
