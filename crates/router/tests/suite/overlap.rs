//! The dev set is honest only if the router never trained on it: no dev
//! prompt may be an exemplar, nor a trivial variant of one (the same words
//! with a name swapped, the same sentence reworded a little).

use std::collections::BTreeSet;

use distiq_router::Exemplars;

use super::{dev_set, embedder};

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

/// Thresholds: a trivial variant shares most of its words (Jaccard ≥ 0.6)
/// or means nearly the same to the model (cosine ≥ 0.85; this model puts
/// "add a --verbose flag" and "remove the --verbose flag" at 0.91). The
/// closest pairs actually found sit well below both; see the message.
#[test]
fn no_dev_prompt_is_an_exemplar_or_a_trivial_variant_of_one() {
    let exemplars = Exemplars::builtin().unwrap();
    let mut dev = dev_set();
    dev.extend(super::holdout_set());
    let dev_texts: Vec<&str> = dev.iter().map(|d| d.prompt.as_str()).collect();
    let ex_texts: Vec<&str> = exemplars.items().iter().map(|e| e.text.as_str()).collect();
    let dev_vectors = embedder().embed_batch(&dev_texts).unwrap();
    let ex_vectors = embedder().embed_batch(&ex_texts).unwrap();

    let mut worst_words = (0.0f32, "", "");
    let mut worst_cosine = (0.0f32, "", "");
    let mut offenders = Vec::new();
    for (d, dv) in dev_texts.iter().zip(&dev_vectors) {
        let dw = words(d);
        for (e, ev) in ex_texts.iter().zip(&ex_vectors) {
            let j = jaccard(&dw, &words(e));
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
    assert!(
        offenders.is_empty(),
        "dev prompts too close to exemplars: {offenders:#?}"
    );
    // The report for the README: how close the closest pairs are.
    println!(
        "closest by words: {:.2} {:?} ~ {:?}; closest by meaning: {:.2} {:?} ~ {:?}",
        worst_words.0, worst_words.1, worst_words.2, worst_cosine.0, worst_cosine.1, worst_cosine.2
    );
}
