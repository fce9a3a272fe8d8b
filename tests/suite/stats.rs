//! `distiq stats` against a ledger seeded through the library.

use std::path::PathBuf;
use std::process::Command;

use distiq_core::{CallOutcome, CallRecord, Money, Stage, TaskId, Tier, Usage};
use distiq_ledger::Ledger;
use serde_json::{Value, json};

use crate::util::World;

/// Paris time as a POSIX rule, so that local days do not depend on the
/// machine's zone or tzdb.
const PARIS: &str = "CET-1CEST,M3.5.0,M10.5.0/3";

fn ledger_path(world: &World) -> PathBuf {
    world.data_home.join("distiq/ledger.sqlite")
}

fn call(at: &str, stage: Stage, model: &str, usage: Usage, cost: i64, baseline: i64) -> CallRecord {
    CallRecord {
        at: at.parse().unwrap(),
        task_id: None,
        stage,
        tier: if stage == Stage::Plan {
            Tier::Top
        } else {
            Tier::Cheap
        },
        model: model.parse().unwrap(),
        usage,
        cost: Money::from_micros(cost),
        baseline_cost: Money::from_micros(baseline),
        latency_ms: 800,
        streamed: true,
        batch: false,
        attempt: 1,
        outcome: CallOutcome::Ok,
    }
}

fn usage(input: i64, output: i64, cache_read: i64) -> Usage {
    Usage {
        input_tokens: input,
        output_tokens: output,
        cache_read_tokens: cache_read,
        ..Usage::default()
    }
}

/// Three calls in the world's default ledger: a plan on the top model
/// (00:30 on 24 November in Paris, still the 23rd in UTC) and two cheap
/// executions, one of them in October. The plan and the October call belong
/// to the returned task.
fn seed(world: &World) -> TaskId {
    let task = TaskId::new();
    let ledger = Ledger::open(ledger_path(world)).unwrap();
    let opus = "anthropic:claude-opus-4-1";
    let mini = "openai:gpt-5-mini";
    let calls = [
        CallRecord {
            task_id: Some(task),
            ..call(
                "2025-11-23T23:30:00Z",
                Stage::Plan,
                opus,
                usage(10_000, 2_000, 50_000),
                375_000,
                1_050_000,
            )
        },
        call(
            "2025-11-24T12:00:00Z",
            Stage::Execute,
            mini,
            usage(20_000, 4_000, 0),
            13_000,
            600_000,
        ),
        CallRecord {
            task_id: Some(task),
            ..call(
                "2025-10-15T12:00:00Z",
                Stage::Execute,
                mini,
                usage(1_000, 500, 3_000),
                1_325,
                97_500,
            )
        },
    ];
    for c in &calls {
        ledger.record(c, Some(&world.repo)).unwrap();
    }
    task
}

fn stats(world: &World, args: &[&str]) -> Command {
    let mut cmd = world.cmd(&[&["stats"], args].concat());
    cmd.env("TZ", PARIS);
    cmd
}

fn stats_json(world: &World, args: &[&str]) -> Value {
    let out = world.ok(&mut stats(world, &[&["--json"], args].concat()));
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}):\n{out}"))
}

