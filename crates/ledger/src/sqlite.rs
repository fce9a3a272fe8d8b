use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use distiq_core::{CallOutcome, CallRecord, ModelRef, Money, Stage, Tier, Usage};
use jiff::tz::TimeZone;
use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags, Row, params, params_from_iter};

use crate::schema::{self, map_err};
use crate::{
    CacheLookupRecord, DecisionStats, Error, LedgerEntry, LedgerStore, OutcomeKind, Result,
    RouteRecord, StatsQuery, StatsReport,
};

/// How long a write waits for another process's transaction before giving
/// up. Writes are single short inserts, so this is generous.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

const INSERT: &str = "
INSERT INTO calls (
    at, at_us, task_id, stage, tier, provider, model,
    input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens,
    cost_micros, baseline_micros, latency_ms, streamed, attempt, outcome, error_message, repo,
    batch
) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,
    ?21)";

const COLUMNS: &str = "
    id, at, task_id, stage, tier, provider, model,
    input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens,
    cost_micros, baseline_micros, latency_ms, streamed, attempt, outcome, error_message, repo,
    batch";

/// The ledger in one SQLite file, for one developer's machine.
///
/// Several processes may hold the same file open: the database runs in WAL
/// mode (readers never wait for the writer), each write is one short
/// transaction, and a writer waits up to a few seconds for another's lock.
/// A connection is not shared between threads; wrap the store (or the
/// [`crate::Ledger`]) in a mutex for that, as [`crate::LedgerSink`] does.
#[derive(Debug)]
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
}

impl SqliteStore {
    /// Opens the ledger at `path`, creating the file and its parent
    /// directories if needed, and upgrading an older schema.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| Error::CreateDir {
                path: dir.to_owned(),
                source,
            })?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        Self::connect(path, flags)
    }

    /// Opens the ledger at `path` if the file exists; never creates it.
    /// For readers such as `distiq stats`, which should leave no trace.
    pub fn open_existing(path: impl AsRef<Path>) -> Result<Option<Self>> {
        let path = path.as_ref();
        if !path.exists() {
            return Ok(None);
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        Self::connect(path, flags).map(Some)
    }

    fn connect(path: &Path, flags: OpenFlags) -> Result<Self> {
        let err = |e| map_err(path, e);
        let mut conn = Connection::open_with_flags(path, flags).map_err(err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(err)?;
        // In WAL mode NORMAL loses no committed data on a process crash,
        // only possibly the last transactions on power loss.
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(err)?;
        // Two processes opening a new file at once can each hold a read lock
        // while wanting to switch it to WAL; SQLite breaks that deadlock by
        // failing one of them at once, whatever the busy timeout. Try again.
        let deadline = Instant::now() + BUSY_TIMEOUT;
        loop {
            match Self::prepare(&mut conn, path) {
                Err(Error::Busy { .. }) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                result => break result?,
            }
        }
        Ok(Self {
            conn,
            path: path.to_owned(),
        })
    }

    /// Switches the file to WAL mode and brings its schema up to date.
    fn prepare(conn: &mut Connection, path: &Path) -> Result<()> {
        let err = |e| map_err(path, e);
        // The first statement that reads the file: garbage fails here.
        let mode: String = conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .map_err(err)?;
        if !mode.eq_ignore_ascii_case("wal") {
            let _wal: String = conn
                .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
                .map_err(err)?;
        }
        schema::migrate(conn, path, schema::MIGRATIONS)
    }

    /// The file this store reads and writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, e: rusqlite::Error) -> Error {
        map_err(&self.path, e)
    }

    /// Runs `SELECT COLUMNS ... WHERE query` and hands each row to `each`.
    fn for_each_call(&self, query: &StatsQuery, mut each: impl FnMut(LedgerEntry)) -> Result<()> {
        let (clause, args) = where_clause(query);
        let sql = format!("SELECT {COLUMNS} FROM calls{clause} ORDER BY at_us, id");
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params_from_iter(args), RawRow::read)
            .map_err(|e| self.err(e))?;
        for row in rows {
            each(row.map_err(|e| self.err(e))?.into_entry(&self.path)?);
        }
        Ok(())
    }
}

