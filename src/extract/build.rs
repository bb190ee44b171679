//! Putting the findings of a document's sentences together: which event
//! each date and deadline belongs to (the name in its sentence, else the
//! event last spoken of), which year a date without one means, and how
//! sure each fact is.

use chrono::{Datelike, NaiveDate};

use super::dates::{self, DateMention, Day, Found, resolve};
use super::names::{self, NameMention};
use super::roles::{Role, classify};
use super::text::Document;
use super::{ExtractedDeadline, ExtractedEvent};
use crate::model::{DeadlineKind, EventKind};

/// One sentence of the document, with where it stands.
struct Sentence<'a> {
    text: &'a str,
    line: usize,
    heading: bool,
}

fn sentences(doc: &Document) -> Vec<Sentence<'_>> {
    let title = doc.title.iter().map(|t| Sentence {
        text: t.as_str(),
        line: 1,
        heading: true,
    });
    let body = doc.blocks.iter().flat_map(|block| {
        super::text::sentences(&block.text)
            .into_iter()
            .map(move |(_, text)| Sentence {
                text,
                line: block.line,
                heading: block.heading,
            })
    });
    title.chain(body).collect()
}

/// A date as found, and the date its year is read against.
#[derive(Debug, Clone)]
struct Dated {
    mention: DateMention,
    anchor: Option<NaiveDate>,
}

#[derive(Debug)]
struct Entity {
    key: String,
    name: String,
    kind: EventKind,
    generic: bool,
    dates: Option<Dated>,
    location: Option<String>,
    evidence: String,
    line: usize,
    deadlines: Vec<(DeadlineKind, Dated, String, usize, bool)>,
}

/// The events of `doc`, with years read against `published`.
pub(super) fn events(doc: &Document, published: Option<NaiveDate>) -> Vec<ExtractedEvent> {
    let sentences = sentences(doc);
    let found: Vec<Found> = sentences.iter().map(|s| dates::find(s.text)).collect();
    let years = stated_years(&found);
    let mut builder = Builder {
        published,
        years,
        entities: Vec::new(),
        current: None,
        current_named: None,
        orphans: Vec::new(),
    };
    for (index, (sentence, found)) in sentences.iter().zip(&found).enumerate() {
        builder.sentence(index, sentence, found);
    }
    builder.finish()
}

/// The years of dates that state one, by sentence.
fn stated_years(found: &[Found]) -> Vec<(usize, i32)> {
    found
        .iter()
        .enumerate()
        .flat_map(|(i, f)| {
            f.dates
                .iter()
                .filter_map(move |d| d.start.year.map(|y| (i, y)))
        })
        .collect()
}

struct Builder {
    published: Option<NaiveDate>,
    years: Vec<(usize, i32)>,
    entities: Vec<Entity>,
    /// The event last spoken of, named or not.
    current: Option<usize>,
    /// The named event last spoken of.
    current_named: Option<usize>,
    /// Deadlines no event could be found for yet.
    orphans: Vec<(DeadlineKind, Dated, String, usize, bool)>,
}

/// Words before a name that make it a reference point, not the subject:
/// "at the close of the Summit", "on the eve of KVM Forum".
const REFERENCE: &[&str] = &[
    "close of",
    "eve of",
    "end of",
    "after",
    "before",
    "following",
    "ahead of",
    "day before",
    "day after",
    "during",
    "co-located with",
    "colocated with",
    "alongside",
    "attendees of",
    "teams behind",
    "behind",
];

impl Builder {
    fn sentence(&mut self, index: usize, sentence: &Sentence<'_>, found: &Found) {
        let text = sentence.text;
        let names = names::find(text);
        let mut ids = Vec::with_capacity(names.len());
        for name in &names {
            ids.push(self.entity(name, sentence));
        }
        let past = found.relatives.iter().any(|r| r.past);
        let anchor = self.anchor(index);
        for (k, mention) in found.dates.iter().enumerate() {
            let previous_end = k.checked_sub(1).map_or(0, |p| found.dates[p].span.end);
            let next_start = found.dates.get(k + 1).map_or(text.len(), |m| m.span.start);
            let has_name = !names.is_empty() || sentence.heading;
            let role = classify(
                text,
                &mention.span,
                (previous_end, next_start),
                has_name,
                mention.end.is_some(),
            );
            let dated = Dated {
                mention: mention.clone(),
                anchor,
            };
            match role {
                Role::Event if !past => self.event_date(text, sentence, &names, &ids, dated),
                Role::Deadline(kind) => self.deadline(text, sentence, &names, &ids, kind, dated),
                _ => {}
            }
        }
        self.labelled_place(text);
        let subjects: Vec<usize> = names
            .iter()
            .zip(&ids)
            .filter(|(n, _)| !is_reference(text, n))
            .map(|(_, id)| *id)
            .collect();
        if let Some(&last) = subjects
            .iter()
            .rev()
            .find(|id| !self.entities[**id].generic)
        {
            self.current_named = Some(last);
        }
        if let Some(&last) = subjects.last() {
            self.current = Some(last);
        }
    }

