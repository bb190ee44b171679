//! iCalendar sources (`kind = "ics"`): a file or a folder of `.ics` files,
//! read from bytes so that fetched bodies go the same way. The text is
//! decoded (UTF-8 with or without a BOM, UTF-16 by its BOM, else
//! Windows-1252), its structure checked line by line (`scan`), parsed with
//! calcard, and each `VEVENT` converted (`event`). Within a source, copies
//! of one UID keep the highest `SEQUENCE`, then the latest revision, and
//! overrides join their series. The events each file needed repaired or
//! skipped are summed up once per file (`notes`).

mod event;
mod notes;
mod scan;
mod zones;

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::ops::Range;
use std::path::Path;

use calcard::icalendar::{ICalendar, ICalendarComponentType, ICalendarProperty, ICalendarValue};
use calcard::{Entry, Parser};

use self::event::{Context, Converted, Item};
use self::notes::Notes;
use self::scan::{RawEvent, scan};
use super::{Loaded, SourceError, Zones, files_in};
use crate::config::SourceConfig;
use crate::model::{Event, Override, Recurrence};
use crate::place::{Place, Placed};
use crate::time::Zone;

/// Reads an `.ics` file or every `.ics` file of a folder.
pub(crate) fn load(source: &SourceConfig, path: &Path, zones: Zones) -> Loaded {
    let mut out = Loaded::default();
    let files = match files_in(path, "ics") {
        Ok(files) => files,
        Err(e) => {
            out.problems.push(e);
            return out;
        }
    };
    let mut items = Vec::new();
    for file in files {
        match std::fs::read(&file) {
            Ok(bytes) => read(source, &file, &bytes, zones, &mut items, &mut out.problems),
            Err(e) => out.problems.push(SourceError::Read {
                path: file,
                source: e,
            }),
        }
    }
    out.catalog.events = assemble(items, zones.default);
    out
}

/// Reads one iCalendar body; `origin` names it in messages.
/// Reads one iCalendar body (a file's or a download's bytes) as a source
/// of its own; `origin` names it in messages.
#[must_use]
pub fn parse(source: &SourceConfig, origin: &Path, bytes: &[u8], zones: Zones) -> Loaded {
    let mut out = Loaded::default();
    let mut items = Vec::new();
    read(source, origin, bytes, zones, &mut items, &mut out.problems);
    out.catalog.events = assemble(items, zones.default);
    out
}

fn read(
    source: &SourceConfig,
    origin: &Path,
    bytes: &[u8],
    zones: Zones,
    items: &mut Vec<Item>,
    problems: &mut Vec<SourceError>,
) {
    let text = decode(bytes);
    let scanned = scan(&text);
    let at = |line: usize, message: String| -> SourceError {
        Placed {
            place: Place {
                path: origin.to_owned(),
                line,
                column: 1,
            },
            message,
        }
        .into()
    };
    // A body rejected whole is reported by why first; its bad lines follow.
    if let Some(reason) = &scanned.fatal {
        problems.push(SourceError::Unusable {
            path: origin.to_owned(),
            reason: reason.clone(),
        });
    }
    problems.extend(
        scanned
            .problems
            .into_iter()
            .map(|(line, message)| at(line, message)),
    );
    if scanned.fatal.is_some() {
        return;
    }
    let shown = origin
        .strip_prefix(&source.root)
        .unwrap_or(origin)
        .to_owned();
    let mut notes = Notes::default();
    for calendar in &scanned.calendars {
        let header = calendar.properties.iter().chain(&calendar.zones);
        let ctx = context(source, &parse_one(&wrap(&scanned.text, header)), zones);
        let converted = convert_all(&ctx, &scanned.text, &calendar.events, &shown);
        for (line, converted) in converted {
            let uid = converted.uid.as_deref();
            for repair in converted.repairs {
                notes.repaired(line, uid, repair);
            }
            match converted.item {
                Ok(item) => items.push(item),
                Err(why) => notes.skipped(line, uid, why),
            }
        }
    }
    problems.extend(summaries(origin, &notes));
}

/// The file's summaries: of the events skipped (an error), then of the
/// events repaired (a warning).
fn summaries(origin: &Path, notes: &Notes) -> impl Iterator<Item = SourceError> {
    let skipped = notes.skips().map(|summary| SourceError::Skipped {
        path: origin.to_owned(),
        summary,
    });
    let repaired = notes.repairs().map(|summary| SourceError::Repaired {
        path: origin.to_owned(),
        summary,
    });
    skipped.into_iter().chain(repaired)
}

