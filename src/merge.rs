//! Identity and merging: the keys that say two sources describe the same
//! event, the stable UIDs derived from them, and the merge of every
//! source's events and deadlines into one [`Catalog`].
//!
//! A UID comes from what an event *is* (its name and year), never from
//! where it sits in a file, so reordering or reloading sources keeps every
//! UID, and a deadline keeps its UID when its date moves.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::model::{Catalog, DeadlineKind, Provenance};

/// Lower-case ASCII words joined by `-`: `KVM Forum 2015` → `kvm-forum-2015`.
#[must_use]
pub fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push('-');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out
}

/// The UID of an event named `title` that starts on `start`: its name with
/// the year put last, so "KVM Forum 2015" and "KVM Forum" starting in 2015
/// are one event: `kvm-forum-2015@confcal`.
#[must_use]
pub fn event_uid(title: &str, start: NaiveDate) -> String {
    let year = start.year().to_string();
    let base: Vec<String> = slug(title)
        .split('-')
        .filter(|w| *w != year && !w.is_empty())
        .map(str::to_owned)
        .collect();
    format!("{}-{year}@confcal", base.join("-"))
}

/// The UID of a deadline of `kind` for the event `event_uid`; `round`
/// tells several deadlines of one kind apart (`None` for the first).
#[must_use]
pub fn deadline_uid(event_uid: &str, kind: DeadlineKind, round: Option<&str>) -> String {
    match round {
        Some(round) => format!("{kind}-{round}.{event_uid}"),
        None => format!("{kind}.{event_uid}"),
    }
}

/// Merges what each source found into one catalog. The same UID from
/// several sources becomes one item: the newest revision's fields win,
/// then the higher-priority source's (the earlier source on a tie); tags
/// are united and every provenance is kept, the winner's first.
#[must_use]
pub fn merge(mut batches: Vec<Catalog>) -> Catalog {
    crate::identity::unify(&mut batches);
    let (mut events, mut deadlines) = (Vec::new(), Vec::new());
    for batch in batches {
        events.extend(batch.events);
        deadlines.extend(batch.deadlines);
    }
    crate::identity::note_overruled(&mut deadlines);
    let mut events = dedupe(
        events,
        |e| &e.uid,
        |e| (e.sequence, e.revision, e.priority),
        |e| (&mut e.tags, &mut e.provenance),
    );
    let mut deadlines = dedupe(
        deadlines,
        |d| &d.uid,
        |d| (0, None, d.priority),
        |d| (&mut d.tags, &mut d.provenance),
    );
    for deadline in &mut deadlines {
        if let Ok(i) = events.binary_search_by(|e| e.uid.as_str().cmp(&deadline.event_uid)) {
            deadline.event_title.clone_from(&events[i].title);
            if !events[i].tags.iter().all(|t| deadline.tags.contains(t)) {
                deadline.tags = union(&deadline.tags, &events[i].tags);
            }
        }
    }
    events.sort_by(|a, b| (a.start.date(), &a.uid).cmp(&(b.start.date(), &b.uid)));
    deadlines.sort_by_cached_key(|d| (d.due_instant(), d.uid.clone()));
    Catalog { events, deadlines }
}

/// Folds items with the same uid into one, sorted by uid: the newest
/// revision wins (highest `SEQUENCE`, then latest `LAST-MODIFIED`), then
/// the higher priority, then the first seen (the sort is stable).
fn dedupe<T>(
    mut items: Vec<T>,
    uid: impl Fn(&T) -> &String,
    rank: impl Fn(&T) -> (i64, Option<DateTime<Utc>>, i32),
    parts: impl Fn(&mut T) -> (&mut Vec<String>, &mut Vec<Provenance>),
) -> Vec<T> {
    items.sort_by(|a, b| uid(a).cmp(uid(b)).then(rank(b).cmp(&rank(a))));
    let mut out: Vec<T> = Vec::with_capacity(items.len());
    for mut item in items {
        match out.last_mut() {
            Some(winner) if uid(winner) == uid(&item) => {
                let (tags, provenance) = parts(&mut item);
                let (tags, provenance) = (std::mem::take(tags), std::mem::take(provenance));
                let (winner_tags, winner_provenance) = parts(winner);
                *winner_tags = union(winner_tags, &tags);
                for p in provenance {
                    if !winner_provenance.contains(&p) {
                        winner_provenance.push(p);
                    }
                }
            }
            _ => out.push(item),
        }
    }
    out
}

