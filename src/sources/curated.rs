//! Curated conference files: TOML that people write by hand, one or more
//! `[[event]]` tables each with its `[[event.deadline]]`s. The format is
//! documented in README.md; every error names `file:line:column`.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;
use std::str::FromStr;

use chrono::{FixedOffset, NaiveDate, NaiveDateTime, NaiveTime};
use serde::Deserialize;
use toml::Spanned;
use toml::value::{Datetime, Offset};

use super::{Loaded, SourceError, files_in};
use crate::config::SourceConfig;
use crate::merge::{deadline_uid, event_uid, slug};
use crate::model::{Deadline, DeadlineKind, Event, EventKind, Provenance, When};
use crate::place::{LineIndex, Place, Placed};
use crate::time::Zone;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    timezone: Option<Spanned<String>>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default, rename = "event")]
    events: Vec<Spanned<RawEvent>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvent {
    id: Option<String>,
    uid: Option<String>,
    name: Spanned<String>,
    kind: Option<Spanned<String>>,
    start: Spanned<Datetime>,
    end: Option<Spanned<Datetime>>,
    timezone: Option<Spanned<String>>,
    location: Option<String>,
    url: Option<String>,
    description: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    parent: Option<Spanned<String>>,
    #[serde(default, rename = "deadline")]
    deadlines: Vec<Spanned<RawDeadline>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeadline {
    kind: Spanned<String>,
    due: Spanned<Datetime>,
    timezone: Option<Spanned<String>>,
    label: Option<String>,
    round: Option<Spanned<u32>>,
    url: Option<String>,
}

/// Reads a curated file or every `.toml` file of a curated folder.
pub(crate) fn load(source: &SourceConfig, path: &Path, deadline_timezone: Zone) -> Loaded {
    let mut out = Loaded::default();
    let files = match files_in(path, "toml") {
        Ok(files) => files,
        Err(e) => {
            out.problems.push(e);
            return out;
        }
    };
    let mut index = SourceIndex::default();
    for file in files {
        let text = match std::fs::read_to_string(&file) {
            Ok(text) => text,
            Err(e) => {
                out.problems.push(SourceError::Read {
                    path: file,
                    source: e,
                });
                continue;
            }
        };
        let reader = FileReader::new(source, &file, &text, deadline_timezone);
        reader.read(&mut out, &mut index);
    }
    index.resolve_parents(&mut out);
    out
}

/// Reads one curated document's `text` (a download's, say), named
/// `origin` in messages.
pub(crate) fn parse(
    source: &SourceConfig,
    origin: &Path,
    text: &str,
    deadline_timezone: Zone,
) -> Loaded {
    let mut out = Loaded::default();
    let mut index = SourceIndex::default();
    FileReader::new(source, origin, text, deadline_timezone).read(&mut out, &mut index);
    index.resolve_parents(&mut out);
    out
}

/// What a source's files declared, for checks that span files: uids seen
/// and `id` handles for `parent`.
#[derive(Default)]
struct SourceIndex {
    uids: HashMap<String, Place>,
    ids: HashMap<String, String>,
    parents: Vec<(usize, String, Placed)>,
}

impl SourceIndex {
    fn resolve_parents(self, out: &mut Loaded) {
        for (event, id, missing) in self.parents {
            match self.ids.get(&id) {
                Some(uid) => out.catalog.events[event].parent = Some(uid.clone()),
                None => out.problems.push(missing.into()),
            }
        }
    }
}

struct FileReader<'a> {
    source: &'a SourceConfig,
    path: &'a Path,
    text: &'a str,
    lines: LineIndex,
    deadline_timezone: Zone,
}

/// The parts of a file that apply to every event in it.
struct FileDefaults {
    zone: Option<Zone>,
    tags: Vec<String>,
}

impl<'a> FileReader<'a> {
    fn new(
        source: &'a SourceConfig,
        path: &'a Path,
        text: &'a str,
        deadline_timezone: Zone,
    ) -> Self {
        FileReader {
            source,
            path,
            text,
            lines: LineIndex::new(text),
            deadline_timezone,
        }
    }

    fn place(&self, span: &Range<usize>) -> Place {
        self.lines.place(self.path, self.text, span.start)
    }

