use std::path::Path;

use super::*;

fn index(files: &[(&str, &str)]) -> RepoIndex {
    RepoIndex::from_sources(Path::new("/repo"), files.iter().copied()).unwrap()
}

fn repo() -> RepoIndex {
    index(&[
        (
            "src/lib.rs",
            "pub mod de; pub mod number; pub mod error;\npub use de::from_str;\n",
        ),
        (
            "src/de.rs",
            "use crate::error::Error;\nuse crate::number::parse_exponent;\n\
             pub fn from_str(s: &str) -> Result<u8, Error> { parse_exponent(s); Err(Error::Eof) }\n\
             fn skip_whitespace(s: &str) -> Result<(), Error> { Ok(()) }\n",
        ),
        (
            "src/number.rs",
            "use crate::error::Error;\n\
             pub fn parse_exponent(s: &str) -> Result<i32, Error> { Err(Error::Eof) }\n\
             pub fn parse_decimal(s: &str) -> Result<f64, Error> { Err(Error::Eof) }\n",
        ),
        (
            "src/error.rs",
            "pub enum Error { Eof }\nimpl Error { pub fn is_eof(&self) -> bool { true } }\n",
        ),
        ("README.md", "# demo\n"),
    ])
}

fn top(r: &Ranking) -> &str {
    &r.files[0].path
}

#[test]
fn without_a_task_the_most_referenced_file_leads() {
    let r = rank(&repo(), None, &RankOptions::default());
    assert_eq!(top(&r), "src/error.rs", "{:?}", r.files);
    assert!(r.files.windows(2).all(|w| w[0].score >= w[1].score));
    assert!((r.files[0].score - 1.0).abs() < 1e-9);
}

#[test]
fn a_named_identifier_brings_its_definer_first() {
    let r = rank(
        &repo(),
        Some("where is skip_whitespace defined?"),
        &RankOptions::default(),
    );
    assert_eq!(top(&r), "src/de.rs");
    assert!(r.files[0].why.contains(&Why::DefinesNamed {
        names: vec!["skip_whitespace".into()]
    }));
    let best = &r.defs[0];
    assert_eq!(
        repo().files()[best.file].tags.defs[best.def].name,
        "skip_whitespace"
    );
}

#[test]
fn task_words_find_definitions_they_do_not_name() {
    let r = rank(
        &repo(),
        Some("change how exponents are parsed"),
        &RankOptions::default(),
    );
    assert_eq!(top(&r), "src/number.rs", "{:?}", r.files);
    let idx = repo();
    let best = &r.defs[0];
    assert_eq!(
        idx.files()[best.file].tags.defs[best.def].name,
        "parse_exponent"
    );
}

#[test]
fn a_named_path_is_ranked_first() {
    let r = rank(&repo(), Some("tidy up README.md"), &RankOptions::default());
    assert_eq!(top(&r), "README.md");
    assert!(r.files[0].why.contains(&Why::PathInTask));
}

#[test]
fn ranking_is_deterministic() {
    let idx = repo();
    let a = rank(&idx, Some("parse decimal numbers"), &RankOptions::default());
    let b = rank(&idx, Some("parse decimal numbers"), &RankOptions::default());
    let paths = |r: &Ranking| {
        r.files
            .iter()
            .map(|f| (f.path.clone(), f.score.to_bits()))
            .collect::<Vec<_>>()
    };
    assert_eq!(paths(&a), paths(&b));
}

#[test]
fn an_empty_index_ranks_nothing() {
    let r = rank(&index(&[]), Some("anything"), &RankOptions::default());
    assert!(r.files.is_empty() && r.defs.is_empty());
}

struct Prefers(&'static str);

impl Similarity for Prefers {
    fn similarity(&self, _task: &str, candidates: &[Candidate<'_>]) -> Vec<f32> {
        candidates
            .iter()
            .map(|c| if c.name == self.0 { 1.0 } else { 0.0 })
            .collect()
    }
}

#[test]
fn a_similarity_model_can_lift_a_definition() {
    let sim = Prefers("is_eof");
    let r = rank(
        &repo(),
        Some("something vague"),
        &RankOptions {
            similarity: Some(&sim),
            ..RankOptions::default()
        },
    );
    let idx = repo();
    let best = &r.defs[0];
    assert_eq!(idx.files()[best.file].tags.defs[best.def].name, "is_eof");
    assert!(best.why.iter().any(|w| matches!(w, Why::Similar { .. })));
}

#[test]
fn paths_match_whole_tails_only() {
    assert!(path_matches("src/de.rs", "de.rs"));
    assert!(path_matches("src/de.rs", "src/de.rs"));
    assert!(path_matches("src/de.rs", "src/de"));
    assert!(!path_matches("src/code.rs", "de.rs"));
}
