//! Context within a token budget: the repo map, then the chunks for a task.
//!
//! Ordered for prefix caching. The repo map comes first and depends only on
//! the repository (its global ranking), so every task in the same repository
//! state shares it byte for byte; what depends on the task (the files ranked
//! for it and the code chunks) comes after. The same repository and task
//! always give the same context.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

use serde::Serialize;

use crate::index::RepoIndex;
use crate::lang::Lang;
use crate::rank::{RankOptions, Ranking, Why, rank};
use crate::tags::DefKind;
use crate::tokens::estimate_tokens;

/// How to fit the context.
#[derive(Debug, Clone)]
pub struct ContextOptions {
    /// The token budget for everything [`Context::render`] returns.
    pub budget: usize,
    /// With a task, the percentage of the budget the repo map may take (the
    /// rest, and whatever the map leaves, goes to code chunks).
    pub map_percent: u32,
    /// Chunks longer than this many lines are cut (a container this long is
    /// skipped in favour of its members).
    pub max_chunk_lines: u32,
    /// How many files the task section lists.
    pub listed_files: usize,
}

impl Default for ContextOptions {
    fn default() -> Self {
        Self {
            budget: 8192,
            map_percent: 25,
            max_chunk_lines: 150,
            listed_files: 10,
        }
    }
}

/// A piece of code chosen for a task: a whole definition.
#[derive(Debug, Clone, Serialize)]
pub struct Chunk {
    /// The file, relative to the root.
    pub path: String,
    /// The definition's name.
    pub name: String,
    /// Its kind.
    pub kind: DefKind,
    /// The file's language.
    pub lang: Option<Lang>,
    /// First line (1-based).
    pub start_line: u32,
    /// Last line shown (1-based, inclusive).
    pub end_line: u32,
    /// Whether the definition goes on past `end_line`.
    pub truncated: bool,
    /// The code.
    pub text: String,
    /// Its score in the task's ranking.
    pub score: f64,
    /// Why it was chosen.
    pub why: Vec<Why>,
    /// Estimated tokens of the chunk as rendered.
    pub tokens: usize,
}

/// The context for one task (or for none: the map alone).
#[derive(Debug, Clone)]
pub struct Context {
    /// The ranking the chunks come from (toward the task, or global).
    pub ranking: Ranking,
    /// The repo map section (task-independent).
    pub map: String,
    /// Files the map lists, in its order.
    pub map_files: Vec<String>,
    /// The task section's file list (empty without a task).
    pub task_files: String,
    /// Chunks, in the order rendered.
    pub chunks: Vec<Chunk>,
    /// The budget it was fitted to.
    pub budget: usize,
}

impl Context {
    /// The context as the model sees it: map first, task parts last.
    pub fn render(&self) -> String {
        let mut out = self.map.clone();
        out.push_str(&self.task_section());
        out
    }

    /// What follows the map in [`render`](Self::render): the files ranked
    /// for the task and the code chosen for it. A prompt sends the map and
    /// this as two parts, each ending a cacheable prefix (the map is shared
    /// by every task in the same repository state, this by every call for
    /// the same task).
    pub fn task_section(&self) -> String {
        let mut out = self.task_files.clone();
        if !self.chunks.is_empty() {
            out.push_str(CODE_HEADER);
        }
        for c in &self.chunks {
            out.push_str(&render_chunk(c));
        }
        out
    }

    /// Estimated tokens of [`Context::render`].
    pub fn tokens(&self) -> usize {
        estimate_tokens(&self.render())
    }
}

