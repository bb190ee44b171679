//! Putting the findings of a document's sentences together. Every
//! announcement has a main event — the one its title (an email's Subject,
//! the first heading) names — and a date or deadline belongs to it unless
//! the text names another: the name in the date's own sentence, else the
//! event its section heading names, else the event last spoken of. An
//! event's dates are the best evidence found for it (a range under its
//! heading or "takes place" beats a passing mention), read in the
//! document's own words before any quoted reply. A deadline said to be
//! extended replaces the earlier one of its kind. Years left out are read
//! against the publication date.

use chrono::{Datelike, NaiveDate};

use super::dates::{self, DateMention, Day, Found, resolve};
use super::names::{self, NameMention};
use super::roles::{self, Role, classify};
use super::text::{Block, Document};
use super::{ExtractedDeadline, ExtractedEvent};
use crate::model::{DeadlineKind, EventKind};

/// One sentence of the document, with where it stands.
struct Sentence<'a> {
    text: &'a str,
    line: usize,
    heading: bool,
    /// Quote depth: 0 for the document's own words.
    quote: u8,
    /// The heading the sentence stands under.
    section: Option<&'a str>,
    /// The short line right before its block, which may label it.
    label: Option<&'a str>,
}

fn sentences(doc: &Document) -> Vec<Sentence<'_>> {
    let mut out: Vec<Sentence<'_>> = doc
        .title
        .iter()
        .map(|t| Sentence {
            text: t.as_str(),
            line: 1,
            heading: true,
            quote: 0,
            section: None,
            label: None,
        })
        .collect();
    let mut section: Option<&str> = None;
    let mut previous: Option<&Block> = None;
    for block in &doc.blocks {
        let previous_heading = previous.is_some_and(|p| p.heading);
        // A heading right under another ("QSB Workshop" then "Monday 28th
        // October") stands in its section; other headings start their own.
        let under = if block.heading && !previous_heading {
            None
        } else {
            section
        };
        let label = previous.filter(|p| is_label(p)).map(|p| p.text.as_str());
        let pieces = super::text::sentences(&block.text)
            .into_iter()
            .flat_map(|(_, text)| bounded(text));
        for text in pieces {
            out.push(Sentence {
                text,
                line: block.line,
                heading: block.heading,
                quote: block.quote,
                section: under,
                label,
            });
        }
        if block.heading || is_label(block) && block.text.ends_with(':') || is_title_line(block) {
            section = Some(block.text.as_str());
        }
        previous = Some(block);
    }
    out
}

/// The longest sentence read as one: longer ones (a list of a thousand
/// dates with no full stop) are read in pieces of about this size, cut at
/// a comma or a space, so that reading stays linear in the text's length.
const LONGEST_SENTENCE: usize = 1_000;

/// A sentence, in pieces of at most [`LONGEST_SENTENCE`] bytes or so.
fn bounded(sentence: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut rest = sentence;
    while rest.len() > LONGEST_SENTENCE {
        let mut cut = LONGEST_SENTENCE;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let at = rest[..cut]
            .rfind([',', ';'])
            .or_else(|| rest[..cut].rfind(' '))
            .map_or(cut, |i| i + 1);
        let (piece, tail) = rest.split_at(at.max(1));
        pieces.push(piece.trim());
        rest = tail;
    }
    pieces.push(rest.trim());
    pieces.retain(|p| !p.is_empty());
    pieces
}

/// A short line with no date that labels what follows: "Paper submission"
/// over "March 3", "Important dates:" over a list, as plain text and
/// definition lists write them.
fn is_label(block: &Block) -> bool {
    let undated = block.text.split_whitespace().all(|w| {
        let w = w.trim_matches(|c: char| !c.is_alphanumeric());
        is_year(w) || !w.contains(|c: char| c.is_ascii_digit())
    });
    block.text.chars().count() <= 50 && undated && block.text.chars().any(char::is_alphabetic)
}

/// A four-digit year such as "2031".
fn is_year(word: &str) -> bool {
    word.len() == 4 && word.starts_with(['1', '2']) && word.chars().all(|c| c.is_ascii_digit())
}

