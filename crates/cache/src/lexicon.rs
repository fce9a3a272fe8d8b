//! The word lists behind the salient-token rule: polarity axes, names of
//! languages and tools, scope phrases, number words, synonyms and
//! stopwords. Data, not logic; `salient.rs` reads them.

/// Polarity axes: each row is `(axis, positive words, negative words)`.
/// Two requests conflict on an axis when one uses only its positive words
/// and the other only its negative ones.
pub(crate) const POLARITY: &[(&str, &[&str], &[&str])] = &[
    (
        "add/remove",
        &[
            "add", "adds", "added", "adding", "addition", "insert", "inserts", "inserted",
            "inserting", "introduce", "introduces", "introduced", "create", "creates", "created",
            "creating", "append", "appends", "appended", "require", "requires", "required",
            "requiring", "enforce", "enforces", "enforced",
        ],
        &[
            "remove", "removes", "removed", "removing", "removal", "delete", "deletes", "deleted",
            "deleting", "deletion", "drop", "drops", "dropped", "dropping", "eliminate",
            "eliminates", "eliminated", "erase", "erases", "erased", "rid",
        ],
    ),
    (
        "enable/disable",
        &[
            "enable", "enables", "enabled", "enabling", "activate", "activates", "activated",
        ],
        &[
            "disable", "disables", "disabled", "disabling", "deactivate", "deactivates",
            "deactivated",
        ],
    ),
    ("on/off", &["on"], &["off"]),
    (
        "allow/deny",
        &[
            "allow", "allows", "allowed", "allowing", "permit", "permits", "permitted",
            "whitelist", "allowlist", "accept", "accepts", "accepted", "accepting", "approve",
            "approves", "approved",
        ],
        &[
            "deny", "denies", "denied", "denying", "forbid", "forbids", "forbidden", "disallow",
            "disallows", "disallowed", "block", "blocks", "blocked", "prohibit", "prohibits",
            "prohibited", "blacklist", "denylist", "ban", "bans", "banned", "prevent", "prevents",
            "reject", "rejects", "rejected", "rejecting", "refuse", "refuses", "refused",
            "decline", "declines", "declined",
        ],
    ),
    (
        "increase/decrease",
        &[
            "increase", "increases", "increased", "increasing", "raise", "raises", "raised",
            "grow", "grows", "higher", "larger", "bigger", "longer", "more", "extend", "extends",
            "maximize",
        ],
        &[
            "decrease", "decreases", "decreased", "decreasing", "reduce", "reduces", "reduced",
            "reducing", "lower", "lowers", "lowered", "shrink", "shrinks", "less", "fewer",
            "smaller", "shorter", "minimize",
        ],
    ),
    (
        "upgrade/downgrade",
        &["upgrade", "upgrades", "upgraded", "upgrading"],
        &["downgrade", "downgrades", "downgraded", "downgrading"],
    ),
    (
        "before/after",
        &["before", "prior", "earlier", "beforehand"],
        &["after", "afterwards", "later"],
    ),
    (
        "show/hide",
        &[
            "show", "shows", "shown", "showing", "display", "displays", "displayed", "reveal",
            "reveals", "unhide", "visible",
        ],
        &[
            "hide", "hides", "hidden", "hiding", "conceal", "conceals", "invisible", "suppress",
            "suppresses", "suppressed",
        ],
    ),
    ("with/without", &["with"], &["without"]),
    (
        "sync/async",
        &["sync", "synchronous", "synchronously", "blocking"],
        &[
            "async", "asynchronous", "asynchronously", "await", "nonblocking",
        ],
    ),
    (
        "start/stop",
        &[
            "start", "starts", "started", "starting", "launch", "launches", "resume", "resumes",
        ],
        &[
            "stop", "stops", "stopped", "stopping", "halt", "halts", "kill", "kills", "pause",
            "pauses", "terminate", "terminates", "shutdown",
        ],
    ),
    (
        "open/close",
        &["open", "opens", "opened", "opening"],
        &["close", "closes", "closed", "closing"],
    ),
    (
        "lock/unlock",
        &["lock", "locks", "locked", "locking"],
        &["unlock", "unlocks", "unlocked"],
    ),
    (
        "encrypt/decrypt",
        &["encrypt", "encrypts", "encrypted", "encryption"],
        &["decrypt", "decrypts", "decrypted", "decryption"],
    ),
    (
        "encode/decode",
        &["encode", "encodes", "encoded", "encoding"],
        &["decode", "decodes", "decoded", "decoding"],
    ),
    (
        "compress/decompress",
        &["compress", "compresses", "compressed", "compression", "zip"],
        &[
            "decompress", "decompresses", "decompressed", "decompression", "uncompress", "unzip",
        ],
    ),
    (
        "serialize/deserialize",
        &[
            "serialize", "serializes", "serialized", "serialise", "serialises", "serialised",
            "serialization", "serialisation", "marshal",
        ],
        &[
            "deserialize", "deserializes", "deserialized", "deserialise", "deserialises",
            "deserialised", "deserialization", "deserialisation", "unmarshal",
        ],
    ),
    (
        "import/export",
        &["import", "imports", "imported"],
        &["export", "exports", "exported"],
    ),
    (
        "upload/download",
        &["upload", "uploads", "uploaded"],
        &["download", "downloads", "downloaded"],
    ),
    (
        "push/pull",
        &["push", "pushes", "pushed"],
        &["pull", "pulls", "pulled"],
    ),
    ("login/logout", &["login", "signin"], &["logout", "signout"]),
    (
        "connect/disconnect",
        &["connect", "connects", "connected"],
        &["disconnect", "disconnects", "disconnected"],
    ),
    (
        "mount/unmount",
        &["mount", "mounts", "mounted"],
        &["unmount", "unmounts", "unmounted"],
    ),
    (
        "install/uninstall",
        &["install", "installs", "installed"],
        &["uninstall", "uninstalls", "uninstalled"],
    ),
    (
        "subscribe/unsubscribe",
        &["subscribe", "subscribes", "subscribed"],
        &["unsubscribe", "unsubscribes", "unsubscribed"],
    ),
    (
        "register/unregister",
        &["register", "registers", "registered"],
        &["unregister", "unregisters", "deregister", "deregisters"],
    ),
    (
        "expand/collapse",
        &["expand", "expands", "expanded"],
        &["collapse", "collapses", "collapsed"],
    ),
    (
        "ascending/descending",
        &["ascending", "asc"],
        &["descending", "desc"],
    ),
    (
        "min/max",
        &["min", "minimum", "minimal"],
        &["max", "maximum", "maximal"],
    ),
    ("first/last", &["first"], &["last"]),
    (
        "uppercase/lowercase",
        &["uppercase", "upper"],
        &["lowercase"],
    ),
    ("true/false", &["true"], &["false"]),
    (
        "public/private",
        &["public", "exported", "pub"],
        &["private", "internal", "unexported"],
    ),
    (
        "required/optional",
        &["required", "require", "mandatory"],
        &["optional"],
    ),
    (
        "include/exclude",
        &[
            "include", "includes", "included", "including", "inclusive", "only",
        ],
        &[
            "exclude", "excludes", "excluded", "excluding", "exclusive", "except",
        ],
    ),
    ("valid/invalid", &["valid"], &["invalid"]),
    ("sensitive/insensitive", &["sensitive"], &["insensitive"]),
    (
        "up/down",
        &["up", "upward", "upwards"],
        &["down", "downward", "downwards"],
    ),
    ("dark/light", &["dark"], &["light"]),
    (
        "read/write",
        &["read", "reads", "reading"],
        &["write", "writes", "writing", "written"],
    ),
    (
        "parallel/serial",
        &["parallel", "concurrent", "concurrently"],
        &["serial", "serially", "sequential", "sequentially"],
    ),
    (
        "local/remote",
        &["local", "locally"],
        &["remote", "remotely"],
    ),
    (
        "ignore/respect",
        &["ignore", "ignores", "ignored"],
        &["respect", "respects", "honor", "honour"],
    ),
];

