//! confcal's state on disk: one `SQLite` file (`state.db` in the state
//! folder), in WAL mode, changed one transaction at a time so that a kill
//! at any instant loses nothing committed. It holds each remote source's
//! last good body with its validators and fetch history, and the reminder
//! ledger with each deadline's history ([`ledger`]). The schema is
//! versioned (`PRAGMA user_version`) and migrated forward on open; a file
//! that is damaged is moved aside, reported, and replaced by a fresh one
//! holding what could still be read from it ([`salvage`]). That fresh
//! ledger counts every reminder due before it was started as past, so a
//! reminder already sent is never sent again, whatever was lost.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, ErrorCode, OptionalExtension, Row, params};
use sha2::{Digest, Sha256};

use crate::schedule::History;

mod ledger;
mod salvage;

pub use ledger::{DeadlineState, Delivery, States, Status, Undelivered, What};

/// The state file's name in the state folder.
pub const FILE: &str = "state.db";

/// Each migration takes the schema from its index to the next version.
const MIGRATIONS: &[&str] = &[
    // 1: the cache of remote sources.
    "CREATE TABLE source (
        name          TEXT PRIMARY KEY NOT NULL,
        url           TEXT NOT NULL,
        etag          TEXT,
        last_modified TEXT,
        body          BLOB,
        body_sha256   TEXT,
        body_fetched  TEXT,
        events        INTEGER NOT NULL DEFAULT 0,
        deadlines     INTEGER NOT NULL DEFAULT 0,
        last_attempt  TEXT,
        last_success  TEXT,
        last_error    TEXT,
        failing_since TEXT,
        failures      INTEGER NOT NULL DEFAULT 0,
        retry_until   TEXT
    ) STRICT;",
    // 2: the reminder ledger and deadline history.
    "CREATE TABLE deadline (
        uid          TEXT PRIMARY KEY NOT NULL,
        due          INTEGER NOT NULL,
        sequence     INTEGER NOT NULL DEFAULT 0,
        changed_at   TEXT NOT NULL,
        previous_due INTEGER,
        status       TEXT,
        status_at    TEXT
    ) STRICT;
    CREATE TABLE delivery (
        uid       TEXT NOT NULL,
        due       INTEGER NOT NULL,
        what      TEXT NOT NULL,
        notifier  TEXT NOT NULL,
        state     TEXT NOT NULL,
        at        TEXT NOT NULL,
        PRIMARY KEY (uid, due, what, notifier)
    ) STRICT;",
    // 3: why a notice could never be delivered, and facts about the file
    // itself (since when its ledger is complete).
    "ALTER TABLE delivery ADD COLUMN error TEXT;
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY NOT NULL,
        value TEXT NOT NULL
    ) STRICT;",
];

/// Why the state could not be opened or changed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the state folder `{}`: {source}", .path.display())]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot move the damaged state file `{}` aside: {source}", .path.display())]
    MoveAside {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("state file `{}`: {source}", .path.display())]
    Sql {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("state file `{}` is damaged: {reason}", .path.display())]
    Damaged { path: PathBuf, reason: String },
    #[error("state file `{}` was written by a newer confcal (schema version {found}; this one knows up to {known})", .path.display())]
    Newer {
        path: PathBuf,
        found: usize,
        known: usize,
    },
}

/// A damaged state file that was moved aside and replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MovedAside {
    pub to: PathBuf,
    /// What was wrong, in one line.
    pub reason: String,
    /// How many rows were copied from it into the new file.
    pub salvaged: usize,
}

impl std::fmt::Display for MovedAside {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let rows = match self.salvaged {
            0 => "nothing could be read from it".to_owned(),
            1 => "1 row was read from it".to_owned(),
            n => format!("{n} rows were read from it"),
        };
        write!(
            f,
            "the state file was damaged ({}); it was moved to `{}` and a new one started ({rows}); reminders due before now count as sent, so none is sent twice",
            self.reason,
            self.to.display()
        )
    }
}

