//! How fast ONNX Runtime builds the embedding model's session under other
//! session options: the measurements behind the cold-start proposals in
//! BENCHMARKS.md ("Router"). Run each variant in its own process:
//!
//! ```sh
//! ./models/fetch
//! cargo build --release --example session_options -p distiq-router
//! X=target/release/examples/session_options
//! $X plain                        # as distiq-embed builds it today
//! $X save-onnx /tmp/opt.onnx      # once: write the optimised graph
//! $X load-onnx /tmp/opt.onnx      # load it with optimisation disabled
//! $X save-ort /tmp/opt.ort        # once: the same, in ORT format
//! $X load-ort /tmp/opt.ort        # load it in place: no copy of the weights
//! $X no-optimisation              # the int8 model, optimisation disabled
//! ```
//!
//! Each prints the first output value (the same for every variant), the
//! session build time, the p50 of 40 queries of 14 tokens, and the
//! process's peak resident memory.

// An experiment that cannot load its model has nothing to measure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

use std::path::PathBuf;
use std::time::Instant;

use distiq_embed::EmbedderPaths;
use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "plain".to_owned());
    let file = args.next().map(PathBuf::from);
    let paths = EmbedderPaths::discover().expect("run ./models/fetch first");
    let environment = ort::init_from(&paths.runtime)
        .expect("ONNX Runtime loads")
        .with_name("session-options")
        .with_telemetry(false)
        .build()
        .expect("an ONNX Runtime environment");
    let int8 = paths.model_dir.join("model.onnx");

    // (model file, session config entries), as distiq-embed would pass them
    // through fastembed's `with_session_config`.
    let saved = || file.clone().expect("give the file to save or load");
    let (model, config): (PathBuf, Vec<(&str, String)>) = match mode.as_str() {
        "plain" => (int8, vec![]),
        "save-onnx" => (
            int8,
            vec![("session.optimized_model_filepath", path_text(&saved()))],
        ),
        "load-onnx" => (
            saved(),
            vec![("session.graph_optimization_level", "disable_all".to_owned())],
        ),
        "save-ort" => (
            int8,
            vec![
                ("session.save_model_format", "ORT".to_owned()),
                ("session.optimized_model_filepath", path_text(&saved())),
            ],
        ),
        "load-ort" => (
            saved(),
            vec![
                ("session.load_model_format", "ORT".to_owned()),
                ("session.graph_optimization_level", "disable_all".to_owned()),
                ("session.use_ort_model_bytes_directly", "1".to_owned()),
                (
                    "session.use_ort_model_bytes_for_initializers",
                    "1".to_owned(),
                ),
            ],
        ),
        "no-optimisation" => (
            int8,
            vec![("session.graph_optimization_level", "disable_all".to_owned())],
        ),
        other => panic!("unknown mode {other}; see the file's header"),
    };

    // Kept alive until the end: `use_ort_model_bytes_directly` reads the
    // weights from this buffer for as long as the session lives.
    let bytes = std::fs::read(&model).expect("the model file");
    let mut builder = Session::builder(&environment)
        .expect("a session builder")
        .with_optimization_level(GraphOptimizationLevel::Level3)
        .expect("fastembed's level")
        .with_intra_threads(1)
        .expect("one thread");
    for (key, value) in &config {
        builder = builder
            .with_config_entry(key, value)
            .expect("a config entry");
    }
    let started = Instant::now();
    let mut session = builder.commit_from_memory(&bytes).expect("the session");
    let built = started.elapsed();

    let tokens = 14usize;
    let mut times = Vec::new();
    for round in 0..41 {
        let ids: Vec<i64> = (0..tokens as i64)
            .map(|k| match k {
                0 => 101,
                k if k == tokens as i64 - 1 => 102,
                k => 2000 + k * 37,
            })
            .collect();
        let started = Instant::now();
        let inputs = ort::inputs![
            "input_ids" => ort::value::Tensor::from_array(([1usize, tokens], ids)).unwrap(),
            "attention_mask" => ort::value::Tensor::from_array(([1usize, tokens], vec![1i64; tokens])).unwrap(),
            "token_type_ids" => ort::value::Tensor::from_array(([1usize, tokens], vec![0i64; tokens])).unwrap(),
        ];
        let outputs = session.run(inputs).expect("a query");
        if round == 0 {
            // The same number from every variant: the optimised graphs
            // compute what the original does.
            let (_, values) = outputs[0]
                .try_extract_tensor::<f32>()
                .expect("f32 hidden states");
            eprintln!("{mode}: first hidden value {:.6}", values[0]);
        }
        drop(outputs);
        if round > 0 {
            times.push(started.elapsed().as_secs_f64() * 1e3);
        }
    }
    times.sort_by(f64::total_cmp);
    let peak = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM"))
                .map(str::to_owned)
        })
        .unwrap_or_default();
    eprintln!(
        "{mode}: session {:.0} ms, query p50 {:.2} ms, {peak}",
        built.as_secs_f64() * 1e3,
        times[times.len() / 2]
    );
    drop(session);
    drop(bytes);
}

fn path_text(path: &std::path::Path) -> String {
    path.to_str().expect("a UTF-8 path").to_owned()
}