    fn error(&self, span: &Range<usize>, message: impl Into<String>) -> Placed {
        Placed {
            place: self.place(span),
            message: message.into(),
        }
    }

    /// Where a fact came from: `file:line`, the file relative to the
    /// configuration's folder so that the feed does not depend on where
    /// confcal was started.
    fn provenance(&self, span: &Range<usize>) -> Provenance {
        let file = self
            .path
            .strip_prefix(&self.source.root)
            .unwrap_or(self.path);
        Provenance {
            source: self.source.name.clone(),
            location: format!("{}:{}", file.display(), self.lines.line(span.start)),
            evidence: None,
            confidence: None,
        }
    }

    fn zone(&self, value: &Spanned<String>) -> Result<Zone, Placed> {
        Zone::from_str(value.get_ref()).map_err(|e| self.error(&value.span(), e.to_string()))
    }

    fn read(&self, out: &mut Loaded, index: &mut SourceIndex) {
        let raw: RawFile = match toml::from_str(self.text) {
            Ok(raw) => raw,
            Err(e) => {
                out.problems
                    .push(Placed::from_toml(self.path, self.text, &e).into());
                return;
            }
        };
        let zone = match raw.timezone.as_ref().map(|z| self.zone(z)).transpose() {
            Ok(zone) => zone,
            Err(e) => {
                out.problems.push(e.into());
                return;
            }
        };
        let defaults = FileDefaults {
            zone,
            tags: raw.tags,
        };
        for spanned in raw.events {
            let span = spanned.span();
            if let Err(e) = self.event(spanned.into_inner(), &span, &defaults, out, index) {
                out.problems.push(e.into());
            }
        }
    }

    fn event(
        &self,
        raw: RawEvent,
        span: &Range<usize>,
        defaults: &FileDefaults,
        out: &mut Loaded,
        index: &mut SourceIndex,
    ) -> Result<(), Placed> {
        let title = raw.name.get_ref().trim().to_owned();
        if title.is_empty() {
            return Err(self.error(&raw.name.span(), "an event's `name` cannot be empty"));
        }
        let kind = match &raw.kind {
            Some(kind) => EventKind::from_str(kind.get_ref())
                .map_err(|e| self.error(&kind.span(), e.to_string()))?,
            None => EventKind::Conference,
        };
        let zone = match &raw.timezone {
            Some(zone) => Some(self.zone(zone)?),
            None => defaults.zone,
        };
        let start = self.when(&raw.start, zone)?;
        let end = match &raw.end {
            Some(end) => self.end(&raw.start, end, start, zone)?,
            None => start,
        };
        let uid = raw.uid.unwrap_or_else(|| event_uid(&title, start.date()));
        if let Some(first) = index.uids.get(&uid) {
            return Err(self.error(
                span,
                format!("event `{title}` (uid `{uid}`) is already defined at {first}: give one of them its own `uid`"),
            ));
        }
        let mut tags = raw.tags;
        tags.extend(defaults.tags.iter().cloned());
        tags.extend(self.source.tags.iter().cloned());
        tags.sort();
        tags.dedup();
        let event = Event {
            uid: uid.clone(),
            title,
            kind,
            start,
            end,
            location: raw.location,
            url: raw.url,
            description: raw.description,
            tags,
            parent: None,
            priority: self.source.priority,
            provenance: vec![self.provenance(span)],
            recurrence: None,
            sequence: 0,
            revision: None,
            cancelled: false,
        };
        let deadlines = self.deadlines(raw.deadlines, &event, defaults)?;
        index.uids.insert(uid.clone(), self.place(span));
        if let Some(id) = raw.id {
            index.ids.insert(id, uid);
        }
        if let Some(parent) = raw.parent {
            let missing = self.error(
                &parent.span(),
                format!(
                    "unknown parent `{}`: no event of source `{}` has this `id`",
                    parent.get_ref(),
                    self.source.name
                ),
            );
            index
                .parents
                .push((out.catalog.events.len(), parent.into_inner(), missing));
        }
        out.catalog.events.push(event);
        out.catalog.deadlines.extend(deadlines);
        Ok(())
    }

