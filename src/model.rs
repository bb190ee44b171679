//! The domain: events, deadlines, when they happen and where each fact came
//! from. Plain data with no I/O; every other module speaks in these types.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use serde::Serialize;

use crate::time::{Zone, end_of_day};

/// When something happens, in the form it was stated. Never collapsed
/// early: an all-day event stays all-day in the feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum When {
    /// A whole day, with no time.
    Date(NaiveDate),
    /// A local date-time with no zone: the same wall time everywhere.
    Floating(NaiveDateTime),
    /// A local date-time in a stated zone.
    Zoned(NaiveDateTime, Zone),
    /// An instant in UTC.
    Utc(DateTime<Utc>),
}

impl When {
    /// The calendar date this starts on, as stated.
    #[must_use]
    pub fn date(&self) -> NaiveDate {
        match self {
            When::Date(d) => *d,
            When::Floating(t) | When::Zoned(t, _) => t.date(),
            When::Utc(t) => t.date_naive(),
        }
    }

    /// The instant this starts, reading dates and floating times in `local`.
    #[must_use]
    pub fn start_instant(&self, local: Zone) -> DateTime<Utc> {
        match self {
            When::Date(d) => local.instant(d.and_time(NaiveTime::MIN)),
            When::Floating(t) => local.instant(*t),
            When::Zoned(t, zone) => zone.instant(*t),
            When::Utc(t) => *t,
        }
    }

    /// The zone this was stated in, if any.
    #[must_use]
    pub fn zone(&self) -> Option<Zone> {
        match self {
            When::Zoned(_, zone) => Some(*zone),
            When::Utc(_) => Some(Zone::Utc),
            When::Date(_) | When::Floating(_) => None,
        }
    }
}

/// What sort of gathering an event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    Conference,
    Workshop,
    Summit,
    Hackathon,
    Meetup,
    Social,
    Talk,
    Training,
    Other,
}

/// What a deadline closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeadlineKind {
    Cfp,
    Abstract,
    Paper,
    Registration,
    EarlyBird,
    Notification,
    CameraReady,
    Other,
}

macro_rules! named_kinds {
    ($kind:ty, $what:literal, [$($variant:ident => $name:literal),+ $(,)?]) => {
        impl $kind {
            /// Every kind, in the order they are listed to people.
            pub const ALL: &'static [$kind] = &[$(<$kind>::$variant),+];

            /// The name used in files, on the command line and in JSON.
            #[must_use]
            pub fn name(self) -> &'static str {
                match self { $(<$kind>::$variant => $name),+ }
            }
        }

        impl FromStr for $kind {
            type Err = UnknownKind;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
                    $($name => Ok(<$kind>::$variant),)+
                    _ => Err(UnknownKind {
                        what: $what,
                        given: s.to_owned(),
                        expected: <$kind>::ALL.iter().map(|k| k.name()).collect(),
                    }),
                }
            }
        }

        impl fmt::Display for $kind {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

named_kinds!(EventKind, "event kind", [
    Conference => "conference",
    Workshop => "workshop",
    Summit => "summit",
    Hackathon => "hackathon",
    Meetup => "meetup",
    Social => "social",
    Talk => "talk",
    Training => "training",
    Other => "other",
]);

named_kinds!(DeadlineKind, "deadline kind", [
    Cfp => "cfp",
    Abstract => "abstract",
    Paper => "paper",
    Registration => "registration",
    EarlyBird => "early-bird",
    Notification => "notification",
    CameraReady => "camera-ready",
    Other => "other",
]);

/// A kind name that is not one of the known kinds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{given}`: expected one of {}", .expected.join(", "))]
pub struct UnknownKind {
    pub what: &'static str,
    pub given: String,
    pub expected: Vec<&'static str>,
}

impl DeadlineKind {
    /// How a deadline of this kind is announced: "CFP closes", "Registration
    /// closes".
    #[must_use]
    pub fn headline(self) -> &'static str {
        match self {
            DeadlineKind::Cfp => "CFP closes",
            DeadlineKind::Abstract => "Abstracts due",
            DeadlineKind::Paper => "Papers due",
            DeadlineKind::Registration => "Registration closes",
            DeadlineKind::EarlyBird => "Early-bird ends",
            DeadlineKind::Notification => "Notifications",
            DeadlineKind::CameraReady => "Camera-ready due",
            DeadlineKind::Other => "Deadline",
        }
    }
}

