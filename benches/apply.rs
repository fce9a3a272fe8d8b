//! The applier (distiq-executor) on large files: one search block found at
//! each matching level, a block found nowhere (the failure path, which
//! scores windows to name the closest lines), and a 20-edit task, in memory
//! and written through the journal.
//!
//! The files are generated Rust: functions of nine lines from five
//! templates, with varied names and constants, so that many windows look
//! alike (the fuzzy level's hard case). Run with `cargo bench --bench apply`.

// A benchmark whose fixture cannot be built has nothing to measure: stop.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::OnceLock;

use distiq_core::TaskId;
use distiq_executor::{Edit, MatchLevel, MatchOptions, find, prepare, replace, write};

const SIZES: [usize; 2] = [10_000, 100_000];

fn main() {
    divan::main();
}

const VERBS: [&str; 8] = [
    "parse", "render", "encode", "decode", "merge", "split", "load", "store",
];
const NOUNS: [&str; 6] = ["header", "record", "buffer", "token", "frame", "entry"];

/// Function `i`: nine lines (the last one blank).
fn function(i: usize) -> String {
    let name = format!(
        "{}_{}_{i}",
        VERBS[i % VERBS.len()],
        NOUNS[(i / 8) % NOUNS.len()]
    );
    let k = (i * 7919) % 1000;
    match i % 5 {
        0 => format!(
            "pub fn {name}(input: &[u8]) -> Result<usize, Error> {{\n    let mut total = {k};\n    for byte in input {{\n        total = total.wrapping_mul(31).wrapping_add(*byte as usize);\n    }}\n    check_limit(total, {i})?;\n    Ok(total)\n}}\n\n"
        ),
        1 => format!(
            "fn {name}(state: &mut State, value: u64) {{\n    if value > {k} {{\n        state.overflow += 1;\n        return;\n    }}\n    state.values.push(value);\n    state.sum += value;\n}}\n\n"
        ),
        2 => format!(
            "pub(crate) fn {name}(items: &[Item]) -> Vec<String> {{\n    items\n        .iter()\n        .filter(|item| item.weight >= {k})\n        .map(|item| format!(\"{{}}:{{}}\", item.name, item.weight))\n        .collect()\n    // {i}\n}}\n\n"
        ),
        3 => format!(
            "fn {name}(cfg: &Config) -> Option<u32> {{\n    let limit = cfg.limit?;\n    match limit {{\n        0 => None,\n        n if n < {k} => Some(n * 2),\n        n => Some(n + {i}),\n    }}\n}}\n\n"
        ),
        _ => format!(
            "impl Handler{i} {{\n    fn {name}(&self, msg: Message) -> Reply {{\n        let id = msg.id + {k};\n        self.log(\"{name}\", id);\n        Reply::ok(id)\n    }}\n}}\n\n"
        ),
    }
}

/// A generated file of about `lines` lines.
fn source(lines: usize) -> &'static str {
    static FILES: [OnceLock<String>; SIZES.len()] = [OnceLock::new(), OnceLock::new()];
    let slot = SIZES
        .iter()
        .position(|s| *s == lines)
        .expect("a known size");
    FILES[slot].get_or_init(|| (0..lines / 9).map(function).collect())
}

/// The function in the middle of the file, as a search block.
fn middle(lines: usize) -> String {
    function(lines / 18).trim_end_matches('\n').to_owned() + "\n"
}

#[divan::bench(args = SIZES)]
fn exact_match(bencher: divan::Bencher<'_, '_>, lines: usize) {
    let (text, search) = (source(lines), middle(lines));
    let new = search.replace("Ok(total)", "Ok(total + 1)");
    bencher.bench(|| {
        let (out, m) = replace(text, &search, &new, &MatchOptions::default()).unwrap();
        assert_eq!(m.level, MatchLevel::Exact);
        out
    });
}

#[divan::bench(args = SIZES)]
fn reindented_match(bencher: divan::Bencher<'_, '_>, lines: usize) {
    let text = source(lines);
    let search: String = middle(lines)
        .lines()
        .map(|l| format!("    {l}\n"))
        .collect();
    bencher.bench(|| {
        let m = find(text, &search, &MatchOptions::default()).unwrap();
        assert_eq!(m.level, MatchLevel::Indentation);
        m
    });
}

#[divan::bench(args = SIZES)]
fn fuzzy_match(bencher: divan::Bencher<'_, '_>, lines: usize) {
    let text = source(lines);
    // A misspelt method, as a model misremembers it.
    let search = middle(lines).replace("wrapping_add", "wraping_add");
    bencher.bench(|| {
        let m = find(text, &search, &MatchOptions::default()).unwrap();
        assert_eq!(m.level, MatchLevel::Fuzzy);
        m
    });
}

#[divan::bench(args = SIZES)]
fn no_match_names_closest(bencher: divan::Bencher<'_, '_>, lines: usize) {
    let text = source(lines);
    let search = "pub fn checksum(data: &[u8]) -> u32 {\n    data.iter().fold(0, |acc, b| acc ^ u32::from(*b))\n}\n";
    bencher.bench(|| find(text, search, &MatchOptions::default()).unwrap_err());
}

/// A repository with the generated file, for the task benchmarks.
fn repo(lines: usize) -> &'static (tempfile::TempDir, PathBuf) {
    static REPOS: [OnceLock<(tempfile::TempDir, PathBuf)>; SIZES.len()] =
        [OnceLock::new(), OnceLock::new()];
    let slot = SIZES
        .iter()
        .position(|s| *s == lines)
        .expect("a known size");
    REPOS[slot].get_or_init(|| {
        let tmp = tempfile::tempdir().expect("temp dir");
        let root = tmp.path().to_path_buf();
        std::fs::write(root.join("big.rs"), source(lines)).expect("write");
        (tmp, root)
    })
}

/// Twenty replacements spread through the file.
fn twenty_edits(lines: usize) -> Vec<Edit> {
    let functions = lines / 9;
    (0..20)
        .map(|j| {
            let search = function(j * functions / 20 + 1);
            Edit::Replace {
                path: "big.rs".into(),
                replace: search.replacen("fn ", "fn renamed_", 1),
                search,
            }
        })
        .collect()
}

#[divan::bench(args = SIZES)]
fn task_20_edits_in_memory(bencher: divan::Bencher<'_, '_>, lines: usize) {
    let (_, root) = repo(lines);
    let edits = twenty_edits(lines);
    bencher.bench(|| prepare(root, &edits, &MatchOptions::default()).unwrap());
}

/// The same, then written: backup, temp file, fsyncs, journal, rename.
#[divan::bench(args = SIZES, sample_count = 30)]
fn task_20_edits_written(bencher: divan::Bencher<'_, '_>, lines: usize) {
    let (_, root) = repo(lines);
    let edits = twenty_edits(lines);
    bencher
        .with_inputs(|| std::fs::write(root.join("big.rs"), source(lines)).expect("reset"))
        .bench_local_values(|()| {
            let changes = prepare(root, &edits, &MatchOptions::default()).unwrap();
            write(root, TaskId::new(), &changes).unwrap();
        });
}
