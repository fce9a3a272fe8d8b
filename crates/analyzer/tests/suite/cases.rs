//! Tasks whose right files are known, on crates from the cargo registry.
//!
//! `NAMED` tasks name what they are about (an identifier, or the words of
//! one); `HARD` tasks are phrased without the identifiers, as a person who
//! does not know the code would ask, which is where the embedding model
//! should help.

/// `(task, files that answer it)`; any of them in the top 3 is a hit.
pub type Case = (&'static str, &'static [&'static str]);

pub const SERDE_JSON: &[Case] = &[
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

pub const TOML: &[Case] = &[
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

pub const CLAP_BUILDER: &[Case] = &[
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

pub const RUSQLITE: &[Case] = &[
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

pub const REQWEST: &[Case] = &[
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

pub const TOKIO: &[Case] = &[
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

pub const TREE_SITTER_C: &[Case] = &[
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

pub const SERDE_JSON_HARD: &[Case] = &[
    (
        "escape quotes and control characters when writing a string",
        &["src/ser.rs"],
    ),
    (
        "read JSON from an io reader one byte at a time",
        &["src/read.rs"],
    ),
    (
        "keep numbers with many digits exact instead of rounding them to a float",
        &["src/number.rs", "src/de.rs"],
    ),
    (
        "report where in the input a parse failure happened",
        &["src/error.rs", "src/read.rs"],
    ),
];

pub const TOML_HARD: &[Case] = &[(
    "turn a parse failure into a message that points at the line and column",
    &["src/de/error.rs"],
)];

pub const CLAP_BUILDER_HARD: &[Case] = &[
    (
        "print the short line that shows how to invoke the program",
        &["src/output/usage.rs"],
    ),
    (
        "check that required arguments were given and conflicting ones were not",
        &["src/parser/validator.rs"],
    ),
    (
        "pick colors and bold text for headers in the help output",
        &["src/builder/styling.rs"],
    ),
];

pub const RUSQLITE_HARD: &[Case] = &[
    (
        "where do we decide how long to wait before retrying",
        &["src/busy.rs"],
    ),
    ("the code that turns a row into a struct", &["src/row.rs"]),
    (
        "call back into the application whenever a row is inserted, updated or deleted",
        &["src/hooks/mod.rs"],
    ),
    (
        "let applications define their own SQL functions in Rust",
        &["src/functions.rs"],
    ),
    (
        "keep recently prepared statements around so they are not compiled again",
        &["src/cache.rs"],
    ),
];

pub const REQWEST_HARD: &[Case] = &[
    (
        "decide whether a failed request may be sent again",
        &["src/retry.rs"],
    ),
    (
        "remember cookies the server sets and send them on later requests",
        &["src/cookie.rs"],
    ),
    (
        "look up the IP addresses of a host name",
        &[
            "src/dns/resolve.rs",
            "src/dns/gai.rs",
            "src/dns/hickory.rs",
            "src/dns/mod.rs",
        ],
    ),
    (
        "read the response body as a stream of chunks",
        &["src/async_impl/response.rs", "src/async_impl/body.rs"],
    ),
];

pub const TOKIO_HARD: &[Case] = &[
    (
        "give up on a future that takes too long",
        &["src/time/timeout.rs"],
    ),
    (
        "send every message to many receivers",
        &["src/sync/broadcast.rs"],
    ),
    (
        "limit how many tasks may use a resource at once",
        &["src/sync/semaphore.rs", "src/sync/batch_semaphore.rs"],
    ),
    (
        "read a file line by line without blocking",
        &["src/io/util/lines.rs", "src/io/util/read_line.rs"],
    ),
    (
        "start a child process and wait for it to exit",
        &["src/process/mod.rs"],
    ),
];

pub const TREE_SITTER_C_HARD: &[Case] = &[
    (
        "let the host program supply its own memory allocation functions",
        &["src/alloc.c", "src/alloc.h"],
    ),
    (
        "shift node positions after the source text is edited",
        &["src/subtree.c", "src/tree.c"],
    ),
    (
        "skip over bad tokens to get back on track after a syntax error",
        &["src/parser.c"],
    ),
    (
        "work out which ranges of the document changed between the old and the new tree",
        &["src/get_changed_ranges.c"],
    ),
];

/// A registry crate and its tasks.
pub struct Crate {
    /// Its name in Cargo.lock.
    pub name: &'static str,
    /// A prefix of the locked version.
    pub version: &'static str,
    /// Tasks that name what they are about.
    pub named: &'static [Case],
    /// Tasks phrased without the identifiers.
    pub hard: &'static [Case],
}

pub const CRATES: &[Crate] = &[
    Crate {
        name: "serde_json",
        version: "1",
        named: SERDE_JSON,
        hard: SERDE_JSON_HARD,
    },
    Crate {
        name: "toml",
        version: "0.9",
        named: TOML,
        hard: TOML_HARD,
    },
    Crate {
        name: "clap_builder",
        version: "4",
        named: CLAP_BUILDER,
        hard: CLAP_BUILDER_HARD,
    },
    Crate {
        name: "rusqlite",
        version: "0.37",
        named: RUSQLITE,
        hard: RUSQLITE_HARD,
    },
    Crate {
        name: "reqwest",
        version: "0.12",
        named: REQWEST,
        hard: REQWEST_HARD,
    },
    Crate {
        name: "tokio",
        version: "1",
        named: TOKIO,
        hard: TOKIO_HARD,
    },
    Crate {
        name: "tree-sitter",
        version: "0.26",
        named: TREE_SITTER_C,
        hard: TREE_SITTER_C_HARD,
    },
];
