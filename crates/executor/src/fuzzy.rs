//! The last matching level: windows of the file's lines scored by
//! similarity to the search block.
//!
//! The score of a window is `similar`'s ratio (`2 * matched / total`, the
//! same measure as Python's `SequenceMatcher.ratio`, over a minimal Myers
//! diff) of the characters of the window and of the search, each line
//! trimmed of surrounding whitespace and the lines joined by `\n`. Window
//! lengths go from 10% fewer lines than the search to 10% more (at least
//! one either way), as in Aider's `replace_closest_edit_distance`.
//!
//! Scoring every window of a 100k-line file with a diff would take
//! seconds, so each window first gets a cheap upper bound on its ratio:
//! the matched characters of any diff are at most the characters the two
//! texts have in common as multisets (difflib's `quick_ratio`). The bound
//! is kept up to date as the window slides, costing one step per character
//! per window length. A few windows where the most lines are equal to the
//! search's are scored first (the bound cannot tell a typo from the same
//! characters reordered, as in generated or repetitive code), then the
//! rest in order of their bound, until no remaining bound can change the
//! outcome. After [`MAX_SCORED`] diffs with windows still in question, the
//! scan says it is incomplete, and the matcher refuses rather than guess.

use std::collections::HashMap;

use similar::{Algorithm, capture_diff_slices, get_diff_ratio};

use crate::text::Lines;

/// At most this many windows are scored with a full diff per search.
pub(crate) const MAX_SCORED: usize = 1000;

/// When nothing reaches the threshold, at most this many windows are
/// scored to find the closest lines to name.
const MAX_SCORED_CLOSEST: usize = 200;

/// Windows whose bound is below this are not worth naming as the closest
/// lines when nothing matched.
const CLOSEST_FLOOR: f32 = 0.3;

/// A scored window: lines `start..start + len`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scored {
    pub(crate) start: usize,
    pub(crate) len: usize,
    pub(crate) score: f32,
}

impl Scored {
    pub(crate) fn overlaps(&self, other: &Scored) -> bool {
        self.start < other.start + other.len && other.start < self.start + self.len
    }
}

/// Char ids: ASCII maps to itself, other characters of the search to ids
/// from 128 up, anything else to [`OTHER`].
const OTHER: u32 = u32::MAX;

struct Alphabet {
    extra: HashMap<char, u32>,
}

impl Alphabet {
    fn of(search: &[char]) -> Self {
        let mut extra = HashMap::new();
        for &c in search.iter().filter(|c| !c.is_ascii()) {
            let next = 128 + u32::try_from(extra.len()).unwrap_or(u32::MAX - 129);
            extra.entry(c).or_insert(next);
        }
        Self { extra }
    }

    fn size(&self) -> usize {
        128 + self.extra.len()
    }

    fn id(&self, c: char) -> u32 {
        if c.is_ascii() {
            c as u32
        } else {
            self.extra.get(&c).copied().unwrap_or(OTHER)
        }
    }
}

/// The outcome of a scan.
#[derive(Debug)]
pub(crate) struct Scan {
    /// The scored windows, best first (ties: the length nearest the
    /// search's, then the earliest).
    pub(crate) scored: Vec<Scored>,
    /// False when scoring stopped at [`MAX_SCORED`] while windows that
    /// could still matter were left unscored.
    pub(crate) complete: bool,
}

/// Whether `score` ties with `best`: its distance from a perfect match is
/// at most `factor` times the best's.
pub(crate) fn ties(score: f32, best: f32, factor: f32) -> bool {
    1.0 - score <= factor * (1.0 - best) + 1e-6
}