/// Each event of a calendar converted, in order, with its line: batches
/// are parsed and converted on every core, each thread taking a
/// contiguous share so that order is kept.
fn convert_all(
    ctx: &Context<'_>,
    text: &str,
    events: &[(Range<usize>, RawEvent)],
    shown: &Path,
) -> Vec<(usize, Converted)> {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(events.len().div_ceil(BATCH))
        .max(1);
    let share = events.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = events
            .chunks(share)
            .map(|part| scope.spawn(move || convert_part(ctx, text, part, shown)))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

fn convert_part(
    ctx: &Context<'_>,
    text: &str,
    events: &[(Range<usize>, RawEvent)],
    shown: &Path,
) -> Vec<(usize, Converted)> {
    let mut out = Vec::with_capacity(events.len());
    for batch in events.chunks(BATCH) {
        let parsed = parse_one(&wrap(text, batch.iter().map(|(range, _)| range)));
        for (component, (range, raw)) in events_of(&parsed).zip(batch) {
            let location = format!("{}:{}", shown.display(), raw.line);
            let derived = || derived_uid(&text[range.clone()]);
            out.push((
                raw.line,
                event::convert(ctx, component, raw, derived, location),
            ));
        }
    }
    out
}

/// A UID for an event that has none, made from its text: the same event
/// gets the same UID on every read. `DTSTAMP`, which many servers set to
/// the time of each download, is left out of it.
fn derived_uid(event: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    for line in event.split("\r\n").filter(|l| {
        !l.get(..8).is_some_and(|name| {
            name.eq_ignore_ascii_case("DTSTAMP:") || name.eq_ignore_ascii_case("DTSTAMP;")
        })
    }) {
        hash.update(line.as_bytes());
        hash.update(b"\n");
    }
    let digest = hash.finalize();
    let mut hex = String::with_capacity(32);
    for byte in &digest[..16] {
        let _ = write!(hex, "{byte:02x}");
    }
    format!("{hex}@uid.confcal")
}

/// How many events calcard parses at a time: it builds a whole tree for
/// what it is given, so a large calendar is handed over in batches.
const BATCH: usize = 256;

/// A `VCALENDAR` holding the given parts of `text`.
fn wrap<'a>(text: &str, parts: impl Iterator<Item = &'a Range<usize>>) -> String {
    let mut out = String::from("BEGIN:VCALENDAR\r\n");
    for part in parts {
        out.push_str(&text[part.clone()]);
    }
    out.push_str("END:VCALENDAR\r\n");
    out
}

/// The one calendar in `text` (which the scan made well-formed).
fn parse_one(text: &str) -> ICalendar {
    match Parser::new(text).entry() {
        Entry::ICalendar(calendar) => calendar,
        _ => ICalendar::default(),
    }
}

/// The bytes as text: UTF-8 (a BOM is dropped), UTF-16 when a BOM says
/// so, else Windows-1252, which every byte sequence decodes as.
fn decode(bytes: &[u8]) -> Cow<'_, str> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Cow::Borrowed(text);
    }
    let (encoding, bom) =
        encoding_rs::Encoding::for_bom(bytes).unwrap_or((encoding_rs::WINDOWS_1252, 0));
    encoding.decode_without_bom_handling(&bytes[bom..]).0
}

fn context<'a>(source: &'a SourceConfig, calendar: &ICalendar, zones: Zones) -> Context<'a> {
    let calendar_zone = calendar
        .components
        .first()
        .and_then(|root| root.property(&ICalendarProperty::Other("X-WR-TIMEZONE".to_owned())))
        .and_then(|e| e.values.first())
        .and_then(ICalendarValue::as_text)
        .and_then(|name| name.trim().parse().ok());
    let resolver = calendar.build_owned_tz_resolver();
    let custom = zones::custom_zones(calendar, |tzid| {
        resolver.resolve(tzid).is_some() || zones::named(tzid).is_some()
    });
    Context {
        source,
        resolver,
        custom,
        calendar_zone,
        local: zones.default,
    }
}

/// The calendar's top-level `VEVENT`s, in order.
fn events_of(
    calendar: &ICalendar,
) -> impl Iterator<Item = &calcard::icalendar::ICalendarComponent> {
    let ids = calendar
        .components
        .first()
        .map(|root| root.component_ids.as_slice())
        .unwrap_or_default();
    ids.iter()
        .filter_map(|id| calendar.components.get(*id as usize))
        .filter(|c| c.component_type == ICalendarComponentType::VEvent)
}