/// Builds the context for `task` (or the map alone) within `opts.budget`.
pub fn build_context(
    index: &RepoIndex,
    task: Option<&str>,
    opts: &ContextOptions,
    rank_opts: &RankOptions<'_>,
) -> Context {
    let global = rank(index, None, rank_opts);
    let task = task.map(str::trim).filter(|t| !t.is_empty());
    let Some(task) = task else {
        let (map, map_files) = render_map(index, &global, opts.budget);
        return Context {
            ranking: global,
            map,
            map_files,
            task_files: String::new(),
            chunks: Vec::new(),
            budget: opts.budget,
        };
    };
    let ranking = rank(index, Some(task), rank_opts);
    let map_budget = opts.budget / 100 * opts.map_percent.min(100) as usize;
    let (map, map_files) = render_map(index, &global, map_budget);
    let task_files = render_task_files(&ranking, opts.listed_files);
    let used = estimate_tokens(&map) + estimate_tokens(&task_files);
    let chunks = pick_chunks(index, &ranking, opts, opts.budget.saturating_sub(used));
    Context {
        ranking,
        map,
        map_files,
        task_files,
        chunks,
        budget: opts.budget,
    }
}

const MAP_HEADER: &str = "# Repository map\n";
const CODE_HEADER: &str = "\n# Code\n";

/// The repo map: the best definitions' signatures, grouped by file (best file
/// first), nested under their containers; then bare paths while room is left.
fn render_map(index: &RepoIndex, ranking: &Ranking, budget: usize) -> (String, Vec<String>) {
    let files = index.files();
    let mut used = estimate_tokens(MAP_HEADER);
    if used > budget {
        return (String::new(), Vec::new());
    }
    let mut chosen: BTreeMap<usize, HashSet<usize>> = BTreeMap::new();
    let mut misses = 0;
    for d in &ranking.defs {
        if misses > 64 {
            break;
        }
        let defs = &files[d.file].tags.defs;
        let picked = chosen.get(&d.file);
        if picked.is_some_and(|p| p.contains(&d.def)) {
            continue;
        }
        // The definition and the containers it sits in, not yet shown.
        let mut add = vec![d.def];
        let mut parent = defs[d.def].parent;
        while let Some(p) = parent {
            if !picked.is_some_and(|s| s.contains(&(p as usize))) {
                add.push(p as usize);
            }
            parent = defs.get(p as usize).and_then(|x| x.parent);
        }
        let depth = |i: usize| {
            let mut n = 0;
            let mut p = defs[i].parent;
            while let Some(q) = p {
                n += 1;
                p = defs.get(q as usize).and_then(|x| x.parent);
            }
            n
        };
        let mut cost: usize = add
            .iter()
            .map(|&i| estimate_tokens(&map_line(&defs[i].signature, depth(i))))
            .sum();
        if picked.is_none() {
            cost += estimate_tokens(&format!("\n{}:\n", files[d.file].path));
        }
        if used + cost > budget {
            misses += 1;
            continue;
        }
        used += cost;
        chosen.entry(d.file).or_default().extend(add);
    }

    let mut out = String::from(MAP_HEADER);
    let mut listed = Vec::new();
    for rf in &ranking.files {
        let Some(picked) = chosen.get(&rf.file) else {
            continue;
        };
        let file = &files[rf.file];
        let _ = writeln!(out, "\n{}:", file.path);
        for (i, def) in file.tags.defs.iter().enumerate() {
            if picked.contains(&i) {
                let mut depth = 0;
                let mut p = def.parent;
                while let Some(q) = p {
                    depth += 1;
                    p = file.tags.defs.get(q as usize).and_then(|x| x.parent);
                }
                out.push_str(&map_line(&def.signature, depth));
            }
        }
        listed.push(file.path.clone());
    }
    // Bare paths of the next best files, while they fit.
    let mut bare = String::new();
    for rf in ranking
        .files
        .iter()
        .filter(|rf| !chosen.contains_key(&rf.file))
    {
        let line = format!("{}\n", files[rf.file].path);
        let cost = estimate_tokens(&line) + usize::from(bare.is_empty());
        if used + cost > budget {
            break;
        }
        used += cost;
        bare.push_str(&line);
        listed.push(files[rf.file].path.clone());
    }
    if !bare.is_empty() {
        out.push('\n');
        out.push_str(&bare);
    }
    (out, listed)
}

fn map_line(signature: &str, depth: usize) -> String {
    format!("│{}{}\n", "    ".repeat(depth), signature)
}