/// The windows of `lines` most similar to `block` (the search's lines).
///
/// Scoring stops once no unscored window can matter: once the best reaches
/// `threshold`, a window matters if it could reach the threshold and tie
/// with the best (see [`ties`]); before that, if it could beat the best.
pub(crate) fn scan(lines: &Lines<'_>, block: &[&str], threshold: f32, tie_factor: f32) -> Scan {
    let n_file = lines.len();
    let n = block.len();
    if n == 0 || n_file == 0 {
        return Scan {
            scored: Vec::new(),
            complete: true,
        };
    }
    let search: Vec<char> = block
        .iter()
        .map(|l| l.trim())
        .collect::<Vec<_>>()
        .join("\n")
        .chars()
        .collect();
    let alphabet = Alphabet::of(&search);
    let mut want = vec![0u32; alphabet.size()];
    for &c in search.iter().filter(|c| **c != '\n') {
        if let Some(slot) = want.get_mut(alphabet.id(c) as usize) {
            *slot += 1;
        }
    }

    // The trimmed lines of the file as char ids, flat.
    let mut ids = Vec::with_capacity(lines.text().len());
    let mut offsets = Vec::with_capacity(n_file + 1);
    offsets.push(0);
    for i in 0..n_file {
        ids.extend(lines.body(i).trim().chars().map(|c| alphabet.id(c)));
        offsets.push(ids.len());
    }
    let windows = Windows {
        ids: &ids,
        offsets: &offsets,
        want: &want,
        n_file,
        n,
        search_len: search.len(),
    };
    let score = |start: usize, len: usize| {
        let window: Vec<char> = (start..start + len)
            .map(|i| lines.body(i).trim())
            .collect::<Vec<_>>()
            .join("\n")
            .chars()
            .collect();
        let ops = capture_diff_slices(Algorithm::Myers, &search, &window);
        get_diff_ratio(&ops, search.len(), window.len())
    };

    // Score the likeliest windows first, so that the cut-off below rises
    // early: the bound cannot tell a typo from a reordering of the same
    // characters, but lines that match exactly can.
    let mut scored: Vec<Scored> = seeds(lines, block, 3)
        .into_iter()
        .map(|start| Scored {
            start,
            len: n,
            score: score(start, n),
        })
        .collect();
    let mut best = scored.iter().map(|s| s.score).fold(0.0f32, f32::max);
    let cutoff = |best: f32| {
        if best >= threshold {
            (1.0 - tie_factor * (1.0 - best) - 1e-6).max(threshold)
        } else {
            best
        }
    };
    // Only windows that could still matter are worth sorting.
    let floor = if best >= threshold {
        cutoff(best)
    } else {
        CLOSEST_FLOOR
    };
    let mut candidates = windows.bounds(floor);
    if candidates.is_empty() && best < threshold {
        // Nothing is even remotely similar; still name the least unlike.
        candidates = windows.bounds(0.0);
    }
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));

    let mut complete = true;
    for (bound, start, len) in candidates {
        if bound < cutoff(best) {
            break;
        }
        if scored.iter().any(|s| s.start == start && s.len == len) {
            continue;
        }
        if best < threshold && bound < threshold && scored.len() >= MAX_SCORED_CLOSEST {
            break; // nothing matches; the closest so far will do
        }
        if scored.len() >= MAX_SCORED {
            complete = false;
            break;
        }
        let s = score(start, len);
        best = best.max(s);
        scored.push(Scored {
            start,
            len,
            score: s,
        });
    }
    scored.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.len.abs_diff(n).cmp(&b.len.abs_diff(n)))
            .then(a.start.cmp(&b.start))
    });
    Scan { scored, complete }
}

/// Up to `k` starts where the most lines of `block` (trimmed) equal the
/// file's, line for line; only starts where at least one line does.
fn seeds(lines: &Lines<'_>, block: &[&str], k: usize) -> Vec<usize> {
    use std::collections::hash_map::DefaultHasher;
    use std::hash::{Hash, Hasher};

    let hash = |s: &str| {
        let mut h = DefaultHasher::new();
        s.trim().hash(&mut h);
        h.finish()
    };
    let file: Vec<u64> = (0..lines.len()).map(|i| hash(lines.body(i))).collect();
    let want: Vec<u64> = block.iter().map(|l| hash(l)).collect();
    let mut best: Vec<(usize, usize)> = Vec::with_capacity(k + 1);
    for start in 0..=file.len().saturating_sub(want.len()) {
        let same = want
            .iter()
            .zip(&file[start..])
            .filter(|(a, b)| a == b)
            .count();
        if same > 0 && (best.len() < k || best.last().is_some_and(|b| same > b.1)) {
            best.push((start, same));
            best.sort_by_key(|b| std::cmp::Reverse(b.1));
            best.truncate(k);
        }
    }
    best.into_iter().map(|(start, _)| start).collect()
}

