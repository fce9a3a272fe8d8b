//! The repository index: every file the walk found, with the tags of those
//! in a parsed language. Built in parallel, served from the tags cache where
//! a file's contents have not changed.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::Serialize;

use crate::cache::{self, Key, TagsCache};
use crate::error::{Error, Result};
use crate::lang::Lang;
use crate::tags::{self, FileTags};
use crate::walk::{self, Contents};

/// Where the tags cache lives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CacheLocation {
    /// `<root>/.distiq/cache/tags.bin`.
    #[default]
    InRepo,
    /// This file.
    File(PathBuf),
    /// No persistent cache.
    Off,
}

/// How to build an index.
#[derive(Debug, Clone)]
pub struct IndexOptions {
    /// Files larger than this many bytes are left out without being read.
    pub max_file_size: u64,
    /// Where the tags cache lives.
    pub cache: CacheLocation,
    /// How long one file may take to parse before it is given up on.
    pub parse_deadline: Duration,
}

impl Default for IndexOptions {
    fn default() -> Self {
        Self {
            max_file_size: 1024 * 1024,
            cache: CacheLocation::InRepo,
            parse_deadline: Duration::from_secs(3),
        }
    }
}

/// A file in the index.
#[derive(Debug, Clone)]
pub struct IndexedFile {
    /// Path relative to the repository root, `/`-separated.
    pub path: String,
    /// Its language, if the analyzer parses it.
    pub lang: Option<Lang>,
    /// Size in bytes.
    pub size: u64,
    /// Number of lines (0 for files that are not parsed).
    pub lines: u32,
    /// Content key of a parsed file (also what the tags cache is keyed by).
    pub key: Option<[u8; 16]>,
    /// Its tags (empty for files that are not parsed).
    pub tags: Arc<FileTags>,
}

/// What building the index did, for `--verbose` output and tests.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BuildStats {
    /// Files in the index.
    pub files: usize,
    /// Files in a parsed language.
    pub source_files: usize,
    /// Total lines of those.
    pub source_lines: u64,
    /// Files whose tags came from the cache.
    pub cache_hits: usize,
    /// Files parsed in this run.
    pub parsed: usize,
    /// Files with syntax errors (their tags are what parsed).
    pub with_syntax_errors: usize,
    /// Files given up on at the parse deadline.
    pub timed_out: Vec<String>,
    /// Files that were not UTF-8 and were decoded lossily.
    pub lossy_utf8: Vec<String>,
    /// Binary files left out.
    pub binary: usize,
    /// Files over the size limit, left out unread.
    pub too_large: Vec<String>,
    /// Files with a line so long they look generated or minified: listed, not parsed.
    pub minified: Vec<String>,
    /// Symbolic links not followed.
    pub symlinks: usize,
    /// Paths that could not be read.
    pub unreadable: usize,
    /// Why the tags cache was discarded, if it was.
    pub cache_warning: Option<String>,
    /// Wall time of the build.
    pub elapsed_ms: u64,
}

/// Lines longer than this mark a file as generated or minified.
const MAX_LINE: usize = 4096;

/// The index of one repository.
#[derive(Debug, Clone)]
pub struct RepoIndex {
    root: PathBuf,
    files: Vec<IndexedFile>,
    stats: BuildStats,
}

enum Outcome {
    File {
        file: IndexedFile,
        cached: bool,
        lossy: bool,
        minified: bool,
    },
    Binary,
    TooLarge(String),
    Unreadable,
}

impl RepoIndex {
    /// Walks `root`, tags every source file (from the cache where it can)
    /// and writes the cache back.
    pub fn build(root: &Path, opts: &IndexOptions) -> Result<RepoIndex> {
        let started = Instant::now();
        let root = root.canonicalize().map_err(|e| Error::io(root, e))?;
        if !root.is_dir() {
            return Err(Error::NotADirectory { path: root });
        }
        let mut cache = match &opts.cache {
            CacheLocation::InRepo => {
                TagsCache::load(root.join(".distiq").join("cache").join("tags.bin"))
            }
            CacheLocation::File(p) => TagsCache::load(p.clone()),
            CacheLocation::Off => TagsCache::disabled(),
        };
        let walked = walk::walk(&root, opts.max_file_size);

        // Parse errors here are grammar bugs; keep the first one.
        let outcomes: Vec<Result<Outcome>> = walked
            .files
            .par_iter()
            .map(|c| index_one(c, opts, &cache))
            .collect();

        let mut stats = BuildStats {
            too_large: walked.too_large,
            symlinks: walked.symlinks,
            unreadable: walked.errors,
            cache_warning: cache.warning.clone(),
            ..BuildStats::default()
        };
        let mut files = Vec::with_capacity(outcomes.len());
        let mut live: Vec<(Key, Arc<FileTags>)> = Vec::new();
        for outcome in outcomes {
            match outcome? {
                Outcome::File {
                    file,
                    cached,
                    lossy,
                    minified,
                } => {
                    if file.lang.is_some() && !minified {
                        stats.source_files += 1;
                        stats.source_lines += u64::from(file.lines);
                        if cached {
                            stats.cache_hits += 1;
                        } else {
                            stats.parsed += 1;
                        }
                        if file.tags.has_errors {
                            stats.with_syntax_errors += 1;
                        }
                        if file.tags.timed_out {
                            stats.timed_out.push(file.path.clone());
                        }
                        // A file given up on is tried again next time.
                        if let Some(key) = file.key.filter(|_| !file.tags.timed_out) {
                            live.push((key, Arc::clone(&file.tags)));
                        }
                    }
                    if lossy {
                        stats.lossy_utf8.push(file.path.clone());
                    }
                    if minified {
                        stats.minified.push(file.path.clone());
                    }
                    files.push(file);
                }
                Outcome::Binary => stats.binary += 1,
                Outcome::TooLarge(path) => stats.too_large.push(path),
                Outcome::Unreadable => stats.unreadable += 1,
            }
        }
        cache.store(live);
        stats.files = files.len();
        stats.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        tracing::debug!(?stats, "repo index built");
        Ok(RepoIndex { root, files, stats })
    }

