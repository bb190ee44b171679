//! Time-window queries over a catalog: what falls in `[from, until)`,
//! filtered by kind and tag, in time order. Behind `upcoming`, and the
//! JSON shape (`upcoming --format json`) that scripts rely on.

use std::str::FromStr;

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
use serde::Serialize;

use crate::model::{Catalog, Deadline, DeadlineKind, Event, EventKind, When};
use crate::recur::{Cut, Occurrence, occurrences_noting_cuts};
use crate::time::Zone;

/// The half-open span of time a query covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
}

/// A kind to keep: an event kind or a deadline kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KindFilter {
    Event(EventKind),
    Deadline(DeadlineKind),
}

/// A name that is neither an event kind nor a deadline kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown kind `{0}`: expected an event kind ({events}) or a deadline kind ({deadlines})",
    events = names(EventKind::ALL.iter().map(|k| k.name())),
    deadlines = names(DeadlineKind::ALL.iter().map(|k| k.name())))]
pub struct UnknownKindFilter(pub String);

fn names<'a>(all: impl Iterator<Item = &'a str>) -> String {
    all.collect::<Vec<_>>().join(", ")
}

impl FromStr for KindFilter {
    type Err = UnknownKindFilter;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EventKind::from_str(s)
            .map(KindFilter::Event)
            .or_else(|_| DeadlineKind::from_str(s).map(KindFilter::Deadline))
            .map_err(|_| UnknownKindFilter(s.to_owned()))
    }
}

/// Which items to keep: any of `kinds` (all when empty), any of `tags`
/// (all when empty).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub kinds: Vec<KindFilter>,
    pub tags: Vec<String>,
}

impl Filter {
    fn keeps(&self, kind: KindFilter, tags: &[String]) -> bool {
        (self.kinds.is_empty() || self.kinds.contains(&kind))
            && (self.tags.is_empty()
                || self
                    .tags
                    .iter()
                    .any(|t| tags.iter().any(|u| u.eq_ignore_ascii_case(t))))
    }
}

/// One thing in a window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Item<'a> {
    /// An event, or one occurrence of a series.
    Event(Occurrence<'a>),
    Deadline(&'a Deadline),
}

/// An item and the instant it sorts by: an event's start, a deadline's due
/// time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Entry<'a> {
    pub at: DateTime<Utc>,
    pub item: Item<'a>,
}

/// Everything in `window` that `filter` keeps, in time order: events that
/// overlap the window, deadlines due in it. Dates and floating times are
/// read in `local`.
#[must_use]
pub fn upcoming<'a>(
    catalog: &'a Catalog,
    window: Window,
    filter: &Filter,
    local: Zone,
) -> Vec<Entry<'a>> {
    upcoming_noting_cuts(catalog, window, filter, local).0
}

/// A series whose occurrences in a window were cut short by the expansion
/// limits: said to the user, never silently.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CutShort<'a> {
    pub event: &'a Event,
    pub window: Window,
    pub cut: Cut,
}

impl std::fmt::Display for CutShort<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`{}` ({}) is cut short from {} to {}: {}",
            self.event.title,
            self.event.uid,
            crate::time::stamp(self.window.from),
            crate::time::stamp(self.window.until),
            self.cut
        )
    }
}

/// [`upcoming`], and the series whose occurrences were cut short.
#[must_use]
pub fn upcoming_noting_cuts<'a>(
    catalog: &'a Catalog,
    window: Window,
    filter: &Filter,
    local: Zone,
) -> (Vec<Entry<'a>>, Vec<CutShort<'a>>) {
    let mut cuts = Vec::new();
    let mut entries = Vec::new();
    let kept = catalog
        .events
        .iter()
        .filter(|event| filter.keeps(KindFilter::Event(event.kind), &event.tags));
    for event in kept {
        let (found, cut) = occurrences_noting_cuts(event, window.from, window.until, local);
        if let Some(cut) = cut {
            cuts.push(CutShort { event, window, cut });
        }
        entries.extend(found.into_iter().map(|o| Entry {
            at: o.start.start_instant(local),
            item: Item::Event(o),
        }));
    }
    let deadlines = catalog.deadlines.iter().filter_map(|deadline| {
        let due = deadline.due_instant();
        (window.from <= due
            && due < window.until
            && filter.keeps(KindFilter::Deadline(deadline.kind), &deadline.tags))
        .then_some(Entry {
            at: due,
            item: Item::Deadline(deadline),
        })
    });
    entries.extend(deadlines);
    entries.sort_by(|a, b| (a.at, a.item.uid()).cmp(&(b.at, b.item.uid())));
    (entries, cuts)
}