/// The sliding windows of one scan and their upper bounds.
struct Windows<'a> {
    ids: &'a [u32],
    offsets: &'a [usize],
    want: &'a [u32],
    n_file: usize,
    n: usize,
    search_len: usize,
}

impl Windows<'_> {
    fn line_ids(&self, i: usize) -> &[u32] {
        &self.ids[self.offsets[i]..self.offsets[i + 1]]
    }

    /// `(bound, start, len)` of every window whose bound reaches `floor`.
    fn bounds(&self, floor: f32) -> Vec<(f32, usize, usize)> {
        let (n, n_file, want) = (self.n, self.n_file, self.want);
        let spread = n.div_ceil(10).max(1);
        let mut candidates = Vec::new();
        for len in n.saturating_sub(spread).max(1)..=(n + spread).min(n_file) {
            let mut have = vec![0u32; want.len()];
            let mut common = 0usize;
            let mut chars = 0usize;
            let add = |have: &mut [u32], common: &mut usize, chars: &mut usize, i: usize| {
                let l = self.line_ids(i);
                *chars += l.len();
                for &id in l.iter().filter(|id| **id != OTHER) {
                    let slot = &mut have[id as usize];
                    if *slot < want[id as usize] {
                        *common += 1;
                    }
                    *slot += 1;
                }
            };
            let remove = |have: &mut [u32], common: &mut usize, chars: &mut usize, i: usize| {
                let l = self.line_ids(i);
                *chars -= l.len();
                for &id in l.iter().filter(|id| **id != OTHER) {
                    let slot = &mut have[id as usize];
                    *slot -= 1;
                    if *slot < want[id as usize] {
                        *common -= 1;
                    }
                }
            };
            for i in 0..len {
                add(&mut have, &mut common, &mut chars, i);
            }
            for start in 0..=(n_file - len) {
                if start > 0 {
                    remove(&mut have, &mut common, &mut chars, start - 1);
                    add(&mut have, &mut common, &mut chars, start + len - 1);
                }
                // Line breaks match line breaks, up to the fewer of them.
                let breaks = len - 1;
                let matched = common + (n - 1).min(breaks);
                let bound = ratio(matched, self.search_len + chars + breaks);
                if bound >= floor {
                    candidates.push((bound, start, len));
                }
            }
        }
        candidates
    }
}

#[allow(clippy::cast_precision_loss)]
fn ratio(matched: usize, total: usize) -> f32 {
    if total == 0 {
        1.0
    } else {
        (2 * matched) as f32 / total as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bound_never_hides_the_best_window() {
        let text = "fn a() {\n    let x = 1;\n}\nfn b() {\n    let y = 2;\n}\n";
        let lines = Lines::new(text);
        let found = scan(&lines, &["fn b() {", "let y = 3;", "}"], 0.9, 2.0).scored;
        let best = found.first().copied();
        assert!(
            best.is_some_and(|b| b.start == 3 && b.len == 3),
            "{found:?}"
        );
        assert!(best.is_some_and(|b| b.score > 0.9 && b.score < 1.0));
    }

    #[test]
    fn non_ascii_text_is_counted() {
        let lines = Lines::new("größe = 1\nlänge = 2\n");
        let found = scan(&lines, &["länge = 2"], 0.9, 2.0).scored;
        assert!(
            found
                .first()
                .is_some_and(|b| b.start == 1 && b.score > 0.99)
        );
    }
}