/// Words that negate the sentence they are in.
pub(crate) const NEGATIONS: &[&str] = &[
    "not", "never", "nor", "neither", "cannot", "dont", "doesnt", "didnt", "isnt", "arent",
    "wasnt", "werent", "wont", "cant", "shouldnt", "mustnt", "wouldnt", "couldnt", "hasnt",
    "havent", "non",
];

/// Languages, tools, formats and services, as `(canonical, aliases)`. A name
/// counts wherever it appears as a word; the canonical form is compared.
pub(crate) const NAMES: &[(&str, &[&str])] = &[
    ("python", &["python", "python3", "py"]),
    ("rust", &["rust"]),
    ("javascript", &["javascript", "js", "node.js", "nodejs"]),
    ("typescript", &["typescript", "ts"]),
    ("go", &["golang"]),
    ("java", &["java"]),
    ("kotlin", &["kotlin"]),
    ("scala", &["scala"]),
    ("c++", &["c++", "cpp"]),
    ("c#", &["c#", "csharp"]),
    ("ruby", &["ruby"]),
    ("php", &["php"]),
    ("swift", &["swift"]),
    ("haskell", &["haskell"]),
    ("elixir", &["elixir"]),
    ("erlang", &["erlang"]),
    ("lua", &["lua"]),
    ("perl", &["perl"]),
    ("bash", &["bash"]),
    ("zsh", &["zsh"]),
    ("powershell", &["powershell"]),
    ("zig", &["zig"]),
    ("dart", &["dart"]),
    ("sql", &["sql"]),
    ("node", &["node"]),
    ("deno", &["deno"]),
    ("bun", &["bun"]),
    ("npm", &["npm"]),
    ("yarn", &["yarn"]),
    ("pnpm", &["pnpm"]),
    ("cargo", &["cargo"]),
    ("rustup", &["rustup"]),
    ("pip", &["pip", "pip3"]),
    ("pipenv", &["pipenv"]),
    ("poetry", &["poetry"]),
    ("conda", &["conda"]),
    ("uv", &["uv"]),
    ("pytest", &["pytest"]),
    ("unittest", &["unittest"]),
    ("jest", &["jest"]),
    ("mocha", &["mocha"]),
    ("vitest", &["vitest"]),
    ("cypress", &["cypress"]),
    ("playwright", &["playwright"]),
    ("selenium", &["selenium"]),
    ("junit", &["junit"]),
    ("maven", &["maven"]),
    ("gradle", &["gradle"]),
    ("cmake", &["cmake"]),
    ("bazel", &["bazel"]),
    ("meson", &["meson"]),
    ("ninja", &["ninja"]),
    ("docker", &["docker"]),
    ("podman", &["podman"]),
    ("kubernetes", &["kubernetes", "k8s"]),
    ("helm", &["helm"]),
    ("terraform", &["terraform"]),
    ("ansible", &["ansible"]),
    ("webpack", &["webpack"]),
    ("vite", &["vite"]),
    ("rollup", &["rollup"]),
    ("esbuild", &["esbuild"]),
    ("babel", &["babel"]),
    ("eslint", &["eslint"]),
    ("prettier", &["prettier"]),
    ("black", &["black"]),
    ("ruff", &["ruff"]),
    ("flake8", &["flake8"]),
    ("mypy", &["mypy"]),
    ("pylint", &["pylint"]),
    ("clippy", &["clippy"]),
    ("rustfmt", &["rustfmt"]),
    ("gofmt", &["gofmt"]),
    ("git", &["git"]),
    ("github", &["github", "gh"]),
    ("gitlab", &["gitlab"]),
    ("bitbucket", &["bitbucket"]),
    ("jenkins", &["jenkins"]),
    ("circleci", &["circleci"]),
    ("postgresql", &["postgres", "postgresql", "psql"]),
    ("mysql", &["mysql"]),
    ("mariadb", &["mariadb"]),
    ("sqlite", &["sqlite", "sqlite3"]),
    ("redis", &["redis"]),
    ("mongodb", &["mongodb", "mongo"]),
    ("elasticsearch", &["elasticsearch"]),
    ("kafka", &["kafka"]),
    ("rabbitmq", &["rabbitmq"]),
    ("nginx", &["nginx"]),
    ("apache", &["apache"]),
    ("aws", &["aws"]),
    ("s3", &["s3"]),
    ("gcp", &["gcp"]),
    ("azure", &["azure"]),
    ("google", &["google"]),
    ("react", &["react"]),
    ("vue", &["vue", "vue.js", "vuejs"]),
    ("angular", &["angular"]),
    ("svelte", &["svelte"]),
    ("django", &["django"]),
    ("flask", &["flask"]),
    ("fastapi", &["fastapi"]),
    ("rails", &["rails"]),
    ("spring", &["spring"]),
    ("tokio", &["tokio"]),
    ("actix", &["actix"]),
    ("axum", &["axum"]),
    ("serde", &["serde"]),
    ("diesel", &["diesel"]),
    ("sqlx", &["sqlx"]),
    ("graphql", &["graphql"]),
    ("grpc", &["grpc"]),
    ("http", &["http"]),
    ("https", &["https"]),
    ("tcp", &["tcp"]),
    ("udp", &["udp"]),
    ("websocket", &["websocket", "websockets"]),
    ("json", &["json"]),
    ("yaml", &["yaml", "yml"]),
    ("toml", &["toml"]),
    ("csv", &["csv"]),
    ("xml", &["xml"]),
    ("html", &["html"]),
    ("css", &["css"]),
    ("markdown", &["markdown"]),
    ("restructuredtext", &["restructuredtext", "rst"]),
    ("protobuf", &["protobuf", "proto"]),
    ("english", &["english"]),
    ("french", &["french"]),
    ("german", &["german"]),
    ("spanish", &["spanish"]),
    ("italian", &["italian"]),
    ("portuguese", &["portuguese"]),
    ("japanese", &["japanese"]),
    ("chinese", &["chinese"]),
    ("korean", &["korean"]),
    ("russian", &["russian"]),
    ("dutch", &["dutch"]),
    ("windows", &["windows"]),
    ("macos", &["macos", "osx"]),
    ("linux", &["linux"]),
    ("android", &["android"]),
    ("ios", &["ios"]),
    ("red", &["red"]),
    ("green", &["green"]),
    ("blue", &["blue"]),
    ("yellow", &["yellow"]),
    ("orange", &["orange"]),
    ("purple", &["purple"]),
    ("white", &["white"]),
    ("gray", &["gray", "grey"]),
    ("utc", &["utc"]),
];

