//! Ranking: which files and definitions matter, for the repository as a
//! whole or for one task.
//!
//! Aider's repo map is the anchor. Files are nodes; a file that references an
//! identifier links to every file that defines it, with weight
//! `mul * sqrt(references)`, where `mul` is ×10 for identifiers the task
//! names, ×10 for long snake/camel-case names, ×0.1 for `_private` names and
//! ×0.1 for names defined in more than five files. A personalised PageRank
//! over that graph starts from the files the task points at. Beyond Aider,
//! the task's words are matched (stemmed, idf-weighted) against the words of
//! each file's definitions and path, so "change how numbers with exponents
//! are parsed" finds `parse_exponent` without naming it; that lexical
//! relevance both personalises the walk and is blended into the final score.
//!
//! [`Similarity`] is the seam for embedding similarity: when the router's
//! model is available ([`crate::ChunkEmbeddings`]) it re-scores the best
//! candidates of the graph ranking, and the two are blended (see
//! [`RankOptions`] for the weights and why).

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use crate::index::RepoIndex;
use crate::terms::{TaskTerms, phrase_key, split_identifier, stem};

mod graph;
mod why;

pub use why::Why;

/// Scores how close code is to a task, in `[0, 1]`: the seam where the
/// router's local embedding model joins the ranking.
pub trait Similarity: Send + Sync {
    /// One score per candidate, in the candidates' order.
    fn similarity(&self, task: &str, candidates: &[Candidate<'_>]) -> Vec<f32>;
}

/// A definition offered to a [`Similarity`].
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    /// Position of its file in [`RepoIndex::files`].
    pub file: usize,
    /// Position in that file's definitions.
    pub def: usize,
    /// The file, relative to the root.
    pub path: &'a str,
    /// The definition's name.
    pub name: &'a str,
    /// Its one-line signature.
    pub signature: &'a str,
}

/// Options for [`rank`].
#[derive(Clone, Copy)]
pub struct RankOptions<'a> {
    /// Re-scores the best candidates when set (and there is a task).
    pub similarity: Option<&'a dyn Similarity>,
    /// The share of the similarity in the blended score of a file or a
    /// definition, in `[0, 1]` (the rest is the graph ranking's).
    pub similarity_weight: f64,
    /// How many of the graph ranking's best definitions the similarity
    /// scores. Others keep their graph score alone.
    pub similarity_candidates: usize,
}

impl Default for RankOptions<'_> {
    fn default() -> Self {
        Self {
            similarity: None,
            similarity_weight: weight::SIMILARITY,
            similarity_candidates: weight::SIMILARITY_CANDIDATES,
        }
    }
}

impl std::fmt::Debug for RankOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RankOptions")
            .field("similarity", &self.similarity.is_some())
            .field("similarity_weight", &self.similarity_weight)
            .field("similarity_candidates", &self.similarity_candidates)
            .finish()
    }
}

/// A file and how much it matters, best first in [`Ranking::files`].
#[derive(Debug, Clone, Serialize)]
pub struct RankedFile {
    /// Position in [`RepoIndex::files`].
    #[serde(skip)]
    pub file: usize,
    /// Path relative to the repository root.
    pub path: String,
    /// Its score; the best file has 1.
    pub score: f64,
    /// Why it ranks where it does.
    pub why: Vec<Why>,
}

/// A definition and how much it matters, best first in [`Ranking::defs`].
#[derive(Debug, Clone, Serialize)]
pub struct RankedDef {
    /// Position in [`RepoIndex::files`].
    pub file: usize,
    /// Position in that file's definitions.
    pub def: usize,
    /// Its score; higher is better.
    pub score: f64,
    /// Why it was chosen.
    pub why: Vec<Why>,
}

/// Files and definitions, best first.
#[derive(Debug, Clone, Default)]
pub struct Ranking {
    /// What the task named (empty without a task).
    pub terms: TaskTerms,
    /// Every file, best first (ties broken by path).
    pub files: Vec<RankedFile>,
    /// Every definition, best first.
    pub defs: Vec<RankedDef>,
}

