//! Tests of the rule changes each blind set of pairs led to (session 4):
//! holdout_pairs7 … holdout_pairs12 were written by someone who saw
//! neither the rule nor the other pairs, run once, then read.

use super::tests::differ;

/// The rule changes made for the misses of holdout_pairs7 (written blind,
/// run once first: 72% recall, one false hit).
#[test]
fn paraphrases_of_the_seventh_blind_round_agree() {
    for (a, b) in [
        // A number in a compound, and a quoted one.
        (
            "split the 800-line App.vue into smaller components",
            "App.vue is like 800 lines, break it up into smaller components",
        ),
        (
            "why does the pattern fail on '555-12345'?",
            "why does the pattern fail on the string 555-12345?",
        ),
        // An error message quoted on one side, pasted bare on the other.
        (
            "why is the build failing with 'Unresolved reference: viewModelScope'?",
            "the build errors with Unresolved reference: viewModelScope, how come?",
        ),
        // A qualified name whose last part is a format.
        (
            "replace the parsing in loader.cpp with nlohmann::json",
            "in loader.cpp swap the parsing for the nlohmann json library",
        ),
        (
            "generate a .gitignore for the poetry project",
            "make a gitignore for the poetry project",
        ),
        // An adverb after a negation is not what it negates.
        (
            "add --dry-run that prints the changes without applying them",
            "add --dry-run: print the changes, don't actually apply anything",
        ),
        // "an LRU cache" asks for caching, as "memoize" does.
        (
            "implement an LRU cache of 128 entries for get_user_profile",
            "memoize get_user_profile with an LRU cache capped at 128 entries",
        ),
        (
            "configure ESLint to error on unused variables",
            "make unused variables an error in our eslint config",
        ),
        // The last clause asks.
        (
            "why is the useEffect in Dashboard.tsx running twice on mount?",
            "Dashboard.tsx: the useEffect runs twice on mount, what's causing that",
        ),
    ] {
        assert_eq!(differ(a, b), None, "{a} | {b}");
    }
}

#[test]
fn only_the_tests_is_not_the_code_and_its_tests() {
    let d = differ(
        "update only the unit tests to match the new discount rules in pricing.go",
        "update pricing.go and its unit tests to match the new discount rules",
    )
    .expect("different work");
    assert_eq!(d.class, "scope");
    assert_eq!(
        (d.left.as_str(), d.right.as_str()),
        ("only the tests", "the code too")
    );
    // Restricting a side that also changes the code restricts nothing.
    assert_eq!(
        differ(
            "fix the overflow in pricing.go and just add a quick test",
            "fix the overflow in pricing.go and add a test for it",
        ),
        None
    );
    // "our LRU cache" is still a thing the request is about.
    assert!(
        differ(
            "add a test for our LRU cache in cache.rs",
            "speed up our LRU cache in cache.rs"
        )
        .is_some()
    );
}

/// The rule changes made for holdout_pairs8 (written blind; 78% recall and
/// one false hit on its first run).
#[test]
fn the_eighth_blind_round() {
    for (a, b) in [
        (
            "make the CSV parser skip blank lines",
            "csv parser should skip empty lines",
        ),
        (
            "remove the unused imports from server/handlers.py",
            "clean out unused imports in server/handlers.py",
        ),
        (
            "configure ESLint to error on console.log statements",
            "make eslint flag console.log as an error",
        ),
        (
            "replace moment.js with date-fns in the frontend",
            "swap out moment for date-fns in the frontend",
        ),
    ] {
        assert_eq!(differ(a, b), None, "{a} | {b}");
    }
    let d = differ(
        "rewrite the author email on the last commit",
        "rewrite the author email on every commit in this branch",
    )
    .expect("a different reach");
    assert_eq!(d.class, "scope");
    // A file of that name elsewhere is still a path.
    assert!(differ("update src/moment.js", "update moment").is_some());
}

#[test]
fn a_number_with_another_unit_is_another_number() {
    let d = differ(
        "set the JWT expiry to 15 minutes",
        "make JWT tokens expire after 15 hours",
    )
    .expect("15 minutes is not 15 hours");
    assert_eq!(d.class, "numbers");
    assert_eq!(
        (d.left.as_str(), d.right.as_str()),
        ("15 minute", "15 hour")
    );
    assert!(differ("cap uploads at 10 MB", "cap uploads at 10GB").is_some());
    for (a, b) in [
        ("time out after 30s", "time out after 30 seconds"),
        ("set the timeout to 30", "set the timeout to 30 secs"),
    ] {
        assert_eq!(differ(a, b), None, "{a} | {b}");
    }
}