/// What is stored of one remote source. `body` is only filled by
/// [`Store::record`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceRecord {
    pub name: String,
    pub url: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub body: Option<Vec<u8>>,
    pub body_len: u64,
    pub body_sha256: Option<String>,
    /// When the stored body was downloaded.
    pub body_fetched: Option<DateTime<Utc>>,
    pub events: u64,
    pub deadlines: u64,
    pub last_attempt: Option<DateTime<Utc>>,
    /// The last attempt that confirmed or replaced the body.
    pub last_success: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// The first failure of the current run of failures.
    pub failing_since: Option<DateTime<Utc>>,
    pub failures: u32,
    pub retry_until: Option<DateTime<Utc>>,
}

impl SourceRecord {
    /// Whether a good body is stored.
    #[must_use]
    pub fn has_body(&self) -> bool {
        self.body_sha256.is_some()
    }

    /// The fetch history that decides when the source is next due.
    #[must_use]
    pub fn history(&self) -> History {
        History {
            last_attempt: self.last_attempt,
            failures: self.failures,
            retry_until: self.retry_until,
        }
    }
}

/// Stored sources by name.
pub type Records = HashMap<String, SourceRecord>;

/// A freshly downloaded body that parsed, to be stored as the last good
/// copy.
#[derive(Debug, Clone, Copy)]
pub struct GoodBody<'a> {
    pub body: &'a [u8],
    pub etag: Option<&'a str>,
    pub last_modified: Option<&'a str>,
    pub events: usize,
    pub deadlines: usize,
}

/// The open state file.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// A store, and the damaged file it replaced, if any.
#[derive(Debug)]
pub struct Opened {
    pub store: Store,
    pub moved_aside: Option<MovedAside>,
}

enum OpenError {
    Damaged(String),
    Other(StoreError),
}

