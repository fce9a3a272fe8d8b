//! Retrieval on real code: tasks whose right file is known, asked of crates
//! from the cargo registry. The right file must be in the top 3 for most.

use distiq_analyzer::{CacheLocation, IndexOptions, RankOptions, RepoIndex, rank};

use super::fixtures::crate_repo;

/// `(task, files that answer it)`; any of them in the top 3 is a hit.
type Case = (&'static str, &'static [&'static str]);

const SERDE_JSON: &[Case] = &[
    ("where is `to_string_pretty` defined?", &["src/ser.rs"]),
    (
        "change how numbers with exponents are parsed",
        &["src/de.rs"],
    ),
    (
        "the json! macro should accept a trailing comma in arrays",
        &["src/macros.rs"],
    ),
    ("make PrettyFormatter indent with tabs", &["src/ser.rs"]),
    ("where is RawValue defined", &["src/raw.rs"]),
    (
        "Map should keep insertion order when iterating entries",
        &["src/map.rs"],
    ),
    (
        "fix how escaped unicode surrogate pairs are decoded when reading strings",
        &["src/read.rs"],
    ),
    (
        "indexing a Value with a string key on a non-object should return Null",
        &["src/value/index.rs"],
    ),
    (
        "change the Display of Error to show the line and column",
        &["src/error.rs"],
    ),
    ("where is StreamDeserializer defined", &["src/de.rs"]),
];

const TOML: &[Case] = &[
    (
        "where is the toml::from_str function defined",
        &["src/de/mod.rs"],
    ),
    (
        "change how inline tables are parsed",
        &["src/de/parser/inline_table.rs"],
    ),
    (
        "change how arrays of tables are serialized in a document",
        &["src/ser/document/array_of_tables.rs"],
    ),
    ("where is parse_document defined", &["src/de/parser/mod.rs"]),
    (
        "to_string_pretty should put arrays on multiple lines",
        &["src/ser/mod.rs"],
    ),
];

const CLAP_BUILDER: &[Case] = &[
    (
        "where is Command::get_matches defined",
        &["src/builder/command.rs"],
    ),
    (
        "change how help text wraps long lines",
        &[
            "src/output/textwrap/mod.rs",
            "src/output/textwrap/wrap_algorithms.rs",
            "src/output/textwrap/core.rs",
        ],
    ),
    (
        "suggest similar subcommand names when the user makes a typo (did you mean)",
        &["src/parser/features/suggestions.rs"],
    ),
    (
        "where is ArgMatches defined",
        &["src/parser/matches/arg_matches.rs"],
    ),
    (
        "RangedI64ValueParser should reject values outside the range with a clearer error",
        &["src/builder/value_parser.rs"],
    ),
];

const RUSQLITE: &[Case] = &[
    (
        "where is Connection::open_with_flags defined",
        &["src/lib.rs"],
    ),
    (
        "add a way to name a savepoint in a transaction",
        &["src/transaction.rs"],
    ),
    (
        "change how query_map maps rows",
        &["src/statement.rs", "src/row.rs"],
    ),
    (
        "where is the Backup struct for online backups defined",
        &["src/backup.rs"],
    ),
    (
        "change how blob reads at an offset",
        &["src/blob/pos_io.rs", "src/blob/mod.rs"],
    ),
];

const REQWEST: &[Case] = &[
    (
        "where is ClientBuilder::timeout defined",
        &["src/async_impl/client.rs", "src/blocking/client.rs"],
    ),
    (
        "limit how many redirects the redirect policy follows",
        &["src/redirect.rs"],
    ),
    (
        "the NO_PROXY environment variable should accept CIDR ranges for proxies",
        &["src/proxy.rs"],
    ),
    (
        "add a file part to a multipart form",
        &["src/async_impl/multipart.rs", "src/blocking/multipart.rs"],
    ),
    (
        "Error::is_timeout should also be true for connect timeouts",
        &["src/error.rs"],
    ),
];

const TOKIO: &[Case] = &[
    (
        "where is spawn_blocking defined",
        &["src/task/blocking.rs", "src/runtime/blocking/pool.rs"],
    ),
    (
        "change how interval handles missed ticks",
        &["src/time/interval.rs"],
    ),
    (
        "the bounded mpsc channel send should wait for capacity",
        &["src/sync/mpsc/bounded.rs"],
    ),
    (
        "where is the select! macro defined",
        &["src/macros/select.rs"],
    ),
    (
        "TcpListener::accept should retry on EMFILE",
        &["src/net/tcp/listener.rs"],
    ),
];

const TREE_SITTER_C: &[Case] = &[
    ("where is ts_parser_parse defined", &["src/parser.c"]),
    (
        "change how query captures are ordered in the query cursor",
        &["src/query.c"],
    ),
    (
        "ts_tree_cursor_goto_first_child should skip hidden nodes",
        &["src/tree_cursor.c"],
    ),
    (
        "change how the lexer decodes UTF-16 input",
        &["src/lexer.c", "src/unicode.h"],
    ),
];

struct Outcome {
    hits: usize,
    total: usize,
    misses: Vec<String>,
}

fn run(name: &str, version: &str, cases: &[Case]) -> Outcome {
    let repo = crate_repo(name, version);
    let opts = IndexOptions {
        cache: CacheLocation::Off,
        ..IndexOptions::default()
    };
    let index = RepoIndex::build(repo.path(), &opts).unwrap();
    let mut out = Outcome {
        hits: 0,
        total: cases.len(),
        misses: Vec::new(),
    };
    for (task, answers) in cases {
        let ranking = rank(&index, Some(task), &RankOptions::default());
        let top: Vec<&str> = ranking
            .files
            .iter()
            .take(3)
            .map(|f| f.path.as_str())
            .collect();
        if top.iter().any(|p| answers.contains(p)) {
            out.hits += 1;
        } else {
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
    }
    out
}

#[test]
fn the_right_file_is_in_the_top_3_for_most_tasks_on_registry_crates() {
    let results = [
        run("serde_json", "1", SERDE_JSON),
        run("toml", "0.9", TOML),
        run("clap_builder", "4", CLAP_BUILDER),
        run("rusqlite", "0.37", RUSQLITE),
        run("reqwest", "0.12", REQWEST),
        run("tokio", "1", TOKIO),
        run("tree-sitter", "0.26", TREE_SITTER_C),
    ];
    let hits: usize = results.iter().map(|r| r.hits).sum();
    let total: usize = results.iter().map(|r| r.total).sum();
    let misses: Vec<&String> = results.iter().flat_map(|r| &r.misses).collect();
    eprintln!("retrieval: {hits}/{total} tasks have the right file in the top 3");
    for m in &misses {
        eprintln!("  miss: {m}");
    }
    // "Most": at least 80%.
    assert!(
        hits * 5 >= total * 4,
        "only {hits}/{total} in the top 3:\n{misses:#?}"
    );
}
