//! The dev set is honest only if the router never trained on it: no dev
//! prompt may be an exemplar, nor a trivial variant of one (the same words
//! with a name swapped, the same sentence reworded a little). The second
//! holdout is a check of choices tuned on the dev set, so it must not be a
//! variant of a dev prompt either.

use std::collections::BTreeSet;

use distiq_router::Exemplars;

use super::{
    dev_set, embedder, holdout_set, holdout2_set, holdout3_set, holdout4_set, holdout5_set,
    holdout6_set, holdout7_set, holdout8_set, holdout9_set,
};

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
/// closest pairs actually found sit well below both; see the message.
#[test]
fn no_dev_prompt_is_an_exemplar_or_a_trivial_variant_of_one() {
    let exemplars = Exemplars::builtin().unwrap();
    let mut dev = dev_set();
    dev.extend(holdout_set());
    dev.extend(holdout2_set());
    dev.extend(holdout3_set());
    dev.extend(holdout4_set());
    dev.extend(holdout5_set());
    dev.extend(holdout6_set());
    dev.extend(holdout7_set());
    dev.extend(holdout8_set());
    dev.extend(holdout9_set());
    let dev_texts: Vec<&str> = dev.iter().map(|d| d.prompt.as_str()).collect();
    let ex_texts: Vec<&str> = exemplars.items().iter().map(|e| e.text.as_str()).collect();
    let (offenders, closest) = variants(&dev_texts, &ex_texts);
    assert!(
        offenders.is_empty(),
        "dev prompts too close to exemplars: {offenders:#?}"
    );
    // The report for the README: how close the closest pairs are.
    println!("{closest}");
}

#[test]
fn no_later_holdout_prompt_is_a_trivial_variant_of_a_dev_prompt() {
    let mut dev = dev_set();
    dev.extend(holdout_set());
    let mut held = holdout2_set();
    held.extend(holdout3_set());
    let dev_texts: Vec<&str> = dev.iter().map(|d| d.prompt.as_str()).collect();
    let held_texts: Vec<&str> = held.iter().map(|d| d.prompt.as_str()).collect();
    let (offenders, closest) = variants(&held_texts, &dev_texts);
    assert!(
        offenders.is_empty(),
        "holdout2/3 prompts too close to dev prompts: {offenders:#?}"
    );
    println!("{closest}");
}
