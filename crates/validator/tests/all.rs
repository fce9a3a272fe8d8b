//! The validator against real files and real shell commands.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use distiq_config::ValidateSettings;
use distiq_validator::{Validator, run_command};
use tokio_util::sync::CancellationToken;

fn settings(lint: Option<&str>, test: Option<&str>, timeout_secs: u64) -> ValidateSettings {
    ValidateSettings {
        lint: lint.map(str::to_owned),
        test: test.map(str::to_owned),
        timeout: Duration::from_secs(timeout_secs),
        max_output_bytes: 400,
        review: false,
        max_retries: 2,
    }
}

fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

fn paths(p: &[&str]) -> Vec<PathBuf> {
    p.iter().map(PathBuf::from).collect()
}

#[tokio::test]
async fn a_syntax_error_is_reported_with_its_place_and_no_command_runs() {
    let dir = repo(&[
        ("src/ok.rs", "fn main() {}\n"),
        ("src/bad.rs", "fn main() {\n    let x = ;\n}\n"),
    ]);
    let marker = dir.path().join("ran");
    let v = Validator::new(
        dir.path(),
        settings(Some(&format!("touch {}", marker.display())), None, 5),
    );
    let report = v
        .validate(
            &paths(&["src/ok.rs", "src/bad.rs"]),
            &CancellationToken::new(),
        )
        .await
        .unwrap();
    assert!(!report.passed());
    assert_eq!(report.checks.len(), 1, "{report:?}");
    let fb = report.feedback();
    assert!(fb.contains("src/bad.rs:2:"), "{fb}");
    assert!(!marker.exists(), "lint must not run after a syntax error");
}

#[tokio::test]
async fn clean_files_then_lint_then_test_all_pass() {
    let dir = repo(&[
        ("a.py", "def f():\n    return 1\n"),
        ("notes.txt", "anything"),
    ]);
    let v = Validator::new(dir.path(), settings(Some("true"), Some("echo tests ok"), 5));
    let report = v
        .validate(
            &paths(&["a.py", "notes.txt", "gone.rs"]),
            &CancellationToken::new(),
        )
        .await
        .unwrap();
    assert!(report.passed(), "{report:?}");
    let names: Vec<&str> = report.checks.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["syntax", "lint", "test"]);
    assert!(
        report.checks[0].summary.contains("1 file parse")
            && report.checks[0].summary.contains("1 in languages")
    );
    assert!(report.checks[2].output.contains("tests ok"));
}

#[tokio::test]
async fn a_failing_test_command_keeps_the_tail_of_its_output() {
    let dir = repo(&[]);
    let cmd = "for i in $(seq 1 200); do echo line $i; done; echo 'assertion failed: left == right' >&2; exit 3";
    let v = Validator::new(dir.path(), settings(None, Some(cmd), 5));
    let report = v.validate(&[], &CancellationToken::new()).await.unwrap();
    let test = &report.checks[1];
    assert!(!test.passed);
    assert!(test.summary.contains("status 3"), "{}", test.summary);
    assert!(test.output.contains("assertion failed"), "{}", test.output);
    assert!(
        test.output.contains("earlier output cut") && !test.output.contains("line 1\n"),
        "{}",
        test.output
    );
    assert!(test.output.len() < 600);
    assert!(report.feedback().contains("test failed"));
}

#[tokio::test]
async fn lint_failure_stops_before_the_tests() {
    let dir = repo(&[]);
    let marker = dir.path().join("tested");
    let v = Validator::new(
        dir.path(),
        settings(
            Some("echo lint says no; false"),
            Some(&format!("touch {}", marker.display())),
            5,
        ),
    );
    let report = v.validate(&[], &CancellationToken::new()).await.unwrap();
    assert!(!report.passed());
    assert!(!marker.exists());
}

fn alive(pid: i32) -> bool {
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| s.contains(") Z "))
}

async fn wait_for(path: &Path) -> String {
    for _ in 0..100 {
        if let Ok(s) = std::fs::read_to_string(path)
            && !s.trim().is_empty()
        {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{} never appeared", path.display());
}

#[tokio::test]
async fn a_command_past_its_timeout_is_killed_with_its_children() {
    let dir = repo(&[]);
    let pidfile = dir.path().join("child.pid");
    // The shell starts a grandchild that would outlive a plain kill.
    let cmd = format!("sleep 30 & echo $! > {}; wait", pidfile.display());
    let started = Instant::now();
    let check = run_command(
        dir.path(),
        "test",
        &cmd,
        Duration::from_secs(1),
        1000,
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    assert!(!check.passed);
    assert!(
        check.summary.contains("timed out after 1 s"),
        "{}",
        check.summary
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the wait did not stop at the timeout"
    );
    let pid: i32 = wait_for(&pidfile).await.trim().parse().unwrap();
    let mut dead = false;
    for _ in 0..50 {
        if !alive(pid) {
            dead = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(dead, "the grandchild sleep {pid} survived the timeout");
}

#[tokio::test]
async fn cancel_kills_the_command_and_says_so() {
    let dir = repo(&[]);
    let cancel = CancellationToken::new();
    let c2 = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        c2.cancel();
    });
    let err = run_command(
        dir.path(),
        "test",
        "sleep 30",
        Duration::from_secs(60),
        1000,
        &cancel,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, distiq_validator::Error::Cancelled), "{err}");
}