/// Where a fact came from: the source, the place in it, and for facts read
/// out of prose, the sentence and how sure the reading is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Provenance {
    /// The `name` of the source in `config.toml`.
    pub source: String,
    /// The place in the source: `feeds/kvm.toml:12`, a URL.
    pub location: String,
    /// For extracted facts, the sentence they came from.
    pub evidence: Option<String>,
    /// For extracted facts, confidence in percent.
    pub confidence: Option<u8>,
}

impl fmt::Display for Provenance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.source, self.location)
    }
}

/// A conference, summit, hackathon or any other gathering.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub uid: String,
    pub title: String,
    pub kind: EventKind,
    pub start: When,
    /// The end as people say it: for all-day events, the last day itself
    /// (inclusive); for timed events, the instant it ends.
    pub end: When,
    pub location: Option<String>,
    pub url: Option<String>,
    pub description: Option<String>,
    pub tags: Vec<String>,
    /// The uid of the event this one happens inside of.
    pub parent: Option<String>,
    /// The source priority of the winning copy: higher wins on merge.
    pub priority: i32,
    /// Every source that stated this event, the winning one first.
    pub provenance: Vec<Provenance>,
    /// For a series: its rules, extra and excluded dates, and overrides.
    pub recurrence: Option<Box<Recurrence>>,
    /// The iCalendar `SEQUENCE`: a higher one is a newer revision.
    pub sequence: i64,
    /// When this revision was made (`LAST-MODIFIED`, else `DTSTAMP`).
    pub revision: Option<DateTime<Utc>>,
    /// `STATUS:CANCELLED`.
    pub cancelled: bool,
}

/// How an event repeats (RFC 5545 section 3.8.5).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Recurrence {
    /// `RRULE` values, as written (expanded by `recur`).
    pub rules: Vec<String>,
    /// `RDATE`s: extra starts, some with their own end.
    pub rdates: Vec<RDate>,
    /// `EXDATE`s: starts that do not happen.
    pub exdates: Vec<When>,
    /// Occurrences changed or cancelled one by one (`RECURRENCE-ID`).
    pub overrides: Vec<Override>,
}

/// One `RDATE` value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RDate {
    /// An extra start; the occurrence lasts as long as the series'.
    At(When),
    /// An extra occurrence with its own start and end.
    Period(When, When),
}

/// A changed occurrence of a series: `RECURRENCE-ID` names the start it
/// replaces.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    pub recurrence_id: When,
    /// `RANGE=THISANDFUTURE`: the change applies to every later occurrence
    /// too.
    pub this_and_future: bool,
    /// The occurrence as it now is (its own `recurrence` is `None`).
    pub event: Event,
}

impl Event {
    /// Whether the event is all-day (dates with no time).
    #[must_use]
    pub fn all_day(&self) -> bool {
        matches!(self.start, When::Date(_))
    }

    /// The half-open span `[start, end)` of the event as instants, reading
    /// dates and floating times in `local`.
    #[must_use]
    pub fn span(&self, local: Zone) -> (DateTime<Utc>, DateTime<Utc>) {
        let start = self.start.start_instant(local);
        let end = match self.end {
            When::Date(last) => local.instant(last.and_time(NaiveTime::MIN)) + Duration::days(1),
            other => other.start_instant(local),
        };
        (start, end.max(start))
    }
}