    /// The end of an event: the same form as its start, and not before it.
    fn end(
        &self,
        raw_start: &Spanned<Datetime>,
        raw_end: &Spanned<Datetime>,
        start: When,
        zone: Option<Zone>,
    ) -> Result<When, Placed> {
        let end = self.when(raw_end, zone)?;
        if matches!(start, When::Date(_)) != matches!(end, When::Date(_)) {
            return Err(self.error(
                &raw_end.span(),
                "`start` and `end` must both be dates or both be date-times",
            ));
        }
        let utc = Zone::Utc;
        if end.start_instant(utc) < start.start_instant(utc) {
            return Err(self.error(
                &raw_end.span(),
                format!(
                    "`end` ({}) is before `start` ({})",
                    raw_end.get_ref(),
                    raw_start.get_ref()
                ),
            ));
        }
        Ok(end)
    }

    /// A TOML date or date-time as a [`When`]: a local date-time is read in
    /// `zone`, or is floating when there is none.
    fn when(&self, value: &Spanned<Datetime>, zone: Option<Zone>) -> Result<When, Placed> {
        let bad = |what: &str| {
            self.error(
                &value.span(),
                format!("invalid date `{}`: {what}", value.get_ref()),
            )
        };
        let raw = value.get_ref();
        let Some(d) = raw.date else {
            return Err(bad("a time needs a date, such as `2015-05-01T23:59:00`"));
        };
        let date = NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
            .ok_or_else(|| bad("no such day"))?;
        let Some(t) = raw.time else {
            return Ok(When::Date(date));
        };
        let time = NaiveTime::from_hms_opt(
            u32::from(t.hour),
            u32::from(t.minute),
            u32::from(t.second.unwrap_or(0)),
        )
        .ok_or_else(|| bad("no such time"))?;
        let local = NaiveDateTime::new(date, time);
        Ok(match (raw.offset, zone) {
            (Some(Offset::Z), _) => When::Utc(local.and_utc()),
            (Some(Offset::Custom { minutes }), _) => {
                let offset = FixedOffset::east_opt(i32::from(minutes) * 60)
                    .ok_or_else(|| bad("offset out of range"))?;
                When::Zoned(local, Zone::Fixed(offset))
            }
            (None, Some(zone)) => When::Zoned(local, zone),
            (None, None) => When::Floating(local),
        })
    }

    fn deadlines(
        &self,
        raws: Vec<Spanned<RawDeadline>>,
        event: &Event,
        defaults: &FileDefaults,
    ) -> Result<Vec<Deadline>, Placed> {
        let mut deadlines = Vec::with_capacity(raws.len());
        let mut rounds: Vec<(Range<usize>, Option<String>)> = Vec::with_capacity(raws.len());
        for spanned in raws {
            let span = spanned.span();
            let raw = spanned.into_inner();
            let round = match (&raw.label, &raw.round) {
                (Some(label), _) => Some(slug(label)),
                (None, Some(n)) if *n.get_ref() > 1 => Some(n.get_ref().to_string()),
                (None, Some(_)) => None,
                (None, None) => Some(String::new()),
            };
            deadlines.push(self.deadline(raw, &span, event, defaults)?);
            rounds.push((span, round));
        }
        self.number_rounds(&mut deadlines, &rounds)?;
        Ok(deadlines)
    }

    /// Gives each deadline its uid. Deadlines of one kind with neither
    /// `label` nor `round` are numbered by due time: the first is round 1.
    fn number_rounds(
        &self,
        deadlines: &mut [Deadline],
        rounds: &[(Range<usize>, Option<String>)],
    ) -> Result<(), Placed> {
        let mut order: Vec<usize> = (0..deadlines.len()).collect();
        order.sort_by_key(|&i| deadlines[i].due_instant());
        let mut counts: HashMap<DeadlineKind, u32> = HashMap::new();
        for i in order {
            let d = &mut deadlines[i];
            let round = match &rounds[i].1 {
                Some(r) if r.is_empty() => {
                    let n = counts.entry(d.kind).or_insert(0);
                    *n += 1;
                    (*n > 1).then(|| n.to_string())
                }
                other => other.clone(),
            };
            d.uid = deadline_uid(&d.event_uid, d.kind, round.as_deref());
        }
        let mut seen: HashMap<&str, &Range<usize>> = HashMap::new();
        for (d, (span, _)) in deadlines.iter().zip(rounds) {
            if let Some(first) = seen.insert(&d.uid, span) {
                let first = self.place(first);
                return Err(self.error(
                    span,
                    format!("this `{}` deadline has the same `round` or `label` as the one at {first}: give each its own", d.kind),
                ));
            }
        }
        Ok(())
    }