/// Names that are also common English words: they count only when
/// capitalised in the middle of a sentence ("written in Go").
pub(crate) const CAPITALISED_NAMES: &[(&str, &str)] = &[("Go", "go"), ("C", "c"), ("R", "r")];

/// Nouns that a scope phrase ranges over ("all files", "this function").
pub(crate) const SCOPE_UNITS: &[&str] = &[
    "file", "files", "function", "functions", "method", "methods", "module", "modules", "class",
    "classes", "crate", "crates", "package", "packages", "component", "components", "struct",
    "structs", "test", "tests", "place", "places", "project", "codebase", "repo", "repository",
    "workspace", "directory", "folder", "code", "callers", "caller", "call", "calls", "usages",
    "occurrences", "line", "block", "type", "types", "fn", "fns", "func", "funcs", "functs",
    "endpoint", "endpoints", "route", "routes", "handler", "handlers", "table", "tables",
    "service", "services", "script", "scripts", "job", "jobs", "command", "commands",
    "subcommand", "subcommands", "commit", "commits", "branch", "branches", "path", "paths",
    "case", "cases", "change", "changes",
];

/// Units that are the whole project: "the whole frontend", "across the
/// app" and "in this app" all name it entirely.
pub(crate) const PROJECT_UNITS: &[&str] = &[
    "project", "codebase", "repo", "repository", "workspace", "monorepo", "app", "application",
    "frontend", "backend", "site", "ui", "system",
];

