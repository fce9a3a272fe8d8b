//! Judges a pairs file with the shipped rule and prints every miss and
//! false hit: `cargo run -p distiq-cache --example pairs -- FILE.jsonl...`
//! (`distiq cache eval` without the rest of distiq).

#![allow(clippy::print_stdout, clippy::expect_used)]

use distiq_cache::eval::{evaluate, prepare, read_pairs, tune};
use distiq_cache::rule::DEFAULT_THRESHOLD;
use distiq_embed::{Embedder, EmbedderOptions, EmbedderPaths};

fn main() {
    let embedder = Embedder::load_with(
        &EmbedderPaths::discover().expect("run ./models/fetch first"),
        EmbedderOptions::default().with_intra_threads(2),
    )
    .expect("the model loads");
    for file in std::env::args().skip(1) {
        let pairs = read_pairs(file.as_ref()).expect("a pairs file");
        let texts: Vec<&str> = pairs
            .iter()
            .flat_map(|p| [p.a.as_str(), p.b.as_str()])
            .collect();
        let mut vectors = embedder.embed_batch(&texts).expect("embeds").into_iter();
        let mut both = Vec::new();
        while let (Some(a), Some(b)) = (vectors.next(), vectors.next()) {
            both.push((a, b));
        }
        let prepared = prepare(pairs, both);
        let report = evaluate(&prepared, DEFAULT_THRESHOLD);
        if std::env::var_os("TUNE").is_some() {
            let t = tune(&prepared);
            println!("tune: recommended {:.2} ({})", t.recommended, t.why);
        }
        println!(
            "{file}: recall {:.1}% of {}, false hits {} of {} ({:.1}%)",
            report.recall * 100.0,
            report.positives,
            report.false_hits.len(),
            report.negatives,
            report.false_hit_rate * 100.0
        );
        for p in report
            .pairs
            .iter()
            .filter(|p| p.same != p.hit || std::env::var_os("ALL").is_some())
        {
            let what = match (p.same, p.hit) {
                (true, false) => "missed",
                (false, true) => "FALSE HIT",
                _ => "ok",
            };
            println!(
                "  {what} {:.2} {} | {} ({})",
                p.similarity, p.a, p.b, p.reason
            );
        }
    }
}