/// A date by which something must be done: a CFP closing, a registration
/// cutoff.
#[derive(Debug, Clone, PartialEq)]
pub struct Deadline {
    pub uid: String,
    pub event_uid: String,
    /// The event's title, so a deadline can be shown on its own.
    pub event_title: String,
    pub kind: DeadlineKind,
    /// The due date or date-time, as stated.
    pub due: When,
    /// The zone the deadline is read in: the stated one, else the source's,
    /// else `deadline_timezone`.
    pub zone: Zone,
    pub label: Option<String>,
    pub url: Option<String>,
    pub tags: Vec<String>,
    pub priority: i32,
    pub provenance: Vec<Provenance>,
    /// `SEQUENCE`: how often the due time has moved since it was first seen.
    pub sequence: i64,
    /// `LAST-MODIFIED`: when the due time last moved.
    pub revision: Option<DateTime<Utc>>,
}

impl Deadline {
    /// The local date-time the deadline falls due, in [`Deadline::zone`]: the
    /// end of the day when only a date was stated.
    #[must_use]
    pub fn due_local(&self) -> NaiveDateTime {
        match self.due {
            When::Date(d) => end_of_day(d),
            When::Floating(t) | When::Zoned(t, _) => t,
            When::Utc(t) => self.zone.localize(t).naive_local(),
        }
    }

    /// The instant the deadline falls due.
    #[must_use]
    pub fn due_instant(&self) -> DateTime<Utc> {
        match self.due {
            When::Utc(t) => t,
            When::Zoned(t, zone) => zone.instant(t),
            When::Date(_) | When::Floating(_) => self.zone.instant(self.due_local()),
        }
    }

    /// "CFP closes: KVM Forum 2015".
    #[must_use]
    pub fn title(&self) -> String {
        match &self.label {
            Some(label) => format!("{}: {} ({label})", self.kind.headline(), self.event_title),
            None => format!("{}: {}", self.kind.headline(), self.event_title),
        }
    }
}

/// An immutable snapshot of everything known: merged events and deadlines,
/// each sorted by time and then uid.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalog {
    pub events: Vec<Event>,
    pub deadlines: Vec<Deadline>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deadline(due: When, zone: Zone) -> Deadline {
        Deadline {
            uid: "d".into(),
            event_uid: "e".into(),
            event_title: "KVM Forum 2015".into(),
            kind: DeadlineKind::Cfp,
            due,
            zone,
            label: None,
            url: None,
            tags: vec![],
            priority: 0,
            provenance: vec![],
            sequence: 0,
            revision: None,
        }
    }

    #[test]
    fn a_date_only_deadline_is_due_at_the_end_of_its_day_in_its_zone() {
        let may1 = NaiveDate::from_ymd_opt(2015, 5, 1).unwrap();
        let d = deadline(When::Date(may1), Zone::Aoe);
        assert_eq!(d.due_instant().to_rfc3339(), "2015-05-02T11:59:59+00:00");
        assert_eq!(d.title(), "CFP closes: KVM Forum 2015");
    }

    #[test]
    fn kinds_parse_by_their_names() {
        assert_eq!("camera_ready".parse(), Ok(DeadlineKind::CameraReady));
        assert_eq!("Early-Bird".parse(), Ok(DeadlineKind::EarlyBird));
        let err = "deadline".parse::<DeadlineKind>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown deadline kind `deadline`: expected one of cfp, abstract, paper, registration, early-bird, notification, camera-ready, other"
        );
    }

    #[test]
    fn an_all_day_event_spans_through_its_last_day() {
        let day = |d| NaiveDate::from_ymd_opt(2015, 8, d).unwrap();
        let event = Event {
            uid: "e".into(),
            title: "KVM Forum 2015".into(),
            kind: EventKind::Conference,
            start: When::Date(day(19)),
            end: When::Date(day(21)),
            location: None,
            url: None,
            description: None,
            tags: vec![],
            parent: None,
            priority: 0,
            provenance: vec![],
            recurrence: None,
            sequence: 0,
            revision: None,
            cancelled: false,
        };
        let (start, end) = event.span(Zone::Utc);
        assert_eq!(start.to_rfc3339(), "2015-08-19T00:00:00+00:00");
        assert_eq!(end.to_rfc3339(), "2015-08-22T00:00:00+00:00");
    }
}
