//! Behaviour of the real all-MiniLM-L6-v2 model.

use distiq_embed::{DIMENSION, Embedder, Embedding};

use super::embedder;

fn norm(embedding: &Embedding) -> f32 {
    embedding
        .as_slice()
        .iter()
        .map(|x| x * x)
        .sum::<f32>()
        .sqrt()
}

fn max_abs_diff(a: &Embedding, b: &Embedding) -> f32 {
    a.as_slice()
        .iter()
        .zip(b.as_slice())
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn embeddings_are_384_dimensional_unit_vectors() {
    for text in [
        "",
        "x",
        "add a --json flag to the export command",
        &"word ".repeat(600),
    ] {
        let embedding = embedder().embed(text).unwrap();
        assert_eq!(embedding.as_slice().len(), DIMENSION, "{text:?}");
        assert!(
            (norm(&embedding) - 1.0).abs() < 1e-4,
            "{text:?}: norm {}",
            norm(&embedding)
        );
        assert!(embedding.as_slice().iter().all(|x| x.is_finite()));
    }
}

#[test]
fn a_paraphrase_scores_higher_than_an_unrelated_sentence() {
    let cases = [
        (
            "add a --verbose flag to the CLI",
            "make the command line accept a verbose option",
            "what is the capital of France?",
        ),
        (
            "fix the crash when the config file is empty",
            "the program panics if config.toml has no content, repair it",
            "write unit tests for the date parser",
        ),
        (
            "rename the function parse_args to parse_arguments",
            "change the name of parse_args to parse_arguments everywhere",
            "explain how the HTTP retry policy works",
        ),
    ];
    for (query, paraphrase, unrelated) in cases {
        let query = embedder().embed(query).unwrap();
        let same = query.cosine(&embedder().embed(paraphrase).unwrap());
        let other = query.cosine(&embedder().embed(unrelated).unwrap());
        assert!(
            same > other + 0.2,
            "paraphrase {same:.3} should clearly beat unrelated {other:.3} for {paraphrase:?}"
        );
    }
}

// Mean pooling, not fastembed's CLS default for user-defined models: with CLS
// these two sentences (the notes' reference pair) would not score this way.
#[test]
fn scores_match_the_sentence_transformers_model_on_a_reference_pair() {
    let add = embedder().embed("add a --verbose flag to the CLI").unwrap();
    let remove = embedder()
        .embed("remove the --verbose flag from the CLI")
        .unwrap();
    let paraphrase = embedder()
        .embed("make the command line accept a verbose option")
        .unwrap();
    let near_miss = add.cosine(&remove);
    let true_paraphrase = add.cosine(&paraphrase);
    assert!(
        (near_miss - 0.91).abs() < 0.03,
        "add vs remove: {near_miss}"
    );
    assert!(
        (true_paraphrase - 0.58).abs() < 0.03,
        "paraphrase: {true_paraphrase}"
    );
}

#[test]
fn the_same_text_gives_the_same_vector() {
    let text = "refactor the ledger to use one SQLite transaction per run";
    let first = embedder().embed(text).unwrap();
    let second = embedder().embed(text).unwrap();
    assert!(
        first.as_slice() == second.as_slice(),
        "differs by {}",
        max_abs_diff(&first, &second)
    );
}

#[test]
fn a_batch_equals_embedding_one_by_one() {
    // Different lengths, so the batch is padded: padding must not leak in.
    let texts = [
        "docs",
        "add a --json flag to the export command",
        "why does the cache miss when only the port number changes from 8080 to 8081?",
        "",
        "refactor the planner into smaller modules and keep the public API unchanged",
    ];
    let batch = embedder().embed_batch(&texts).unwrap();
    assert_eq!(batch.len(), texts.len());
    for (text, batched) in texts.iter().zip(&batch) {
        let single = embedder().embed(text).unwrap();
        let diff = max_abs_diff(&single, batched);
        assert!(diff < 1e-5, "{text:?}: batch differs from single by {diff}");
        assert!(single.cosine(batched) > 0.99999);
    }
}

#[test]
fn an_empty_batch_is_empty() {
    let none: [&str; 0] = [];
    assert!(embedder().embed_batch(&none).unwrap().is_empty());
}

#[test]
fn the_embedder_is_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Embedder>();

    let expected = embedder()
        .embed("run the validator before committing")
        .unwrap();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    embedder()
                        .embed("run the validator before committing")
                        .unwrap()
                })
            })
            .collect();
        for handle in handles {
            assert!(handle.join().unwrap().as_slice() == expected.as_slice());
        }
    });
}

#[test]
fn text_past_256_tokens_is_cut_off() {
    // "word" is one token; at 260 of them the tail is past the cut, at 200 not.
    let tail_matters = |words: usize| {
        let prefix = "word ".repeat(words);
        let rust = embedder()
            .embed(&format!("{prefix}rewrite it in rust"))
            .unwrap();
        let python = embedder()
            .embed(&format!("{prefix}port it to python"))
            .unwrap();
        rust.as_slice() != python.as_slice()
    };
    assert!(tail_matters(200));
    assert!(!tail_matters(260));
}
