//! Plan checks (every problem at once, in words a planner can act on) and
//! plans with exact code turned into edits without a model.

use distiq_core::{Change, ChangeKind, CodePlan, FileAction, FilePlan, TaskId};
use distiq_executor::{
    ApplyOptions, Error, MatchOptions, PlanProblem, apply_task, check_plan, edits_from_plan,
};

use super::support::TestRepo;

fn change(kind: ChangeKind, old: Option<&str>, new: Option<&str>) -> Change {
    Change {
        kind,
        location: "somewhere".into(),
        old_code: old.map(Into::into),
        new_code: new.map(Into::into),
        reasoning: "because".into(),
    }
}

fn file(path: &str, action: FileAction, changes: Vec<Change>) -> FilePlan {
    FilePlan {
        path: path.into(),
        action,
        changes,
    }
}

fn repo() -> TestRepo {
    TestRepo::with(&[
        (
            "src/cli.rs",
            "fn parse_args() {\n    let json = false;\n}\n",
        ),
        ("src/dup.rs", "x();\nx();\n"),
        ("README.md", "# demo\n"),
    ])
}

#[test]
fn every_problem_of_a_bad_plan_is_reported_with_its_path_and_change() {
    let repo = repo();
    let plan = CodePlan {
        summary: "a bad plan".into(),
        files: vec![
            file(
                "../outside.rs",
                FileAction::Create,
                vec![change(ChangeKind::Insert, None, Some("x"))],
            ),
            file("/etc/passwd", FileAction::Modify, vec![]),
            file(
                "README.md",
                FileAction::Create,
                vec![change(ChangeKind::Insert, None, Some("x"))],
            ),
            file(
                "src/missing.rs",
                FileAction::Modify,
                vec![change(ChangeKind::Replace, Some("a"), Some("b"))],
            ),
            file("src/gone.rs", FileAction::Delete, vec![]),
            file(
                "src/cli.rs",
                FileAction::Modify,
                vec![
                    change(
                        ChangeKind::Replace,
                        Some("let json = false;"),
                        Some("let json = true;"),
                    ),
                    change(
                        ChangeKind::Replace,
                        Some("    let yaml = false;\n"),
                        Some("x"),
                    ),
                ],
            ),
            file(
                "src/dup.rs",
                FileAction::Modify,
                vec![change(ChangeKind::Delete, Some("x();\n"), None)],
            ),
        ],
    };
    let problems = check_plan(&repo.root, &plan, &MatchOptions::default());
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(problems.len(), 7, "{text:#?}");
    assert!(
        text[0].starts_with("../outside.rs: `..` is refused"),
        "{}",
        text[0]
    );
    assert!(
        text[1].starts_with("/etc/passwd: absolute paths are refused"),
        "{}",
        text[1]
    );
    assert_eq!(
        text[2],
        "README.md: action is create, but the file already exists; use modify"
    );
    assert_eq!(
        text[3],
        "src/missing.rs: action is modify, but the file does not exist; check the path, or use create"
    );
    assert!(text[4].starts_with("src/gone.rs: action is delete, but the file does not exist"));
    assert_eq!(problems[5].change, Some(2));
    assert!(text[5].starts_with("src/cli.rs, change 2: replace at \"somewhere\": old_code: the search text was not found"), "{}", text[5]);
    // The first change was applied in memory: the closest lines show it.
    assert!(text[5].contains("let json = true;"), "{}", text[5]);
    assert!(text[6].contains("matches 2 places"), "{}", text[6]);
}

#[test]
fn a_good_plan_has_no_problems_and_applies_without_a_model() {
    let repo = repo();
    let plan = CodePlan {
        summary: "add --json".into(),
        files: vec![
            file(
                "src/cli.rs",
                FileAction::Modify,
                vec![
                    change(
                        ChangeKind::Replace,
                        Some("let json = false;"),
                        Some("let json = args.json;"),
                    ),
                    change(
                        ChangeKind::Insert,
                        Some("fn parse_args() {\n"),
                        Some("    // reads --json\n"),
                    ),
                ],
            ),
            file(
                "src/json.rs",
                FileAction::Create,
                vec![change(ChangeKind::Insert, None, Some("pub fn emit() {}\n"))],
            ),
            file("src/dup.rs", FileAction::Delete, vec![]),
            file(
                "src/json.rs",
                FileAction::Modify,
                vec![change(
                    ChangeKind::Insert,
                    None,
                    Some("pub fn emit2() {}\n"),
                )],
            ),
        ],
    };
    assert_eq!(
        check_plan(&repo.root, &plan, &MatchOptions::default()),
        Vec::<PlanProblem>::new()
    );
    let edits = edits_from_plan(&plan).unwrap();
    assert_eq!(edits.len(), 5);
    apply_task(&repo.root, TaskId::new(), &edits, &ApplyOptions::default()).unwrap();
    assert_eq!(
        repo.read("src/cli.rs"),
        "fn parse_args() {\n    // reads --json\n    let json = args.json;\n}\n"
    );
    assert_eq!(
        repo.read("src/json.rs"),
        "pub fn emit() {}\npub fn emit2() {}\n"
    );
    assert!(!repo.exists("src/dup.rs"));
}

#[test]
fn a_plan_without_exact_code_names_what_the_executor_model_must_supply() {
    let plan = CodePlan {
        summary: "vague".into(),
        files: vec![
            file(
                "a.rs",
                FileAction::Modify,
                vec![change(ChangeKind::Replace, None, Some("x"))],
            ),
            file("b.rs", FileAction::Create, vec![]),
            file(
                "c.rs",
                FileAction::Modify,
                vec![change(ChangeKind::Insert, Some("x"), None)],
            ),
        ],
    };
    let Err(Error::Plan { problems }) = edits_from_plan(&plan) else {
        panic!("expected plan problems");
    };
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        text,
        vec![
            "a.rs, change 1: a replace needs old_code and new_code",
            "b.rs: a created file needs its content as new_code",
            "c.rs, change 1: an insert needs new_code",
        ]
    );
}
