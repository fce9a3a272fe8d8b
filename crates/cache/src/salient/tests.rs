use super::*;

pub(super) fn differ(a: &str, b: &str) -> Option<Disagreement> {
    Salient::extract(a).disagreement(&Salient::extract(b))
}

#[test]
fn the_issue_examples_disagree() {
    let d = differ("add the --verbose flag", "remove the --verbose flag").unwrap();
    assert_eq!(d.class, "polarity");
    assert_eq!((d.left.as_str(), d.right.as_str()), ("add", "remove"));
    let d = differ("change the port to 8080", "change the port to 8081").unwrap();
    assert_eq!(
        d.to_string(),
        "salient tokens differ (numbers): 8080 vs 8081"
    );
    let d = differ("write the parser in Python", "write the parser in Rust").unwrap();
    assert_eq!(d.class, "languages and tools");
}

#[test]
fn paraphrases_agree() {
    for (a, b) in [
        (
            "make the CLI accept a verbose option",
            "add a --verbose flag to the command line",
        ),
        (
            "rename parse_args to parse_arguments",
            "change the name of parse_args to parse_arguments",
        ),
        (
            "use a HashMap instead of a Vec",
            "switch from a Vec to a HashMap",
        ),
        ("retry three times", "retry 3 times"),
        ("enable strict mode", "turn on strict mode"),
        ("fix the max_retries setting", "fix the max retries setting"),
        ("update src/lib.rs", "update lib.rs"),
    ] {
        assert_eq!(differ(a, b), None, "{a} | {b}");
    }
}

#[test]
fn near_misses_disagree() {
    for (a, b, class) in [
        (
            "use pnpm instead of npm",
            "use npm instead of pnpm",
            "direction",
        ),
        (
            "move it from utils.rs to helpers.rs",
            "move it from helpers.rs to utils.rs",
            "direction",
        ),
        (
            "rename the variable in this file",
            "rename the variable everywhere",
            "scope",
        ),
        (
            "make the header sticky",
            "make the footer sticky",
            "one term swapped",
        ),
        ("log the password", "do not log the password", "negation"),
        (
            "rename parse_args to parse_arguments",
            "rename parse_args to parse_argv",
            "identifiers",
        ),
        (
            "move the constants into config.rs",
            "move the constants into constants.rs",
            "paths",
        ),
        ("add the --json flag", "add the --yaml flag", "flags"),
        (
            "set the title to \"Hello\"",
            "set the title to \"World\"",
            "quoted strings",
        ),
    ] {
        let d = differ(a, b);
        assert_eq!(d.as_ref().map(|d| d.class), Some(class), "{a} | {b}: {d:?}");
    }
}

#[test]
fn different_kinds_of_work_on_the_same_thing_disagree_on_intent() {
    for (a, b, left, right) in [
        (
            "add a test for the retry policy in src/retry.rs",
            "make the retry policy in src/retry.rs configurable",
            "tests",
            "configuration",
        ),
        (
            "speed up src/index.rs",
            "add comments to src/index.rs",
            "performance",
            "docs",
        ),
        (
            "the export command ignores --output",
            "add shell completion for the export command's --output",
            "a fix",
            "a feature",
        ),
        (
            "add a comment explaining the magic number in hash.rs",
            "replace the magic number in hash.rs with a constant",
            "a question and docs",
            "a change to the code",
        ),
        (
            "handle timeouts in fetch_prices",
            "cache the results of fetch_prices for an hour",
            "error handling",
            "performance",
        ),
        (
            "convert the callbacks in db.js to async/await",
            "add error handling to the callbacks in db.js",
            "concurrency",
            "a feature",
        ),
    ] {
        let d = differ(a, b).unwrap();
        assert_eq!(
            (d.class, d.left.as_str(), d.right.as_str()),
            ("intent", left, right),
            "{a} | {b}"
        );
    }
}

