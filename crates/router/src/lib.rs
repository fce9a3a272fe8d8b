//! distiq's local router: what kind of task a prompt is, how hard it is,
//! and which tier each stage of the cascade should run on, decided on the
//! user's machine before any money is spent.
//!
//! The router reads one embedding of the task (the one the semantic cache
//! also uses) and the request's features (seed 002: length, files and
//! identifiers named, scope, context size, latency budget, tools):
//!
//! - the **kind** (question, edit, bugfix, feature, refactor, architecture,
//!   tests, docs) comes from a softmax classifier trained at load time on
//!   exemplar prompts (shipped as data, extended by `[router.exemplars]`),
//!   calibrated by cross-validation. semantic-router scores a prompt by its
//!   single nearest exemplar; a classifier weighs every exemplar and is
//!   measurably better on held-out prompts ([`CrossValidation`]);
//! - the **complexity** (trivial, standard, complex) comes from a second
//!   classifier over the embedding, the features and the kind, and errs
//!   upward: routing a task too low costs more than routing it too high;
//! - the **tier** of each stage follows a small table (see [`tiers_for`])
//!   and the config's stage floors.
//!
//! When the top two kinds are close, [`Router::inspect`] asks the classify
//! stage's cheap model instead (inspect-then-pick); its call is recorded
//! like any other.
//!
//! Training embeds a few hundred exemplars; the result is cached on disk
//! ([`ModelStore`]) keyed by the exemplars and the embedding model, so a
//! cold process only reads a file.
//!
//! ```ignore
//! // Needs the files of `./models/fetch`, hence `ignore`.
//! use distiq_embed::{Embedder, EmbedderPaths};
//! use distiq_router::{Exemplars, ModelFingerprint, Request, Router};
//!
//! let config = distiq_config::ConfigBuilder::new().build()?;
//! let paths = EmbedderPaths::discover()?;
//! let embedder = Embedder::load(&paths)?;
//! let exemplars = Exemplars::builtin()?.with_extra(&config.router.exemplars);
//! let fingerprint = ModelFingerprint::of(&paths)?;
//! let router = Router::load_or_train(None, exemplars, &fingerprint, &embedder)?.router;
//!
//! let request = Request::new("fix the typo in the install section of the README");
//! let embedding = embedder.embed(&request.prompt)?;
//! let routed = router.route(&config, &request, &embedding);
//! assert_eq!(routed.decision.kind, distiq_core::TaskKind::Docs);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod classifier;
mod error;
mod eval;
mod exemplars;
mod features;
mod inspect;
mod lexicon;
mod model;
mod nearest;
mod recent;
mod router;
mod store;
mod tiers;

pub use classifier::{CrossValidation, UNDER_COST};
pub use error::{Error, Result};
pub use eval::{EvalReport, Labelled, Miss, evaluate, parse_labels, read_labels};
pub use exemplars::{Exemplar, Exemplars, parse as parse_exemplars};
pub use features::{
    FEATURE_COUNT, Features, LONG_CONTEXT, MANY_TOOLS, MEDIUM_CONTEXT, Request, TIGHT_LATENCY_MS,
};
pub use recent::RecentEmbeddings;
pub use router::{Classification, Inspection, Loaded, Neighbour, Routed, Router};
pub use store::{ModelFingerprint, ModelStore, Warning};
pub use tiers::{stages_for, tiers_for};