/// Joins overrides to their series and keeps, of several copies of one
/// UID (or UID and `RECURRENCE-ID`), the newest: highest `SEQUENCE`, then
/// latest revision, then the first seen. An override that no longer
/// stands (its occurrence excluded, or gone from a newer series) goes, so
/// that what is exported is what is shown.
fn assemble(items: Vec<Item>, local: Zone) -> Vec<Event> {
    let mut order: Vec<String> = Vec::new();
    let mut masters: HashMap<String, Event> = HashMap::with_capacity(items.len());
    let mut overrides: Vec<(String, Override)> = Vec::new();
    for item in items {
        match item {
            Item::Master(event) => {
                if let Some(kept) = masters.get(&event.uid) {
                    if newer(&event, kept) {
                        masters.insert(event.uid.clone(), event);
                    }
                } else {
                    order.push(event.uid.clone());
                    masters.insert(event.uid.clone(), event);
                }
            }
            Item::Override(uid, o) => overrides.push((uid, o)),
        }
    }
    let mut stand_ins: HashSet<String> = HashSet::new();
    for (uid, o) in overrides {
        let master = masters.entry(uid.clone()).or_insert_with(|| {
            order.push(uid.clone());
            stand_ins.insert(uid.clone());
            stand_in(&o)
        });
        if stand_ins.contains(&uid) {
            // No override is older than a series the feed does not have.
            master.sequence = master.sequence.min(o.event.sequence);
        }
        let recurrence = master
            .recurrence
            .get_or_insert_with(|| Box::new(Recurrence::default()));
        match recurrence
            .overrides
            .iter_mut()
            .find(|x| x.recurrence_id == o.recurrence_id)
        {
            Some(kept) if newer(&o.event, &kept.event) => *kept = o,
            Some(_) => {}
            None => recurrence.overrides.push(o),
        }
    }
    order
        .into_iter()
        .filter_map(|uid| masters.remove(&uid))
        .map(|master| without_fallen(master, local))
        .collect()
}

/// `master` without the overrides that no longer stand.
fn without_fallen(mut master: Event, local: Zone) -> Event {
    let Some(recurrence) = master.recurrence.as_mut() else {
        return master;
    };
    let overrides = std::mem::take(&mut recurrence.overrides);
    let kept: Vec<Override> = overrides
        .into_iter()
        .filter(|o| crate::recur::stands(&master, o, local))
        .collect();
    if let Some(recurrence) = master.recurrence.as_mut() {
        recurrence.overrides = kept;
    }
    master
}

fn newer(a: &Event, b: &Event) -> bool {
    (a.sequence, a.revision) > (b.sequence, b.revision)
}

/// The series of an override whose series is not in the feed: it starts
/// where the override's occurrence was, so the override replaces it.
fn stand_in(o: &Override) -> Event {
    let mut master = o.event.clone();
    master.start = o.recurrence_id;
    master.end = o.recurrence_id;
    master.recurrence = Some(Box::default());
    master
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SourceKind;
    use crate::merge::{changes, merge};
    use crate::time::Zone;

    fn read(text: &str) -> crate::model::Catalog {
        let source = SourceConfig::local("t", SourceKind::Ics, Path::new("t.ics"));
        let zones = Zones {
            default: Zone::Utc,
            deadline: Zone::Aoe,
        };
        merge(vec![
            parse(&source, Path::new("t.ics"), text.as_bytes(), zones).catalog,
        ])
    }

    fn feed(stamp: &str, summary: &str, padding: &str) -> String {
        format!(
            "BEGIN:VCALENDAR\r\n{padding}BEGIN:VEVENT\r\nUID:a@t\r\nDTSTAMP:{stamp}\r\nLAST-MODIFIED:{stamp}\r\n\
             DTSTART:20150801T100000Z\r\nRRULE:FREQ=WEEKLY;COUNT=3\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:a@t\r\nDTSTAMP:{stamp}\r\nRECURRENCE-ID:20150808T100000Z\r\n\
             DTSTART:20150809T100000Z\r\nSUMMARY:Moved\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        )
    }

    #[test]
    fn a_feed_re_exported_unchanged_is_unchanged() {
        let before = read(&feed("20150101T000000Z", "Call", ""));
        let again = read(&feed("20150707T120000Z", "Call", "X-WR-CALNAME:Same\r\n"));
        assert!(
            changes(&before, &again).is_empty(),
            "{:?}",
            changes(&before, &again)
        );
        let renamed = read(&feed("20150707T120000Z", "Weekly call", ""));
        assert_eq!(changes(&before, &renamed).changed, ["a@t"]);
        assert_eq!(
            changes(&before, &crate::model::Catalog::default()).removed,
            ["a@t"]
        );
    }
}