impl LedgerStore for SqliteStore {
    fn record(&self, call: &CallRecord, repo: Option<&Path>) -> Result<()> {
        let u = &call.usage;
        let error_message = match &call.outcome {
            CallOutcome::Error { message } => Some(message.as_str()),
            _ => None,
        };
        let mut stmt = self.conn.prepare_cached(INSERT).map_err(|e| self.err(e))?;
        stmt.execute(params![
            call.at.to_string(),
            call.at.as_microsecond(),
            call.task_id.map(|t| t.to_string()),
            call.stage.as_str(),
            call.tier.as_str(),
            call.model.provider,
            call.model.model,
            u.input_tokens,
            u.output_tokens,
            u.cache_read_tokens,
            u.cache_write_tokens,
            u.reasoning_tokens,
            call.cost.micros(),
            call.baseline_cost.micros(),
            call.latency_ms,
            call.streamed,
            call.attempt,
            OutcomeKind::of(&call.outcome).as_str(),
            error_message,
            repo.map(|p| p.to_string_lossy()),
            call.batch,
        ])
        .map_err(|e| self.err(e))?;
        Ok(())
    }

    fn spent(&self, query: &StatsQuery) -> Result<Money> {
        let (clause, args) = where_clause(query);
        let sql = format!("SELECT COALESCE(SUM(cost_micros), 0) FROM calls{clause}");
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
        let micros: i64 = stmt
            .query_row(params_from_iter(args), |r| r.get(0))
            .map_err(|e| self.err(e))?;
        Ok(Money::from_micros(micros))
    }

    fn stats(&self, query: &StatsQuery, tz: &TimeZone) -> Result<StatsReport> {
        // One statement is one read snapshot, so the groups and the total
        // always agree even while another process writes.
        let mut report = StatsReport::default();
        self.for_each_call(query, |e| report.add(&e.call, tz))?;
        Ok(report)
    }

    fn calls(&self, query: &StatsQuery) -> Result<Vec<LedgerEntry>> {
        let mut out = Vec::new();
        self.for_each_call(query, |e| out.push(e))?;
        Ok(out)
    }

    fn record_cache_lookup(&self, l: &CacheLookupRecord, repo: Option<&Path>) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO cache_lookups (at, at_us, task_id, hit, similarity, saved_micros,
                     reason, repo) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    l.at.to_string(),
                    l.at.as_microsecond(),
                    l.task_id.map(|t| t.to_string()),
                    l.hit,
                    l.similarity.map(f64::from),
                    l.saved.micros(),
                    l.reason,
                    repo.map(|p| p.to_string_lossy()),
                ])
            })
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    fn record_route(&self, r: &RouteRecord, repo: Option<&Path>) -> Result<()> {
        let tiers: serde_json::Map<String, serde_json::Value> = r
            .decision
            .tiers
            .iter()
            .map(|(stage, tier)| (stage.to_string(), tier.to_string().into()))
            .collect();
        self.conn
            .prepare_cached(
                "INSERT INTO route_decisions (at, at_us, task_id, kind, complexity, confidence,
                     inspected, tiers, repo) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    r.at.to_string(),
                    r.at.as_microsecond(),
                    r.task_id.map(|t| t.to_string()),
                    r.decision.kind.as_str(),
                    r.decision.complexity.as_str(),
                    f64::from(r.decision.confidence),
                    r.decision.inspected,
                    serde_json::Value::Object(tiers).to_string(),
                    repo.map(|p| p.to_string_lossy()),
                ])
            })
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    fn decisions(&self, query: &StatsQuery) -> Result<DecisionStats> {
        let decisions_query = StatsQuery {
            outcome: None,
            ..query.clone()
        };
        let (clause, args) = where_clause(&decisions_query);
        let mut out = DecisionStats::default();
        let sql = format!(
            "SELECT count(*), coalesce(sum(hit), 0), coalesce(sum(saved_micros), 0)
             FROM cache_lookups{clause}"
        );
        let (lookups, hits, saved): (i64, i64, i64) = self
            .conn
            .query_row(&sql, params_from_iter(args.clone()), |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .map_err(|e| self.err(e))?;
        out.cache_lookups = u64::try_from(lookups).unwrap_or_default();
        out.cache_hits = u64::try_from(hits).unwrap_or_default();
        out.cache_saved = Money::from_micros(saved);
        let sql = format!(
            "SELECT kind, complexity, count(*) FROM route_decisions{clause} GROUP BY kind, complexity"
        );
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params_from_iter(args), |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        for row in rows {
            let (kind, complexity, n) = row.map_err(|e| self.err(e))?;
            // A kind this build does not know (written by a newer distiq)
            // is left out rather than failing the report.
            if let (Ok(kind), Ok(complexity)) = (kind.parse(), complexity.parse()) {
                out.routes
                    .insert((kind, complexity), u64::try_from(n).unwrap_or_default());
            }
        }
        Ok(out)
    }
}