/// Tuning, in one place.
mod weight {
    /// PageRank damping.
    pub const DAMPING: f64 = 0.85;
    /// Identifiers defined in more files than this are too generic to link
    /// files (unless the task names them).
    pub const MAX_DEFINERS: usize = 25;
    /// Share of the graph rank in a file's score when there is a task (the
    /// rest is its direct relevance).
    pub const GRAPH_SHARE: f64 = 0.35;
    /// Path parts count this much more than a definition's name.
    pub const PATH_TF: f64 = 2.0;
    /// A reference counts this much of a definition.
    pub const REF_TF: f64 = 0.25;
    /// The share of a [`super::Similarity`] in a blended score. Measured
    /// on 65 retrieval tasks (BENCHMARKS.md): 0.3 to 0.8 all find 54-57
    /// of 65 with 400 candidates (the graph alone: 50); 1.0 (similarity
    /// alone) starts losing tasks that name their identifiers. 0.5 sits in
    /// the middle of the plateau.
    pub const SIMILARITY: f64 = 0.5;
    /// How many definitions a [`super::Similarity`] re-scores: 50, 100,
    /// 200 and 400 found 52, 53, 54 and 57 of 65; a cold repository pays
    /// for embedding them once.
    pub const SIMILARITY_CANDIDATES: usize = 400;
    /// A definition this far up the similarity scale (0 median, 1 best)
    /// says why.
    pub const SIMILAR_WHY: f64 = 0.5;
}

/// Ranks the files and definitions of `index`, toward `task` if given.
/// The same index and task always give the same ranking.
pub fn rank(index: &RepoIndex, task: Option<&str>, opts: &RankOptions<'_>) -> Ranking {
    let task = task.map(str::trim).filter(|t| !t.is_empty());
    let terms = task.map(TaskTerms::parse).unwrap_or_default();
    let files = index.files();
    let n = files.len();
    if n == 0 {
        return Ranking {
            terms,
            ..Ranking::default()
        };
    }
    let syms = graph::Symbols::new(index);
    let query = Query::new(&terms, &syms, index);

    // Personalisation: where the task points.
    let lexical = query.lexical_scores(index, &syms);
    let max_lex = lexical.iter().copied().fold(0.0, f64::max);
    let mut pers = vec![0.0; n];
    for f in 0..n {
        let mut p = if max_lex > 0.0 {
            lexical[f] / max_lex
        } else {
            0.0
        };
        if query.path_named[f] {
            p += 2.0;
        }
        for (&id, &w) in syms.file_defs(f).iter().zip(syms.file_def_weights(f)) {
            if query.mentioned.contains(&id) {
                p += w / (syms.defines[id as usize].len() as f64).sqrt();
            }
        }
        pers[f] = p;
    }
    let personalised = pers.iter().any(|&p| p > 0.0);

    let edges = graph::edges(&syms, &query.mul);
    let pr = graph::pagerank(
        n,
        &edges,
        personalised.then_some(pers.as_slice()),
        weight::DAMPING,
    );
    let def_rank = graph::definition_rank(&syms, &query.mul, &edges, &pr);

    let max_pr = pr
        .iter()
        .copied()
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE);
    let max_pers = pers.iter().copied().fold(0.0, f64::max);
    let mut file_score: Vec<f64> = (0..n)
        .map(|f| {
            let g = pr[f] / max_pr;
            if personalised && max_pers > 0.0 {
                weight::GRAPH_SHARE * g + (1.0 - weight::GRAPH_SHARE) * pers[f] / max_pers
            } else {
                g
            }
        })
        .collect();

    // Definitions: the file's score, the rank flowing into the name, and how
    // well the name itself matches the task.
    let max_dr = def_rank
        .values()
        .copied()
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE);
    let mut defs: Vec<RankedDef> = Vec::new();
    for (f, file) in files.iter().enumerate() {
        for (d, def) in file.tags.defs.iter().enumerate() {
            let id = syms.id(&def.name);
            let dr = id
                .and_then(|id| def_rank.get(&(graph::ix(f), id)))
                .copied()
                .unwrap_or(0.0)
                / max_dr;
            let (name_match, named) = query.name_match(&def.name, id);
            let score = file_score[f] * (0.2 + name_match) + 0.3 * dr;
            let mut why = Vec::new();
            if named {
                why.push(Why::NameInTask {
                    name: def.name.clone(),
                });
            } else if name_match > 0.0 {
                why.push(Why::NameMatches {
                    words: query.matching_words(&def.name),
                });
            }
            defs.push(RankedDef {
                file: f,
                def: d,
                score,
                why,
            });
        }
    }

    let mut similar = vec![None; n];
    if let (Some(sim), Some(task)) = (opts.similarity, task) {
        similar = apply_similarity(sim, task, index, opts, &mut defs, &mut file_score);
    }

    let mut ranked_files: Vec<RankedFile> = (0..n)
        .map(|f| RankedFile {
            file: f,
            path: files[f].path.clone(),
            score: file_score[f],
            why: {
                let mut why = query.file_why(f, index, &syms, &lexical, max_lex, pr[f] / max_pr);
                why.extend(similar[f].map(|score| Why::Similar { score }));
                why
            },
        })
        .collect();
    ranked_files.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.path.cmp(&b.path))
    });
    let top = ranked_files
        .first()
        .map(|r| r.score)
        .filter(|&s| s > 0.0)
        .unwrap_or(1.0);
    for r in &mut ranked_files {
        r.score /= top;
    }
    let position: HashMap<usize, usize> = ranked_files
        .iter()
        .enumerate()
        .map(|(i, r)| (r.file, i))
        .collect();
    for d in &mut defs {
        if let Some(&pos) = position.get(&d.file)
            && pos < 10
            && !d.why.is_empty()
        {
            d.why.push(Why::InRankedFile {
                path: files[d.file].path.clone(),
                rank: pos + 1,
            });
        }
    }
    defs.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| files[a.file].path.cmp(&files[b.file].path))
            .then_with(|| a.def.cmp(&b.def))
    });
    Ranking {
        terms,
        files: ranked_files,
        defs,
    }
}