/// Nouns that name a thing by the word before them: in "the comments
/// table" or "the docs page", the word before cues no kind of work.
pub(crate) const NAMED_THINGS: &[&str] = &[
    "table", "tables", "column", "columns", "field", "fields", "collection", "collections",
    "endpoint", "endpoints", "route", "routes", "page", "pages", "service", "services", "model",
    "models", "schema", "queue", "queues", "topic", "bucket", "buckets", "index",
];

/// Words that make a scope phrase whole-project ("every file").
pub(crate) const GLOBAL_QUANTIFIERS: &[&str] = &["all", "every", "each", "whole", "entire"];

/// Words that are a whole-project scope on their own.
pub(crate) const GLOBAL_WORDS: &[&str] = &[
    "everywhere", "globally", "throughout", "across", "project-wide", "codebase-wide", "repo-wide",
    "workspace-wide", "crate-wide",
];

/// Words that make a scope phrase local ("this file").
pub(crate) const LOCAL_DETERMINERS: &[&str] = &["this", "current", "that"];

/// Number words read as digits, so "three retries" and "3 retries" agree.
/// "one" is left out: "add one more test" names no quantity.
pub(crate) const NUMBER_WORDS: &[(&str, &str)] = &[
    ("two", "2"),
    ("twice", "2"),
    ("double", "2"),
    ("doubled", "2"),
    ("triple", "3"),
    ("tripled", "3"),
    ("thrice", "3"),
    ("three", "3"),
    ("four", "4"),
    ("five", "5"),
    ("six", "6"),
    ("seven", "7"),
    ("eight", "8"),
    ("nine", "9"),
    ("ten", "10"),
    ("eleven", "11"),
    ("twelve", "12"),
    ("fifteen", "15"),
    ("twenty", "20"),
    ("thirty", "30"),
    ("forty", "40"),
    ("fifty", "50"),
    ("sixty", "60"),
    ("hundred", "100"),
    ("thousand", "1000"),
    ("zero", "0"),
    ("zeros", "0"),
    ("zeroes", "0"),
];