/// `(name, calls, cost_micros)` of each row of a grouping.
fn rows(v: &Value, grouping: &str, key: &str) -> Vec<(String, i64, i64)> {
    v[grouping]
        .as_array()
        .unwrap_or_else(|| panic!("no {grouping} in {v:#}"))
        .iter()
        .map(|r| {
            let name = r[key].as_str().unwrap().to_owned();
            (
                name,
                r["calls"].as_i64().unwrap(),
                r["cost_micros"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn row(name: &str, calls: i64, cost: i64) -> (String, i64, i64) {
    (name.to_owned(), calls, cost)
}

#[test]
fn stats_json_reports_exact_totals_and_groupings_from_the_default_ledger() {
    let world = World::new();
    seed(&world);
    let v = stats_json(&world, &[]);

    assert_eq!(
        v["total"],
        json!({
            "calls": 3,
            "input_tokens": 31_000,
            "output_tokens": 6_500,
            "cache_read_tokens": 53_000,
            "cache_write_tokens": 0,
            "reasoning_tokens": 0,
            "cost_micros": 389_325,
            "cost": "0.389325",
            "baseline_cost_micros": 1_747_500,
            "baseline_cost": "1.747500",
            "saved_micros": 1_358_175,
            "saved": "1.358175",
            "saved_percent": 77.72,
            "batch_calls": 0,
        })
    );
    assert_eq!(
        rows(&v, "by_stage", "stage"),
        [row("plan", 1, 375_000), row("execute", 2, 14_325)]
    );
    assert_eq!(
        rows(&v, "by_model", "model"),
        [
            row("anthropic:claude-opus-4-1", 1, 375_000),
            row("openai:gpt-5-mini", 2, 14_325)
        ]
    );
    // Local (Paris) days: the plan made at 23:30 UTC on the 23rd counts on
    // the 24th.
    assert_eq!(
        rows(&v, "by_day", "day"),
        [row("2025-10-15", 1, 1_325), row("2025-11-24", 2, 388_000)]
    );
    assert_eq!(v["by_day"][1]["saved"], "1.262000");
}

#[test]
fn stats_since_and_task_narrow_the_report() {
    let world = World::new();
    let task = seed(&world);

    let v = stats_json(&world, &["--since", "2025-11-01"]);
    assert_eq!(
        (v["total"]["calls"].as_i64(), v["total"]["cost"].as_str()),
        (Some(2), Some("0.388000"))
    );

    let v = stats_json(&world, &["--task", &task.to_string()]);
    assert_eq!(
        (v["total"]["calls"].as_i64(), v["total"]["cost"].as_str()),
        (Some(2), Some("0.376325"))
    );
    assert_eq!(
        rows(&v, "by_stage", "stage"),
        [row("plan", 1, 375_000), row("execute", 1, 1_325)]
    );

    // Relative periods count back from today; every seeded call is older.
    let v = stats_json(&world, &["--since", "100000h", "--task", &task.to_string()]);
    assert_eq!(v["total"]["calls"], 2);
    let out = world.ok(&mut stats(&world, &["--since", "1d"]));
    assert!(out.contains("no calls match"), "{out}");
}

#[test]
fn stats_tables_show_every_grouping_and_the_savings_line() {
    let world = World::new();
    seed(&world);
    let out = world.ok(&mut stats(&world, &[]));

    for expected in [
        "stage",
        "plan",
        "execute",
        "model",
        "anthropic:claude-opus-4-1",
        "openai:gpt-5-mini",
        "day",
        "2025-10-15",
        "2025-11-24",
        "calls",
        "cached",
        "baseline",
        "saved",
    ] {
        assert!(out.contains(expected), "no `{expected}` in:\n{out}");
    }
    assert!(
        out.lines()
            .any(|l| l == "spent $0.389325, all-top-tier baseline $1.7475, saved $1.358175 (78%)"),
        "{out}"
    );
    // The plan row: 60k input tokens of which 50k cached, 2k out, 64.3% saved.
    let plan = out.lines().find(|l| l.starts_with("plan ")).unwrap();
    let cells: Vec<&str> = plan.split_whitespace().collect();
    assert_eq!(
        cells,
        [
            "plan", "1", "60.0k", "50.0k", "2.0k", "$0.375", "$1.05", "$0.675", "64.3%"
        ]
    );
}

#[test]
fn stats_without_a_ledger_says_so_and_creates_nothing() {
    let world = World::new();
    let out = world.ok(&mut stats(&world, &[]));
    assert!(out.contains("no calls recorded yet"), "{out}");
    assert!(!ledger_path(&world).exists());
    assert!(!world.data_home.join("distiq").exists());

    // JSON readers get an empty report, not prose.
    let v = stats_json(&world, &[]);
    assert_eq!(v["total"]["calls"], 0);
    assert_eq!(v["total"]["cost"], "0.000000");
    assert_eq!(v["by_stage"], json!([]));
    assert!(!ledger_path(&world).exists());
}

#[test]
fn stats_on_an_empty_ledger_says_there_are_no_calls_yet() {
    let world = World::new();
    Ledger::open(ledger_path(&world)).unwrap();
    let out = world.ok(&mut stats(&world, &[]));
    assert!(out.contains("no calls recorded yet"), "{out}");
}

#[test]
fn stats_on_a_file_that_is_not_a_ledger_names_it_and_says_what_to_do() {
    let world = World::new();
    let path = ledger_path(&world);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, "definitely not SQLite\n".repeat(100)).unwrap();

    let (code, stderr) = world.fails(&mut stats(&world, &[]));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains(&path.display().to_string()), "{stderr}");
    assert!(stderr.contains("move it aside"), "{stderr}");
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .starts_with("definitely not SQLite")
    );
}

#[test]
fn stats_with_an_unreadable_since_shows_the_accepted_forms() {
    let world = World::new();
    let (code, stderr) = world.fails(&mut stats(&world, &["--since", "last tuesday"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("last tuesday") && stderr.contains("`7d`"),
        "{stderr}"
    );
}
