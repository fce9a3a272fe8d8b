//! The file graph: interned names, weighted edges and a personalised
//! PageRank.

use std::collections::HashMap;

use crate::index::RepoIndex;

/// An index as `u32`: files and names number far below `u32::MAX`, and the
/// compact ids halve the graph's memory.
pub(crate) fn ix(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

/// The names the index defines, interned, with who defines and who
/// references each.
pub(crate) struct Symbols<'a> {
    /// Name by id.
    pub names: Vec<&'a str>,
    ids: HashMap<&'a str, u32>,
    /// Per id: the files defining it, sorted.
    pub defines: Vec<Vec<u32>>,
    /// Parallel to `defines`: 1, or [`DECL_WEIGHT`] where only declared.
    define_weights: Vec<Vec<f64>>,
    /// Per id: `(file, count)` of the files referencing it, sorted by file.
    pub references: Vec<Vec<(u32, u32)>>,
    file_defs: Vec<Vec<u32>>,
    /// Parallel to `file_defs`: 1 if the file defines the name with a body,
    /// [`DECL_WEIGHT`] if it only declares it.
    file_def_weights: Vec<Vec<f64>>,
    file_refs: Vec<Vec<(u32, u32)>>,
}

/// A name a file only declares (a prototype, a trait method signature)
/// counts this much of one it defines.
pub(crate) const DECL_WEIGHT: f64 = 0.5;

impl<'a> Symbols<'a> {
    pub fn new(index: &'a RepoIndex) -> Self {
        let files = index.files();
        let mut s = Symbols {
            names: Vec::new(),
            ids: HashMap::new(),
            defines: Vec::new(),
            define_weights: Vec::new(),
            references: Vec::new(),
            file_defs: vec![Vec::new(); files.len()],
            file_def_weights: vec![Vec::new(); files.len()],
            file_refs: vec![Vec::new(); files.len()],
        };
        for (f, file) in files.iter().enumerate() {
            let f = ix(f);
            for def in file.tags.defs.iter().filter(|d| d.kind.defines_name()) {
                let next = ix(s.names.len());
                let id = *s.ids.entry(def.name.as_str()).or_insert(next);
                if id == next {
                    s.names.push(def.name.as_str());
                    s.defines.push(Vec::new());
                    s.define_weights.push(Vec::new());
                    s.references.push(Vec::new());
                }
                let weight = if def.decl { DECL_WEIGHT } else { 1.0 };
                let definers = &mut s.defines[id as usize];
                if definers.last() != Some(&f) {
                    definers.push(f);
                    s.define_weights[id as usize].push(weight);
                    s.file_defs[f as usize].push(id);
                    s.file_def_weights[f as usize].push(weight);
                } else if let Some(pos) = s.file_defs[f as usize].iter().position(|&i| i == id) {
                    let w = &mut s.file_def_weights[f as usize][pos];
                    *w = w.max(weight);
                    if let Some(dw) = s.define_weights[id as usize].last_mut() {
                        *dw = dw.max(weight);
                    }
                }
            }
        }
        for (f, file) in files.iter().enumerate() {
            for (name, count) in &file.tags.refs {
                if let Some(&id) = s.ids.get(name.as_str()) {
                    s.references[id as usize].push((ix(f), *count));
                    s.file_refs[f].push((id, *count));
                }
            }
        }
        s
    }

    /// The id of a defined name.
    pub fn id(&self, name: &str) -> Option<u32> {
        self.ids.get(name).copied()
    }

    /// The ids a file defines (each once).
    pub fn file_defs(&self, f: usize) -> &[u32] {
        &self.file_defs[f]
    }

    /// Per name of [`Symbols::file_defs`]: 1, or less if only declared.
    pub fn file_def_weights(&self, f: usize) -> &[f64] {
        &self.file_def_weights[f]
    }

    /// The defined names a file references, with counts.
    pub fn file_refs(&self, f: usize) -> &[(u32, u32)] {
        &self.file_refs[f]
    }
}

