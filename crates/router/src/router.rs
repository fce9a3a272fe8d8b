//! [`Router`]: from one embedding of a task to a [`RouteDecision`].

use std::collections::BTreeMap;

use distiq_config::Config;
use distiq_core::{Complexity, Event, EventSink, RouteDecision, TaskId, TaskKind};
use distiq_embed::{DIMENSION, Embedder, Embedding};
use serde::Serialize;

use crate::classifier::{self, CrossValidation, Trained};
use crate::features::{
    Features, LONG_CONTEXT, MANY_TOOLS, MEDIUM_CONTEXT, Request, TIGHT_LATENCY_MS,
};
use crate::nearest::NearestIndex;
use crate::store::{ModelFingerprint, ModelStore, Warning};
use crate::tiers::tiers_for;
use crate::{Exemplars, Result};

/// How many nearest exemplars a classification reports.
const NEAREST: usize = 3;

/// The local router: a classifier trained on exemplar prompts.
///
/// Cheap to share (`&self` everywhere) and to call: a decision is a few
/// hundred thousand multiply-adds on top of the task's embedding.
#[derive(Clone)]
pub struct Router {
    exemplars: Exemplars,
    trained: Trained,
    /// An integer copy of the exemplars' vectors for the nearest ones.
    index: NearestIndex,
}

impl std::fmt::Debug for Router {
    // The trained weights are hundreds of thousands of numbers: show what
    // identifies the router instead.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Router")
            .field("exemplars", &self.exemplars.len())
            .field("cross_validation", &self.trained.cv)
            .finish_non_exhaustive()
    }
}

/// A router and how it was obtained.
#[derive(Debug)]
pub struct Loaded {
    /// The router.
    pub router: Router,
    /// Whether it was trained now (no usable cache).
    pub trained: bool,
    /// Problems with the cache that did not stop routing.
    pub warnings: Vec<Warning>,
}

/// An exemplar close to the task: part of "why".
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Neighbour {
    /// The exemplar's prompt.
    pub text: String,
    /// Its kind.
    pub kind: TaskKind,
    /// Its complexity, when it has one.
    pub complexity: Option<Complexity>,
    /// Cosine similarity to the task.
    pub similarity: f32,
}

/// What the local classifier made of a task, before any model is asked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Classification {
    /// The most probable kind.
    pub kind: TaskKind,
    /// The second most probable kind.
    pub runner_up: TaskKind,
    /// The probability of `kind` minus that of `runner_up`.
    pub margin: f32,
    /// The complexity chosen from `complexity_scores`, erring upward (a
    /// task routed too low costs more than one routed too high).
    pub complexity: Complexity,
    /// The probability of each kind.
    pub kind_scores: BTreeMap<TaskKind, f32>,
    /// The probability of each complexity.
    pub complexity_scores: BTreeMap<Complexity, f32>,
    /// The most similar exemplars.
    pub nearest: Vec<Neighbour>,
    /// The measured request features.
    pub features: Features,
}

/// Whether a cheap model was asked to classify (inspect-then-pick).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Inspection {
    /// The local scores were clear enough.
    NotNeeded {
        /// Top-two margin.
        margin: f32,
        /// `router.inspect_margin`.
        threshold: f32,
    },
    /// `router.inspect` is off (or the margin threshold is 0).
    Off,
    /// The scores were close; a model should be asked ([`Router::inspect`]
    /// does).
    Pending {
        /// Top-two margin.
        margin: f32,
        /// `router.inspect_margin`.
        threshold: f32,
    },
    /// The scores were close but the classify stage's model cannot be used;
    /// the local decision stands.
    Unavailable {
        /// Why, with what to do.
        reason: String,
    },
    /// The model was asked and failed; the local decision stands.
    Failed {
        /// The model (`provider:model`).
        model: String,
        /// What went wrong.
        reason: String,
    },
    /// The model was asked and its answer picked the route.
    Asked {
        /// The model (`provider:model`).
        model: String,
        /// The kind it chose.
        kind: TaskKind,
        /// The complexity it chose.
        complexity: Complexity,
    },
}

/// A routed task: the decision and everything that explains it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Routed {
    /// What the pipeline acts on.
    pub decision: RouteDecision,
    /// The local classifier's view.
    pub local: Classification,
    /// Whether a model was asked.
    pub inspection: Inspection,
    /// Rules of seed 002 that changed the route (context size, latency,
    /// tools), for people.
    pub notes: Vec<String>,
}