/// Blends the similarity of the best candidates into the scores of
/// definitions and files. Returns, per file, the cosine of its closest
/// definition when that one stands out (for [`Why::Similar`]).
fn apply_similarity(
    sim: &dyn Similarity,
    task: &str,
    index: &RepoIndex,
    opts: &RankOptions<'_>,
    defs: &mut [RankedDef],
    file_score: &mut [f64],
) -> Vec<Option<f64>> {
    let mut similar = vec![None; file_score.len()];
    let w = opts.similarity_weight.clamp(0.0, 1.0);
    if w <= 0.0 || opts.similarity_candidates == 0 || defs.is_empty() {
        return similar;
    }
    let files = index.files();
    let mut order: Vec<usize> = (0..defs.len()).collect();
    order.sort_by(|&a, &b| defs[b].score.total_cmp(&defs[a].score).then(a.cmp(&b)));
    order.truncate(opts.similarity_candidates);
    let candidates: Vec<Candidate<'_>> = order
        .iter()
        .map(|&i| {
            let def = &files[defs[i].file].tags.defs[defs[i].def];
            Candidate {
                file: defs[i].file,
                def: defs[i].def,
                path: &files[defs[i].file].path,
                name: &def.name,
                signature: &def.signature,
            }
        })
        .collect();
    let scores = sim.similarity(task, &candidates);
    if scores.len() != candidates.len() {
        tracing::warn!(
            expected = candidates.len(),
            got = scores.len(),
            "similarity scores do not match the candidates; ignoring them"
        );
        return similar;
    }
    let scale = similarity_scale(&scores);
    let max_def = defs
        .iter()
        .map(|d| d.score)
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE);
    for d in defs.iter_mut() {
        d.score = (1.0 - w) * d.score / max_def;
    }
    let mut best = vec![0.0f64; file_score.len()];
    for (&i, &s) in order.iter().zip(&scores) {
        let n = scale(s);
        defs[i].score += w * n;
        if n >= weight::SIMILAR_WHY {
            let score = (f64::from(s) * 100.0).round() / 100.0;
            defs[i].why.push(Why::Similar { score });
            let f = &mut similar[defs[i].file];
            *f = Some(f.map_or(score, |b: f64| b.max(score)));
        }
        best[defs[i].file] = best[defs[i].file].max(n);
    }
    let max_file = file_score
        .iter()
        .copied()
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE);
    for (score, b) in file_score.iter_mut().zip(best) {
        *score = (1.0 - w) * *score / max_file + w * b;
    }
    similar
}

/// Maps the candidates' similarities onto `[0, 1]`: the median candidate
/// to 0, the best to 1. Cosines of code to prose sit in a narrow band
/// (0.1-0.6 with this model) that moves with the task; what tells is how far
/// a chunk stands above the rest.
fn similarity_scale(scores: &[f32]) -> impl Fn(f32) -> f64 + use<> {
    let mut sorted: Vec<f64> = scores.iter().map(|&s| f64::from(s)).collect();
    sorted.sort_by(f64::total_cmp);
    let median = sorted.get(sorted.len() / 2).copied().unwrap_or(0.0);
    let top = sorted.last().copied().unwrap_or(0.0);
    let span = (top - median).max(1e-6);
    move |s| ((f64::from(s) - median) / span).clamp(0.0, 1.0)
}

