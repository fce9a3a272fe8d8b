//! The analyzer: what the planner gets to see.
//!
//! distiq's first stage after the cache turns a repository and a task into a
//! few thousand tokens of context. This crate walks the repository (honouring
//! `.gitignore` and `.distiqignore`, skipping binaries, huge files and
//! symlinks), tags every source file with tree-sitter (definitions with kinds,
//! line ranges and one-line signatures; references), keeps those tags in a
//! cache keyed by content hash, ranks files and definitions by a personalised
//! PageRank over the file graph (Aider's repo map, plus lexical relevance to
//! the task's words), and fits a repo map and the best whole definitions into
//! a token budget, stable parts first for prefix caching.
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

mod cache;
mod context;
mod error;
mod index;
mod lang;
mod rank;
pub mod syntax;
mod tags;
mod terms;
mod tokens;
mod walk;

pub use context::{Chunk, Context, ContextOptions, build_context};
pub use error::{Error, Result};
pub use index::{BuildStats, CacheLocation, IndexOptions, IndexedFile, RepoIndex};
pub use lang::Lang;
pub use rank::{Candidate, RankOptions, RankedDef, RankedFile, Ranking, Similarity, Why, rank};
pub use tags::{Def, DefKind, FileTags};
pub use terms::{TaskTerms, split_identifier, stem};
pub use tokens::estimate_tokens;
pub use walk::IGNORE_FILE;
