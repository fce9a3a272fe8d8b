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