impl Store {
    /// Opens (creating if needed) `state.db` in `dir`. A damaged file is
    /// moved aside to `state.db.damaged-<now>` and a fresh one created.
    pub fn open(dir: &Path, now: DateTime<Utc>) -> Result<Opened, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Folder {
            path: dir.to_owned(),
            source,
        })?;
        let path = dir.join(FILE);
        match Store::try_open(&path) {
            Ok(store) => Ok(Opened {
                store,
                moved_aside: None,
            }),
            Err(OpenError::Other(e)) => Err(e),
            Err(OpenError::Damaged(reason)) => {
                let to = move_aside(&path, now)?;
                let mut store = Store::try_open(&path).map_err(|e| match e {
                    OpenError::Other(e) => e,
                    OpenError::Damaged(reason) => StoreError::Damaged {
                        path: path.clone(),
                        reason,
                    },
                })?;
                let salvaged = salvage::salvage(&to, &store);
                store.set_ledger_from(now)?;
                Ok(Opened {
                    store,
                    moved_aside: Some(MovedAside {
                        to,
                        reason: summary(&reason),
                        salvaged,
                    }),
                })
            }
        }
    }

    fn try_open(path: &Path) -> Result<Store, OpenError> {
        let classify = |e: rusqlite::Error| match e.sqlite_error_code() {
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
                OpenError::Damaged(e.to_string())
            }
            _ => OpenError::Other(sql_error(path, e)),
        };
        let conn = Connection::open(path).map_err(classify)?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(classify)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(classify)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(classify)?;
        let verdict: String = conn
            .query_row("PRAGMA quick_check", [], |row| row.get(0))
            .map_err(classify)?;
        if verdict != "ok" {
            return Err(OpenError::Damaged(verdict));
        }
        let mut store = Store {
            conn,
            path: path.to_owned(),
        };
        store.migrate().map_err(OpenError::Other)?;
        Ok(store)
    }

    /// A second connection to the same state file, for work done beside
    /// this one's (the daemon's refreshes).
    pub fn reopen(&self) -> Result<Store, StoreError> {
        let fail = |e| sql_error(&self.path, e);
        let conn = Connection::open(&self.path).map_err(fail)?;
        conn.busy_timeout(Duration::from_secs(10)).map_err(fail)?;
        Ok(Store {
            conn,
            path: self.path.clone(),
        })
    }

    /// The state file's path.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction()
            .map_err(|e| sql_error(&self.path, e))?;
        let version: i64 = tx
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .map_err(|e| sql_error(&self.path, e))?;
        let version = usize::try_from(version).unwrap_or(usize::MAX);
        if version > MIGRATIONS.len() {
            return Err(StoreError::Newer {
                path: self.path.clone(),
                found: version,
                known: MIGRATIONS.len(),
            });
        }
        for migration in &MIGRATIONS[version..] {
            tx.execute_batch(migration)
                .map_err(|e| sql_error(&self.path, e))?;
        }
        tx.pragma_update(
            None,
            "user_version",
            i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX),
        )
        .map_err(|e| sql_error(&self.path, e))?;
        tx.commit().map_err(|e| sql_error(&self.path, e))
    }

    fn err(&self, e: rusqlite::Error) -> StoreError {
        sql_error(&self.path, e)
    }

    /// Every stored source, without bodies.
    pub fn records(&self) -> Result<Records, StoreError> {
        let mut statement = self
            .conn
            .prepare(&format!("SELECT {COLUMNS}, NULL FROM source ORDER BY name"))
            .map_err(|e| self.err(e))?;
        let rows = statement
            .query_map([], record_of)
            .map_err(|e| self.err(e))?;
        rows.map(|row| row.map(|r| (r.name.clone(), r)))
            .collect::<Result<_, _>>()
            .map_err(|e| self.err(e))
    }

    /// One stored source with its body.
    pub fn record(&self, name: &str) -> Result<Option<SourceRecord>, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {COLUMNS}, body FROM source WHERE name = ?1"),
                [name],
                record_of,
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Stores a new good body for `name`: it becomes the last good copy
    /// and the run of failures ends.
    pub fn save_body(
        &mut self,
        name: &str,
        url: &str,
        good: GoodBody<'_>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let hash = sha256(good.body);
        self.change(name, url, |tx| {
            tx.execute(
                "UPDATE source SET etag = ?2, last_modified = ?3, body = ?4, body_sha256 = ?5,
                    body_fetched = ?6, events = ?7, deadlines = ?8, last_attempt = ?6,
                    last_success = ?6, last_error = NULL, failing_since = NULL, failures = 0,
                    retry_until = NULL
                 WHERE name = ?1",
                params![
                    name,
                    good.etag,
                    good.last_modified,
                    good.body,
                    hash,
                    now,
                    i64::try_from(good.events).unwrap_or(i64::MAX),
                    i64::try_from(good.deadlines).unwrap_or(i64::MAX),
                ],
            )
        })
    }

    /// Records that the stored body is still current (`304 Not
    /// Modified`, or the same bytes again).
    pub fn save_unchanged(
        &mut self,
        name: &str,
        url: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.change(name, url, |tx| {
            tx.execute(
                "UPDATE source SET last_attempt = ?2, last_success = ?2, last_error = NULL,
                    failing_since = NULL, failures = 0, retry_until = NULL
                 WHERE name = ?1",
                params![name, now],
            )
        })
    }

    /// Records a failed attempt; the last good body stays.
    pub fn save_failure(
        &mut self,
        name: &str,
        url: &str,
        error: &str,
        retry_until: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.change(name, url, |tx| {
            tx.execute(
                "UPDATE source SET last_attempt = ?2, last_error = ?3,
                    failing_since = coalesce(failing_since, ?2), failures = failures + 1,
                    retry_until = ?4
                 WHERE name = ?1",
                params![name, now, error, retry_until],
            )
        })
    }

    /// Runs `update` on the row of `name` in one transaction, first
    /// creating the row, or clearing it when the source's URL changed.
    fn change(
        &mut self,
        name: &str,
        url: &str,
        update: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<usize>,
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let fail = |e| sql_error(&path, e);
        let tx = self.conn.transaction().map_err(fail)?;
        tx.execute(
            "DELETE FROM source WHERE name = ?1 AND url <> ?2",
            [name, url],
        )
        .map_err(fail)?;
        tx.execute(
            "INSERT INTO source (name, url) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING",
            [name, url],
        )
        .map_err(fail)?;
        update(&tx).map_err(fail)?;
        tx.commit().map_err(fail)
    }
}

const COLUMNS: &str = "name, url, etag, last_modified, length(body), body_sha256, body_fetched,
    events, deadlines, last_attempt, last_success, last_error, failing_since, failures,
    retry_until";