    /// Builds an index from files in memory (tests, and callers that already
    /// hold the contents). Paths are `/`-separated and relative.
    pub fn from_sources<'a>(
        root: &Path,
        sources: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<RepoIndex> {
        let mut files = Vec::new();
        for (path, text) in sources {
            let lang = Lang::from_path(path);
            let tags = match lang {
                Some(l) => tags::extract(l, text, IndexOptions::default().parse_deadline)?,
                None => FileTags::default(),
            };
            files.push(IndexedFile {
                path: path.to_string(),
                lang,
                size: text.len() as u64,
                lines: count_lines(text),
                key: lang.map(|l| cache::key(l, text)),
                tags: Arc::new(tags),
            });
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let stats = BuildStats {
            files: files.len(),
            ..BuildStats::default()
        };
        Ok(RepoIndex {
            root: root.to_path_buf(),
            files,
            stats,
        })
    }

    /// The repository root (canonical).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Every file, sorted by path.
    pub fn files(&self) -> &[IndexedFile] {
        &self.files
    }

    /// What the build did.
    pub fn stats(&self) -> &BuildStats {
        &self.stats
    }

    /// The current text of a file of the index, if it still has the contents
    /// that were indexed (a chunk is never cut from a file that changed since).
    pub fn read_source(&self, file: &IndexedFile) -> Option<String> {
        let lang = file.lang?;
        let Contents::Text { text, .. } =
            walk::read(&self.root.join(&file.path), u64::MAX - 1).ok()?
        else {
            return None;
        };
        (file.key == Some(cache::key(lang, &text))).then_some(text)
    }
}

fn count_lines(text: &str) -> u32 {
    let n = text.bytes().filter(|&b| b == b'\n').count()
        + usize::from(!text.is_empty() && !text.ends_with('\n'));
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn longest_line(text: &str) -> usize {
    text.split('\n').map(str::len).max().unwrap_or(0)
}

fn index_one(c: &walk::Candidate, opts: &IndexOptions, cache: &TagsCache) -> Result<Outcome> {
    let Some(lang) = c.lang else {
        // Not parsed: listed by path if it is text, read no further.
        return Ok(match walk::sniff_text(&c.abs) {
            Ok(true) => Outcome::File {
                file: IndexedFile {
                    path: c.rel.clone(),
                    lang: None,
                    size: c.size,
                    lines: 0,
                    key: None,
                    tags: Arc::default(),
                },
                cached: false,
                lossy: false,
                minified: false,
            },
            Ok(false) => Outcome::Binary,
            Err(_) => Outcome::Unreadable,
        });
    };
    let (text, lossy) = match walk::read(&c.abs, opts.max_file_size) {
        Ok(Contents::Text { text, lossy }) => (text, lossy),
        Ok(Contents::Binary) => return Ok(Outcome::Binary),
        Ok(Contents::TooLarge) => return Ok(Outcome::TooLarge(c.rel.clone())),
        Err(_) => return Ok(Outcome::Unreadable),
    };
    let lines = count_lines(&text);
    if longest_line(&text) > MAX_LINE {
        return Ok(Outcome::File {
            file: IndexedFile {
                path: c.rel.clone(),
                lang: Some(lang),
                size: c.size,
                lines,
                key: None,
                tags: Arc::default(),
            },
            cached: false,
            lossy,
            minified: true,
        });
    }
    let key = cache::key(lang, &text);
    let (tags, cached) = match cache.get(&key) {
        Some(t) => (t, true),
        None => (
            Arc::new(tags::extract(lang, &text, opts.parse_deadline)?),
            false,
        ),
    };
    Ok(Outcome::File {
        file: IndexedFile {
            path: c.rel.clone(),
            lang: Some(lang),
            size: c.size,
            lines,
            key: Some(key),
            tags,
        },
        cached,
        lossy,
        minified: false,
    })
}
