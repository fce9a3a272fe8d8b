//! The entries in SQLite: the cache's source of truth.
//!
//! One row per entry, written in one transaction, in WAL mode: a crash
//! loses at most the entry being written. The `meta` table says which
//! index dump matches the rows.

use std::path::{Path, PathBuf};
use std::time::Duration;

use distiq_core::Money;
use jiff::Timestamp;
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, Row, params};

use crate::entry::{Dependency, Entry, Payload};
use crate::{Error, Result, Salient};

/// `PRAGMA application_id` of a distiq cache ("dqch").
const APPLICATION_ID: i32 = 0x6471_6368;

/// The schema version this build writes.
const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE entries (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    key          TEXT    NOT NULL,
    request      TEXT    NOT NULL,
    salient      TEXT    NOT NULL,
    embedding    BLOB    NOT NULL,
    payload      TEXT    NOT NULL,
    dependencies TEXT    NOT NULL,
    created_us   INTEGER NOT NULL,
    last_hit_us  INTEGER,
    hits         INTEGER NOT NULL DEFAULT 0,
    cost_micros  INTEGER NOT NULL,
    saved_micros INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX entries_by_key ON entries (key);
CREATE INDEX entries_by_use ON entries (coalesce(last_hit_us, created_us));
CREATE TABLE meta (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
";

const COLUMNS: &str = "id, request, salient, embedding, payload, dependencies, created_us, \
                       last_hit_us, hits, cost_micros, saved_micros";

/// Sums over every entry; instants in Unix microseconds.
pub(crate) struct Totals {
    pub entries: u64,
    pub saved: Money,
    pub cost: Money,
    pub oldest: Option<i64>,
    pub newest: Option<i64>,
}

/// Why a database file could not be used as it is.
pub(crate) enum OpenFailure {
    /// The file is damaged or not a cache: move it aside and start afresh.
    Corrupt(String),
    /// Anything else: report it.
    Fatal(Error),
}

/// The entries table and its metadata.
#[derive(Debug)]
pub(crate) struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (or creates) the database at `path` and checks it is whole.
    pub(crate) fn open(path: &Path) -> std::result::Result<Self, OpenFailure> {
        let fatal = |e: rusqlite::Error| classify(path, e);
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(fatal)?;
        conn.busy_timeout(Duration::from_secs(5)).map_err(fatal)?;
        let _mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(fatal)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(fatal)?;
        let check: String = conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .map_err(fatal)?;
        if check != "ok" {
            return Err(OpenFailure::Corrupt(format!("integrity check: {check}")));
        }
        let app: i32 = conn
            .pragma_query_value(None, "application_id", |r| r.get(0))
            .map_err(fatal)?;
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(fatal)?;
        if app != 0 && app != APPLICATION_ID {
            return Err(OpenFailure::Corrupt(format!(
                "it is another program's database (application id {app:#x})"
            )));
        }
        if version > SCHEMA_VERSION {
            return Err(OpenFailure::Fatal(Error::TooNew {
                path: path.to_owned(),
                found: version,
                supported: SCHEMA_VERSION,
            }));
        }
        if version == 0 {
            conn.execute_batch(&format!(
                "BEGIN IMMEDIATE; {SCHEMA} PRAGMA application_id = {APPLICATION_ID}; \
                 PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
            ))
            .map_err(fatal)?;
        }
        Ok(Self {
            conn,
            path: path.to_owned(),
        })
    }

    fn err(&self, e: rusqlite::Error) -> Error {
        Error::Sqlite {
            path: self.path.clone(),
            source: e,
        }
    }

    /// Stores one entry in one transaction; its id.
    pub(crate) fn insert(&self, entry: &Entry, key: &str, embedding: &[f32]) -> Result<i64> {
        let salient = serde_json::to_string(&entry.salient)?;
        let payload = serde_json::to_string(&entry.payload)?;
        let deps = serde_json::to_string(&entry.dependencies)?;
        self.conn
            .prepare_cached(
                "INSERT INTO entries (key, request, salient, embedding, payload, dependencies,
                     created_us, cost_micros) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    key,
                    entry.request,
                    salient,
                    to_bytes(embedding),
                    payload,
                    deps,
                    entry.created.as_microsecond(),
                    entry.cost.micros(),
                ])
            })
            .map_err(|e| self.err(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// The entries stored under an exact key, newest first.
    pub(crate) fn by_key(&self, key: &str) -> Result<Vec<(Entry, Vec<f32>)>> {
        let sql = format!("SELECT {COLUMNS} FROM entries WHERE key = ?1 ORDER BY id DESC");
        self.query(&sql, params![key])
    }

    /// One entry by id, if it is still there.
    pub(crate) fn get(&self, id: i64) -> Result<Option<(Entry, Vec<f32>)>> {
        let sql = format!("SELECT {COLUMNS} FROM entries WHERE id = ?1");
        Ok(self.query(&sql, params![id])?.into_iter().next())
    }

    /// Every entry, oldest first.
    pub(crate) fn all(&self) -> Result<Vec<(Entry, Vec<f32>)>> {
        let sql = format!("SELECT {COLUMNS} FROM entries ORDER BY id");
        self.query(&sql, [])
    }

    /// `(id, embedding)` of the entries with an id above `after`.
    pub(crate) fn vectors_after(&self, after: i64) -> Result<Vec<(i64, Vec<f32>)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, embedding FROM entries WHERE id > ?1 ORDER BY id")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![after], |r| {
                Ok((r.get::<_, i64>(0)?, from_bytes(&r.get::<_, Vec<u8>>(1)?)))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    fn query(&self, sql: &str, args: impl rusqlite::Params) -> Result<Vec<(Entry, Vec<f32>)>> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.err(e))?;
        let rows = stmt.query_map(args, read_row).map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            // A row that does not read back is skipped, not fatal: the
            // cache only ever loses an entry, never the store.
            if let Ok(Some(entry)) = row.map_err(|e| self.err(e)) {
                out.push(entry);
            }
        }
        Ok(out)
    }

    /// Counts a hit on `id`: one more hit, `saved` added, last use now.
    pub(crate) fn record_hit(&self, id: i64, saved: Money, at: Timestamp) -> Result<()> {
        self.conn
            .execute(
                "UPDATE entries SET hits = hits + 1, saved_micros = saved_micros + ?2,
                     last_hit_us = ?3 WHERE id = ?1",
                params![id, saved.micros(), at.as_microsecond()],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Deletes entries by id; how many went.
    pub(crate) fn delete(&self, ids: &[i64]) -> Result<usize> {
        let mut n = 0;
        for id in ids {
            n += self
                .conn
                .execute("DELETE FROM entries WHERE id = ?1", params![id])
                .map_err(|e| self.err(e))?;
        }
        Ok(n)
    }

    /// The ids of entries created before `cutoff`, and of the least
    /// recently used entries beyond the newest `max_entries`.
    pub(crate) fn evictable(&self, cutoff: Timestamp, max_entries: u64) -> Result<Vec<i64>> {
        let mut ids: Vec<i64> = self
            .conn
            .prepare_cached("SELECT id FROM entries WHERE created_us < ?1")
            .and_then(|mut s| {
                s.query_map(params![cutoff.as_microsecond()], |r| r.get(0))?
                    .collect()
            })
            .map_err(|e| self.err(e))?;
        let limit = i64::try_from(max_entries).unwrap_or(i64::MAX);
        // Least recently used first; of those, the fewest hits, then the
        // oldest.
        let over: Vec<i64> = self
            .conn
            .prepare_cached(
                "SELECT id FROM entries WHERE created_us >= ?1
                 ORDER BY coalesce(last_hit_us, created_us) DESC, hits DESC, id DESC
                 LIMIT -1 OFFSET ?2",
            )
            .and_then(|mut s| {
                s.query_map(params![cutoff.as_microsecond(), limit], |r| r.get(0))?
                    .collect()
            })
            .map_err(|e| self.err(e))?;
        ids.extend(over);
        Ok(ids)
    }

    /// How many entries there are.
    pub(crate) fn count(&self) -> Result<u64> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM entries", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        Ok(u64::try_from(n).unwrap_or_default())
    }

    /// Sums over every entry.
    pub(crate) fn totals(&self) -> Result<Totals> {
        self.conn
            .query_row(
                "SELECT count(*), coalesce(sum(hits), 0), coalesce(sum(saved_micros), 0),
                        coalesce(sum(cost_micros), 0), min(created_us), max(created_us)
                 FROM entries",
                [],
                |r| {
                    Ok(Totals {
                        entries: u64::try_from(r.get::<_, i64>(0)?).unwrap_or_default(),
                        saved: Money::from_micros(r.get(2)?),
                        cost: Money::from_micros(r.get(3)?),
                        oldest: r.get(4)?,
                        newest: r.get(5)?,
                    })
                },
            )
            .map_err(|e| self.err(e))
    }

    /// Deletes every entry and the metadata; how many entries went.
    pub(crate) fn clear(&self) -> Result<usize> {
        let n = self
            .conn
            .execute("DELETE FROM entries", [])
            .map_err(|e| self.err(e))?;
        self.conn
            .execute("DELETE FROM meta WHERE name LIKE 'index_%'", [])
            .map_err(|e| self.err(e))?;
        Ok(n)
    }

    /// A metadata value.
    pub(crate) fn meta(&self, name: &str) -> Result<Option<String>> {
        self.conn
            .query_row(
                "SELECT value FROM meta WHERE name = ?1",
                params![name],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Sets several metadata values in one transaction.
    pub(crate) fn set_meta(&self, values: &[(&str, String)]) -> Result<()> {
        let tx = self.conn.unchecked_transaction().map_err(|e| self.err(e))?;
        for (name, value) in values {
            tx.execute(
                "INSERT INTO meta (name, value) VALUES (?1, ?2)
                 ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                params![name, value],
            )
            .map_err(|e| self.err(e))?;
        }
        tx.commit().map_err(|e| self.err(e))
    }

    /// Adds `n` to the counter `name` in `meta`.
    pub(crate) fn bump(&self, name: &str, n: u64) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO meta (name, value) VALUES (?1, ?2)
                 ON CONFLICT (name) DO UPDATE SET value = CAST(value AS INTEGER) + ?2",
                params![name, i64::try_from(n).unwrap_or(i64::MAX)],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }
}

fn classify(path: &Path, e: rusqlite::Error) -> OpenFailure {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
            OpenFailure::Corrupt(e.to_string())
        }
        _ => OpenFailure::Fatal(Error::Sqlite {
            path: path.to_owned(),
            source: e,
        }),
    }
}

