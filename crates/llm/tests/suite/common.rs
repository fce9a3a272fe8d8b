//! Helpers shared by the provider suites.

use std::sync::Arc;
use std::time::Duration;

use distiq_core::{Event, ModelRef, Price, ProviderKind, Stage, Tier, VecSink};
use distiq_llm::{ApiKey, ModelClient, ProviderSettings, RetryPolicy, build_provider};

/// A retry policy fast enough for tests: real waits, short ones.
pub fn fast_retry(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        initial_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        max_retry_after: Duration::from_secs(5),
        ..RetryPolicy::default()
    }
}

/// Settings for a fake server at `base`, with a key and a fast retry policy.
pub fn settings(kind: ProviderKind, name: &str, base: &str, key: &str) -> ProviderSettings {
    let mut s = ProviderSettings::new(name, kind, base)
        .with_key(Some(ApiKey::new(key)))
        .with_retry(fast_retry(3));
    s.request_timeout = Duration::from_secs(5);
    s.stream_idle_timeout = Duration::from_secs(2);
    s
}

/// A client for `model` on the provider, with events collected.
pub fn client(
    settings: ProviderSettings,
    model: &str,
    price: Price,
) -> (ModelClient, Arc<VecSink>) {
    let name = settings.name.clone();
    let provider = build_provider(settings).expect("provider");
    let sink = Arc::new(VecSink::default());
    let top = Price::per_mtok_usd(15.0, 75.0, 1.5, 18.75);
    let c = ModelClient::new(provider, ModelRef::new(name, model), price, top)
        .for_stage(Stage::Plan, Tier::Mid)
        .with_sink(sink.clone());
    (c, sink)
}

/// The call records the sink saw.
pub fn calls(sink: &VecSink) -> Vec<distiq_core::CallRecord> {
    sink.events()
        .into_iter()
        .filter_map(|e| match e {
            Event::CallFinished(r) => Some(r),
            _ => None,
        })
        .collect()
}
