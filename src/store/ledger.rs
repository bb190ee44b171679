//! The reminder ledger and each deadline's history, in the state file.
//!
//! A delivery is one notice (a reminder at one lead time, or a change
//! notice) of one deadline at one due instant through one notifier. It is
//! **claimed before it is sent** and marked sent after: a claim is committed
//! to disk before the notifier runs, so a crash or `kill -9` at any instant
//! can never make the same reminder appear twice — the rule users asked for
//! ("never twice"). The price is the window between the claim and the send:
//! a crash exactly there leaves a claim that was never delivered. Such
//! claims are still marked `sending` on the next start, and are reported
//! then ([`Store::interrupted`]) rather than sent a second time. A notifier
//! that fails returns its claim ([`Store::release`]), so it is tried again.
//!
//! Each deadline's due instant is remembered; when a source moves it, the
//! row keeps the previous instant, bumps `sequence` (the feed's `SEQUENCE`)
//! and records when the move was seen, which re-arms its reminders.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};
use crate::time::Lead;

/// What the ledger remembers of one deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlineState {
    /// The due instant last seen.
    pub due: DateTime<Utc>,
    /// How often the due instant has moved.
    pub sequence: i64,
    /// When the current due instant was first seen.
    pub changed_at: DateTime<Utc>,
    /// The due instant before the last move.
    pub previous_due: Option<DateTime<Utc>>,
    /// Done or muted by the user.
    pub status: Option<Status>,
}

/// Why a deadline gets no more reminders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Submitted, registered: nothing left to do.
    Done,
    /// Not interested.
    Muted,
}

impl Status {
    fn name(self) -> &'static str {
        match self {
            Status::Done => "done",
            Status::Muted => "muted",
        }
    }
}

/// What the ledger knows of each deadline, by UID.
pub type States = HashMap<String, DeadlineState>;

/// Which notice of a deadline a delivery is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum What {
    /// The reminder this long before the deadline.
    Lead(Lead),
    /// The notice that the deadline moved to its current due instant.
    Changed,
    /// The notice that a watched call for papers appeared.
    NewCfp,
}

impl fmt::Display for What {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            What::Lead(lead) => write!(f, "lead {lead}"),
            What::Changed => f.write_str("changed"),
            What::NewCfp => f.write_str("new cfp"),
        }
    }
}

impl FromStr for What {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        match s.strip_prefix("lead ") {
            Some(lead) => lead.parse().map(What::Lead).map_err(|_| ()),
            None if s == "changed" => Ok(What::Changed),
            None if s == "new cfp" => Ok(What::NewCfp),
            None => Err(()),
        }
    }
}

/// A notice that a notifier can never deliver.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Undelivered {
    pub uid: String,
    /// `lead 3d` or `changed`.
    pub what: String,
    pub notifier: String,
    #[serde(serialize_with = "rfc3339")]
    pub at: DateTime<Utc>,
    pub error: String,
}