/// A line that heads what follows in plain text: "IMPORTANT DATES" in
/// capitals, or a short capitalized title with no closing period, as a
/// digest's numbered items have ("2. Documentation sprint").
fn is_title_line(block: &Block) -> bool {
    let words = block.text.split_whitespace().count();
    is_caps(block)
        || is_label(block)
            && words <= 6
            && block.text.starts_with(char::is_uppercase)
            && !block.text.ends_with(['.', '!', '?', ',', ';'])
}

/// "IMPORTANT DATES": a short line in capitals, the heading of plain text.
fn is_caps(block: &Block) -> bool {
    is_label(block)
        && block.text.split_whitespace().count() <= 5
        && !block
            .text
            .chars()
            .any(|c| c.is_alphabetic() && !c.is_uppercase())
}

/// A date as found, and the date its year is read against.
#[derive(Debug, Clone)]
struct Dated {
    mention: DateMention,
    anchor: Option<NaiveDate>,
}

/// A candidate for an event's dates, with how strongly the text backs it.
#[derive(Debug)]
struct Candidate {
    score: i32,
    dated: Dated,
    evidence: String,
    line: usize,
}

/// A deadline stated for an event.
#[derive(Debug, Clone)]
struct Claim {
    kind: DeadlineKind,
    dated: Dated,
    evidence: String,
    line: usize,
    /// Whether the sentence named the event.
    named: bool,
    quote: u8,
    /// Whether the sentence says the deadline was extended or moved.
    extended: bool,
}

#[derive(Debug)]
struct Entity {
    key: String,
    name: String,
    kind: EventKind,
    generic: bool,
    candidates: Vec<Candidate>,
    location: Option<String>,
    evidence: String,
    line: usize,
    claims: Vec<Claim>,
}

impl Entity {
    fn new(key: String, name: String, mention: &NameMention, evidence: &str, line: usize) -> Self {
        Entity {
            key,
            name,
            kind: mention.kind,
            generic: mention.generic,
            candidates: Vec::new(),
            location: None,
            evidence: evidence.to_owned(),
            line,
            claims: Vec::new(),
        }
    }

    fn best(&self) -> Option<&Candidate> {
        self.candidates.iter().rev().max_by_key(|c| c.score)
    }
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
        main: None,
        current: None,
        current_named: None,
        orphans: Vec::new(),
        opened: None,
        heading_names: None,
    };
    builder.main_event(doc);
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
    /// The event the title names.
    main: Option<usize>,
    /// The event last spoken of, named or not.
    current: Option<usize>,
    /// The named event last spoken of.
    current_named: Option<usize>,
    /// Deadlines no event could be found for yet.
    orphans: Vec<Claim>,
    /// The day an event was said to start ("Conference starts", "Begins:"),
    /// waiting for the day it is said to end.
    opened: Option<(usize, Dated)>,
    /// The last section heading read for a name, and the name it gave.
    heading_names: Option<(String, Option<NameMention>)>,
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

/// Words that say a deadline moved.
const EXTENDED: &[&str] = &[
    "extended to",
    "extended until",
    "extended till",
    "extended through",
    "extended by",
    "been extended",
    "is extended",
    "are extended",
    "extending",
    "deadline extension",
    "new deadline",
    "postponed to",
    "pushed back",
    "moved to",
    "now due",
    "previously",
];

impl Builder {
    /// The event the title (or, without one, a heading among the first
    /// blocks) names becomes the main event.
    fn main_event(&mut self, doc: &Document) {
        let Some((title, name)) = main_name(doc) else {
            return;
        };
        let key = key_of(&name.name);
        if key.is_empty() {
            return;
        }
        self.entities
            .push(Entity::new(key, name.name.clone(), &name, title, 1));
        self.main = Some(0);
        self.current = Some(0);
        self.current_named = Some(0);
    }