fn render_task_files(ranking: &Ranking, n: usize) -> String {
    let mut out = String::from("\n# Files ranked for this task\n");
    for (i, f) in ranking.files.iter().take(n).enumerate() {
        let _ = writeln!(out, "{}. {} ({:.2})", i + 1, f.path, f.score);
    }
    out
}

fn chunk_header(c: &Chunk) -> String {
    let more = if c.truncated { ", cut" } else { "" };
    format!(
        "\n## {}:{}-{} `{}` ({}{more})\n",
        c.path,
        c.start_line,
        c.end_line,
        c.name,
        c.kind.name()
    )
}

fn render_chunk(c: &Chunk) -> String {
    let fence = c.lang.map_or("", Lang::name);
    let mut out = chunk_header(c);
    let _ = write!(out, "```{fence}\n{}", c.text);
    if !c.text.ends_with('\n') {
        out.push('\n');
    }
    if c.truncated {
        out.push_str("// …\n");
    }
    out.push_str("```\n");
    out
}

/// The best whole definitions that fit `budget`, in file-rank then line order.
fn pick_chunks(
    index: &RepoIndex,
    ranking: &Ranking,
    opts: &ContextOptions,
    budget: usize,
) -> Vec<Chunk> {
    let files = index.files();
    let mut sources: HashMap<usize, Option<Vec<String>>> = HashMap::new();
    let mut taken: Vec<Chunk> = Vec::new();
    let mut spans: HashMap<usize, Vec<(u32, u32)>> = HashMap::new();
    let mut file_of: Vec<usize> = Vec::new();
    let mut used = estimate_tokens(CODE_HEADER);
    let mut misses = 0;
    for d in ranking
        .defs
        .iter()
        .filter(|d| d.score > 0.0 && !d.why.is_empty())
    {
        if misses > 32 || used >= budget {
            break;
        }
        let file = &files[d.file];
        let def = &file.tags.defs[d.def];
        let span = def.end_line.saturating_sub(def.start_line) + 1;
        if def.kind.is_container() && span > opts.max_chunk_lines {
            continue;
        }
        let overlaps = spans.get(&d.file).is_some_and(|s| {
            s.iter()
                .any(|&(a, b)| def.start_line <= b && a <= def.end_line)
        });
        if overlaps {
            continue;
        }
        let Some(lines) = sources.entry(d.file).or_insert_with(|| {
            index
                .read_source(file)
                .map(|t| t.lines().map(str::to_string).collect())
        }) else {
            continue;
        };
        let start = def.start_line as usize - 1;
        let end = (def.end_line as usize).min(lines.len());
        if start >= end {
            continue;
        }
        let shown_end = end.min(start + opts.max_chunk_lines as usize);
        let mut chunk = Chunk {
            path: file.path.clone(),
            name: def.name.clone(),
            kind: def.kind,
            lang: file.lang,
            start_line: def.start_line,
            end_line: u32::try_from(shown_end).unwrap_or(u32::MAX),
            truncated: shown_end < end,
            text: lines[start..shown_end].join("\n") + "\n",
            score: d.score,
            why: d.why.clone(),
            tokens: 0,
        };
        chunk.tokens = estimate_tokens(&render_chunk(&chunk));
        if used + chunk.tokens > budget {
            misses += 1;
            continue;
        }
        used += chunk.tokens;
        spans
            .entry(d.file)
            .or_default()
            .push((def.start_line, def.end_line));
        file_of.push(d.file);
        taken.push(chunk);
    }
    // Group by the file's place in the task ranking, then by line.
    let order: HashMap<usize, usize> = ranking
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.file, i))
        .collect();
    let mut keyed: Vec<(usize, u32, Chunk)> = taken
        .into_iter()
        .zip(file_of)
        .map(|(c, f)| {
            (
                order.get(&f).copied().unwrap_or(usize::MAX),
                c.start_line,
                c,
            )
        })
        .collect();
    keyed.sort_by_key(|k| (k.0, k.1));
    keyed.into_iter().map(|(_, _, c)| c).collect()
}