    /// "Location: Barcelona, Spain" gives the place of the event last
    /// spoken of, if it has none.
    fn labelled_place(&mut self, text: &str) {
        let lower = text.to_lowercase();
        if !["location:", "venue:", "where:"]
            .iter()
            .any(|l| lower.contains(l))
        {
            return;
        }
        if let (Some(id), Some(place)) = (self.current, names::location(text))
            && self.entities[id].location.is_none()
        {
            self.entities[id].location = Some(place);
        }
    }

    /// The entity a name mention refers to, created if new. A generic noun
    /// refers to the last event of its kind.
    fn entity(&mut self, name: &NameMention, sentence: &Sentence<'_>) -> usize {
        let key = if name.generic {
            if let Some(found) = self.entities.iter().rposition(|e| e.kind == name.kind) {
                return found;
            }
            format!("generic:{:?}", name.kind)
        } else {
            key_of(&name.name)
        };
        if let Some(found) = self.entities.iter().position(|e| e.key == key) {
            return found;
        }
        self.entities.push(Entity {
            key,
            name: if name.generic {
                generic_name(name.kind)
            } else {
                name.name.clone()
            },
            kind: name.kind,
            generic: name.generic,
            dates: None,
            location: None,
            evidence: sentence.text.to_owned(),
            line: sentence.line,
            deadlines: Vec::new(),
        });
        self.entities.len() - 1
    }

    /// The date a left-out year is read against for sentence `index`: the
    /// publication date, else the nearest year the text states.
    fn anchor(&self, index: usize) -> Option<NaiveDate> {
        self.published.or_else(|| {
            let (_, year) = self.years.iter().min_by_key(|(i, _)| i.abs_diff(index))?;
            NaiveDate::from_ymd_opt(*year, 1, 1)
        })
    }

    /// The event a date in this sentence is about: the name nearest before
    /// it that is not a reference point, else after it, else the one last
    /// spoken of.
    fn subject(
        &self,
        text: &str,
        names: &[NameMention],
        ids: &[usize],
        at: usize,
        named_only: bool,
    ) -> Option<usize> {
        let candidates = names.iter().zip(ids).filter(|(n, id)| {
            !(is_reference(text, n) || named_only && self.entities[**id].generic)
        });
        let (before, after): (Vec<_>, Vec<_>) = candidates.partition(|(n, _)| n.span.start < at);
        before
            .last()
            .or(after.first())
            .map(|(_, id)| **id)
            .or(if named_only {
                self.current_named
            } else {
                self.current
            })
    }

    fn event_date(
        &mut self,
        text: &str,
        sentence: &Sentence<'_>,
        names: &[NameMention],
        ids: &[usize],
        dated: Dated,
    ) {
        // A lone date with no event named ("Time: November 7, 9:00") is a
        // session or an aside, unless the sentence says something is held.
        if names.is_empty() && dated.mention.end.is_none() && !super::roles::happening(text) {
            return;
        }
        let Some(id) = self.subject(text, names, ids, dated.mention.span.start, false) else {
            return;
        };
        let entity = &mut self.entities[id];
        let better = match &entity.dates {
            None => true,
            Some(old) => !old.mention.has_year() && dated.mention.has_year(),
        };
        if better {
            entity.dates = Some(dated);
            text.clone_into(&mut entity.evidence);
            entity.line = sentence.line;
        }
        if let Some(place) = names::location(text) {
            let venue_like = venue(&place);
            if entity
                .location
                .as_ref()
                .is_none_or(|old| venue_like && !venue(old))
            {
                entity.location = Some(place);
            }
        }
        self.current = Some(id);
    }

    fn deadline(
        &mut self,
        text: &str,
        sentence: &Sentence<'_>,
        names: &[NameMention],
        ids: &[usize],
        kind: DeadlineKind,
        dated: Dated,
    ) {
        let in_sentence = ids.iter().any(|id| !self.entities[*id].generic);
        let entry = (kind, dated, text.to_owned(), sentence.line, in_sentence);
        match self.subject(text, names, ids, entry.1.mention.span.start, true) {
            Some(id) => self.entities[id].deadlines.push(entry),
            None => self.orphans.push(entry),
        }
    }

    /// The events found; deadlines that named no event go to the first
    /// named event with dates (or, failing that, any named one).
    fn finish(mut self) -> Vec<ExtractedEvent> {
        let main = self
            .entities
            .iter()
            .position(|e| !e.generic && e.dates.is_some())
            .or_else(|| self.entities.iter().position(|e| !e.generic));
        if let Some(main) = main {
            let orphans = std::mem::take(&mut self.orphans);
            self.entities[main].deadlines.extend(orphans);
        }
        let published = self.published;
        self.entities
            .into_iter()
            .filter(|e| e.dates.is_some() || (!e.deadlines.is_empty() && !e.generic))
            .filter_map(|e| finish_one(e, published))
            .collect()
    }
}