    fn deadline(
        &self,
        raw: RawDeadline,
        span: &Range<usize>,
        event: &Event,
        defaults: &FileDefaults,
    ) -> Result<Deadline, Placed> {
        let kind = DeadlineKind::from_str(raw.kind.get_ref())
            .map_err(|e| self.error(&raw.kind.span(), e.to_string()))?;
        let stated = raw.timezone.as_ref().map(|z| self.zone(z)).transpose()?;
        let zone = stated
            .or(defaults.zone)
            .or(self.source.timezone)
            .unwrap_or(self.deadline_timezone);
        let due = match self.when(&raw.due, Some(zone))? {
            When::Utc(t) => (When::Utc(t), Zone::Utc),
            When::Zoned(t, z) => (When::Zoned(t, z), z),
            other => (other, zone),
        };
        Ok(Deadline {
            uid: String::new(),
            event_uid: event.uid.clone(),
            event_title: event.title.clone(),
            kind,
            due: due.0,
            zone: due.1,
            label: raw.label,
            url: raw.url.or_else(|| event.url.clone()),
            tags: event.tags.clone(),
            priority: self.source.priority,
            provenance: vec![self.provenance(span)],
            sequence: 0,
            revision: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SourceKind;

    fn source() -> SourceConfig {
        SourceConfig::local("test", SourceKind::Curated, Path::new("feeds"))
    }

    fn read(text: &str) -> Loaded {
        let source = source();
        let mut out = Loaded::default();
        let mut index = SourceIndex::default();
        let reader = FileReader::new(&source, Path::new("t.toml"), text, Zone::Aoe);
        reader.read(&mut out, &mut index);
        index.resolve_parents(&mut out);
        out
    }

    #[test]
    fn no_damage_to_a_file_makes_the_loader_panic() {
        let texts = [
            include_str!("../../feeds/kvm-forum.toml"),
            include_str!("../../feeds/xen-project.toml"),
        ];
        let junk = [
            "",
            "\"",
            "[",
            "]",
            "=",
            "\n",
            "9999-99-99",
            "-",
            "é",
            "\u{0}",
            "[[event]]\n",
        ];
        for text in texts {
            let cuts = text.char_indices().map(|(i, _)| i).step_by(11);
            for at in cuts {
                for insert in junk {
                    let damaged = format!("{}{insert}{}", &text[..at], &text[at..]);
                    let _ = read(&damaged);
                    let _ = read(&text[..at]);
                }
            }
        }
    }

    #[test]
    fn rounds_are_numbered_by_due_time() {
        let loaded = read(
            "[[event]]\nname = \"R 2016\"\nstart = 2016-06-01\n\
             [[event.deadline]]\nkind = \"cfp\"\ndue = 2016-03-01\n\
             [[event.deadline]]\nkind = \"cfp\"\ndue = 2016-01-01\n\
             [[event.deadline]]\nkind = \"cfp\"\ndue = 2016-04-01\nround = 7\n",
        );
        assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
        let uids: Vec<(&str, String)> = loaded
            .catalog
            .deadlines
            .iter()
            .map(|d| (d.uid.as_str(), d.due.date().to_string()))
            .collect();
        assert_eq!(
            uids,
            [
                ("cfp-2.r-2016@confcal", "2016-03-01".to_owned()),
                ("cfp.r-2016@confcal", "2016-01-01".to_owned()),
                ("cfp-7.r-2016@confcal", "2016-04-01".to_owned()),
            ]
        );
    }

    #[test]
    fn a_repeated_round_is_an_error() {
        let loaded = read(
            "[[event]]\nname = \"R 2016\"\nstart = 2016-06-01\n\
             [[event.deadline]]\nkind = \"cfp\"\ndue = 2016-03-01\nround = 2\n\
             [[event.deadline]]\nkind = \"cfp\"\ndue = 2016-01-01\nround = 2\n",
        );
        let messages: Vec<String> = loaded.problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            [
                "t.toml:8:1: this `cfp` deadline has the same `round` or `label` as the one at t.toml:4:1: give each its own"
            ]
        );
    }
}
