//! Trains the router on exemplar files read at run time and measures it:
//! the 5-fold cross-validation over the exemplars and a labels file.
//! Lets an exemplar edit be measured without rebuilding.
//!
//! ```sh
//! cargo run --release -p distiq-router --example router_eval -- \
//!     crates/router/data/exemplars crates/router/data/dev.jsonl [--misses]
//! ```

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::print_stderr
)]

use std::path::PathBuf;

use distiq_config::ConfigBuilder;
use distiq_core::TaskKind;
use distiq_embed::{Embedder, EmbedderOptions, EmbedderPaths};
use distiq_router::{Exemplars, Router, evaluate, parse_exemplars, read_labels};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = PathBuf::from(&args[0]);
    let misses = args.iter().any(|a| a == "--misses");
    let confusion = args.iter().any(|a| a == "--confusion");
    let label_files: Vec<&String> = args[1..]
        .iter()
        .filter(|a| !a.starts_with("--") && a.ends_with(".jsonl"))
        .collect();
    let mut items = Vec::new();
    for kind in TaskKind::ALL {
        let path = dir.join(format!("{kind}.txt"));
        let text = std::fs::read_to_string(&path).unwrap();
        items.extend(parse_exemplars(kind, &path.display().to_string(), &text).unwrap());
    }
    let exemplars = Exemplars::from_items(items);
    let paths = EmbedderPaths::discover().expect("run ./models/fetch first");
    let embedder =
        Embedder::load_with(&paths, EmbedderOptions::default().with_intra_threads(2)).unwrap();
    let config = ConfigBuilder::new()
        .user_file(None)
        .env([("HOME", "/nonexistent-home")])
        .build()
        .unwrap();
    if let Some(at) = args.iter().position(|a| a == "--close") {
        // Pairs of exemplar and labelled prompt closer than this cosine.
        let bar: f32 = args[at + 1].parse().unwrap();
        let ex: Vec<&str> = exemplars.items().iter().map(|e| e.text.as_str()).collect();
        let ev = embedder.embed_batch(&ex).unwrap();
        for file in &label_files {
            let labels = read_labels(&PathBuf::from(file)).unwrap();
            let texts: Vec<&str> = labels.iter().map(|l| l.prompt.as_str()).collect();
            let lv = embedder.embed_batch(&texts).unwrap();
            for (t, v) in texts.iter().zip(&lv) {
                for (e, w) in ex.iter().zip(&ev) {
                    let c = v.cosine(w);
                    if c >= bar {
                        println!("{c:.2}  {e}  ~  {t}");
                    }
                }
            }
        }
        return;
    }
    let router = Router::train(&embedder, exemplars).unwrap();
    let cv = router.cross_validation();
    println!(
        "cv: {} exemplars, kind {:.1}% (nearest {:.1}%), complexity {:.1}%, below {:.1}%",
        cv.kind_total,
        cv.kind_accuracy * 100.0,
        cv.nearest_accuracy * 100.0,
        cv.complexity_accuracy * 100.0,
        cv.complexity_under_rate * 100.0
    );
    for file in label_files {
        let labels = read_labels(&PathBuf::from(file)).unwrap();
        let r = evaluate(&router, &embedder, &config, &labels).unwrap();
        println!(
            "{file}: {} prompts, kind {:.1}%, complexity {:.1}%, below {:.1}%, above {:.1}%, inspect {:.1}%",
            r.total,
            r.kind_accuracy * 100.0,
            r.complexity_accuracy * 100.0,
            r.complexity_under_rate * 100.0,
            r.complexity_over_rate * 100.0,
            r.would_inspect_rate * 100.0
        );
        if args.iter().any(|a| a == "--margins") {
            // Local accuracy inside and outside the band inspect-then-pick
            // would send to the cheap model, per margin.
            let texts: Vec<&str> = labels.iter().map(|l| l.prompt.as_str()).collect();
            let vectors = embedder.embed_batch(&texts).unwrap();
            let scored: Vec<(f32, bool)> = labels
                .iter()
                .zip(&vectors)
                .map(|(l, v)| {
                    let c = router.classify(&distiq_router::Request::new(l.prompt.as_str()), v);
                    (c.margin, c.kind == l.kind)
                })
                .collect();
            for m in [0.05f32, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5] {
                let inside: Vec<bool> = scored.iter().filter(|s| s.0 < m).map(|s| s.1).collect();
                let right_in = inside.iter().filter(|r| **r).count();
                let right_out = scored.iter().filter(|s| s.0 >= m && s.1).count();
                println!(
                    "  margin {m:.2}: inspect {:>3} ({:.1}%), local right there {right_in}; right outside {right_out}/{}",
                    inside.len(),
                    100.0 * inside.len() as f32 / scored.len() as f32,
                    scored.len() - inside.len()
                );
            }
        }
        if confusion {
            for (label, row) in TaskKind::ALL.iter().zip(&r.confusion) {
                println!("  {:>12} {row:?}", label.to_string());
            }
        }
        if misses {
            for m in &r.misses {
                if m.complexity < m.expected_complexity {
                    println!(
                        "  below: {} -> {}  {}",
                        m.expected_complexity, m.complexity, m.prompt
                    );
                }
                if m.kind != m.expected_kind {
                    println!(
                        "  {:>12} -> {:<12} {:.0}%  {}",
                        m.expected_kind.to_string(),
                        m.kind.to_string(),
                        m.confidence * 100.0,
                        m.prompt
                    );
                }
            }
        }
    }
}