impl Item<'_> {
    /// The item's UID.
    #[must_use]
    pub fn uid(&self) -> &str {
        match self {
            Item::Event(o) => &o.event.uid,
            Item::Deadline(d) => &d.uid,
        }
    }
}

/// One item of `upcoming --format json`. Fields that do not apply to an
/// item's type are `null`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JsonItem {
    #[serde(rename = "type")]
    pub item_type: &'static str,
    pub kind: &'static str,
    pub title: String,
    pub uid: String,
    pub event_uid: Option<String>,
    pub event: Option<String>,
    pub due: Option<String>,
    pub due_utc: Option<String>,
    pub tz: Option<String>,
    pub start: Option<String>,
    pub end: Option<String>,
    pub start_utc: Option<String>,
    pub recurrence_id: Option<String>,
    pub all_day: Option<bool>,
    pub location: Option<String>,
    pub url: Option<String>,
    pub source: Option<String>,
    pub tags: Vec<String>,
}

impl From<&Entry<'_>> for JsonItem {
    fn from(entry: &Entry<'_>) -> Self {
        match entry.item {
            Item::Event(occurrence) => event_json(&occurrence, entry.at),
            Item::Deadline(deadline) => deadline_json(deadline),
        }
    }
}

fn event_json(occurrence: &Occurrence<'_>, start: DateTime<Utc>) -> JsonItem {
    let event = occurrence.event;
    JsonItem {
        item_type: "event",
        kind: event.kind.name(),
        title: event.title.clone(),
        uid: event.uid.clone(),
        event_uid: None,
        event: None,
        due: None,
        due_utc: None,
        tz: occurrence.start.zone().map(|z| z.to_string()),
        start: Some(when_json(occurrence.start)),
        end: Some(when_json(occurrence.end)),
        start_utc: Some(start.to_rfc3339_opts(SecondsFormat::Secs, true)),
        recurrence_id: occurrence.recurrence_id.map(when_json),
        all_day: Some(matches!(occurrence.start, When::Date(_))),
        location: event.location.clone(),
        url: event.url.clone(),
        source: event.provenance.first().map(|p| p.source.clone()),
        tags: event.tags.clone(),
    }
}

fn deadline_json(deadline: &Deadline) -> JsonItem {
    let due = deadline.due_instant();
    JsonItem {
        item_type: "deadline",
        kind: deadline.kind.name(),
        title: deadline.title(),
        uid: deadline.uid.clone(),
        event_uid: Some(deadline.event_uid.clone()),
        event: Some(deadline.event_title.clone()),
        due: Some(rfc3339(deadline.zone.localize(due))),
        due_utc: Some(due.to_rfc3339_opts(SecondsFormat::Secs, true)),
        tz: Some(deadline.zone.to_string()),
        start: None,
        end: None,
        start_utc: None,
        recurrence_id: None,
        all_day: None,
        location: None,
        url: deadline.url.clone(),
        source: deadline.provenance.first().map(|p| p.source.clone()),
        tags: deadline.tags.clone(),
    }
}

fn rfc3339(t: DateTime<FixedOffset>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A start or end as JSON: `YYYY-MM-DD` for dates, RFC 3339 with the zone's
/// offset for zoned times, no offset for floating ones.
fn when_json(when: When) -> String {
    match when {
        When::Date(d) => d.format("%Y-%m-%d").to_string(),
        When::Floating(t) => t.format("%Y-%m-%dT%H:%M:%S").to_string(),
        When::Zoned(t, zone) => rfc3339(zone.localize(zone.instant(t))),
        When::Utc(t) => t.to_rfc3339_opts(SecondsFormat::Secs, true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_filters_take_event_and_deadline_kinds() {
        assert_eq!("cfp".parse(), Ok(KindFilter::Deadline(DeadlineKind::Cfp)));
        assert_eq!(
            "hackathon".parse(),
            Ok(KindFilter::Event(EventKind::Hackathon))
        );
        let err = "party".parse::<KindFilter>().unwrap_err().to_string();
        assert!(
            err.starts_with("unknown kind `party`: expected an event kind (conference,"),
            "{err}"
        );
    }

    #[test]
    fn tag_filters_ignore_case() {
        let filter = Filter {
            kinds: vec![],
            tags: vec!["KVM".into()],
        };
        assert!(filter.keeps(KindFilter::Event(EventKind::Social), &["kvm".into()]));
        assert!(!filter.keeps(KindFilter::Event(EventKind::Social), &["xen".into()]));
    }
}
