//! distiq's repo-aware semantic cache: a task that was already answered in
//! this repository is answered again without a model call.
//!
//! Each repository has its own cache under `<repo>/.distiq/cache/`
//! (excluded from git): entries in SQLite (the source of truth) and an
//! HNSW index (hnsw_rs) over their embeddings, dumped beside it and
//! rebuilt from SQLite whenever it is missing, stale or damaged. A lookup
//! tries the exact layer (the normalised request text) and then the
//! nearest entries by embedding; [`rule::judge`] decides, and an entry is
//! served only while the files it depended on are unchanged. The caller
//! passes the task's embedding, the one the router computed.
//!
//! Similarity alone would serve "remove the --verbose flag" for "add the
//! --verbose flag" and port 8081 for 8080: the [`salient`] tokens of the
//! two requests must also agree (the module documents the rule), and so
//! must the kind of work they ask for ([`salient::Intent`]): "add a test
//! for the retry policy" is not "make the retry policy configurable",
//! although their embeddings are 0.93 apart and they name the same things.
//!
//! ```ignore
//! // Needs the model files of `./models/fetch`, hence `ignore`.
//! use std::time::Duration;
//! use distiq_cache::{Cache, CacheOptions, NewEntry, Payload};
//! use distiq_embed::{Embedder, EmbedderPaths};
//!
//! let embedder = Embedder::load(&EmbedderPaths::discover()?)?;
//! let repo = tempfile::tempdir()?;
//! let cache = Cache::open(repo.path(), CacheOptions::new(0.55, 10_000, Duration::from_secs(30 * 86_400)))?;
//!
//! let task = "add a --verbose flag to the command line";
//! cache.insert(
//!     NewEntry {
//!         request: task.into(),
//!         payload: Payload::Answer("...".into()),
//!         dependencies: vec![],
//!         cost: distiq_core::Money::from_micros(40_000),
//!     },
//!     &embedder.embed(task)?,
//! )?;
//! let again = "make the CLI accept a verbose option";
//! assert!(cache.lookup(again, &embedder.embed(again)?)?.is_hit());
//! let other = "remove the --verbose flag from the command line";
//! let miss = cache.lookup(other, &embedder.embed(other)?)?;
//! assert_eq!(miss.reason, "salient tokens differ (polarity): add vs remove");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod cache;
mod entry;
mod error;
pub mod eval;
mod git;
mod index;
#[rustfmt::skip] // word lists: one line per list reads better than one per word
mod lexicon;
pub mod rule;
pub mod salient;
mod store;

pub use cache::{CACHE_DIR, Cache, CacheOptions, CacheStats, Clock, Lookup};
pub use entry::{Dependency, Entry, NewEntry, Payload};
pub use error::{Error, Result};
pub use index::{Index, IndexParams, Neighbour};
pub use salient::Salient;