    fn sentence(&mut self, index: usize, sentence: &Sentence<'_>, found: &Found) {
        let text = sentence.text;
        let names = names::find(text);
        let mut ids = Vec::with_capacity(names.len());
        for name in &names {
            ids.push(self.entity(name, sentence));
        }
        let section_event = if found.dates.is_empty() && found.relatives.is_empty() {
            None
        } else {
            self.section_event(sentence, found, names.is_empty())
        };
        let anchor = self.anchor(index);
        let mentions = self.with_relative_days(found);
        let reading = if mentions.is_empty() {
            None
        } else {
            Some(roles::Reading::new(text))
        };
        for (k, (mention, reading)) in mentions
            .iter()
            .zip(std::iter::repeat_with(|| reading.as_ref()).flatten())
            .enumerate()
        {
            let previous_end = k.checked_sub(1).map_or(0, |p| mentions[p].span.end);
            let next_start = mentions.get(k + 1).map_or(text.len(), |m| m.span.start);
            let has_name = !names.is_empty() || sentence.heading;
            let role = roles::in_context(
                classify(
                    reading,
                    &mention.span,
                    (previous_end, next_start),
                    has_name,
                    mention.end.is_some(),
                ),
                reading,
                &mention.span,
                previous_end,
                sentence.section,
                mention.end.is_some(),
            );
            let role = match (role, sentence.label) {
                (Role::Event | Role::Ignore, Some(label)) if is_date_only(text, mention) => {
                    roles::labelled(label).map_or(role, Role::Deadline)
                }
                _ => role,
            };
            let dated = Dated {
                mention: mention.clone(),
                anchor,
            };
            // A day named relative to the post ("today", "this Friday")
            // can close a call, but is too loose to date an event.
            let relative = !found.dates.iter().any(|d| d.span == dated.mention.span);
            if sentence.heading && self.is_publication_date(&dated)
                || relative && role == Role::Event
            {
                continue;
            }
            let subject = Subject {
                names: &names,
                ids: &ids,
                section: section_event,
            };
            match role {
                Role::Event => self.event_date(sentence, reading.happening(), &subject, dated),
                Role::Deadline(kind) => self.deadline(sentence, &subject, kind, dated),
                Role::Ignore => {}
            }
        }
        self.labelled_place(text);
        self.remember(text, &names, &ids);
    }

    /// Deadlines of a one-word event that never got dates ("the school",
    /// "Forum") belong to the main event: such a word is a reference to
    /// it far more often than an event of its own.
    fn fold_undated(&mut self, main: usize) {
        for id in 0..self.entities.len() {
            let entity = &self.entities[id];
            let one_word = entity.name.split_whitespace().count() == 1;
            if id != main && entity.candidates.is_empty() && one_word && !entity.claims.is_empty() {
                let claims = std::mem::take(&mut self.entities[id].claims);
                self.entities[main].claims.extend(claims);
            }
        }
    }

    /// The dates of a sentence, with the days it names relative to the
    /// publication date ("this Friday", "tomorrow") when that is known and
    /// no date stated beside them says it outright ("tomorrow (Friday the
    /// 5th of July)", "next Monday 1 July").
    fn with_relative_days(&self, found: &Found) -> Vec<DateMention> {
        let mut mentions = found.dates.clone();
        let Some(published) = self.published else {
            return mentions;
        };
        for relative in &found.relatives {
            let Some(day) = relative.day else { continue };
            let stated = found.dates.iter().any(|d| {
                d.span.start >= relative.span.start && d.span.start <= relative.span.end + 30
            });
            if stated {
                continue;
            }
            let date = day.from(published);
            mentions.push(DateMention {
                span: relative.span.clone(),
                start: Day {
                    year: Some(date.year()),
                    month: date.month(),
                    day: date.day(),
                },
                end: None,
                weekday: None,
                times: None,
                zone: None,
            });
        }
        mentions.sort_by_key(|m| m.span.start);
        mentions
    }

    /// Whether a date is the day the document was published ("Weekly
    /// News (Jun 9, 2026)" in a title): the post's own date, no event's.
    fn is_publication_date(&self, dated: &Dated) -> bool {
        dated.mention.end.is_none()
            && self.published.is_some()
            && resolve(dated.mention.start, dated.anchor) == self.published
    }

