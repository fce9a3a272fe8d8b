//! A held-out set is honest only if the router never learned from it: no
//! held-out prompt may be an exemplar (hand-written or from a labelled
//! training set), nor a trivial variant of one (the same words with a name
//! swapped, the same sentence reworded a little).

use std::collections::BTreeSet;

use distiq_router::Exemplars;

use super::{embedder, held_out_sets};

/// Words, lowercased, without punctuation.
fn words(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn jaccard(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f32 {
    let shared = a.intersection(b).count() as f32;
    shared
        / (a.len() + b.len())
            .saturating_sub(a.intersection(b).count())
            .max(1) as f32
}

/// Pairs of `probes` × `pool` that are trivial variants of each other, and
/// a line naming the closest pairs by words and by meaning.
fn variants(probes: &[&str], pool: &[&str]) -> (Vec<String>, String) {
    let probe_vectors = embedder().embed_batch(probes).unwrap();
    let pool_vectors = embedder().embed_batch(pool).unwrap();
    let pool_words: Vec<_> = pool.iter().map(|p| words(p)).collect();
    let mut worst_words = (0.0f32, "", "");
    let mut worst_cosine = (0.0f32, "", "");
    let mut offenders = Vec::new();
    for (d, dv) in probes.iter().zip(&probe_vectors) {
        let dw = words(d);
        for ((e, ev), ew) in pool.iter().zip(&pool_vectors).zip(&pool_words) {
            let j = jaccard(&dw, ew);
            let c = dv.cosine(ev);
            if j > worst_words.0 {
                worst_words = (j, d, e);
            }
            if c > worst_cosine.0 {
                worst_cosine = (c, d, e);
            }
            if d.trim().eq_ignore_ascii_case(e.trim()) || j >= 0.6 || c >= 0.85 {
                offenders.push(format!("{d:?} ~ {e:?} (words {j:.2}, cosine {c:.2})"));
            }
        }
    }
    let closest = format!(
        "closest by words: {:.2} {:?} ~ {:?}; closest by meaning: {:.2} {:?} ~ {:?}",
        worst_words.0, worst_words.1, worst_words.2, worst_cosine.0, worst_cosine.1, worst_cosine.2
    );
    (offenders, closest)
}

/// Thresholds: a trivial variant shares most of its words (Jaccard ≥ 0.6)
/// or means nearly the same to the model (cosine ≥ 0.85; this model puts
/// "add a --verbose flag" and "remove the --verbose flag" at 0.91). The
/// closest pairs actually found sit below both; see the message.
#[test]
fn no_held_out_prompt_is_an_exemplar_or_a_trivial_variant_of_one() {
    let exemplars = Exemplars::builtin().unwrap();
    let held: Vec<String> = held_out_sets()
        .into_iter()
        .flat_map(|(_, set)| set.into_iter().map(|l| l.prompt))
        .collect();
    let held_texts: Vec<&str> = held.iter().map(String::as_str).collect();
    let ex_texts: Vec<&str> = exemplars.items().iter().map(|e| e.text.as_str()).collect();
    let (offenders, closest) = variants(&held_texts, &ex_texts);
    assert!(
        offenders.is_empty(),
        "held-out prompts too close to exemplars: {offenders:#?}"
    );
    // The report for the README: how close the closest pairs are.
    println!("{closest}");
}
