//! The analyzer: what the planner gets to see.
//!
//! distiq's first stage after the cache turns a repository and a task into a
//! few thousand tokens of context. This crate walks the repository (honouring
//! `.gitignore` and `.distiqignore`, skipping binaries, huge files and
//! symlinks), tags every source file with tree-sitter (definitions with kinds,
//! line ranges and one-line signatures; references), keeps those tags in a
//! cache keyed by content hash, ranks files and definitions by a personalised
//! PageRank over the file graph (Aider's repo map, plus lexical relevance to
//! the task's words), blends in the local embedding model's similarity
//! between the task and the best candidates' code ([`ChunkEmbeddings`], when
//! the model is there), and fits a repo map and the best whole definitions
//! into a token budget, stable parts first for prefix caching. Optionally
//! the cheap tier condenses that context into a [`Brief`] for the planner
//! ([`write_brief`]).
//!
//! Rust, Python, JavaScript, TypeScript/TSX, Go, Java, C and C++ are parsed.
//!
//! ```
//! use distiq_analyzer::{build_context, ContextOptions, RankOptions, RepoIndex};
//!
//! let index = RepoIndex::from_sources(
//!     std::path::Path::new("/repo"),
//!     [
//!         ("src/number.rs", "pub fn parse_exponent(s: &str) -> i32 { 0 }\n"),
//!         ("src/lib.rs", "mod number;\npub fn parse(s: &str) -> i32 { number::parse_exponent(s) }\n"),
//!     ],
//! )?;
//! let opts = ContextOptions { budget: 500, ..ContextOptions::default() };
//! let context = build_context(&index, Some("change how exponents are parsed"), &opts, &RankOptions::default());
//! assert_eq!(context.ranking.files[0].path, "src/number.rs");
//! assert!(context.map.contains("pub fn parse_exponent(s: &str) -> i32"));
//! assert!(context.tokens() <= 500);
//! # Ok::<(), distiq_analyzer::Error>(())
//! ```
//!
//! Chunks are read from disk when the context is built; an index made
//! [`from_sources`](RepoIndex::from_sources) yields the map and the ranking.
//!
//! The planner's context for a task whose embedding the router already made
//! (the orchestrator's path; `[analyze]` in config holds the numbers):
//!
//! ```ignore
//! // Needs the model files of `./models/fetch`, hence `ignore`.
//! let opts = IndexOptions { max_file_size: settings.max_file_bytes, ..IndexOptions::default() };
//! let index = RepoIndex::build(root, &opts)?;
//! let chunks = ChunkEmbeddings::open(embedder.clone(), opts.cache.embeddings_path(index.root()));
//! let sim = chunks.similarity(&index, &task_embedding);
//! let rank = RankOptions {
//!     similarity: Some(&sim),
//!     similarity_candidates: settings.embed_candidates as usize,
//!     ..RankOptions::default()
//! };
//! let budget = ContextOptions { budget: settings.budget_tokens as usize, map_percent: settings.map_percent, ..ContextOptions::default() };
//! let context = build_context(&index, Some(task), &budget, &rank);
//! chunks.save();
//! // Parts for the planner: `context.map`, then `context.task_section()`,
//! // each a cached prefix; with `[analyze] brief`, add the brief:
//! let brief = write_brief(&registry, tier, Some(task_id), &context, task, &call).await?;
//! ```

pub mod brief;
mod cache;
mod context;
mod error;
mod index;
mod lang;
mod rank;
mod semantic;
pub mod syntax;
mod tags;
mod terms;
mod tokens;
mod walk;

pub use brief::{Brief, BriefFile, BriefOutcome, BriefSymbol, write_brief};
pub use context::{Chunk, Context, ContextOptions, build_context};
/// The embedding model's types, for callers that hold no `distiq-embed`
/// dependency of their own.
pub use distiq_embed::{Embedder, EmbedderOptions, EmbedderPaths, Embedding};
pub use error::{Error, Result};
pub use index::{BuildStats, CacheLocation, IndexOptions, IndexedFile, RepoIndex};
pub use lang::Lang;
pub use rank::{Candidate, RankOptions, RankedDef, RankedFile, Ranking, Similarity, Why, rank};
pub use semantic::{ChunkEmbeddings, EmbedStats, TaskSimilarity};
pub use tags::{Def, DefKind, FileTags};
pub use terms::{TaskTerms, split_identifier, stem};
pub use tokens::estimate_tokens;
pub use walk::IGNORE_FILE;