/// Multi-word phrases read as one word before anything else.
pub(crate) const PHRASES: &[(&[&str], &str)] = &[
    (&["turn", "on"], "enable"),
    (&["switch", "on"], "enable"),
    (&["turn", "off"], "disable"),
    (&["switch", "off"], "disable"),
    (&["get", "rid", "of"], "remove"),
    (&["take", "out"], "remove"),
    (&["rip", "out"], "remove"),
    (&["clean", "out"], "remove"),
    (&["clear", "out"], "remove"),
    (&["log", "in"], "login"),
    (&["sign", "in"], "login"),
    (&["log", "out"], "logout"),
    (&["sign", "out"], "logout"),
    (&["no", "longer"], "not"),
    (&["non", "blocking"], "nonblocking"),
    (&["shut", "down"], "shutdown"),
];

/// Synonym groups, canonical word first: "one term swapped" does not fire
/// when the two terms are in one group.
pub(crate) const SYNONYMS: &[&[&str]] = &[
    &[
        "add", "write", "create", "introduce", "implement", "insert", "append", "generate",
        "derive", "produce",
    ],
    &[
        "remove", "delete", "drop", "eliminate", "erase", "strip", "rid",
    ],
    &["fix", "repair", "resolve", "correct", "solve"],
    &[
        "change", "update", "modify", "set", "adjust", "alter", "edit", "tweak", "switch",
    ],
    &["crash", "panic", "panicking", "panicked", "segfault"],
    &["bug", "issue", "problem"],
    &["function", "fn", "method", "func"],
    &["test", "spec"],
    &["show", "display", "print", "render"],
    &["config", "configuration", "conf", "setting"],
    &["doc", "documentation", "document", "documented"],
    &["repo", "repository", "codebase"],
    &["dir", "directory", "folder"],
    &["use", "utilize", "employ"],
    &["explain", "describe"],
    &["fast", "faster", "quick", "quicker", "speedy"],
    &["slow", "slower", "sluggish", "forever"],
    &["large", "big", "huge", "bigger", "larger"],
    &["small", "tiny", "smaller"],
    &["run", "execute", "invoke"],
    &["sort", "order"],
    &["error", "failure"],
    &["argument", "arg", "parameter", "param"],
    &["option", "flag", "switch"],
    &["enable", "activate"],
    &["disable", "deactivate"],
    &["empty", "blank"],
    &[
        "flaky", "intermittent", "intermittently", "sporadic", "sporadically",
        "nondeterministic",
    ],
];

/// Words that carry no content of their own; left out of the sequence the
/// "one term swapped" check compares.
pub(crate) const STOPWORDS: &[&str] = &[
    "a", "an", "the", "this", "that", "these", "those", "to", "of", "in", "on", "at", "by", "for",
    "from", "with", "into", "onto", "and", "or", "but", "so", "as", "is", "are", "was", "were",
    "be", "been", "being", "it", "its", "i", "me", "my", "we", "our", "us", "you", "your", "they",
    "them", "their", "he", "she", "please", "should", "must", "can", "could", "would", "will",
    "shall", "may", "might", "do", "does", "did", "done", "have", "has", "had", "make", "makes",
    "made", "let", "lets", "just", "also", "instead", "then", "than", "there", "here", "some",
    "any", "when", "if", "whenever", "while", "what", "why", "how", "which", "who", "where",
    "need", "needs", "want", "wants", "very", "really", "now", "not", "no", "way", "thing",
    "things", "so", "about", "over", "via", "using", "get", "gets", "sure", "ensure", "able",
    "cannot", "dont", "doesnt", "isnt", "new", "one", "own", "actually", "even", "ever",
    "necessarily", "yet",
];

/// Known file names without a telling extension that count as paths, and
/// whose stem may stand for them in words ("the readme").
pub(crate) const WELL_KNOWN_FILES: &[&str] = &[
    "readme", "changelog", "license", "contributing", "dockerfile", "makefile", "justfile",
    "gemfile", "procfile", "rakefile", "vagrantfile",
];

