//! The `.distiq.toml` tests write to point the whole cascade at a fake
//! server.

/// A config whose three tiers are models of one fake provider at
/// `base_url` (OpenAI dialect, key in `FAKE_API_KEY`): cheap `fake:small`
/// ($1/$2 per MTok in/out), mid `fake:mid` ($3/$6), top `fake:big`
/// ($10/$20). The planner runs on mid, the executor and the analyzer on
/// cheap, answers on mid; one structured attempt of 2,000 tokens, one try
/// per call with short delays, one fix per tier. `extra` is appended: more
/// tables, not ones already here.
pub fn cascade_toml(base_url: &str, extra: &str) -> String {
    format!(
        r#"
[providers.fake]
kind = "openai"
base_url = "{base_url}"
api_key_env = ["FAKE_API_KEY"]

[models."fake:small"]
input = 1.0
output = 2.0
[models."fake:mid"]
input = 3.0
output = 6.0
[models."fake:big"]
input = 10.0
output = 20.0

[tiers.cheap]
model = "fake:small"
[tiers.mid]
model = "fake:mid"
[tiers.top]
model = "fake:big"

[stages.plan]
tier = "mid"
max_tokens = 2000
[stages.execute]
tier = "cheap"
max_tokens = 1000
[stages.analyze]
tier = "cheap"
max_tokens = 1000
[stages.answer]
tier = "mid"
max_tokens = 1000

[structured]
max_tokens_ladder = [2000]

[retry]
max_attempts = 1
initial_delay_ms = 5
max_delay_ms = 10

[validate]
max_retries = 1

{extra}
"#
    )
}