fn read_row(r: &Row<'_>) -> rusqlite::Result<Option<(Entry, Vec<f32>)>> {
    let id: i64 = r.get(0)?;
    let request: String = r.get(1)?;
    // The stored column is for people (`distiq cache list`): the rule
    // needs the words and roles it does not keep, and this build's
    // extraction, so the tokens are extracted again from the request.
    let embedding = from_bytes(&r.get::<_, Vec<u8>>(3)?);
    let payload: String = r.get(4)?;
    let deps: String = r.get(5)?;
    let created_us: i64 = r.get(6)?;
    let last_hit_us: Option<i64> = r.get(7)?;
    let hits: i64 = r.get(8)?;
    let cost: i64 = r.get(9)?;
    let saved: i64 = r.get(10)?;
    let (Ok(payload), Ok(dependencies)) = (
        serde_json::from_str::<Payload>(&payload),
        serde_json::from_str::<Vec<Dependency>>(&deps),
    ) else {
        return Ok(None);
    };
    let (Ok(created), last_hit) = (
        Timestamp::from_microsecond(created_us),
        last_hit_us.and_then(|t| Timestamp::from_microsecond(t).ok()),
    ) else {
        return Ok(None);
    };
    Ok(Some((
        Entry {
            id,
            salient: Salient::extract(&request),
            request,
            payload,
            dependencies,
            created,
            last_hit,
            hits: u64::try_from(hits).unwrap_or_default(),
            cost: Money::from_micros(cost),
            saved: Money::from_micros(saved),
        },
        embedding,
    )))
}

fn to_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn from_bytes(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}
