//! Reminders before deadlines: which are due when ([`schedule`]), what they
//! say ([`message`]), and how they reach the user ([`notify`]). The ledger
//! that makes each fire at most once lives in the state store.

pub mod deliver;
pub mod message;
pub mod notify;
pub mod schedule;

use serde::Serialize;

/// One message for the user: a reminder before a deadline, or word that a
/// deadline moved. Notifiers deliver it as it is; [`message`] words it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    pub what: NoticeKind,
    /// One line: "CFP closes in 1 day: KVM Forum 2015".
    pub summary: String,
    /// The due time in the zone it was stated in and in local time, and
    /// for a late reminder, that it is late.
    pub body: String,
    /// The deadline's UID.
    pub uid: String,
    /// The event's title and UID.
    pub event: String,
    pub event_uid: String,
    /// The deadline's kind: `cfp`, `registration`, ...
    pub kind: &'static str,
    /// When it is due, RFC 3339 in UTC.
    pub due_utc: String,
    /// When it is due as stated: `2015-05-01 23:59 AoE`.
    pub due_stated: String,
    /// When it is due in local time: `2015-05-02 13:59 Europe/Berlin`.
    pub due_local: String,
    /// The lead time of a reminder ("1d"); none for a change notice.
    pub lead: Option<String>,
    /// A reminder delivered after its time (confcal was not running, or the
    /// machine slept).
    pub late: bool,
    /// For a change notice: the due time before the change, RFC 3339 UTC.
    pub previous_due_utc: Option<String>,
    pub url: Option<String>,
    /// 24 hours or less to go: desktop notifications are marked critical.
    pub urgent: bool,
}

/// What a notice is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// A deadline is coming up.
    Reminder,
    /// A deadline moved.
    Changed,
    /// A watched call for papers appeared.
    NewCfp,
}
