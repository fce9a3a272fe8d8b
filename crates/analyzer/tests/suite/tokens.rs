//! The token estimate against a real BPE (cl100k_base) on real code: it may
//! err high, not low, so a context fitted to a budget stays within it.

use distiq_analyzer::estimate_tokens;

use super::fixtures::registry_crate;

#[test]
fn the_estimate_tracks_cl100k_on_real_code_and_errs_high() {
    let bpe = tiktoken_rs::cl100k_base().unwrap();
    let mut samples = Vec::new();
    for (name, version, file) in [
        ("serde_json", "1", "src/de.rs"),
        ("toml", "0.9", "src/ser/mod.rs"),
        ("tokio", "1", "src/sync/mpsc/bounded.rs"),
        ("tree-sitter", "0.26", "src/query.c"),
        ("tree-sitter-javascript", "0.25", "grammar.js"),
    ] {
        let text = std::fs::read_to_string(registry_crate(name, version).join(file)).unwrap();
        let real = bpe.encode_ordinary(&text).len();
        let est = estimate_tokens(&text);
        let ratio = est as f64 / real as f64;
        eprintln!("tokens {name}/{file}: estimate {est}, cl100k {real}, ratio {ratio:.2}");
        samples.push((file, ratio));
    }
    for (file, ratio) in samples {
        assert!(
            (1.0..=1.35).contains(&ratio),
            "{file}: estimate/real = {ratio:.2}"
        );
    }
}