fn record_of(row: &Row<'_>) -> rusqlite::Result<SourceRecord> {
    Ok(SourceRecord {
        name: row.get(0)?,
        url: row.get(1)?,
        etag: row.get(2)?,
        last_modified: row.get(3)?,
        body_len: count(row, 4)?,
        body_sha256: row.get(5)?,
        body_fetched: row.get(6)?,
        events: count(row, 7)?,
        deadlines: count(row, 8)?,
        last_attempt: row.get(9)?,
        last_success: row.get(10)?,
        last_error: row.get(11)?,
        failing_since: row.get(12)?,
        failures: row.get(13)?,
        retry_until: row.get(14)?,
        body: row.get(15)?,
    })
}

fn count(row: &Row<'_>, index: usize) -> rusqlite::Result<u64> {
    let n: Option<i64> = row.get(index)?;
    Ok(n.and_then(|n| u64::try_from(n).ok()).unwrap_or(0))
}

/// The SHA-256 of `bytes`, in hex.
#[must_use]
pub fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        })
}

/// `quick_check`'s verdict (one line per problem found, maybe hundreds)
/// in one line: the first problem and how many more there are.
fn summary(verdict: &str) -> String {
    // "*** in database main ***" heads the list; it is no problem itself.
    let mut lines = verdict
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("***"));
    let first = lines.next().unwrap_or("unreadable").to_owned();
    match lines.count() {
        0 => first,
        1 => format!("{first}, and 1 more problem"),
        more => format!("{first}, and {more} more problems"),
    }
}

fn sql_error(path: &Path, source: rusqlite::Error) -> StoreError {
    StoreError::Sql {
        path: path.to_owned(),
        source,
    }
}

