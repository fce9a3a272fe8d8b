//! The ledger's SQLite schema and its forward migrations.
//!
//! The schema version lives in `PRAGMA user_version`; `MIGRATIONS[i]` takes
//! a database from version `i` to `i + 1`. Migrations only ever add (tables,
//! columns with defaults, indexes), so rows survive every upgrade. A file
//! whose version is newer than this build knows is refused, not downgraded.

use std::path::Path;

use rusqlite::{Connection, ErrorCode, TransactionBehavior};

use crate::{Error, Result};

/// `PRAGMA application_id` of a distiq ledger ("dqlg"), so that another
/// program's SQLite file is recognised as such.
pub(crate) const APPLICATION_ID: i32 = 0x6471_6c67;

/// Version 1: one row per model call.
///
/// Instants are stored twice: `at` as RFC 3339 text, exact to the
/// nanosecond and readable in the `sqlite3` shell, and `at_us` as Unix
/// microseconds for range queries. Money is integer micro-dollars.
const V1: &str = "
CREATE TABLE calls (
    id                 INTEGER PRIMARY KEY,
    at                 TEXT    NOT NULL,
    at_us              INTEGER NOT NULL,
    task_id            TEXT,
    stage              TEXT    NOT NULL,
    tier               TEXT    NOT NULL,
    provider           TEXT    NOT NULL,
    model              TEXT    NOT NULL,
    input_tokens       INTEGER NOT NULL,
    output_tokens      INTEGER NOT NULL,
    cache_read_tokens  INTEGER NOT NULL,
    cache_write_tokens INTEGER NOT NULL,
    reasoning_tokens   INTEGER NOT NULL,
    cost_micros        INTEGER NOT NULL,
    baseline_micros    INTEGER NOT NULL,
    latency_ms         INTEGER NOT NULL,
    streamed           INTEGER NOT NULL,
    attempt            INTEGER NOT NULL,
    outcome            TEXT    NOT NULL,
    error_message      TEXT,
    repo               TEXT
) STRICT;
CREATE INDEX calls_by_time ON calls (at_us);
CREATE INDEX calls_by_task ON calls (task_id, at_us);
";

/// Version 2: the local decisions made before any money is spent, one row
/// per cache lookup and per route decision (`Event::CacheLookup`,
/// `Event::RouteDecided`). Same conventions as `calls`; a route's tier per
/// stage is a JSON object.
const V2: &str = "
CREATE TABLE cache_lookups (
    id           INTEGER PRIMARY KEY,
    at           TEXT    NOT NULL,
    at_us        INTEGER NOT NULL,
    task_id      TEXT,
    hit          INTEGER NOT NULL,
    similarity   REAL,
    saved_micros INTEGER NOT NULL,
    reason       TEXT    NOT NULL,
    repo         TEXT
) STRICT;
CREATE INDEX cache_lookups_by_time ON cache_lookups (at_us);
CREATE TABLE route_decisions (
    id          INTEGER PRIMARY KEY,
    at          TEXT    NOT NULL,
    at_us       INTEGER NOT NULL,
    task_id     TEXT,
    kind        TEXT    NOT NULL,
    complexity  TEXT    NOT NULL,
    confidence  REAL    NOT NULL,
    inspected   INTEGER NOT NULL,
    tiers       TEXT    NOT NULL,
    repo        TEXT
) STRICT;
CREATE INDEX route_decisions_by_time ON route_decisions (at_us);
";

/// Version 3: whether a call went through a provider's batch API (billed
/// at its discount). Rows written before are ordinary calls.
const V3: &str = "ALTER TABLE calls ADD COLUMN batch INTEGER NOT NULL DEFAULT 0;";

/// Every migration, oldest first.
pub(crate) const MIGRATIONS: &[&str] = &[V1, V2, V3];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the database at `path` up to `migrations.len()`, or explains why
/// it cannot. Safe against another process migrating at the same moment:
/// the work happens in an immediate (write-locked) transaction that reads
/// the version again first.
pub(crate) fn migrate(conn: &mut Connection, path: &Path, migrations: &[&str]) -> Result<()> {
    let err = |e| map_err(path, e);
    let target = i64::try_from(migrations.len()).unwrap_or(i64::MAX);
    // The checks read several things; one read transaction makes them one
    // snapshot, so another process's migration is seen whole or not at all.
    let snapshot = conn.transaction().map_err(err)?;
    let found = check(&snapshot, path, target)?;
    snapshot.commit().map_err(err)?;
    if found == target {
        return Ok(());
    }
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(err)?;
    let found = check(&tx, path, target)?;
    let start = usize::try_from(found).unwrap_or(usize::MAX);
    for sql in migrations.iter().skip(start) {
        tx.execute_batch(sql).map_err(err)?;
    }
    tx.pragma_update(None, "application_id", APPLICATION_ID)
        .map_err(err)?;
    tx.pragma_update(None, "user_version", target)
        .map_err(err)?;
    tx.commit().map_err(err)
}