impl Routed {
    /// The event announcing this decision.
    pub fn event(&self, task_id: Option<TaskId>) -> Event {
        Event::RouteDecided {
            task_id,
            decision: self.decision.clone(),
        }
    }
}

impl Router {
    fn new(exemplars: Exemplars, trained: Trained) -> Self {
        let index = NearestIndex::new(&trained.vectors);
        Self {
            exemplars,
            trained,
            index,
        }
    }

    /// Trains a router: embeds every exemplar (in batches) and fits the
    /// classifiers.
    pub fn train(embedder: &Embedder, exemplars: Exemplars) -> Result<Self> {
        exemplars.check_complete()?;
        let texts: Vec<&str> = exemplars.items().iter().map(|e| e.text.as_str()).collect();
        // Batches of similar length pad little: embed shortest first, then
        // put every vector back in exemplar order.
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|i| texts[*i].len());
        let mut embeddings: Vec<Option<Embedding>> = vec![None; texts.len()];
        for chunk in order.chunks(64) {
            let batch: Vec<&str> = chunk.iter().map(|i| texts[*i]).collect();
            for (i, e) in chunk.iter().zip(embedder.embed_batch(&batch)?) {
                embeddings[*i] = Some(e);
            }
        }
        let embeddings: Vec<Embedding> = embeddings.into_iter().flatten().collect();
        Self::from_embeddings(exemplars, &embeddings)
    }

    /// Trains on exemplars whose embeddings are already known (in order).
    pub fn from_embeddings(exemplars: Exemplars, embeddings: &[Embedding]) -> Result<Self> {
        exemplars.check_complete()?;
        let mut vectors = Vec::with_capacity(embeddings.len() * DIMENSION);
        for e in embeddings {
            vectors.extend_from_slice(e.as_slice());
        }
        let trained = Trained::train(&exemplars, vectors);
        Ok(Self::new(exemplars, trained))
    }

    /// The router stored for `exemplars` on `model`, if the store holds a
    /// sound one. No embedder is needed: a cold process reads it while the
    /// model loads.
    pub fn cached(
        store: &ModelStore,
        exemplars: &Exemplars,
        model: &ModelFingerprint,
    ) -> (Option<Self>, Option<Warning>) {
        let (trained, warning) = store.read(exemplars, model);
        (
            trained.map(|trained| Self::new(exemplars.clone(), trained)),
            warning,
        )
    }

    /// Trains and, with a store, saves the result for the next process.
    pub fn train_and_store(
        store: Option<&ModelStore>,
        exemplars: Exemplars,
        model: &ModelFingerprint,
        embedder: &Embedder,
    ) -> Result<Loaded> {
        let router = Self::train(embedder, exemplars)?;
        let warnings = store
            .and_then(|s| s.write(&router.exemplars, model, &router.trained))
            .into_iter()
            .collect();
        Ok(Loaded {
            router,
            trained: true,
            warnings,
        })
    }

    /// The stored router, or else a freshly trained (and stored) one.
    pub fn load_or_train(
        store: Option<&ModelStore>,
        exemplars: Exemplars,
        model: &ModelFingerprint,
        embedder: &Embedder,
    ) -> Result<Loaded> {
        let mut warnings = Vec::new();
        if let Some(store) = store {
            let (router, warning) = Self::cached(store, &exemplars, model);
            warnings.extend(warning);
            if let Some(router) = router {
                return Ok(Loaded {
                    router,
                    trained: false,
                    warnings,
                });
            }
        }
        let mut loaded = Self::train_and_store(store, exemplars, model, embedder)?;
        warnings.append(&mut loaded.warnings);
        loaded.warnings = warnings;
        Ok(loaded)
    }

    /// The exemplars it was trained on.
    pub fn exemplars(&self) -> &Exemplars {
        &self.exemplars
    }

    /// How it did on its exemplars under cross-validation.
    pub fn cross_validation(&self) -> CrossValidation {
        self.trained.cv
    }

    /// The local classification of a task from its embedding.
    pub fn classify(&self, request: &Request, embedding: &Embedding) -> Classification {
        let features = Features::of(request);
        let local = self
            .trained
            .score(&request.prompt, embedding.as_slice(), &features);
        let mut order: Vec<usize> = (0..TaskKind::ALL.len()).collect();
        order.sort_by(|a, b| local.kind[*b].total_cmp(&local.kind[*a]));
        let (first, second) = (order[0], order[1]);
        let nearest = self
            .index
            .nearest(&self.trained.vectors, embedding.as_slice(), NEAREST)
            .into_iter()
            .filter_map(|(i, similarity)| {
                let e = self.exemplars.items().get(i)?;
                Some(Neighbour {
                    text: e.text.clone(),
                    kind: e.kind,
                    complexity: e.complexity,
                    similarity,
                })
            })
            .collect();
        Classification {
            kind: TaskKind::ALL[first],
            runner_up: TaskKind::ALL[second],
            margin: local.kind[first] - local.kind[second],
            complexity: classifier::choose_complexity(&local.complexity),
            kind_scores: TaskKind::ALL.into_iter().zip(local.kind).collect(),
            complexity_scores: Complexity::ALL.into_iter().zip(local.complexity).collect(),
            nearest,
            features,
        }
    }

    /// Routes a task locally. When the top two kinds are closer than
    /// `router.inspect_margin` (and `router.inspect` is on), the result's
    /// inspection is [`Inspection::Pending`]: pass it to
    /// [`inspect`](Self::inspect) to ask the cheap model. No event is
    /// emitted here; see [`route_and_emit`](Self::route_and_emit).
    pub fn route(&self, config: &Config, request: &Request, embedding: &Embedding) -> Routed {
        let local = self.classify(request, embedding);
        let threshold = config.router.inspect_margin;
        let inspection = if !config.router.inspect || threshold <= 0.0 {
            Inspection::Off
        } else if local.margin < threshold {
            Inspection::Pending {
                margin: local.margin,
                threshold,
            }
        } else {
            Inspection::NotNeeded {
                margin: local.margin,
                threshold,
            }
        };
        let (kind, complexity) = (local.kind, local.complexity);
        decide(config, local, kind, complexity, inspection)
    }

    /// [`route`](Self::route), then emits [`Event::RouteDecided`] to `sink`.
    /// For callers that never inspect (offline, tests, benchmarks).
    pub fn route_and_emit(
        &self,
        config: &Config,
        request: &Request,
        embedding: &Embedding,
        task_id: Option<TaskId>,
        sink: &dyn EventSink,
    ) -> Routed {
        let routed = self.route(config, request, embedding);
        sink.emit(&routed.event(task_id));
        routed
    }

    /// Embeds the prompt and routes it locally: the convenience for callers
    /// that do not share the embedding with the cache.
    pub fn route_text(
        &self,
        embedder: &Embedder,
        config: &Config,
        request: &Request,
    ) -> Result<Routed> {
        let embedding = embedder.embed(&request.prompt)?;
        Ok(self.route(config, request, &embedding))
    }
}