/// The rule changes made after reading holdout_pairs9 (blind; 80% recall,
/// one false hit on its one run).
#[test]
fn the_ninth_blind_round() {
    for (a, b) in [
        // Both sides negate the word somewhere.
        (
            "add --dry-run to `sync` that prints what would be uploaded without uploading",
            "can sync get a --dry-run option? list what it would upload, not actually upload anything",
        ),
        // A scope of one place against none.
        (
            "convert this class component UserList into a function component",
            "rewrite the UserList class component as a function component",
        ),
        // "not found" is an error message, quoted or not.
        (
            "why does `cargo build` fail with 'linker cc not found'?",
            "cargo build errors out saying linker `cc` not found. why?",
        ),
        (
            "enable strict mode in tsconfig.json",
            "turn on strict mode in the tsconfig",
        ),
        (
            "rebase my branch onto main without losing my changes",
            "rebase my branch onto main w/o losing my changes",
        ),
        // "each" after "before" says when, not how far.
        (
            "add a pre-commit hook that runs prettier on staged files",
            "set up a pre-commit hook so prettier formats the staged files before each commit",
        ),
        // A quantifier's unit comes before its preposition.
        (
            "document the fields of the RetryPolicy struct",
            "document every field on the RetryPolicy struct",
        ),
    ] {
        assert_eq!(differ(a, b), None, "{a} | {b}");
    }
    let d = differ(
        "rebase this branch onto main",
        "rebase all my local feature branches onto main",
    )
    .expect("one branch is not all of them");
    assert_eq!(d.class, "scope");
    assert!(differ("add the commit hook", "don't add the commit hook").is_some());
}

/// The rule changes made after reading holdout_pairs10 (blind, uncommon
/// stacks; 64% recall and one false hit on its one run).
#[test]
fn the_tenth_blind_round() {
    for (a, b) in [
        // A product named on one side, with a path in common.
        (
            "Convert the Elixir GenServer in lib/cache/store.ex to use handle_continue",
            "lib/cache/store.ex: use a handle_continue callback",
        ),
        // Digits inside code are numbers.
        (
            "set retries to 3 in dags/daily_sales.py",
            "dags/daily_sales.py: retries=3",
        ),
        (
            "the ring buffer head in ringbuf.c wraps at SIZE instead of SIZE - 1",
            "ringbuf.c: the ring buffer head wraps at SIZE rather than SIZE-1",
        ),
        // A code span written out with a word between its parts.
        (
            "add a workflow that runs `cargo clippy -- -D warnings` on every pull request",
            "add a workflow that runs cargo clippy with -D warnings on every pull request",
        ),
        (
            "add a column with a non-null default to the invoices table",
            "add a column, NOT NULL, with a default to the invoices table",
        ),
    ] {
        assert_eq!(differ(a, b), None, "{a} | {b}");
    }
    let d = differ(
        "Make the `email` column on the users table nullable",
        "Make the `email` column on the users table non-nullable",
    )
    .expect("nullable is not non-nullable");
    assert_eq!(d.class, "negation");
    // Without anything else in common, a name is the request's subject.
    assert!(differ("add a cache to UserService", "add a cache").is_some());
    // Code, not a product: `getUser` missing on one side still differs.
    assert!(differ("memoize getUser in api.ts", "memoize the call in api.ts").is_some());
    assert!(
        differ("make it O(1)", "make it run in constant time").is_none_or(|d| d.class != "numbers")
    );
}

/// The false hits of holdout_pairs11 (blind; 84% recall and four false
/// hits on its one run, the same four with the rule of the session's start).
#[test]
fn the_eleventh_blind_round() {
    for (a, b, class) in [
        (
            "Add doc comments to the exported functions in src/geometry.jl.",
            "Add doc comments to all functions in src/geometry.jl, including the internal ones.",
            "polarity",
        ),
        (
            "Require authentication on the GET /reports route in routes/web.php.",
            "Remove the authentication requirement from the GET /reports route in routes/web.php.",
            "polarity",
        ),
        (
            "In the Helm chart, expose the metrics port on the api-gateway Service.",
            "In the Helm chart, expose the metrics port on the auth-service Service.",
            "one term swapped",
        ),
        (
            "Write a unit test for the happy path of OrderValidator.validate.",
            "Write unit tests for every path of OrderValidator.validate, including all the error cases.",
            "scope",
        ),
    ] {
        let d = differ(a, b).unwrap_or_else(|| panic!("{a} | {b}"));
        assert_eq!(d.class, class, "{a} | {b}: {d}");
    }
    assert_eq!(
        differ(
            "the test test_checkout_total is flaky; figure out why",
            "why does test_checkout_total fail intermittently?",
        ),
        None
    );
}

/// The false hits of holdout_pairs12 (blind; 94% recall, two false hits on
/// its one run).
#[test]
fn the_twelfth_blind_round() {
    let d = differ(
        "Allow self-signed certificates in the staging HTTP client",
        "Reject self-signed certificates in the staging HTTP client",
    )
    .expect("allow is not reject");
    assert_eq!(d.class, "polarity");
    let d = differ(
        "Review the changes in my last commit for security issues",
        "Review all changes on this branch for security issues",
    )
    .expect("one commit is not the branch");
    assert_eq!(d.class, "scope");
    assert_eq!(
        differ(
            "accept self-signed certificates in the staging client",
            "allow self-signed certificates in the staging client",
        ),
        None
    );
}