/// Aider's edge multiplier for an identifier; 0 leaves it out of the graph.
pub(crate) fn ident_multiplier(name: &str, definers: usize, mentioned: bool) -> f64 {
    if definers > super::weight::MAX_DEFINERS && !mentioned {
        return 0.0;
    }
    let alpha = name.chars().any(char::is_alphabetic);
    let snake = alpha && name.contains('_');
    let kebab = alpha && name.contains('-');
    let camel = name.chars().any(char::is_uppercase) && name.chars().any(char::is_lowercase);
    let mut mul = 1.0;
    if mentioned {
        mul *= 10.0;
    }
    if (snake || kebab || camel) && name.len() >= 8 {
        mul *= 10.0;
    }
    if name.starts_with('_') {
        mul *= 0.1;
    }
    if definers > 5 {
        mul *= 0.1;
    }
    mul
}

/// Weight of a definition nobody references: a self-loop that keeps its
/// file in the walk (as Aider does).
const UNREFERENCED: f64 = 0.1;

/// The graph's edges, merged per `(from, to)`, and each node's out-weight.
pub(crate) struct Edges {
    pub list: Vec<(u32, u32, f64)>,
    pub out: Vec<f64>,
}

/// Calls `each(referencer, definer, weight)` for every edge of every name.
fn for_each_edge(syms: &Symbols<'_>, mul: &[f64], mut each: impl FnMut(u32, u32, u32, f64)) {
    for (id, definers) in syms.defines.iter().enumerate() {
        let m = mul[id];
        if m == 0.0 {
            continue;
        }
        let refs = &syms.references[id];
        let weights = &syms.define_weights[id];
        if refs.is_empty() {
            for &d in definers {
                each(d, d, ix(id), UNREFERENCED);
            }
            continue;
        }
        // A use is better explained by the body than by a prototype.
        for &(r, count) in refs {
            let w = m * f64::from(count).sqrt();
            for (&d, &dw) in definers.iter().zip(weights) {
                each(r, d, ix(id), w * dw);
            }
        }
    }
}

pub(crate) fn edges(syms: &Symbols<'_>, mul: &[f64]) -> Edges {
    let n = syms.file_defs.len();
    let mut merged: HashMap<(u32, u32), f64> = HashMap::new();
    for_each_edge(syms, mul, |r, d, _, w| {
        *merged.entry((r, d)).or_default() += w;
    });
    let mut list: Vec<(u32, u32, f64)> = merged.into_iter().map(|((r, d), w)| (r, d, w)).collect();
    list.sort_unstable_by_key(|&(r, d, _)| (r, d));
    let mut out = vec![0.0; n];
    for &(r, _, w) in &list {
        out[r as usize] += w;
    }
    Edges { list, out }
}

/// PageRank by power iteration. With `personal`, teleports (and dangling
/// nodes) go there in proportion; without, uniformly.
pub(crate) fn pagerank(
    n: usize,
    edges: &Edges,
    personal: Option<&[f64]>,
    damping: f64,
) -> Vec<f64> {
    let p: Vec<f64> = match personal {
        Some(v) => {
            let sum: f64 = v.iter().sum();
            v.iter().map(|x| x / sum).collect()
        }
        None => vec![1.0 / n as f64; n],
    };
    let mut x = vec![1.0 / n as f64; n];
    for _ in 0..100 {
        let dangling: f64 = x
            .iter()
            .zip(&edges.out)
            .filter(|(_, o)| **o == 0.0)
            .map(|(v, _)| v)
            .sum();
        let mut next: Vec<f64> = p
            .iter()
            .map(|pv| (1.0 - damping + damping * dangling) * pv)
            .collect();
        for &(s, t, w) in &edges.list {
            let (s, t) = (s as usize, t as usize);
            next[t] += damping * x[s] * w / edges.out[s];
        }
        let err: f64 = next.iter().zip(&x).map(|(a, b)| (a - b).abs()).sum();
        x = next;
        if err < n as f64 * 1e-9 {
            break;
        }
    }
    x
}

/// Aider's definition rank: each file's rank shared over its out-edges, and
/// summed per `(definer, name)`.
pub(crate) fn definition_rank(
    syms: &Symbols<'_>,
    mul: &[f64],
    edges: &Edges,
    pr: &[f64],
) -> HashMap<(u32, u32), f64> {
    let mut rank: HashMap<(u32, u32), f64> = HashMap::new();
    for_each_edge(syms, mul, |r, d, id, w| {
        let out = edges.out[r as usize];
        if out > 0.0 {
            *rank.entry((d, id)).or_default() += pr[r as usize] * w / out;
        }
    });
    rank
}
