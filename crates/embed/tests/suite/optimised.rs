//! The optimised model file: made once, read in place, never stale, and
//! giving the embeddings fastembed gave before this crate built its own
//! session.

use std::fs;
use std::path::{Path, PathBuf};

use distiq_embed::{Embedder, EmbedderOptions, EmbedderPaths, Embedding, Error, MODEL_DIR_NAME};

use super::{embedder, published_paths, real_paths};

/// Texts and the vectors fastembed 7.5 gave for them with this model and
/// ONNX Runtime 1.32, written by `Embedder::embed` at commit 82ab7e7 (the
/// last one with fastembed): one line per text, tab, the 384 values.
fn reference() -> Vec<(String, Embedding)> {
    let text = include_str!("../data/fastembed-reference.tsv");
    text.lines()
        .map(|line| {
            let (text, vector) = line.split_once('\t').unwrap();
            let values = vector.split(' ').map(|v| v.parse().unwrap()).collect();
            (text.to_owned(), Embedding::from_vec(values).unwrap())
        })
        .collect()
}

fn max_abs_diff(a: &Embedding, b: &Embedding) -> f32 {
    a.as_slice()
        .iter()
        .zip(b.as_slice())
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// Every reference text embeds within `tolerance` of 1 in cosine, one at a
/// time and batched.
fn assert_matches_reference(embedder: &Embedder, what: &str, tolerance: f32) {
    let reference = reference();
    assert_eq!(reference.len(), 8);
    for (text, expected) in &reference {
        let got = embedder.embed(text).unwrap();
        let cosine = got.cosine(expected);
        assert!(
            cosine > 1.0 - tolerance,
            "{what}: {text:?}: cosine {cosine}, max diff {}",
            max_abs_diff(&got, expected)
        );
    }
    let texts: Vec<&str> = reference.iter().map(|(text, _)| text.as_str()).collect();
    for (got, (text, expected)) in embedder.embed_batch(&texts).unwrap().iter().zip(&reference) {
        assert!(
            got.cosine(expected) > 1.0 - tolerance,
            "{what}, batched: {text:?}: max diff {}",
            max_abs_diff(got, expected)
        );
    }
}

#[test]
fn the_published_model_gives_fastembeds_embeddings_optimised_or_not() {
    // Loads without a cache folder: a test never writes to the user's.
    let optimised =
        Embedder::load_in(&published_paths(), EmbedderOptions::default(), None).unwrap();
    assert!(optimised.optimised_file().is_some());
    assert_matches_reference(&optimised, "optimised file", 1e-5);
    let plain = Embedder::load_with(
        &published_paths(),
        EmbedderOptions::default().with_optimised_file(false),
    )
    .unwrap();
    assert_eq!(plain.optimised_file(), None);
    assert_matches_reference(&plain, "model.onnx", 1e-5);
}

/// The default model multiplies in int8 (models/int8_gemm.py): close to the
/// published model's embeddings, not equal to them.
#[test]
fn the_int8_gemm_model_stays_close_to_the_published_one() {
    assert!(embedder().optimised_file().is_some());
    assert_matches_reference(embedder(), "int8 gemm, optimised file", 5e-3);
    let plain = Embedder::load_with(
        &real_paths(),
        EmbedderOptions::default().with_optimised_file(false),
    )
    .unwrap();
    assert_matches_reference(&plain, "int8 gemm, model.onnx", 5e-3);
}

/// A writable copy of the model folder.
fn model_copy() -> (tempfile::TempDir, EmbedderPaths) {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join(MODEL_DIR_NAME);
    fs::create_dir(&model).unwrap();
    for name in distiq_embed::MODEL_FILES {
        fs::copy(real_paths().model_dir.join(name), model.join(name)).unwrap();
    }
    let paths = EmbedderPaths::new(model, real_paths().runtime);
    (dir, paths)
}

/// Loads without a cache folder: a test never writes to the user's.
fn load(paths: &EmbedderPaths) -> distiq_embed::Result<Embedder> {
    Embedder::load_in(paths, EmbedderOptions::default(), None)
}

/// The `.ort` files and any temporary files left in `dir`.
fn optimised_files(dir: &Path) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let names: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    let is = |path: &PathBuf, part: &str| path.to_string_lossy().contains(part);
    (
        names
            .iter()
            .filter(|p| is(p, ".ort") && !is(p, ".tmp-"))
            .cloned()
            .collect(),
        names.iter().filter(|p| is(p, ".tmp-")).cloned().collect(),
    )
}