#[test]
fn intents_come_from_cue_words_and_the_form_of_the_request() {
    let intents = |t: &str| Salient::extract(t).intents.into_iter().collect::<Vec<_>>();
    assert_eq!(
        intents("why do the ledger tests hang?"),
        [Intent::Question, Intent::Fix, Intent::Tests]
    );
    // A report of behaviour is a fault; the same words as a wish are not.
    assert_eq!(intents("the --verbose flag prints nothing"), [Intent::Fix]);
    assert_eq!(
        intents("the export command should take a --json flag"),
        [] as [Intent; 0]
    );
    // "add" is a feature only when nothing more specific is asked.
    assert_eq!(intents("add a docstring to compute_score"), [Intent::Docs]);
    assert_eq!(
        intents("make the CLI accept a verbose option"),
        [Intent::Feature]
    );
    assert_eq!(
        intents("make the Session struct thread-safe"),
        [Intent::Concurrency]
    );
    // A topic ("the retry policy") is not what is asked.
    assert_eq!(
        intents("add a test for the retry policy"),
        [Intent::Tests, Intent::Resilience]
    );
    assert_eq!(
        intents("clean up the error handling in worker.py"),
        [Intent::Refactor, Intent::Resilience]
    );
    // An unnamed change agrees with a named one, not with docs.
    assert_eq!(
        differ(
            "rename the Item struct to Product everywhere",
            "change the name of struct Item to Product everywhere"
        ),
        None
    );
    // One side silent is no conflict: paraphrases need not name the work.
    assert_eq!(
        differ(
            "make the planner stream its output",
            "stream the planner's output instead of waiting for the whole answer"
        ),
        None
    );
}

#[test]
fn a_negation_covers_the_words_it_negates_not_the_whole_request() {
    for (a, b) in [
        // A report's negation describes the fault, not the change asked for.
        (
            "the `--quiet` flag doesnt do anything, it should silence the progress bar",
            "make `--quiet` silence the progress bar",
        ),
        (
            "serde_yaml isn't used anywhere, drop it from Cargo.toml",
            "remove the unused serde_yaml dependency from Cargo.toml",
        ),
        // "instead of X" sets X aside; the direction check compares it.
        (
            "replace the hand-rolled retry loop with the backoff crate",
            "use the backoff crate instead of the hand-rolled retry loop",
        ),
        (
            "print a warning instead of exiting when the cache dir is missing",
            "if the cache dir doesnt exist, don't exit: print a warning",
        ),
        // SQL's NOT NULL names a constraint.
        (
            "add a NOT NULL constraint to orders.total",
            "orders.total should not allow nulls, add the constraint",
        ),
    ] {
        assert_eq!(differ(a, b), None, "{a} | {b}");
    }
    for (a, b) in [
        (
            "cache the parsed manifest",
            "don't cache the parsed manifest",
        ),
        (
            "the importer should retry on a 503",
            "the importer should not retry on a 503",
        ),
        (
            "make sure the session is cleared on logout",
            "make sure the session is not cleared on logout",
        ),
    ] {
        let d = differ(a, b);
        assert_eq!(
            d.as_ref().map(|d| d.class),
            Some("negation"),
            "{a} | {b}: {d:?}"
        );
    }
}

#[test]
fn a_negated_polarity_word_points_the_other_way() {
    assert_eq!(
        differ(
            "the banner should not be shown to logged-in users",
            "hide the banner for logged-in users"
        ),
        None
    );
    let d = differ(
        "the banner should not be shown to logged-in users",
        "show the banner to logged-in users",
    );
    assert!(d.is_some(), "{d:?}");
}

#[test]
fn names_spelled_differently_still_agree() {
    for (a, b) in [
        // A possessive, an abbreviation, a language named as a plain word.
        (
            "disable the no-var eslint rule",
            "turn off eslint's no-var rule",
        ),
        (
            "cache cargo builds in the github actions workflow",
            "add caching of cargo builds to our GH actions workflow",
        ),
        (
            "go: why does ranging over a nil map not panic?",
            "why does ranging over a nil map in Go not panic",
        ),
        // A qualified name and its parts in words.
        (
            "add an index on accounts.created_at",
            "index the created_at column of the accounts table",
        ),
        (
            "turn the string kind field on Invoice into an enum",
            "Invoice.kind is a plain string, make it an enum",
        ),
        // A quoted command and the same words unquoted.
        (
            "what is the difference between `git reset --soft` and `git stash`?",
            "how does git reset --soft differ from git stash",
        ),
        // A version with a trailing plus, "twice" and "double".
        (
            "say in the README that Node 20+ is required",
            "the README should state that node 20 or newer is required",
        ),
        (
            "the invoice total double counts discounts",
            "discounts are counted twice in the invoice total",
        ),
    ] {
        assert_eq!(differ(a, b), None, "{a} | {b}");
    }
    for (a, b, class) in [
        (
            "add an index on accounts.created_at",
            "add an index on accounts.updated_at",
            "identifiers",
        ),
        (
            "port the script to Go",
            "port the script to Rust",
            "languages and tools",
        ),
    ] {
        let d = differ(a, b);
        assert_eq!(d.as_ref().map(|d| d.class), Some(class), "{a} | {b}: {d:?}");
    }
}