/// The database's schema version, after making sure it is a ledger this
/// build can use.
fn check(conn: &Connection, path: &Path, target: i64) -> Result<i64> {
    let err = |e| map_err(path, e);
    let app: i32 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(err)?;
    if app != 0 && app != APPLICATION_ID {
        return Err(not_a_ledger(
            path,
            format!("it is an SQLite database of another program, application id {app:#x}"),
        ));
    }
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(err)?;
    if version > target {
        return Err(Error::TooNew {
            path: path.to_owned(),
            found: version,
            supported: target,
        });
    }
    if version == 0 {
        // A brand-new file is empty; one with tables but no version belongs
        // to someone else, and adding ours to it would mix the two.
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
                [],
                |r| r.get(0),
            )
            .map_err(err)?;
        if tables > 0 {
            return Err(not_a_ledger(
                path,
                "it is an SQLite database with tables but no distiq schema version".to_owned(),
            ));
        }
    }
    Ok(version)
}

fn not_a_ledger(path: &Path, detail: String) -> Error {
    Error::NotALedger {
        path: path.to_owned(),
        detail,
    }
}

/// Turns an SQLite error on the ledger at `path` into the crate's error,
/// recognising the failures a user can act on.
pub(crate) fn map_err(path: &Path, e: rusqlite::Error) -> Error {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => {
            not_a_ledger(path, "it is not an SQLite database".to_owned())
        }
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Error::Busy {
            path: path.to_owned(),
            seconds: crate::sqlite::BUSY_TIMEOUT.as_secs(),
        },
        _ => Error::Sqlite {
            path: path.to_owned(),
            source: e,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fresh() -> (tempfile::TempDir, std::path::PathBuf, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.sqlite");
        let conn = Connection::open(&path).unwrap();
        (dir, path, conn)
    }

    fn version(conn: &Connection) -> i64 {
        conn.pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap()
    }

    /// One call row in the columns of version 1 (cost 5 µ$).
    fn insert_v1_call(conn: &Connection) {
        conn.execute(
            "INSERT INTO calls (at, at_us, stage, tier, provider, model, input_tokens, output_tokens,
                 cache_read_tokens, cache_write_tokens, reasoning_tokens, cost_micros,
                 baseline_micros, latency_ms, streamed, attempt, outcome)
             VALUES ('2026-11-24T09:00:00Z', 0, 'plan', 'top', 'anthropic', 'opus',
                 1, 2, 3, 4, 0, 5, 6, 7, 1, 1, 'ok')",
            [],
        )
        .unwrap();
    }

    #[test]
    fn a_version_2_ledger_reads_its_calls_as_not_batched() {
        let (_dir, path, mut conn) = fresh();
        migrate(&mut conn, &path, &MIGRATIONS[..2]).unwrap();
        insert_v1_call(&conn);

        migrate(&mut conn, &path, MIGRATIONS).unwrap();

        assert_eq!(version(&conn), 3);
        let (cost, batch): (i64, bool) = conn
            .query_row("SELECT cost_micros, batch FROM calls", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!((cost, batch), (5, false));
    }

    #[test]
    fn a_later_version_adds_columns_and_keeps_every_row() {
        let (_dir, path, mut conn) = fresh();
        migrate(&mut conn, &path, &[V1]).unwrap();
        assert_eq!(version(&conn), 1);
        insert_v1_call(&conn);

        let v2 = "ALTER TABLE calls ADD COLUMN region TEXT NOT NULL DEFAULT 'eu';";
        migrate(&mut conn, &path, &[V1, v2]).unwrap();
        assert_eq!(version(&conn), 2);
        let (cost, region): (i64, String) = conn
            .query_row("SELECT cost_micros, region FROM calls", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!((cost, region.as_str()), (5, "eu"));

        // Migrating again is a no-op, not a second ALTER.
        migrate(&mut conn, &path, &[V1, v2]).unwrap();
        assert_eq!(version(&conn), 2);
    }

    #[test]
    fn a_newer_schema_is_refused_not_downgraded() {
        let (_dir, path, mut conn) = fresh();
        migrate(
            &mut conn,
            &path,
            &[V1, V2, V3, "CREATE TABLE budgets (x INTEGER);"],
        )
        .unwrap();
        let err = migrate(&mut conn, &path, MIGRATIONS).unwrap_err();
        assert!(
            matches!(
                err,
                Error::TooNew {
                    found: 4,
                    supported: 3,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("upgrade distiq"), "{err}");
        assert_eq!(version(&conn), 4);
    }

    #[test]
    fn another_programs_database_is_left_alone() {
        let (_dir, path, mut conn) = fresh();
        conn.execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine');")
            .unwrap();
        let err = migrate(&mut conn, &path, MIGRATIONS).unwrap_err();
        assert!(matches!(err, Error::NotALedger { .. }), "{err:?}");
        let calls: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE name = 'calls'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(calls, 0);
    }
}