    /// The named events of a sentence that are its subjects (not reference
    /// points) become the events last spoken of.
    fn remember(&mut self, text: &str, names: &[NameMention], ids: &[usize]) {
        let subjects: Vec<usize> = names
            .iter()
            .zip(ids)
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

    /// The event the section heading of a sentence names, if it names one
    /// already known or a new one.
    fn section_event(
        &mut self,
        sentence: &Sentence<'_>,
        found: &Found,
        unnamed: bool,
    ) -> Option<(usize, bool)> {
        let heading = sentence.section?;
        let named = match &self.heading_names {
            Some((text, named)) if text == heading => named.clone(),
            _ => {
                let named = names::find(heading).into_iter().find(|n| !n.generic);
                self.heading_names = Some((heading.to_owned(), named.clone()));
                named
            }
        };
        let strong = named.is_some();
        let name = named.or_else(|| heading_name(heading, sentence.text, found, unnamed))?;
        let under = Sentence {
            text: heading,
            line: sentence.line,
            heading: true,
            quote: sentence.quote,
            section: None,
            label: None,
        };
        Some((self.entity(&name, &under), strong))
    }

    /// "Location: Barcelona, Spain" gives the place of the event last
    /// spoken of, if it has none.
    fn labelled_place(&mut self, text: &str) {
        if !text.contains(':') {
            return;
        }
        let lower = text.to_lowercase();
        if !["location:", "venue:", "where:", "place:"]
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
            if let Some(main) = self.main
                && matches!(
                    name.kind,
                    EventKind::Conference
                        | EventKind::Summit
                        | EventKind::Workshop
                        | EventKind::Meetup
                )
            {
                return main;
            }
            format!("generic:{:?}", name.kind)
        } else {
            key_of(&name.name)
        };
        if let Some(found) = self
            .entities
            .iter()
            .position(|e| same_event(&e.key, &key) || abbreviates(&name.name, &e.name))
        {
            return found;
        }
        let display = if name.generic {
            generic_name(name.kind)
        } else {
            name.name.clone()
        };
        self.entities.push(Entity::new(
            key,
            display,
            name,
            sentence.text,
            sentence.line,
        ));
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
    /// it that is not a reference point, else after it, else the event its
    /// section names, else the one last spoken of, else the main event.
    fn subject(
        &self,
        text: &str,
        subject: &Subject<'_>,
        at: usize,
        named_only: bool,
    ) -> Option<usize> {
        let candidates = subject.names.iter().zip(subject.ids).filter(|(n, id)| {
            !(is_reference(text, n) || named_only && self.entities[**id].generic)
        });
        let (before, after): (Vec<_>, Vec<_>) = candidates.partition(|(n, _)| n.span.start < at);
        let last = if named_only {
            self.current_named
        } else {
            self.current
        };
        let section = subject
            .section
            .filter(|(_, strong)| *strong || !named_only)
            .map(|(id, _)| id);
        before
            .last()
            .or(after.first())
            .map(|(_, id)| **id)
            .or(section)
            .or(last)
            .or(self.main)
    }

    fn event_date(
        &mut self,
        sentence: &Sentence<'_>,
        happening: bool,
        subject: &Subject<'_>,
        dated: Dated,
    ) {
        let text = sentence.text;
        // A lone date with no event named ("Time: November 7, 9:00") is a
        // session or an aside, unless the sentence says something is held.
        if subject.names.is_empty()
            && dated.mention.end.is_none()
            && !(sentence.heading && subject.section.is_some())
            && !happening
        {
            return;
        }
        let Some(mut id) = self.subject(text, subject, dated.mention.span.start, false) else {
            return;
        };
        // A bare section title does not take the dates the main event
        // still lacks: "Welcome to Prague" over "It takes place 3-5 May".
        if let (Some((section, false)), Some(main)) = (subject.section, self.main)
            && section == id
            && subject.names.is_empty()
            && self.entities[main].candidates.is_empty()
        {
            id = main;
        }
        let score = evidence_score(
            sentence,
            happening,
            &dated.mention,
            !subject.names.is_empty(),
        );
        self.start_and_end(id, sentence, &dated);
        let entity = &mut self.entities[id];
        entity.candidates.push(Candidate {
            score,
            dated,
            evidence: text.to_owned(),
            line: sentence.line,
        });
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

    /// "Begins: Friday, September 21 … Ends: Sunday, September 23", or
    /// table rows "April 24 | Conference starts" and "April 26 | Conference
    /// ends": one day said to start an event and a later one said to end
    /// it make its range.
    fn start_and_end(&mut self, id: usize, sentence: &Sentence<'_>, dated: &Dated) {
        if dated.mention.end.is_some() {
            return;
        }
        let lower = sentence.text.to_lowercase();
        let around = |words: &[&str]| {
            let from = lower.len().min(dated.mention.span.start.saturating_sub(24));
            let to = lower.len().min(dated.mention.span.end + 30);
            let near = lower.get(from..to).unwrap_or(&lower);
            words.iter().any(|w| near.contains(w))
        };
        let ends = around(&["ends", "end:", "end date", "until", "last day"]);
        if let Some((open_id, start)) = self.opened.take()
            && open_id == id
            && ends
        {
            let mut mention = start.mention.clone();
            let end_day = resolve(dated.mention.start, dated.anchor);
            let start_day = resolve(mention.start, start.anchor);
            if let (Some(s), Some(e)) = (start_day, end_day)
                && e > s
            {
                mention.end = Some(Day {
                    year: Some(e.year()),
                    month: e.month(),
                    day: e.day(),
                });
                mention.start.year = Some(s.year());
                self.entities[id].candidates.push(Candidate {
                    score: 8 - 4 * i32::from(sentence.quote),
                    dated: Dated {
                        mention,
                        anchor: start.anchor,
                    },
                    evidence: sentence.text.to_owned(),
                    line: sentence.line,
                });
            }
            return;
        }
        if around(&[
            "starts",
            "begins",
            "start:",
            "begin:",
            "start date",
            "opening day",
        ]) {
            self.opened = Some((id, dated.clone()));
        }
    }

    fn deadline(
        &mut self,
        sentence: &Sentence<'_>,
        subject: &Subject<'_>,
        kind: DeadlineKind,
        dated: Dated,
    ) {
        let text = sentence.text;
        let lower = text.to_lowercase();
        let kind = match kind {
            DeadlineKind::Registration => {
                roles::registration_or_early_bird(text, &dated.mention.span)
            }
            other => other,
        };
        let claim = Claim {
            kind,
            named: subject.ids.iter().any(|id| !self.entities[*id].generic),
            evidence: text.to_owned(),
            line: sentence.line,
            quote: sentence.quote,
            extended: EXTENDED.iter().any(|w| lower.contains(w)),
            dated,
        };
        match self.subject(text, subject, claim.dated.mention.span.start, true) {
            Some(id) => self.entities[id].claims.push(claim),
            None => self.orphans.push(claim),
        }
    }

    /// The events found; deadlines that named no event go to the main
    /// event, else the first named event with dates (or any named one).
    fn finish(mut self) -> Vec<ExtractedEvent> {
        let main = self.main.or_else(|| {
            self.entities
                .iter()
                .position(|e| !e.generic && !e.candidates.is_empty())
                .or_else(|| self.entities.iter().position(|e| !e.generic))
        });
        let main = main.or_else(|| {
            // Deadlines with no event named anywhere still belong to the
            // event the document is about, even if its title names none.
            (!self.orphans.is_empty()).then(|| {
                let name = NameMention {
                    span: 0..0,
                    name: "Announced event".to_owned(),
                    kind: EventKind::Other,
                    generic: false,
                };
                let key = "announced event".to_owned();
                self.entities
                    .push(Entity::new(key, name.name.clone(), &name, "", 1));
                self.entities.len() - 1
            })
        });
        if let Some(main) = main {
            let orphans = std::mem::take(&mut self.orphans);
            self.entities[main].claims.extend(orphans);
            self.fold_undated(main);
        }
        // A deadline quoted from an earlier message gives way to one the
        // message itself states, whichever event each was given to.
        let shallowest = |kind: DeadlineKind, entities: &[Entity]| {
            entities
                .iter()
                .flat_map(|e| &e.claims)
                .filter(|c| c.kind == kind)
                .map(|c| c.quote)
                .min()
        };
        let floors: Vec<(DeadlineKind, u8)> = DeadlineKind::ALL
            .iter()
            .filter_map(|k| shallowest(*k, &self.entities).map(|q| (*k, q)))
            .collect();
        for entity in &mut self.entities {
            entity
                .claims
                .retain(|c| floors.iter().all(|(k, q)| *k != c.kind || c.quote <= *q));
        }
        let published = self.published;
        let mut events: Vec<ExtractedEvent> = Vec::new();
        let mut main_at = None;
        for (id, entity) in self.entities.iter().enumerate() {
            if entity.candidates.is_empty() && (entity.claims.is_empty() || entity.generic) {
                continue;
            }
            if Some(id) == main {
                main_at = Some(events.len());
            }
            events.push(finish_one(entity, published));
        }
        if let Some(at) = main_at {
            fold_same_days(&mut events, at);
        }
        events
    }
}

/// The name of a document's main event, and the text it came from: the
/// title's; else an event name in a heading or a bold phrase near the top
/// ("The **16th Annual Biocuration Conference** provides…"); else a bold
/// phrase that reads as a name ("submit to the **WANT@NeurIPS2023**").
fn main_name(doc: &Document) -> Option<(&str, NameMention)> {
    if let Some(title) = doc.title.as_deref()
        && let Some(name) = names::from_title(title)
    {
        return Some((title, name));
    }
    let top = doc.blocks.get(12).map_or(usize::MAX, |b| b.line);
    let headings = doc.blocks.iter().take(12).filter(|b| b.heading);
    let mut near_top: Vec<(usize, &str)> = headings.map(|b| (b.line, b.text.as_str())).collect();
    near_top.extend(
        doc.strong
            .iter()
            .take_while(|(line, _)| *line <= top)
            .filter(|(_, phrase)| dates::find(phrase).dates.is_empty())
            .map(|(line, phrase)| (*line, phrase.as_str())),
    );
    near_top.sort_by_key(|(line, _)| *line);
    let keyword_name = near_top.iter().find_map(|(_, text)| {
        let name = names::find(text).into_iter().find(|n| !n.generic)?;
        Some((*text, name))
    });
    keyword_name.or_else(|| {
        doc.strong
            .iter()
            .take_while(|(line, _)| *line <= top)
            .filter(|(_, phrase)| dates::find(phrase).dates.is_empty())
            .find_map(|(_, phrase)| names::from_title(phrase).map(|n| (phrase.as_str(), n)))
    })
}

/// The names, their entities and the section's event of one sentence.
struct Subject<'a> {
    names: &'a [NameMention],
    ids: &'a [usize],
    /// The event the section heading names, and whether it names it with
    /// an event word (rather than being a bare title such as "Berlin
    /// meetup" read from a digest's list).
    section: Option<(usize, bool)>,
}

/// Whether a sentence holds little but the date at `mention`.
fn is_date_only(text: &str, mention: &DateMention) -> bool {
    let span = &mention.span;
    let rest = text[..span.start].chars().chain(text[span.end..].chars());
    rest.filter(|c| c.is_alphabetic()).count() <= 12
}

/// Headings that label a part of a page, never an event's name.
const SECTION_LABELS: &[&str] = &[
    "date",
    "dates",
    "important",
    "key",
    "schedule",
    "program",
    "programme",
    "location",
    "venue",
    "register",
    "registration",
    "call",
    "cfp",
    "about",
    "overview",
    "timeline",
    "deadline",
    "deadlines",
    "when",
    "where",
    "agenda",
    "contact",
    "news",
    "tickets",
    "sponsors",
    "speakers",
    "home",
    "submission",
    "submissions",
    "travel",
    "accommodation",
    "committee",
    "topics",
    "faq",
];

/// A heading with no event word names the event of a line under it that
/// holds only a date ("Student Networking" over "Tuesday 29th October"),
/// unless it is a label such as "Important dates".
fn heading_name(heading: &str, text: &str, found: &Found, unnamed: bool) -> Option<NameMention> {
    let date_only = found.dates.len() == 1 && is_date_only(text, &found.dates[0]);
    let happens = found.dates.iter().any(|d| d.end.is_some()) || roles::happening(text);
    let words: Vec<&str> = heading.split_whitespace().collect();
    let label = words.iter().any(|w| {
        let w = w
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase();
        SECTION_LABELS.contains(&w.as_str())
    });
    let capitalized = heading.starts_with(|c: char| c.is_uppercase());
    // "Speaker: Ilse Marek" over "Time: 9:00": a talk's details, no event.
    let detail = heading.contains(':') || text.to_lowercase().starts_with("time");
    let fits = (date_only || happens && unnamed)
        && !label
        && !detail
        && capitalized
        && (1..=6).contains(&words.len());
    fits.then(|| NameMention {
        span: 0..heading.len(),
        name: heading.trim_end_matches([':', '.']).to_owned(),
        kind: EventKind::Other,
        generic: false,
    })
}

/// How strongly a sentence backs a date as its event's dates: a range, the
/// words "takes place" or "Dates:", a heading, a stated year and the
/// event's name beside it count for; a quoted reply against.
fn evidence_score(
    sentence: &Sentence<'_>,
    happening: bool,
    mention: &DateMention,
    named: bool,
) -> i32 {
    let mut score = 0;
    if mention.end.is_some() {
        score += 3;
    }
    if happening {
        score += 3;
    }
    if sentence.heading {
        score += 2;
    }
    if mention.has_year() {
        score += 1;
    }
    if named {
        score += 1;
    }
    score - 4 * i32::from(sentence.quote)
}

/// Events on exactly the main event's days under another name (its title
/// in a second language, its acronym) are the main event again: their
/// deadlines and place join it.
fn fold_same_days(events: &mut Vec<ExtractedEvent>, main: usize) {
    let days = |e: &ExtractedEvent| e.start.map(|s| (s, e.end));
    let Some(main_days) = days(&events[main]) else {
        return;
    };
    let mut index = 0;
    let mut main = main;
    while index < events.len() {
        if index != main && days(&events[index]) == Some(main_days) {
            let twin = events.remove(index);
            if index < main {
                main -= 1;
            }
            let target = &mut events[main];
            target.location = target.location.take().or(twin.location);
            target.deadlines.extend(twin.deadlines);
            target.deadlines.sort_by_key(|d| (d.date, d.time));
            target
                .deadlines
                .dedup_by(|a, b| a.kind == b.kind && a.date == b.date);
        } else {
            index += 1;
        }
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

fn finish_one(entity: &Entity, published: Option<NaiveDate>) -> ExtractedEvent {
    let best = entity.best();
    let (start, end) = match best {
        Some(c) => {
            let d = &c.dated;
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
    let deadlines = deadlines(&entity.claims, start);
    let times = best.and_then(|c| {
        let t = c.dated.mention.times.as_ref()?;
        (c.dated.mention.end.is_none()).then(|| (t.start, t.end, t.zone.clone()))
    });
    let has_year = best.is_some_and(|c| c.dated.mention.has_year());
    let (evidence, line) = best.map_or((entity.evidence.clone(), entity.line), |c| {
        (c.evidence.clone(), c.line)
    });
    let _ = published;
    let mut confidence: f32 = 0.3;
    confidence += if entity.generic { 0.0 } else { 0.3 };
    confidence += if start.is_some() { 0.2 } else { 0.0 };
    confidence += if entity.location.is_some() { 0.1 } else { 0.0 };
    confidence += if has_year { 0.1 } else { 0.0 };
    ExtractedEvent {
        name: entity.name.clone(),
        kind: entity.kind,
        start,
        end,
        times,
        location: entity.location.clone(),
        confidence: confidence.min(1.0),
        evidence,
        line,
        deadlines,
    }
}

/// The deadlines of an event's claims: an extension instead of the date
/// it replaces, one of each kind and date.
fn deadlines(claims: &[Claim], event_start: Option<NaiveDate>) -> Vec<ExtractedDeadline> {
    let mut out: Vec<(bool, ExtractedDeadline)> = claims
        .iter()
        .filter_map(|c| deadline(c, event_start).map(|d| (c.extended, d)))
        .collect();
    let latest_extension: Vec<(DeadlineKind, NaiveDate)> = DeadlineKind::ALL
        .iter()
        .filter_map(|kind| {
            let latest = out
                .iter()
                .filter(|(ext, d)| *ext && d.kind == *kind)
                .map(|(_, d)| d.date)
                .max()?;
            Some((*kind, latest))
        })
        .collect();
    out.retain(|(ext, d)| {
        *ext || latest_extension
            .iter()
            .all(|(kind, latest)| *kind != d.kind || d.date > *latest)
    });
    let mut out: Vec<ExtractedDeadline> = out.into_iter().map(|(_, d)| d).collect();
    out.sort_by_key(|d| (d.date, d.time));
    out.dedup_by(|a, b| a.kind == b.kind && a.date == b.date);
    out
}

/// A deadline's date: its own year, else read against the anchor but
/// before the event starts, else in the event's year.
fn deadline(claim: &Claim, event_start: Option<NaiveDate>) -> Option<ExtractedDeadline> {
    let dated = &claim.dated;
    let day = dated.mention.start;
    let date = match (day.year, dated.anchor, event_start) {
        (Some(_), _, _) => resolve(day, None)?,
        (None, anchor, Some(start)) => before(day, anchor, start)?,
        (None, anchor, None) => resolve(day, anchor)?,
    };
    let mut confidence: f32 = 0.5;
    confidence += if claim.named { 0.2 } else { 0.1 };
    confidence += if day.year.is_some() { 0.2 } else { 0.1 };
    confidence += if dated.mention.times.is_some() {
        0.1
    } else {
        0.0
    };
    Some(ExtractedDeadline {
        kind: claim.kind,
        date,
        time: dated.mention.times.as_ref().map(|t| t.start),
        zone: dated.mention.stated_zone().cloned(),
        confidence: confidence.min(1.0),
        evidence: claim.evidence.clone(),
        line: claim.line,
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

/// Whether two name keys are one event.
fn same_event(a: &str, b: &str) -> bool {
    a == b
}

/// Whether `short` is the initials of `long`: "LSS" of "Linux Security
/// Summit", "oSC" of "openSUSE Conference".
fn abbreviates(short: &str, long: &str) -> bool {
    let short: String = short.chars().filter(|c| c.is_alphanumeric()).collect();
    let initials: String = long
        .split_whitespace()
        .filter(|w| !w.starts_with(char::is_lowercase) || w.chars().any(char::is_uppercase))
        .filter_map(|w| w.chars().next())
        .filter(|c| c.is_alphanumeric())
        .collect();
    short.len() >= 2
        && short.chars().filter(|c| c.is_uppercase()).count() >= 2
        && short.eq_ignore_ascii_case(&initials)
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

#[cfg(test)]
mod tests {
    use super::{LONGEST_SENTENCE, bounded};

    #[test]
    fn long_sentences_are_read_in_bounded_pieces_so_work_grows_linearly() {
        let mut pieces_at = Vec::new();
        for count in [10_000, 100_000] {
            let days: Vec<String> = (0..count).map(|i| format!("May {}", 1 + i % 28)).collect();
            let sentence = format!("Deadlines: {}.", days.join(", "));
            let pieces = bounded(&sentence);
            // Every piece is read on its own, and none is longer than the
            // bound: the work per piece is bounded, so the whole is linear.
            assert!(pieces.iter().all(|p| p.len() <= LONGEST_SENTENCE));
            let kept: usize = pieces.iter().map(|p| p.len()).sum();
            assert!(
                kept + pieces.len() * 2 >= sentence.len() - 1,
                "nothing is lost"
            );
            pieces_at.push(pieces.len());
        }
        // Ten times the dates, ten times the pieces (give or take a piece).
        assert!(
            pieces_at[1].abs_diff(pieces_at[0] * 10) <= 10,
            "{pieces_at:?}"
        );
        assert_eq!(bounded("A short one."), ["A short one."]);
    }
}