/// The task, resolved against the index's names.
struct Query<'t> {
    terms: &'t TaskTerms,
    /// Stemmed task words, with their idf over files.
    words: Vec<(String, f64)>,
    /// Identifier ids the task names (exactly, or ignoring case).
    mentioned: BTreeSet<u32>,
    /// Per identifier id: the edge multiplier.
    mul: Vec<f64>,
    /// Per identifier id: which task words (indexes into `words`) its name contains.
    ident_words: Vec<Vec<u8>>,
    /// Per file: whether the task names its path.
    path_named: Vec<bool>,
}

impl<'t> Query<'t> {
    fn new(terms: &'t TaskTerms, syms: &graph::Symbols<'_>, index: &RepoIndex) -> Self {
        let files = index.files();
        let lower: BTreeSet<String> = terms.idents.iter().map(|i| i.to_lowercase()).collect();
        let mut mentioned = BTreeSet::new();
        for (id, name) in syms.names.iter().enumerate() {
            let exact = terms.idents.contains(*name);
            let loose = name.len() >= 4 && lower.contains(&name.to_lowercase());
            let spelled = name.len() >= 6 && terms.phrases.contains(&phrase_key(name));
            if exact || loose || spelled {
                mentioned.insert(graph::ix(id));
            }
        }
        let word_list: Vec<&String> = terms.words.iter().take(u8::MAX as usize).collect();
        let ident_words: Vec<Vec<u8>> = syms
            .names
            .iter()
            .map(|name| {
                let stems: BTreeSet<String> =
                    split_identifier(name).iter().map(|w| stem(w)).collect();
                word_list
                    .iter()
                    .enumerate()
                    .filter(|(_, w)| stems.contains(w.as_str()))
                    .filter_map(|(i, _)| u8::try_from(i).ok())
                    .collect()
            })
            .collect();
        let mul = syms
            .names
            .iter()
            .enumerate()
            .map(|(id, name)| {
                graph::ident_multiplier(
                    name,
                    syms.defines[id].len(),
                    mentioned.contains(&graph::ix(id)),
                )
            })
            .collect();
        let path_named = files
            .iter()
            .map(|f| terms.paths.iter().any(|p| path_matches(&f.path, p)))
            .collect();

        // idf of each task word over files (definitions and paths).
        let n = files.len() as f64;
        let mut df = vec![0usize; word_list.len()];
        for (f, file) in files.iter().enumerate() {
            let mut seen = vec![false; word_list.len()];
            for &id in syms.file_defs(f) {
                for &w in &ident_words[id as usize] {
                    seen[w as usize] = true;
                }
            }
            for part in path_words(&file.path) {
                if let Some(i) = word_list.iter().position(|w| **w == part) {
                    seen[i] = true;
                }
            }
            for (d, s) in df.iter_mut().zip(seen) {
                *d += usize::from(s);
            }
        }
        let words = word_list
            .iter()
            .zip(df)
            .map(|(w, df)| {
                (
                    (*w).clone(),
                    (1.0 + (n - df as f64 + 0.5) / (df as f64 + 0.5)).ln(),
                )
            })
            .collect();
        Query {
            terms,
            words,
            mentioned,
            mul,
            ident_words,
            path_named,
        }
    }