#[test]
fn the_first_load_writes_the_file_beside_the_model_and_the_next_reads_it() {
    let (_dir, paths) = model_copy();
    let first = load(&paths).unwrap();
    let file = first.optimised_file().unwrap().to_path_buf();
    assert_eq!(file.parent(), Some(paths.model_dir.as_path()));
    assert_eq!(
        optimised_files(&paths.model_dir),
        (vec![file.clone()], vec![])
    );
    let written = fs::metadata(&file).unwrap().modified().unwrap();

    let second = load(&paths).unwrap();
    assert_eq!(second.optimised_file(), Some(file.as_path()));
    assert_eq!(fs::metadata(&file).unwrap().modified().unwrap(), written);
    let text = "read the optimised model in place";
    let (a, b) = (first.embed(text).unwrap(), second.embed(text).unwrap());
    assert!(
        a.cosine(&b) > 1.0 - 1e-6,
        "max diff {}",
        max_abs_diff(&a, &b)
    );
}

#[test]
fn a_corrupt_optimised_file_is_replaced_and_the_load_succeeds() {
    let (_dir, paths) = model_copy();
    let file = load(&paths)
        .unwrap()
        .optimised_file()
        .unwrap()
        .to_path_buf();
    let good = fs::read(&file).unwrap();
    for damage in [&good[..good.len() / 2], b"not a model".as_slice(), b""] {
        fs::write(&file, damage).unwrap();
        let embedder = load(&paths).unwrap();
        assert_eq!(embedder.optimised_file(), Some(file.as_path()));
        // Made again: ONNX Runtime's ORT-format writer is not byte-for-byte
        // deterministic, so compare the size loosely.
        let remade = fs::read(&file).unwrap().len();
        assert!(
            remade.abs_diff(good.len()) < good.len() / 100,
            "made again: {remade} bytes, first {} bytes",
            good.len()
        );
        assert_eq!(optimised_files(&paths.model_dir).1, Vec::<PathBuf>::new());
        let (text, expected) = &reference()[0];
        assert!(embedder.embed(text).unwrap().cosine(expected) > 1.0 - 5e-3);
    }
}

#[test]
fn a_changed_model_never_loads_the_old_optimised_file() {
    let (_dir, paths) = model_copy();
    load(&paths).unwrap();
    // The old optimised file would load fine: only the model changed.
    fs::write(paths.model_dir.join("model.onnx"), b"not a model").unwrap();
    let error = load(&paths).unwrap_err();
    assert!(matches!(error, Error::Model(_)), "{error:?}");
    assert!(error.to_string().contains("./models/fetch"), "{error}");
    let (files, temporary) = optimised_files(&paths.model_dir);
    assert_eq!(files.len(), 1, "only the old file: {files:?}");
    assert_eq!(temporary, Vec::<PathBuf>::new());
}

#[test]
fn loads_racing_to_make_the_file_leave_one_whole_file() {
    let (_dir, paths) = model_copy();
    let text = "three loads at once";
    let results: Vec<_> = std::thread::scope(|scope| {
        let mut handles = Vec::new();
        for _ in 0..3 {
            handles.push(scope.spawn(|| load(&paths).unwrap().embed(text).unwrap()));
        }
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(
        results
            .windows(2)
            .all(|pair| pair[0].cosine(&pair[1]) > 1.0 - 1e-6)
    );
    let (files, temporary) = optimised_files(&paths.model_dir);
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(temporary, Vec::<PathBuf>::new());
    assert_eq!(
        load(&paths).unwrap().optimised_file(),
        Some(files[0].as_path())
    );
}
