//! Retrieval on real code: tasks whose right file is known, asked of crates
//! from the cargo registry. The right file must be in the top 3 for most,
//! by the graph alone and with the embedding blend; the blend must not do
//! worse than the graph, and it is measured on tasks phrased without the
//! identifiers too.

use distiq_analyzer::{
    CacheLocation, ChunkEmbeddings, IndexOptions, RankOptions, Ranking, RepoIndex, rank,
};

use super::cases::{CRATES, Case};
use super::fixtures::crate_repo;
use super::model::embedder;

/// Hits and misses of one way of ranking over some tasks.
#[derive(Default, Clone)]
struct Score {
    hits: usize,
    total: usize,
    misses: Vec<String>,
}

impl Score {
    fn add(&mut self, other: Score) {
        self.hits += other.hits;
        self.total += other.total;
        self.misses.extend(other.misses);
    }

    fn pct(&self) -> f64 {
        100.0 * self.hits as f64 / self.total.max(1) as f64
    }
}

fn index_of(name: &str, version: &str) -> (tempfile::TempDir, RepoIndex) {
    let repo = crate_repo(name, version);
    let opts = IndexOptions {
        cache: CacheLocation::Off,
        ..IndexOptions::default()
    };
    let index = RepoIndex::build(repo.path(), &opts).unwrap();
    (repo, index)
}

/// The chunk embeddings of a crate, kept in the target dir between runs
/// (vectors are keyed by chunk text, so a kept one is what the model gives
/// now): the first run embeds, later runs read.
fn chunk_embeddings(name: &str) -> ChunkEmbeddings {
    let cache = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("analyzer-{name}.embeddings.bin"));
    ChunkEmbeddings::open(embedder(), Some(cache))
}

fn score(name: &str, cases: &[Case], mut ranking: impl FnMut(&str) -> Ranking) -> Score {
    let mut out = Score {
        total: cases.len(),
        ..Score::default()
    };
    for (task, answers) in cases {
        let ranking = ranking(task);
        let top3 = ranking.files.iter().take(3);
        if top3.clone().any(|f| answers.contains(&f.path.as_str())) {
            out.hits += 1;
            continue;
        }
        let pos = ranking
            .files
            .iter()
            .position(|f| answers.contains(&f.path.as_str()));
        let detail: Vec<String> = ranking
            .files
            .iter()
            .take(5)
            .map(|f| format!("{} {:.3} {:?}", f.path, f.score, f.why))
            .collect();
        out.misses.push(format!(
            "{name}: {task:?} wants {answers:?} (at {pos:?}), top:\n      {}",
            detail.join("\n      ")
        ));
    }
    out
}

fn report(what: &str, s: &Score) {
    eprintln!(
        "retrieval, {what}: {}/{} in the top 3 ({:.0}%)",
        s.hits,
        s.total,
        s.pct()
    );
    for m in &s.misses {
        eprintln!("  miss: {m}");
    }
}

#[test]
fn the_right_file_is_in_the_top_3_for_most_tasks_on_registry_crates() {
    let (mut named, mut hard) = (Score::default(), Score::default());
    for c in CRATES {
        let (_repo, index) = index_of(c.name, c.version);
        let graph = |task: &str| rank(&index, Some(task), &RankOptions::default());
        named.add(score(c.name, c.named, graph));
        hard.add(score(c.name, c.hard, graph));
    }
    report("graph alone, named tasks", &named);
    report("graph alone, tasks without identifiers", &hard);
    // "Most": at least 80%.
    assert!(
        named.hits * 5 >= named.total * 4,
        "only {}/{} in the top 3:\n{:#?}",
        named.hits,
        named.total,
        named.misses
    );
}

#[test]
fn the_embedding_blend_finds_at_least_what_the_graph_finds() {
    let embedder = embedder();
    let mut graph = [Score::default(), Score::default()];
    let mut blend = [Score::default(), Score::default()];
    for c in CRATES {
        let (_repo, index) = index_of(c.name, c.version);
        let chunks = chunk_embeddings(c.name);
        for (i, cases) in [c.named, c.hard].into_iter().enumerate() {
            graph[i].add(score(c.name, cases, |task| {
                rank(&index, Some(task), &RankOptions::default())
            }));
            blend[i].add(score(c.name, cases, |task| {
                let e = embedder.embed(task).unwrap();
                let sim = chunks.similarity(&index, &e);
                let opts = RankOptions {
                    similarity: Some(&sim),
                    ..RankOptions::default()
                };
                rank(&index, Some(task), &opts)
            }));
        }
        assert_eq!(chunks.stats().failed, None);
        chunks.save();
    }
    report("blend, named tasks", &blend[0]);
    report("blend, tasks without identifiers", &blend[1]);
    let hits = |s: &[Score; 2]| s[0].hits + s[1].hits;
    eprintln!(
        "graph alone {}/{} and {}/{}; blend {}/{} and {}/{}",
        graph[0].hits,
        graph[0].total,
        graph[1].hits,
        graph[1].total,
        blend[0].hits,
        blend[0].total,
        blend[1].hits,
        blend[1].total,
    );
    assert!(
        blend[0].hits * 5 >= blend[0].total * 4,
        "the blend lost the named tasks"
    );
    assert!(
        hits(&blend) >= hits(&graph),
        "the blend finds less than the graph alone"
    );
}

/// The measurement behind the blend's weights: hit rates over a grid of
/// similarity weights and candidate counts. `cargo test -p distiq-analyzer
/// --test all blend_sweep -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement (minutes), not a check"]
fn blend_sweep() {
    let embedder = embedder();
    let weights = [0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0];
    let candidates = [50, 100, 200, 400];
    // [candidates][weight] -> (named, hard)
    let mut grid =
        vec![vec![(Score::default(), Score::default()); weights.len()]; candidates.len()];
    for c in CRATES {
        let (_repo, index) = index_of(c.name, c.version);
        let chunks = chunk_embeddings(c.name);
        for (ci, &n) in candidates.iter().enumerate() {
            for (wi, &w) in weights.iter().enumerate() {
                let run = |cases: &[Case]| {
                    score(c.name, cases, |task| {
                        let e = embedder.embed(task).unwrap();
                        let sim = chunks.similarity(&index, &e);
                        let opts = RankOptions {
                            similarity: Some(&sim),
                            similarity_weight: w,
                            similarity_candidates: n,
                        };
                        rank(&index, Some(task), &opts)
                    })
                };
                grid[ci][wi].0.add(run(c.named));
                grid[ci][wi].1.add(run(c.hard));
            }
        }
        chunks.save();
        eprintln!("{}: {:?}", c.name, chunks.stats());
    }
    eprintln!(
        "| candidates | {} |",
        weights.map(|w| format!("w={w}")).join(" | ")
    );
    for (ci, &n) in candidates.iter().enumerate() {
        let cells: Vec<String> = grid[ci]
            .iter()
            .map(|(a, b)| format!("{}+{}={}", a.hits, b.hits, a.hits + b.hits))
            .collect();
        eprintln!("| {n} | {} |", cells.join(" | "));
    }
}
