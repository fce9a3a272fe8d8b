//! Opening files that are new, empty, old, newer, or not ledgers at all.

use distiq_ledger::{Error, Ledger, SCHEMA_VERSION};
use rusqlite::Connection;

use super::common::{costing, ledger_path};

fn pragma_i64(path: &std::path::Path, name: &str) -> i64 {
    let conn = Connection::open(path).unwrap();
    conn.pragma_query_value(None, name, |r| r.get(0)).unwrap()
}

#[test]
fn an_empty_file_is_upgraded_to_the_current_schema_in_wal_mode() {
    let (_dir, path) = ledger_path();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, b"").unwrap();
    assert_eq!(pragma_i64(&path, "user_version"), 0);

    let ledger = Ledger::open(&path).unwrap();
    ledger
        .record(&costing("2026-11-24T10:00:00Z", 5, None), None)
        .unwrap();
    assert_eq!(SCHEMA_VERSION, 3);
    assert_eq!(pragma_i64(&path, "user_version"), SCHEMA_VERSION);
    let conn = Connection::open(&path).unwrap();
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn garbage_is_refused_with_the_path_and_a_way_out_and_left_untouched() {
    let (_dir, path) = ledger_path();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| u8::try_from(i * 7 % 251).unwrap())
        .collect();
    std::fs::write(&path, &garbage).unwrap();

    let err = Ledger::open(&path).unwrap_err();
    assert!(matches!(err, Error::NotALedger { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains(&path.display().to_string()), "{msg}");
    assert!(msg.contains("move it aside"), "{msg}");
    assert_eq!(std::fs::read(&path).unwrap(), garbage);

    // Reading without creating says the same.
    let err = Ledger::open_existing(&path).unwrap_err();
    assert!(matches!(err, Error::NotALedger { .. }), "{err:?}");
}

#[test]
fn a_ledger_from_a_newer_distiq_is_refused_and_kept() {
    let (_dir, path) = ledger_path();
    Ledger::open(&path)
        .unwrap()
        .record(&costing("2026-11-24T10:00:00Z", 5, None), None)
        .unwrap();
    Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();

    let err = Ledger::open(&path).unwrap_err();
    assert!(matches!(err, Error::TooNew { found: 99, .. }), "{err:?}");
    assert!(err.to_string().contains("upgrade distiq"), "{err}");
    let rows: i64 = Connection::open(&path)
        .unwrap()
        .query_row("SELECT count(*) FROM calls", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 1);
}

#[test]
fn another_programs_sqlite_file_is_not_taken_over() {
    let (_dir, path) = ledger_path();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let other = Connection::open(&path).unwrap();
    other
        .pragma_update(None, "application_id", 0x1234_5678)
        .unwrap();
    drop(other);

    let err = Ledger::open(&path).unwrap_err();
    assert!(matches!(err, Error::NotALedger { .. }), "{err:?}");
    assert!(err.to_string().contains("another program"), "{err}");
}