/// The decision for `kind` and `complexity`, after the request's needs
/// (seed 002) and the stage table.
pub(crate) fn decide(
    config: &Config,
    local: Classification,
    kind: TaskKind,
    complexity: Complexity,
    inspection: Inspection,
) -> Routed {
    let mut notes = Vec::new();
    let mut complexity = complexity;
    let mut raise = |to: Complexity, why: String| {
        if complexity < to {
            complexity = to;
            notes.push(why);
        }
    };
    let f = &local.features;
    if let Some(tokens) = f.context_tokens {
        if tokens > LONG_CONTEXT {
            raise(
                Complexity::Complex,
                format!("{tokens} tokens of context (> {LONG_CONTEXT}): complex"),
            );
        } else if tokens > MEDIUM_CONTEXT {
            raise(
                Complexity::Standard,
                format!("{tokens} tokens of context (> {MEDIUM_CONTEXT}): at least standard"),
            );
        }
    }
    if f.tools >= MANY_TOOLS {
        raise(
            Complexity::Complex,
            format!("a loop over {} tools: complex", f.tools),
        );
    } else if f.tools >= 1 {
        raise(
            Complexity::Standard,
            format!("uses {} tool(s): at least standard", f.tools),
        );
    }
    let cheapest = f.latency_budget_ms.is_some_and(|ms| ms < TIGHT_LATENCY_MS);
    if let Some(ms) = f.latency_budget_ms.filter(|_| cheapest) {
        notes.push(format!(
            "latency budget {ms} ms (< {TIGHT_LATENCY_MS} ms): every stage on the cheapest tier \
             its floor allows"
        ));
    }
    let tiers = tiers_for(config, kind, complexity, cheapest);
    let confidence = local.kind_scores.get(&kind).copied().unwrap_or(0.0);
    Routed {
        decision: RouteDecision {
            kind,
            complexity,
            tiers,
            confidence,
            inspected: matches!(inspection, Inspection::Asked { .. }),
        },
        local,
        inspection,
        notes,
    }
}