fn union(a: &[String], b: &[String]) -> Vec<String> {
    a.iter()
        .chain(b)
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Event, EventKind, When};

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn event(title: &str, source: &str, priority: i32, tags: &[&str]) -> Event {
        let start = date(2015, 8, 19);
        Event {
            uid: event_uid(title, start),
            title: title.into(),
            kind: EventKind::Conference,
            start: When::Date(start),
            end: When::Date(date(2015, 8, 21)),
            location: Some(format!("from {source}")),
            url: None,
            description: None,
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            parent: None,
            priority,
            provenance: vec![Provenance {
                source: source.into(),
                location: format!("{source}.toml:1"),
                evidence: None,
                confidence: None,
            }],
            recurrence: None,
            sequence: 0,
            revision: None,
            cancelled: false,
        }
    }

    #[test]
    fn uids_come_from_the_name_and_year() {
        assert_eq!(
            event_uid("KVM Forum 2015", date(2015, 8, 19)),
            "kvm-forum-2015@confcal"
        );
        assert_eq!(
            event_uid("KVM Forum", date(2015, 8, 19)),
            "kvm-forum-2015@confcal"
        );
        assert_eq!(
            deadline_uid("kvm-forum-2015@confcal", DeadlineKind::Cfp, None),
            "cfp.kvm-forum-2015@confcal"
        );
        assert_eq!(
            slug("Xen Project: Hackathon (Shanghai)"),
            "xen-project-hackathon-shanghai"
        );
    }

    #[test]
    fn the_same_event_from_two_sources_becomes_one() {
        let low = Catalog {
            events: vec![event("KVM Forum", "blog", 1, &["kvm"])],
            deadlines: vec![],
        };
        let high = Catalog {
            events: vec![event("KVM Forum 2015", "curated", 10, &["virt"])],
            deadlines: vec![],
        };
        let merged = merge(vec![low, high]);
        assert_eq!(merged.events.len(), 1);
        let e = &merged.events[0];
        assert_eq!(e.title, "KVM Forum 2015");
        assert_eq!(e.location.as_deref(), Some("from curated"));
        assert_eq!(e.tags, ["kvm", "virt"]);
        let sources: Vec<&str> = e.provenance.iter().map(|p| p.source.as_str()).collect();
        assert_eq!(sources, ["curated", "blog"]);
    }
}

/// What differs between two snapshots, by UID.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
}

impl Changes {
    /// Whether nothing differs.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// What changed from `old` to `new`, ignoring what changes on every export
/// of an unchanged feed: `DTSTAMP`/`LAST-MODIFIED` and where in a source a
/// fact was found.
#[must_use]
pub fn changes(old: &Catalog, new: &Catalog) -> Changes {
    let mut out = Changes::default();
    let old_items = fingerprints(old);
    let new_items = fingerprints(new);
    for (uid, item) in &new_items {
        match old_items.get(uid) {
            None => out.added.push(uid.clone()),
            Some(before) if before != item => out.changed.push(uid.clone()),
            Some(_) => {}
        }
    }
    out.removed = old_items
        .keys()
        .filter(|uid| !new_items.contains_key(*uid))
        .cloned()
        .collect();
    out
}

/// Every item by UID, with its volatile parts blanked, as text to compare.
fn fingerprints(catalog: &Catalog) -> std::collections::BTreeMap<String, String> {
    let events = catalog
        .events
        .iter()
        .map(|e| (e.uid.clone(), format!("{:?}", stable_event(e))));
    let deadlines = catalog.deadlines.iter().map(|d| {
        let mut d = d.clone();
        d.provenance.clear();
        (d.uid.clone(), format!("{d:?}"))
    });
    events.chain(deadlines).collect()
}

fn stable_event(event: &crate::model::Event) -> crate::model::Event {
    let mut event = event.clone();
    event.revision = None;
    event.provenance.clear();
    if let Some(recurrence) = event.recurrence.as_mut() {
        for o in &mut recurrence.overrides {
            o.event = stable_event(&o.event);
        }
    }
    event
}