/// Whether a name is only a reference point in its sentence ("right
/// after the Xen Project Developer Summit").
fn is_reference(text: &str, name: &NameMention) -> bool {
    let before = text[..name.span.start].to_lowercase();
    let before = before.trim_end();
    let before = before.strip_suffix("the").unwrap_or(before).trim_end();
    REFERENCE.iter().any(|r| before.ends_with(r))
}

fn finish_one(entity: Entity, published: Option<NaiveDate>) -> Option<ExtractedEvent> {
    let (start, end) = match &entity.dates {
        Some(d) => {
            let start = resolve(d.mention.start, d.anchor);
            let end = d
                .mention
                .end
                .and_then(|e| resolve(e, start.or(d.anchor)))
                .or(start);
            (start, end)
        }
        None => (None, None),
    };
    if let (Some(published), Some(end)) = (published, end)
        && end < published - chrono::Duration::days(30)
    {
        return None;
    }
    let mut deadlines: Vec<ExtractedDeadline> = entity
        .deadlines
        .iter()
        .filter_map(|(kind, dated, evidence, line, named)| {
            deadline(*kind, dated, start, evidence, *line, *named)
        })
        .collect();
    deadlines.sort_by_key(|d| (d.date, d.time));
    deadlines.dedup_by(|a, b| a.kind == b.kind && a.date == b.date);
    let times = entity.dates.as_ref().and_then(|d| {
        let t = d.mention.times.as_ref()?;
        (d.mention.end.is_none()).then(|| (t.start, t.end, t.zone.clone()))
    });
    let mut confidence: f32 = 0.3;
    confidence += if entity.generic { 0.0 } else { 0.3 };
    confidence += if start.is_some() { 0.2 } else { 0.0 };
    confidence += if entity.location.is_some() { 0.1 } else { 0.0 };
    confidence += if entity.dates.as_ref().is_some_and(|d| d.mention.has_year()) {
        0.1
    } else {
        0.0
    };
    Some(ExtractedEvent {
        name: entity.name,
        kind: entity.kind,
        start,
        end,
        times,
        location: entity.location,
        confidence: confidence.min(1.0),
        evidence: entity.evidence,
        line: entity.line,
        deadlines,
    })
}

/// A deadline's date: its own year, else read against the anchor but
/// before the event starts, else in the event's year.
fn deadline(
    kind: DeadlineKind,
    dated: &Dated,
    event_start: Option<NaiveDate>,
    evidence: &str,
    line: usize,
    named: bool,
) -> Option<ExtractedDeadline> {
    let day = dated.mention.start;
    let date = match (day.year, dated.anchor, event_start) {
        (Some(_), _, _) => resolve(day, None)?,
        (None, anchor, Some(start)) => before(day, anchor, start)?,
        (None, anchor, None) => resolve(day, anchor)?,
    };
    let mut confidence: f32 = 0.5;
    confidence += if named { 0.2 } else { 0.1 };
    confidence += if day.year.is_some() { 0.2 } else { 0.1 };
    confidence += if dated.mention.times.is_some() {
        0.1
    } else {
        0.0
    };
    Some(ExtractedDeadline {
        kind,
        date,
        time: dated.mention.times.as_ref().map(|t| t.start),
        zone: dated.mention.stated_zone().cloned(),
        confidence: confidence.min(1.0),
        evidence: evidence.to_owned(),
        line,
    })
}

/// `day` in the year that puts it on or before the event's start: read
/// against the anchor, moved back a year if that lands after the start.
fn before(day: Day, anchor: Option<NaiveDate>, start: NaiveDate) -> Option<NaiveDate> {
    let date = resolve(day, anchor).or_else(|| day.in_year(start.year()))?;
    if date > start {
        return day.in_year(date.year() - 1);
    }
    Some(date)
}

/// Names compare without case, a leading "the", a year or punctuation.
fn key_of(name: &str) -> String {
    let lower = name.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| {
            !w.is_empty() && *w != "the" && !(w.len() == 4 && w.chars().all(|c| c.is_ascii_digit()))
        })
        .collect();
    words.concat()
}

fn generic_name(kind: EventKind) -> String {
    match kind {
        EventKind::Social => "Social event".to_owned(),
        other => {
            let name = other.name();
            let mut chars = name.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
                .unwrap_or_default()
        }
    }
}

/// Whether a place names a venue rather than a city.
fn venue(place: &str) -> bool {
    const VENUES: &[&str] = &[
        "campus",
        "hotel",
        "center",
        "centre",
        "university",
        "hall",
        "room",
        "building",
        "sheraton",
        "hilton",
        "marriott",
        "hyatt",
        "convention",
        "institute",
        "office",
        "headquarters",
        "park",
    ];
    let lower = place.to_lowercase();
    VENUES.iter().any(|v| lower.contains(v))
}
