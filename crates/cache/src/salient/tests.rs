use super::*;

fn differ(a: &str, b: &str) -> Option<Disagreement> {
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
