//! The matching levels, ambiguity, failures that name the closest lines,
//! line endings and final newlines.

use distiq_executor::{MatchError, MatchLevel, MatchOptions, find, insert_after, replace};

fn opts() -> MatchOptions {
    MatchOptions::default()
}

const RUST: &str = "\
use std::io;

fn parse_args(args: &[String]) -> Options {
    let mut json = false;
    for arg in args {
        if arg == \"--json\" {
            json = true;
        }
    }
    Options { json }
}

fn main() {
    let opts = parse_args(&[]);
    println!(\"{}\", opts.json);
}
";

#[test]
fn exact_level_replaces_the_text_as_given() {
    let (out, m) = replace(
        RUST,
        "    let mut json = false;\n",
        "    let mut json = std::env::var(\"JSON\").is_ok();\n",
        &opts(),
    )
    .unwrap();
    assert_eq!(m.level, MatchLevel::Exact);
    assert_eq!((m.start_line, m.end_line), (4, 4));
    assert!(out.contains("    let mut json = std::env::var(\"JSON\").is_ok();\n    for arg"));
    assert_eq!(out.lines().count(), RUST.lines().count());
}

#[test]
fn whitespace_level_ignores_trailing_spaces_and_line_endings() {
    let file = "a = 1   \nb = 2\t\nc = 3\n";
    let (out, m) = replace(file, "a = 1\r\nb = 2\r\n", "a = 10\nb = 20\n", &opts()).unwrap();
    assert_eq!(m.level, MatchLevel::Whitespace);
    assert_eq!((m.start_line, m.end_line), (1, 2));
    assert_eq!(out, "a = 10\nb = 20\nc = 3\n");
}

#[test]
fn indentation_level_reindents_the_replacement_by_the_same_offset() {
    // The search is indented 4 less than the file; the replacement follows.
    let search = "if arg == \"--json\" {\n    json = true;\n}\n";
    let replacement = "if arg == \"--json\" || arg == \"-j\" {\n    json = true;\n}\n";
    let (out, m) = replace(RUST, search, replacement, &opts()).unwrap();
    assert_eq!(m.level, MatchLevel::Indentation);
    assert_eq!((m.start_line, m.end_line), (6, 8));
    assert!(out.contains(
        "        if arg == \"--json\" || arg == \"-j\" {\n            json = true;\n        }\n"
    ));

    // The other way: the search is indented more than the file.
    let file = "def f():\n    return 1\n\nx = f()\n";
    let (out, m) = replace(
        file,
        "        def f():\n            return 1\n",
        "        def f():\n            return 2\n",
        &opts(),
    )
    .unwrap();
    assert_eq!(m.level, MatchLevel::Indentation);
    assert_eq!(out, "def f():\n    return 2\n\nx = f()\n");
}

#[test]
fn fuzzy_level_accepts_a_near_miss_above_the_threshold() {
    // One identifier misspelt in a four-line block.
    let search =
        "fn main() {\n    let opts = parse_arg(&[]);\n    println!(\"{}\", opts.json);\n}\n";
    let replacement = "fn main() {\n    let opts = parse_args(&std::env::args().collect::<Vec<_>>());\n    println!(\"{}\", opts.json);\n}\n";
    let (out, m) = replace(RUST, search, replacement, &opts()).unwrap();
    assert_eq!(m.level, MatchLevel::Fuzzy);
    assert_eq!((m.start_line, m.end_line), (13, 16));
    assert!(m.similarity >= 0.9 && m.similarity < 1.0, "{m:?}");
    assert!(out.contains("parse_args(&std::env::args()"));
    assert!(!out.contains("parse_args(&[])"));
    assert!(out.starts_with("use std::io;\n\nfn parse_args"));
}

#[test]
fn fuzzy_threshold_is_respected() {
    // Three of four lines differ: a near miss, but below 0.9.
    let search = "fn start() {\n    let options = parse_arguments(&[]);\n    print!(\"{}\", options.json);\n}\n";
    let err = find(RUST, search, &opts()).unwrap_err();
    let MatchError::NotFound {
        closest: Some(closest),
        threshold,
    } = &err
    else {
        panic!("expected not found, got {err:?}");
    };
    assert!((threshold - 0.9).abs() < 1e-6);
    assert!(
        closest.similarity < 0.9 && closest.similarity > 0.6,
        "{closest:?}"
    );
    assert_eq!(closest.start_line, 13);

    // A threshold just under that similarity accepts the same block.
    let lower = MatchOptions {
        fuzzy_threshold: closest.similarity - 0.01,
        ..opts()
    };
    let m = find(RUST, search, &lower).unwrap();
    assert_eq!(m.level, MatchLevel::Fuzzy);
    assert_eq!(m.start_line, 13);
}

#[test]
fn a_search_that_matches_nowhere_names_the_closest_lines() {
    let err = find(
        RUST,
        "    for item in items {\n        if item == \"--json\" {\n",
        &opts(),
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("was not found"), "{msg}");
    assert!(msg.contains("closest lines are 5-6"), "{msg}");
    assert!(msg.contains("     5 |     for arg in args {"), "{msg}");
    assert!(msg.contains("% similar"), "{msg}");
}

#[test]
fn an_ambiguous_match_is_refused_at_every_level() {
    let file = "x = 1\ny = 2\nx = 1\n";
    let err = find(file, "x = 1\n", &opts()).unwrap_err();
    assert_eq!(
        err,
        MatchError::Ambiguous {
            level: MatchLevel::Exact,
            start_lines: vec![1, 3]
        }
    );
    assert!(err.to_string().contains("include more surrounding lines"));

    let file = "x = 1  \ny = 2\nx = 1\t\n";
    let err = find(file, "x = 1\n", &opts()).unwrap_err();
    assert_eq!(
        err,
        MatchError::Ambiguous {
            level: MatchLevel::Whitespace,
            start_lines: vec![1, 3]
        }
    );

    let file = "    a()\n    b()\nz\n        a()\n        b()\n";
    let err = find(file, "  a()\n  b()\n", &opts()).unwrap_err();
    assert_eq!(
        err,
        MatchError::Ambiguous {
            level: MatchLevel::Indentation,
            start_lines: vec![1, 4]
        }
    );

    let block = "fn one() {\n    let total = compute(1, 2, 3);\n    report(total);\n}\n";
    let file = format!("{block}\n// between\n\n{block}");
    let search = "fn one() {\n    let total = compute(1, 2, 4);\n    report(total);\n}\n";
    let err = find(&file, search, &opts()).unwrap_err();
    assert_eq!(
        err,
        MatchError::Ambiguous {
            level: MatchLevel::Fuzzy,
            start_lines: vec![1, 8]
        }
    );
}

#[test]
fn crlf_files_stay_crlf() {
    let file = "one\r\ntwo\r\nthree\r\n";
    let (out, m) = replace(file, "two\n", "2\nand a half\n", &opts()).unwrap();
    assert_eq!(m.level, MatchLevel::Exact);
    assert_eq!(out, "one\r\n2\r\nand a half\r\nthree\r\n");

    // Through the line-based levels too.
    let (out, m) = replace(file, "  two\n  three\n", "  2\n  3\n", &opts()).unwrap();
    assert_eq!(m.level, MatchLevel::Indentation);
    assert_eq!(out, "one\r\n2\r\n3\r\n");

    let (out, _) = insert_after(file, Some("one\n"), "one and a half\n", &opts()).unwrap();
    assert_eq!(out, "one\r\none and a half\r\ntwo\r\nthree\r\n");
}

#[test]
fn a_missing_final_newline_stays_missing_and_a_present_one_stays() {
    let file = "a\nb\nc";
    let (out, _) = replace(file, "c\n", "C\n", &opts()).unwrap();
    assert_eq!(out, "a\nb\nC");
    let (out, _) = replace(file, "b\nc", "B\nC\n", &opts()).unwrap();
    assert_eq!(out, "a\nB\nC");
    let (out, _) = insert_after(file, None, "d\n", &opts()).unwrap();
    assert_eq!(out, "a\nb\nc\nd");

    let file = "a\nb\n";
    let (out, _) = replace(file, "b", "B", &opts()).unwrap();
    assert_eq!(out, "a\nB\n");
    let (out, _) = replace(file, "  b  \n", "B", &opts()).unwrap();
    assert_eq!(out, "a\nB\n");
    let (out, _) = insert_after(file, None, "c", &opts()).unwrap();
    assert_eq!(out, "a\nb\nc\n");
}

#[test]
fn an_empty_replacement_removes_whole_lines() {
    let (out, _) = replace("a\nb\nc\n", "b", "", &opts()).unwrap();
    assert_eq!(out, "a\nc\n");
    let (out, _) = replace("a\n  b  \nc\n", "b\n", "", &opts()).unwrap();
    assert_eq!(out, "a\nc\n");
    // Part of a line: only that part goes.
    let (out, _) = replace("let x = 1; // old\n", " // old", "", &opts()).unwrap();
    assert_eq!(out, "let x = 1;\n");
}

#[test]
fn an_insert_goes_after_the_anchor_line_and_follows_its_indentation() {
    let (out, m) = insert_after(
        RUST,
        Some("let mut json = false;"),
        "let mut verbose = false;\n",
        &opts(),
    )
    .unwrap();
    assert_eq!(m.map(|m| m.level), Some(MatchLevel::Exact));
    // An exact substring anchor inserts the text as given.
    assert!(out.contains("    let mut json = false;\nlet mut verbose = false;\n    for arg"));

    let (out, m) = insert_after(
        RUST,
        Some("    json = true;\n}\n"),
        "if arg == \"-v\" {\n    verbose = true;\n}\n",
        &opts(),
    )
    .unwrap();
    assert_eq!(m.map(|m| m.level), Some(MatchLevel::Indentation));
    assert!(
        out.contains(
            "        }\n        if arg == \"-v\" {\n            verbose = true;\n        }\n    }\n"
        ),
        "{out}"
    );
}

#[test]
fn an_empty_search_is_refused() {
    assert_eq!(find(RUST, "  \n", &opts()), Err(MatchError::EmptySearch));
}

#[test]
fn leading_and_trailing_blank_lines_of_a_search_do_not_stop_a_match() {
    let file = "a\nb  \nc\n";
    let (out, m) = replace(file, "\nb\n\n", "\nB\n\n", &opts()).unwrap();
    assert_eq!(m.level, MatchLevel::Whitespace);
    assert_eq!(out, "a\nB\nc\n");
}

/// Generated look-alike functions that differ only in names and numbers:
/// the character-count bound cannot tell them apart, the scan must still
/// find the one with the typo and not call a near twin a tie.
#[test]
fn fuzzy_matching_in_repetitive_code_finds_the_right_place() {
    const N: usize = 4000;
    const VERBS: [&str; 8] = [
        "parse", "render", "encode", "decode", "merge", "split", "load", "store",
    ];
    const NOUNS: [&str; 6] = ["header", "record", "buffer", "token", "frame", "entry"];
    let function = |i: usize| {
        let name = format!("{}_{}_{i}", VERBS[i % 8], NOUNS[(i / 8) % 6]);
        format!(
            "pub fn {name}(input: &[u8]) -> Result<usize, Error> {{\n    let mut total = {k};\n    for byte in input {{\n        total = total.wrapping_mul(31).wrapping_add(*byte as usize);\n    }}\n    check_limit(total, {i})?;\n    Ok(total)\n}}\n\n",
            k = (i * 7919) % 1000
        )
    };
    let file: String = (0..N).map(function).collect();
    let search = function(N / 2).replace("wrapping_add", "wraping_add");
    let m = find(&file, &search, &opts()).unwrap();
    assert_eq!(m.level, MatchLevel::Fuzzy);
    assert_eq!(m.start_line, N / 2 * 9 + 1);
}