/// Renames a damaged state file, with its WAL and shared-memory files, to
/// `<name>.damaged-<now>` beside it; returns the new name.
fn move_aside(path: &Path, now: DateTime<Utc>) -> Result<PathBuf, StoreError> {
    let stamp = now.format("%Y%m%dT%H%M%SZ");
    let mut to = PathBuf::from(format!("{}.damaged-{stamp}", path.display()));
    let mut n = 1;
    while to.exists() {
        n += 1;
        to = PathBuf::from(format!("{}.damaged-{stamp}-{n}", path.display()));
    }
    let fail = |source| StoreError::MoveAside {
        path: path.to_owned(),
        source,
    };
    std::fs::rename(path, &to).map_err(fail)?;
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", path.display()));
        if side.exists() {
            let side_to = PathBuf::from(format!("{}{suffix}", to.display()));
            std::fs::rename(&side, side_to).map_err(fail)?;
        }
    }
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn good(body: &[u8]) -> GoodBody<'_> {
        GoodBody {
            body,
            etag: Some("\"v1\""),
            last_modified: None,
            events: 3,
            deadlines: 1,
        }
    }

    #[test]
    fn a_failure_keeps_the_last_good_body() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path(), at("2026-11-21T10:00:00Z"))
            .unwrap()
            .store;
        store
            .save_body(
                "a",
                "http://x/a.ics",
                good(b"BODY"),
                at("2026-11-21T10:00:00Z"),
            )
            .unwrap();
        for minute in ["01", "02"] {
            let t = at(&format!("2026-11-21T10:{minute}:00Z"));
            store
                .save_failure("a", "http://x/a.ics", "HTTP 500", None, t)
                .unwrap();
        }
        let record = store.record("a").unwrap().unwrap();
        assert_eq!(record.body.as_deref(), Some(&b"BODY"[..]));
        assert_eq!(record.etag.as_deref(), Some("\"v1\""));
        assert_eq!(record.failures, 2);
        assert_eq!(record.failing_since, Some(at("2026-11-21T10:01:00Z")));
        assert_eq!(record.last_success, Some(at("2026-11-21T10:00:00Z")));
        assert_eq!(record.body_len, 4);

        store
            .save_unchanged("a", "http://x/a.ics", at("2026-11-21T11:00:00Z"))
            .unwrap();
        let record = store.record("a").unwrap().unwrap();
        assert_eq!((record.failures, record.failing_since), (0, None));
        assert_eq!(record.body_fetched, Some(at("2026-11-21T10:00:00Z")));
    }

    #[test]
    fn a_new_url_starts_afresh() {
        let dir = tempfile::tempdir().unwrap();
        let now = at("2026-11-21T10:00:00Z");
        let mut store = Store::open(dir.path(), now).unwrap().store;
        store
            .save_body("a", "http://x/a.ics", good(b"OLD"), now)
            .unwrap();
        store
            .save_failure("a", "http://y/a.ics", "refused", None, now)
            .unwrap();
        let record = store.record("a").unwrap().unwrap();
        assert_eq!(record.body, None);
        assert_eq!(record.url, "http://y/a.ics");
    }

    #[test]
    fn state_survives_reopening_and_the_schema_is_versioned() {
        let dir = tempfile::tempdir().unwrap();
        let now = at("2026-11-21T10:00:00Z");
        let mut store = Store::open(dir.path(), now).unwrap().store;
        store
            .save_body("a", "http://x/a.ics", good(b"BODY"), now)
            .unwrap();
        drop(store);
        let opened = Store::open(dir.path(), now).unwrap();
        assert!(opened.moved_aside.is_none());
        assert_eq!(opened.store.records().unwrap().len(), 1);
        let version: i64 = opened
            .store
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(usize::try_from(version).unwrap(), MIGRATIONS.len());
    }

    #[test]
    fn a_damaged_file_is_moved_aside_not_discarded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        std::fs::write(&path, b"this is not a database, but someone's data").unwrap();
        let opened = Store::open(dir.path(), at("2026-11-21T10:00:00Z")).unwrap();
        let moved = opened.moved_aside.unwrap();
        assert_eq!(
            moved.to,
            dir.path().join("state.db.damaged-20261121T100000Z")
        );
        assert_eq!(
            std::fs::read(&moved.to).unwrap(),
            b"this is not a database, but someone's data"
        );
        assert!(opened.store.records().unwrap().is_empty());
    }

    #[test]
    fn a_damaged_file_gives_up_its_readable_rows_and_its_ledger_starts_now() {
        let dir = tempfile::tempdir().unwrap();
        let (then, now) = (at("2026-11-20T10:00:00Z"), at("2026-11-21T10:00:00Z"));
        let mut store = Store::open(dir.path(), then).unwrap().store;
        let sent = |i: usize| Delivery {
            uid: format!("cfp-{i}@x"),
            due: then,
            what: What::Changed,
            notifier: "log",
        };
        // The ledger's rows fill the first pages, the bodies the rest.
        for i in 0..20 {
            assert!(store.claim(&sent(i), then).unwrap());
            store.sent(&sent(i), then).unwrap();
        }
        let body = vec![b'x'; 8000];
        for i in 0..60 {
            let name = format!("s{i}");
            store
                .save_body(&name, "http://x/a.ics", good(&body), then)
                .unwrap();
        }
        drop(store);
        let path = dir.path().join(FILE);
        let mut bytes = std::fs::read(&path).unwrap();
        let half = bytes.len() / 2 / 4096 * 4096;
        for byte in &mut bytes[half..] {
            *byte = 0xA5;
        }
        std::fs::write(&path, &bytes).unwrap();

        let opened = Store::open(dir.path(), now).unwrap();
        let moved = opened.moved_aside.unwrap();
        assert!(!moved.reason.contains('\n'), "{}", moved.reason);
        assert!(moved.salvaged >= 20, "{moved:?}");
        let store = opened.store;
        for i in 0..20 {
            assert!(store.claimed(&sent(i)).unwrap(), "delivery {i} lost");
        }
        assert_eq!(store.ledger_from().unwrap(), Some(now));
    }

    #[test]
    fn a_long_verdict_is_summarised_in_one_line() {
        assert_eq!(summary("ok"), "ok");
        assert_eq!(
            summary("*** in database main ***\nPage 7: bad\nPage 9: bad\n"),
            "Page 7: bad, and 1 more problem"
        );
    }

    #[test]
    fn a_newer_schema_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let conn = Connection::open(dir.path().join(FILE)).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        let err = Store::open(dir.path(), at("2026-11-21T10:00:00Z")).unwrap_err();
        assert!(err.to_string().contains("newer confcal"), "{err}");
    }
}
