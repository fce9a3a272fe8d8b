//! Inspect-then-pick (seed 002): when the local scores are close, the
//! classify stage's cheap model labels the task, and its label picks the
//! route. The call is priced and recorded like any other, through the
//! registry's sink (the ledger, in the binary).

use distiq_core::{Complexity, EventSink, Stage, TaskId, TaskKind};
use distiq_llm::{CallContext, Part, Registry};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::router::{Inspection, Routed, decide};
use crate::{Request, Router};

/// The system prompt: the labels and what they mean, stable for prefix
/// caching.
const SYSTEM: &str = "You label coding tasks for a router. Read the developer's request and \
answer with its kind and complexity.\n\
Kinds:\n\
- question: asks about the code or the project; nothing is to be changed.\n\
- edit: a small, local change to existing code: a value, a message, a version, a style.\n\
- bugfix: something is broken (a crash, a wrong result, an error) and must be fixed.\n\
- feature: new behaviour: an option, an endpoint, a screen, a capability.\n\
- refactor: the same behaviour with better structure or speed: renames, extractions, ports.\n\
- architecture: a design decision across modules: boundaries, layers, protocols.\n\
- tests: writing or fixing tests, fixtures or the test setup.\n\
- docs: writing or fixing documentation, comments, changelogs or help text.\n\
Judge by what the developer wants done, not by the words used: \"fix the typo in the docs\" is \
docs, \"add a test that reproduces the crash\" is tests, \"why does X fail?\" is a question.\n\
Complexity: trivial (a one-line or mechanical change), standard (an ordinary task in a file or \
two), complex (many files, subtle reasoning, or design).";

/// The answer the model must give, as a JSON schema.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
struct Label {
    /// The kind of task.
    kind: KindLabel,
    /// How hard it is.
    complexity: LevelLabel,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum KindLabel {
    Question,
    Edit,
    Bugfix,
    Feature,
    Refactor,
    Architecture,
    Tests,
    Docs,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum LevelLabel {
    Trivial,
    Standard,
    Complex,
}

impl From<KindLabel> for TaskKind {
    fn from(k: KindLabel) -> Self {
        match k {
            KindLabel::Question => TaskKind::Question,
            KindLabel::Edit => TaskKind::Edit,
            KindLabel::Bugfix => TaskKind::Bugfix,
            KindLabel::Feature => TaskKind::Feature,
            KindLabel::Refactor => TaskKind::Refactor,
            KindLabel::Architecture => TaskKind::Architecture,
            KindLabel::Tests => TaskKind::Tests,
            KindLabel::Docs => TaskKind::Docs,
        }
    }
}

impl From<LevelLabel> for Complexity {
    fn from(l: LevelLabel) -> Self {
        match l {
            LevelLabel::Trivial => Complexity::Trivial,
            LevelLabel::Standard => Complexity::Standard,
            LevelLabel::Complex => Complexity::Complex,
        }
    }
}

impl Router {
    /// Resolves an [`Inspection::Pending`] route: asks the classify stage's
    /// model (its configured tier, normally cheap) for `{kind, complexity}`
    /// through `registry`, whose sink records the call. Any other route is
    /// returned as it is.
    ///
    /// The model's kind wins. Its complexity wins too unless it is lower
    /// than the local one: routing too low costs more than routing too high.
    /// When the model cannot be built (no key) or fails, the local decision
    /// stands and the inspection says why.
    pub async fn inspect(
        &self,
        routed: Routed,
        registry: &Registry,
        request: &Request,
        task: Option<TaskId>,
        ctx: &CallContext,
    ) -> Routed {
        if !matches!(routed.inspection, Inspection::Pending { .. }) {
            return routed;
        }
        let config = registry.config();
        let Routed {
            local, decision, ..
        } = routed;
        let tier = config
            .stages
            .get(&Stage::Classify)
            .map_or(distiq_core::Tier::Cheap, |s| s.tier);
        let (route, req) = registry.request(Stage::Classify, tier);
        let model = route.model.to_string();
        let client = match registry.client(&route.model, Stage::Classify, route.tier, task) {
            Ok(client) => client,
            Err(e) => {
                let inspection = Inspection::Unavailable {
                    reason: format!("the classify stage's model {model} cannot be used: {e}"),
                };
                return decide(
                    config,
                    local,
                    decision.kind,
                    decision.complexity,
                    inspection,
                );
            }
        };
        let req = req
            .system(Part::cached(SYSTEM))
            .user(format!("Request:\n{}", request.prompt));
        let answer = client
            .structured::<Label>(
                req,
                "task_label",
                "The kind and complexity of a coding task",
                registry.ladder(),
                ctx,
            )
            .await;
        match answer {
            Ok(out) => {
                let kind = TaskKind::from(out.value.kind);
                let said = Complexity::from(out.value.complexity);
                let inspection = Inspection::Asked {
                    model,
                    kind,
                    complexity: said,
                };
                let complexity = said.max(local.complexity);
                decide(config, local, kind, complexity, inspection)
            }
            Err(e) => {
                let inspection = Inspection::Failed {
                    model,
                    reason: e.to_string(),
                };
                decide(
                    config,
                    local,
                    decision.kind,
                    decision.complexity,
                    inspection,
                )
            }
        }
    }

    /// Routes a task the whole way: locally, then inspect-then-pick when the
    /// scores are close, then [`Event::RouteDecided`](distiq_core::Event)
    /// to `sink`. Model calls go to the registry's own sink.
    pub async fn decide(
        &self,
        registry: &Registry,
        request: &Request,
        embedding: &distiq_embed::Embedding,
        task: Option<TaskId>,
        sink: &dyn EventSink,
        ctx: &CallContext,
    ) -> Routed {
        let local = self.route(registry.config(), request, embedding);
        let routed = self.inspect(local, registry, request, task, ctx).await;
        sink.emit(&routed.event(task));
        routed
    }
}