    /// BM25-like relevance of each file's definitions, references and path
    /// to the task's words.
    fn lexical_scores(&self, index: &RepoIndex, syms: &graph::Symbols<'_>) -> Vec<f64> {
        if self.words.is_empty() {
            return vec![0.0; index.files().len()];
        }
        let docs: Vec<(Vec<f64>, f64)> = index
            .files()
            .iter()
            .enumerate()
            .map(|(f, file)| {
                let mut tf = vec![0.0; self.words.len()];
                let defs = syms.file_defs(f);
                for (&id, &weight) in defs.iter().zip(syms.file_def_weights(f)) {
                    for &w in &self.ident_words[id as usize] {
                        tf[w as usize] += weight;
                    }
                }
                for &(id, count) in syms.file_refs(f) {
                    for &w in &self.ident_words[id as usize] {
                        tf[w as usize] += weight::REF_TF * f64::from(count.min(4));
                    }
                }
                let parts = path_words(&file.path);
                for part in &parts {
                    if let Some(i) = self.words.iter().position(|(w, _)| w == part) {
                        tf[i] += weight::PATH_TF;
                    } else if part.len() >= 6 {
                        // A compound part (`textwrap`) holds the words.
                        for (i, (w, _)) in self.words.iter().enumerate() {
                            if w.len() >= 4 && part.contains(w.as_str()) {
                                tf[i] += weight::PATH_TF / 2.0;
                            }
                        }
                    }
                }
                (tf, (defs.len() + parts.len()) as f64)
            })
            .collect();
        let avg = (docs.iter().map(|(_, len)| len).sum::<f64>() / docs.len() as f64).max(1.0);
        docs.iter()
            .map(|(tf, len)| {
                let norm = 1.2 * (0.25 + 0.75 * len / avg);
                tf.iter()
                    .zip(&self.words)
                    .map(|(&t, (_, idf))| {
                        if t > 0.0 {
                            idf * t * 2.2 / (t + norm)
                        } else {
                            0.0
                        }
                    })
                    .sum()
            })
            .collect()
    }

    /// How well a definition's own name matches: 1 when the task names it,
    /// else the idf share of the task's words it contains.
    fn name_match(&self, name: &str, id: Option<u32>) -> (f64, bool) {
        let Some(id) = id else { return (0.0, false) };
        if self.mentioned.contains(&id) || self.terms.idents.contains(name) {
            return (1.0, true);
        }
        let total: f64 = self.words.iter().map(|(_, idf)| idf).sum();
        if total <= 0.0 {
            return (0.0, false);
        }
        let hit: f64 = self.ident_words[id as usize]
            .iter()
            .map(|&w| self.words[w as usize].1)
            .sum();
        (0.8 * hit / total, false)
    }

    fn matching_words(&self, name: &str) -> Vec<String> {
        let stems: BTreeSet<String> = split_identifier(name).iter().map(|w| stem(w)).collect();
        self.words
            .iter()
            .filter(|(w, _)| stems.contains(w))
            .map(|(w, _)| w.clone())
            .collect()
    }

    fn file_why(
        &self,
        f: usize,
        index: &RepoIndex,
        syms: &graph::Symbols<'_>,
        lexical: &[f64],
        max_lex: f64,
        graph: f64,
    ) -> Vec<Why> {
        let mut why = Vec::new();
        if self.path_named[f] {
            why.push(Why::PathInTask);
        }
        let named: Vec<String> = syms
            .file_defs(f)
            .iter()
            .filter(|id| self.mentioned.contains(id))
            .map(|&id| syms.names[id as usize].to_string())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if !named.is_empty() {
            why.push(Why::DefinesNamed { names: named });
        }
        if max_lex > 0.0 && lexical[f] >= 0.2 * max_lex {
            let mut words = BTreeSet::new();
            for &id in syms.file_defs(f) {
                for &w in &self.ident_words[id as usize] {
                    words.insert(self.words[w as usize].0.clone());
                }
            }
            for part in path_words(&index.files()[f].path) {
                if self.words.iter().any(|(w, _)| *w == part) {
                    words.insert(part);
                }
            }
            if !words.is_empty() {
                why.push(Why::WordsMatch {
                    words: words.into_iter().collect(),
                });
            }
        }
        if graph >= 0.5 {
            why.push(Why::Central {
                graph: (graph * 100.0).round() / 100.0,
            });
        }
        why
    }
}

/// The stemmed words of a path's directories and file stem.
fn path_words(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in path.split('/') {
        let part = part.rsplit_once('.').map_or(part, |(s, _)| s);
        for w in split_identifier(part) {
            if w.len() >= 2 {
                out.push(stem(&w));
            }
        }
    }
    out
}

/// Whether a path the task wrote names `path`: the same, a tail of it
/// (`de.rs`, `src/de.rs`), or its stem with a directory (`src/de`).
fn path_matches(path: &str, named: &str) -> bool {
    let named = named.trim_matches('/');
    if named.is_empty() {
        return false;
    }
    path == named || path.ends_with(&format!("/{named}")) || {
        let no_ext = path.rsplit_once('.').map_or(path, |(s, _)| s);
        named.contains('/') && (no_ext == named || no_ext.ends_with(&format!("/{named}")))
    }
}

#[cfg(test)]
mod tests;