#[test]
fn questions_whole_projects_and_named_things() {
    // A question without a question mark.
    assert_eq!(
        differ(
            "why does webpack rebuild everything on every save?",
            "what makes webpack rebuild everything whenever i save a file"
        ),
        None
    );
    // "the whole frontend" and "across the frontend" are one scope.
    assert_eq!(
        differ(
            "replace axios with fetch across the frontend",
            "move the whole frontend off axios onto fetch"
        ),
        None
    );
    // "the comments table" asks for no documentation.
    assert_eq!(
        differ(
            "the comments table needs an updated_at column",
            "add an `updated_at` column to the `comments` table"
        ),
        None
    );
}

#[test]
fn a_benchmark_is_tests_and_an_existing_cache_is_a_topic() {
    let d = differ(
        "write a benchmark for the session store",
        "make the session store evict by size instead of count",
    );
    assert_eq!(d.map(|d| d.class), Some("intent"));
    // "cache" asks for caching only when it is not the thing worked on.
    let intents = |t: &str| Salient::extract(t).intents;
    assert!(intents("cache the parsed manifest").contains(&Intent::Performance));
    assert!(!intents("make the LRU cache evict by size").contains(&Intent::Performance));
}

#[test]
fn a_language_left_implicit_agrees_but_a_swapped_or_directed_one_does_not() {
    assert_eq!(
        differ(
            "a query listing the 5 largest invoices from the invoices table",
            "write a SQL query for the 5 largest invoices in the invoices table"
        ),
        None
    );
    for (a, b) in [
        (
            "port the build script to Python",
            "port the build script to Ruby",
        ),
        // The tool is the source of the change, named or not on the other side.
        (
            "move the build from cargo to bazel",
            "move the build from make to bazel",
        ),
    ] {
        let d = differ(a, b);
        assert_eq!(
            d.as_ref().map(|d| d.class),
            Some("languages and tools"),
            "{a} | {b}: {d:?}"
        );
    }
}

#[test]
fn a_reported_fault_before_fix_that_is_not_a_negated_request() {
    assert_eq!(
        differ(
            "make the `SessionPool` class thread-safe",
            "SessionPool isn't thread safe, can you fix that"
        ),
        None
    );
    // A negation in the clause asking for the fix still counts.
    let d = differ(
        "fix the test so it hits the network",
        "fix the test so it doesn't hit the network",
    );
    assert_eq!(d.map(|d| d.class), Some("negation"));
}

#[test]
fn everywhere_in_the_one_file_both_name_is_that_file() {
    assert_eq!(
        differ(
            "lib/sync.py uses print everywhere, switch it to the logging module",
            "replace the print calls in lib/sync.py with the logging module"
        ),
        None
    );
    let d = differ(
        "replace the print calls with the logging module",
        "replace the print calls with the logging module everywhere",
    );
    assert_eq!(d.map(|d| d.class), Some("scope"));
}

#[test]
fn plain_words_reversed_in_from_to_differ_in_direction() {
    let d = differ(
        "convert load_config in config.py from sync to async",
        "convert load_config in config.py from async to sync",
    );
    assert_eq!(d.map(|d| d.class), Some("direction"));
    // A data source is not a direction.
    assert_eq!(
        differ(
            "replace the hardcoded timeout in client.py with an environment variable",
            "read the timeout in client.py from an environment variable instead of hardcoding it"
        ),
        None
    );
}

#[test]
fn zeros_and_abbreviated_exceptions_read_as_written_out() {
    assert_eq!(
        differ(
            "the filter [x for x in xs if x] drops 0 entries, why?",
            "why does my filter `[x for x in xs if x]` lose zeros?"
        ),
        None
    );
    assert_eq!(
        differ(
            "fix the NullPointerException in Cart.total when coupon is null",
            "Cart.total throws an NPE if coupon is null, fix it"
        ),
        None
    );
}