/// ` WHERE ...` for `query` (empty when it selects everything), and its
/// arguments in order.
fn where_clause(query: &StatsQuery) -> (String, Vec<Value>) {
    let mut conds = Vec::new();
    let mut args = Vec::new();
    if let Some(since) = query.since {
        conds.push("at_us >= ?");
        args.push(Value::Integer(since.as_microsecond()));
    }
    if let Some(until) = query.until {
        conds.push("at_us < ?");
        args.push(Value::Integer(until.as_microsecond()));
    }
    if let Some(task) = query.task {
        conds.push("task_id = ?");
        args.push(Value::Text(task.to_string()));
    }
    if let Some(repo) = &query.repo {
        conds.push("repo = ?");
        args.push(Value::Text(repo.to_string_lossy().into_owned()));
    }
    if let Some(outcome) = query.outcome {
        conds.push("outcome = ?");
        args.push(Value::Text(outcome.as_str().to_owned()));
    }
    if conds.is_empty() {
        (String::new(), args)
    } else {
        (format!(" WHERE {}", conds.join(" AND ")), args)
    }
}

/// A row as SQLite hands it over, before its text is parsed.
struct RawRow {
    id: i64,
    at: String,
    task_id: Option<String>,
    stage: String,
    tier: String,
    provider: String,
    model: String,
    usage: Usage,
    cost: i64,
    baseline: i64,
    latency_ms: i64,
    streamed: bool,
    attempt: i64,
    outcome: String,
    error_message: Option<String>,
    repo: Option<String>,
    batch: bool,
}

impl RawRow {
    fn read(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: r.get(0)?,
            at: r.get(1)?,
            task_id: r.get(2)?,
            stage: r.get(3)?,
            tier: r.get(4)?,
            provider: r.get(5)?,
            model: r.get(6)?,
            usage: Usage {
                input_tokens: r.get(7)?,
                output_tokens: r.get(8)?,
                cache_read_tokens: r.get(9)?,
                cache_write_tokens: r.get(10)?,
                reasoning_tokens: r.get(11)?,
            },
            cost: r.get(12)?,
            baseline: r.get(13)?,
            latency_ms: r.get(14)?,
            streamed: r.get(15)?,
            attempt: r.get(16)?,
            outcome: r.get(17)?,
            error_message: r.get(18)?,
            repo: r.get(19)?,
            batch: r.get(20)?,
        })
    }

    fn into_entry(self, path: &Path) -> Result<LedgerEntry> {
        let id = self.id;
        let bad = |detail: String| Error::BadRow {
            path: path.to_owned(),
            id,
            detail,
        };
        let at = self
            .at
            .parse()
            .map_err(|e| bad(format!("time `{}`: {e}", self.at)))?;
        let task_id = match &self.task_id {
            Some(t) => Some(t.parse().map_err(|e| bad(format!("task id `{t}`: {e}")))?),
            None => None,
        };
        let stage: Stage = self.stage.parse().map_err(|e| bad(format!("{e}")))?;
        let tier: Tier = self.tier.parse().map_err(|e| bad(format!("{e}")))?;
        let attempt = u32::try_from(self.attempt)
            .map_err(|_| bad(format!("attempt {} is out of range", self.attempt)))?;
        let outcome = match OutcomeKind::from_name(&self.outcome) {
            Some(OutcomeKind::Ok) => CallOutcome::Ok,
            Some(OutcomeKind::Truncated) => CallOutcome::Truncated,
            Some(OutcomeKind::Cancelled) => CallOutcome::Cancelled,
            Some(OutcomeKind::Error) => CallOutcome::Error {
                message: self.error_message.unwrap_or_default(),
            },
            None => return Err(bad(format!("unknown outcome `{}`", self.outcome))),
        };
        Ok(LedgerEntry {
            call: CallRecord {
                at,
                task_id,
                stage,
                tier,
                model: ModelRef::new(self.provider, self.model),
                usage: self.usage,
                cost: Money::from_micros(self.cost),
                baseline_cost: Money::from_micros(self.baseline),
                latency_ms: self.latency_ms,
                streamed: self.streamed,
                batch: self.batch,
                attempt,
                outcome,
            },
            repo: self.repo.map(PathBuf::from),
        })
    }
}