fn rfc3339<S: serde::Serializer>(at: &DateTime<Utc>, to: S) -> Result<S::Ok, S::Error> {
    to.serialize_str(&at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// One notice of one deadline through one notifier: the ledger's key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Delivery {
    pub uid: String,
    pub due: DateTime<Utc>,
    pub what: What,
    pub notifier: &'static str,
}

impl Store {
    /// Remembers the due instant of each `(uid, due)`: a new deadline is
    /// recorded, a moved one keeps its previous instant and counts up its
    /// sequence. Returns what the ledger knows of every deadline, in one
    /// transaction.
    pub fn observe<'a>(
        &mut self,
        deadlines: impl IntoIterator<Item = (&'a str, DateTime<Utc>)>,
        now: DateTime<Utc>,
    ) -> Result<States, StoreError> {
        let path = self.path.clone();
        let fail = |e| super::sql_error(&path, e);
        let tx = self.conn.transaction().map_err(fail)?;
        for (uid, due) in deadlines {
            tx.execute(
                "INSERT INTO deadline (uid, due, changed_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (uid) DO UPDATE SET
                    previous_due = due, due = excluded.due, sequence = sequence + 1,
                    changed_at = excluded.changed_at
                 WHERE due <> excluded.due",
                params![uid, due.timestamp(), now],
            )
            .map_err(fail)?;
        }
        tx.commit().map_err(fail)?;
        self.deadlines()
    }

    /// What the ledger knows of every deadline it has seen.
    pub fn deadlines(&self) -> Result<States, StoreError> {
        let mut statement = self
            .conn
            .prepare("SELECT uid, due, sequence, changed_at, previous_due, status FROM deadline")
            .map_err(|e| self.err(e))?;
        let rows = statement
            .query_map([], |row| {
                let status: Option<String> = row.get(5)?;
                Ok((
                    row.get::<_, String>(0)?,
                    DeadlineState {
                        due: instant(row.get(1)?),
                        sequence: row.get(2)?,
                        changed_at: row.get(3)?,
                        previous_due: row.get::<_, Option<i64>>(4)?.map(instant),
                        status: match status.as_deref() {
                            Some("done") => Some(Status::Done),
                            Some("muted") => Some(Status::Muted),
                            _ => None,
                        },
                    },
                ))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Marks the deadline `uid` (due at `due`) done or muted, or clears
    /// that with `None`.
    pub fn set_status(
        &mut self,
        uid: &str,
        due: DateTime<Utc>,
        status: Option<Status>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO deadline (uid, due, changed_at, status, status_at)
                 VALUES (?1, ?2, ?3, ?4, ?3)
                 ON CONFLICT (uid) DO UPDATE SET status = ?4, status_at = ?3",
                params![uid, due.timestamp(), now, status.map(Status::name)],
            )
            .map(drop)
            .map_err(|e| self.err(e))
    }

    /// Claims `delivery` before it is sent: `false` when it was claimed
    /// (or sent) before, and must not be sent again.
    pub fn claim(&mut self, delivery: &Delivery, now: DateTime<Utc>) -> Result<bool, StoreError> {
        self.conn
            .execute(
                "INSERT INTO delivery (uid, due, what, notifier, state, at)
                 VALUES (?1, ?2, ?3, ?4, 'sending', ?5) ON CONFLICT DO NOTHING",
                params![
                    delivery.uid,
                    delivery.due.timestamp(),
                    delivery.what.to_string(),
                    delivery.notifier,
                    now
                ],
            )
            .map(|inserted| inserted == 1)
            .map_err(|e| self.err(e))
    }

    /// Records that a claimed delivery was sent.
    pub fn sent(&mut self, delivery: &Delivery, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.set_state(delivery, Some("sent"), now)
    }

    /// Records that a claimed delivery can never be made (`why`): it is
    /// not tried again, and is shown by `check` and `/healthz`.
    pub fn undeliverable(
        &mut self,
        delivery: &Delivery,
        why: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.set_state(delivery, Some("failed"), now)?;
        self.conn
            .execute(
                "UPDATE delivery SET error = ?5
                 WHERE uid = ?1 AND due = ?2 AND what = ?3 AND notifier = ?4",
                params![
                    delivery.uid,
                    delivery.due.timestamp(),
                    delivery.what.to_string(),
                    delivery.notifier,
                    why
                ],
            )
            .map(drop)
            .map_err(|e| self.err(e))
    }

    /// Since when the ledger is complete: set when a damaged state file was
    /// replaced, and every reminder due before it counts as past.
    pub fn ledger_from(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'ledger_from'",
                [],
                |row| row.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    pub(super) fn set_ledger_from(&mut self, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO meta (key, value) VALUES ('ledger_from', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [at],
            )
            .map(drop)
            .map_err(|e| self.err(e))
    }

    /// The deliveries recorded as never possible, latest first.
    pub fn undelivered(&self) -> Result<Vec<Undelivered>, StoreError> {
        let mut statement = self
            .conn
            .prepare(
                "SELECT uid, what, notifier, at, coalesce(error, '') FROM delivery
                 WHERE state = 'failed' ORDER BY at DESC, uid",
            )
            .map_err(|e| self.err(e))?;
        let rows = statement
            .query_map([], |row| {
                Ok(Undelivered {
                    uid: row.get(0)?,
                    what: row.get(1)?,
                    notifier: row.get(2)?,
                    at: row.get(3)?,
                    error: row.get(4)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Returns the claim of a delivery that failed, so it is tried again.
    pub fn release(&mut self, delivery: &Delivery) -> Result<(), StoreError> {
        self.set_state(delivery, None, DateTime::<Utc>::MIN_UTC)
    }

    /// Whether `delivery` was claimed or sent.
    pub fn claimed(&self, delivery: &Delivery) -> Result<bool, StoreError> {
        self.conn
            .query_row(
                "SELECT 1 FROM delivery WHERE uid = ?1 AND due = ?2 AND what = ?3 AND notifier = ?4",
                params![
                    delivery.uid,
                    delivery.due.timestamp(),
                    delivery.what.to_string(),
                    delivery.notifier
                ],
                |_| Ok(()),
            )
            .optional()
            .map(|found| found.is_some())
            .map_err(|e| self.err(e))
    }

    /// Claims left `sending` by a run that stopped mid-send: they may not
    /// have been delivered. Each is returned once, then marked `interrupted`.
    pub fn interrupted(&mut self) -> Result<Vec<Delivery>, StoreError> {
        let mut statement = self
            .conn
            .prepare("SELECT uid, due, what, notifier FROM delivery WHERE state = 'sending'")
            .map_err(|e| self.err(e))?;
        let rows: Vec<(String, i64, String, String)> = statement
            .query_map([], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
            })
            .map_err(|e| self.err(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| self.err(e))?;
        drop(statement);
        self.conn
            .execute(
                "UPDATE delivery SET state = 'interrupted' WHERE state = 'sending'",
                [],
            )
            .map_err(|e| self.err(e))?;
        Ok(rows
            .into_iter()
            .filter_map(|(uid, due, what, notifier)| {
                Some(Delivery {
                    uid,
                    due: instant(due),
                    what: what.parse().ok()?,
                    notifier: notifier_name(&notifier)?,
                })
            })
            .collect())
    }

    fn set_state(
        &mut self,
        delivery: &Delivery,
        state: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let key = params![
            delivery.uid,
            delivery.due.timestamp(),
            delivery.what.to_string(),
            delivery.notifier
        ];
        let result = match state {
            Some(state) => self.conn.execute(
                "UPDATE delivery SET state = ?5, at = ?6
                 WHERE uid = ?1 AND due = ?2 AND what = ?3 AND notifier = ?4",
                params![
                    delivery.uid,
                    delivery.due.timestamp(),
                    delivery.what.to_string(),
                    delivery.notifier,
                    state,
                    now
                ],
            ),
            None => self.conn.execute(
                "DELETE FROM delivery WHERE uid = ?1 AND due = ?2 AND what = ?3 AND notifier = ?4",
                key,
            ),
        };
        result.map(drop).map_err(|e| self.err(e))
    }
}

fn instant(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// The notifier names the ledger knows, as static strings.
fn notifier_name(name: &str) -> Option<&'static str> {
    ["desktop", "log", "command"]
        .into_iter()
        .find(|known| *known == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), at("2015-04-01T00:00:00Z"))
            .unwrap()
            .store;
        (dir, store)
    }

    fn delivery(due: DateTime<Utc>) -> Delivery {
        Delivery {
            uid: "cfp@kvm".into(),
            due,
            what: What::Lead("1d".parse().unwrap()),
            notifier: "desktop",
        }
    }

    #[test]
    fn a_claim_is_granted_once_and_survives_reopening() {
        let (dir, mut store) = store();
        let now = at("2015-04-30T00:00:00Z");
        let d = delivery(at("2015-05-01T11:59:59Z"));
        assert!(store.claim(&d, now).unwrap());
        assert!(!store.claim(&d, now).unwrap());
        drop(store);
        let mut store = Store::open(dir.path(), now).unwrap().store;
        assert!(!store.claim(&d, now).unwrap());
        // Unsent: reported once as interrupted, never granted again.
        assert_eq!(store.interrupted().unwrap(), vec![d.clone()]);
        assert!(store.interrupted().unwrap().is_empty());
        assert!(!store.claim(&d, now).unwrap());
    }

    #[test]
    fn a_released_claim_can_be_taken_again() {
        let (_dir, mut store) = store();
        let now = at("2015-04-30T00:00:00Z");
        let d = delivery(at("2015-05-01T11:59:59Z"));
        assert!(store.claim(&d, now).unwrap());
        store.release(&d).unwrap();
        assert!(!store.claimed(&d).unwrap());
        assert!(store.claim(&d, now).unwrap());
        store.sent(&d, now).unwrap();
        assert!(store.interrupted().unwrap().is_empty());
        // Another due instant is another delivery.
        assert!(
            store
                .claim(&delivery(at("2015-05-08T11:59:59Z")), now)
                .unwrap()
        );
    }

    #[test]
    fn a_moved_deadline_keeps_its_history() {
        let (_dir, mut store) = store();
        let (first, moved) = (at("2015-05-01T11:59:59Z"), at("2015-05-08T11:59:59Z"));
        let seen = at("2015-04-02T00:00:00Z");
        let states = store.observe([("cfp@kvm", first)], seen).unwrap();
        assert_eq!(states["cfp@kvm"].sequence, 0);
        let again = store
            .observe([("cfp@kvm", first)], at("2015-04-03T00:00:00Z"))
            .unwrap();
        assert_eq!(again["cfp@kvm"].changed_at, seen);
        let later = at("2015-04-20T00:00:00Z");
        let states = store.observe([("cfp@kvm", moved)], later).unwrap();
        let state = &states["cfp@kvm"];
        assert_eq!((state.due, state.sequence), (moved, 1));
        assert_eq!((state.previous_due, state.changed_at), (Some(first), later));
    }

    #[test]
    fn status_is_set_and_cleared() {
        let (_dir, mut store) = store();
        let due = at("2015-05-01T11:59:59Z");
        let now = at("2015-04-02T00:00:00Z");
        store
            .set_status("cfp@kvm", due, Some(Status::Done), now)
            .unwrap();
        assert_eq!(
            store.deadlines().unwrap()["cfp@kvm"].status,
            Some(Status::Done)
        );
        store.set_status("cfp@kvm", due, None, now).unwrap();
        assert_eq!(store.deadlines().unwrap()["cfp@kvm"].status, None);
    }
}