/// File extensions that make `name.ext` a path rather than a dotted
/// identifier.
pub(crate) const EXTENSIONS: &[&str] = &[
    "rs", "py", "pyi", "js", "mjs", "cjs", "ts", "tsx", "jsx", "go", "java", "kt", "kts", "c", "h",
    "cc", "cpp", "hpp", "cxx", "cs", "rb", "php", "swift", "scala", "m", "mm", "lua", "pl", "sh",
    "bash", "zsh", "fish", "ps1", "md", "rst", "txt", "toml", "yaml", "yml", "json", "jsonl",
    "lock", "cfg", "ini", "conf", "env", "html", "htm", "css", "scss", "sass", "less", "vue",
    "svelte", "sql", "xml", "csv", "tsv", "proto", "graphql", "gql", "tf", "dockerfile", "gradle",
    "properties", "ex", "exs", "erl", "hs", "ml", "dart", "zig", "nim", "r", "jl", "ipynb", "svg",
    "png", "jpg", "gif", "wasm", "so", "dll", "exe", "log", "bak", "sqlite", "db", "gz", "zip",
    "tar", "pdf",
];

/// Top-level folder names that make `a/b` a path rather than "read/write".
pub(crate) const PATH_ROOTS: &[&str] = &[
    "src", "lib", "libs", "test", "tests", "crates", "docs", "doc", "bin", "app", "apps", "pkg",
    "cmd", "internal", "scripts", "script", "examples", "benches", "config", "configs", "public",
    "static", "assets", "web", "api", "packages", "modules", "include", "vendor", "build", "dist",
    "target", "tools", "data", "models", "migrations", "templates", "etc", "usr", "var", "tmp",
    "home", "opt", ".github", ".ci",
];

/// Instruction verbs and filler that a developer rewords freely ("rename"
/// ~ "change the name of"): a swapped run made only of these is a
/// rewording, not a new term.
pub(crate) const GENERIC: &[&str] = &[
    "rename", "name", "change", "make", "add", "fix", "move", "put", "convert", "rewrite",
    "refactor", "extract", "improve", "clean", "cleanup", "tidy", "implement", "support", "handle",
    "keep", "give", "take", "turn", "go", "try", "check", "look", "see", "find", "help", "work",
    "use", "doe", "cover", "covering", "tell", "say", "explain", "show", "write", "provide",
    "offer", "expose", "let", "allow", "become", "go", "run", "set", "follow", "accept", "take",
    "respond", "return", "pull", "split", "break", "wrap", "mean", "meaning", "question", "answer",
    "possible", "properly", "correctly", "well", "better", "good", "nice", "bit", "little",
    "something", "everything", "stuff", "code", "user", "users", "people", "someone", "instead",
    "rather", "again", "both", "else", "other", "another", "more", "same", "actually", "still",
    "already", "always", "right", "part", "piece", "thing",
];

/// Identifiers and the abbreviation developers type for them.
pub(crate) const ABBREVIATIONS: &[(&str, &str)] = &[
    ("nullpointerexception", "npe"),
    ("outofmemoryerror", "oom"),
    ("stackoverflowerror", "soe"),
];

/// Words that negate what follows as "not" does: "skip validating the
/// token" is "don't validate the token".
pub(crate) const SKIPS: &[&str] = &[
    "without", "skip", "skips", "skipping", "avoid", "omit",
];

/// Words that ask for a fix of what an earlier clause reported.
pub(crate) const FIX_VERBS: &[&str] = &["fix", "repair", "correct", "resolve"];

/// Units of time, size and proportion, each with the forms it is written
/// in: after a number as a word ("15 minutes") or as a suffix (`30s`).
pub(crate) const UNITS: &[(&str, &[&str])] = &[
    (
        "millisecond",
        &["millisecond", "milliseconds", "ms", "msec", "msecs"],
    ),
    ("second", &["second", "seconds", "sec", "secs", "s"]),
    ("minute", &["minute", "minutes", "min", "mins"]),
    ("hour", &["hour", "hours", "hr", "hrs", "h"]),
    ("day", &["day", "days", "d"]),
    ("week", &["week", "weeks"]),
    ("month", &["month", "months"]),
    ("year", &["year", "years"]),
    ("kb", &["kb", "kib", "kilobyte", "kilobytes"]),
    ("mb", &["mb", "mib", "megabyte", "megabytes"]),
    ("gb", &["gb", "gib", "gigabyte", "gigabytes"]),
    ("percent", &["percent", "%"]),
];
