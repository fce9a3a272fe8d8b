//! The local models, loaded once per process: the embedding model and the
//! router trained on it. One embedding per task serves both the router and
//! the semantic cache.

use std::sync::Arc;

use distiq_config::Config;
use distiq_core::{Event, RouteDecision, Stage, TaskId, Tier};
use distiq_embed::{Embedder, EmbedderPaths, Embedding};
use distiq_llm::{ChatRequest, Part};
use distiq_router::{Exemplars, Inspection, ModelFingerprint, ModelStore, Request, Router};

use crate::Result;
use crate::call::Calls;

/// The embedding model and the router. Loading takes a few hundred
/// milliseconds (and, the first time on a machine, training the router a
/// few seconds); do it once per process and share it.
#[derive(Debug)]
pub struct LocalModels {
    /// The embedding model (shared with the analyzer's chunk embeddings).
    pub embedder: Arc<Embedder>,
    /// The router trained on its embeddings, unless routing is off.
    pub router: Option<Router>,
    /// Problems with the router's stored model that did not stop it.
    pub warnings: Vec<String>,
}

impl LocalModels {
    /// Finds and loads the embedding model (`./models/fetch` lays it out;
    /// the error says what to run when it is missing), then, if `router`,
    /// the router from its store under `$XDG_CACHE_HOME/distiq/router`,
    /// training it if there is none.
    pub fn load(
        config: &Config,
        env: impl Fn(&str) -> Option<String>,
        router: bool,
    ) -> Result<Self> {
        let paths = EmbedderPaths::discover()?;
        let store = if router {
            ModelStore::default_dir(env).map(ModelStore::new)
        } else {
            None
        };
        Self::load_from(config, &paths, router, store)
    }

    /// [`load`](Self::load) with the model files and the router store given.
    pub fn load_from(
        config: &Config,
        paths: &EmbedderPaths,
        router: bool,
        store: Option<ModelStore>,
    ) -> Result<Self> {
        let embedder = Arc::new(Embedder::load(paths)?);
        if !router {
            return Ok(Self {
                embedder,
                router: None,
                warnings: Vec::new(),
            });
        }
        let exemplars = Exemplars::builtin()?.with_extra(&config.router.exemplars);
        // Memoised by file size and mtime: the 23 MB model is hashed once, not per run.
        let fingerprint = ModelFingerprint::of_cached(paths, store.as_ref())?;
        let loaded = Router::load_or_train(store.as_ref(), exemplars, &fingerprint, &embedder)?;
        Ok(Self {
            embedder,
            router: Some(loaded.router),
            warnings: loaded.warnings.iter().map(ToString::to_string).collect(),
        })
    }

    /// The task's one embedding.
    pub fn embed(&self, text: &str) -> Result<Embedding> {
        Ok(self.embedder.embed(text)?)
    }

    /// Routes a task (when the router is loaded): locally, then, when the local scores are close and
    /// the budget allows the classify call, by the cheap model
    /// (inspect-then-pick). Emits [`Event::RouteDecided`].
    pub(crate) async fn route(
        &self,
        calls: &Calls<'_>,
        prompt: &str,
        embedding: &Embedding,
        task: TaskId,
    ) -> Option<RouteDecision> {
        let router = self.router.as_ref()?;
        let request = Request::new(prompt);
        let mut routed = router.route(calls.config(), &request, embedding);
        if matches!(routed.inspection, Inspection::Pending { .. }) {
            let tier = calls
                .config()
                .stages
                .get(&Stage::Classify)
                .map_or(Tier::Cheap, |s| s.tier);
            let route = calls.config().route(Stage::Classify, tier);
            // Roughly what the router sends: its instructions and the task.
            let probe = ChatRequest::new(route.model.model.clone(), route.max_tokens)
                .system(Part::text("x".repeat(2_000)))
                .user(prompt);
            match calls.check(Stage::Classify, &route.model, &probe) {
                Ok(()) => {
                    routed = router
                        .inspect(routed, calls.registry, &request, Some(task), calls.ctx)
                        .await;
                }
                Err(e) => calls.emit(Event::Warning {
                    message: format!("the local route stands without asking a model: {e}"),
                }),
            }
        }
        calls.emit(routed.event(Some(task)));
        Some(routed.decision)
    }
}
