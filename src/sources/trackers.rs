//! The public deadline trackers as sources: ccfddl, ai-deadlines,
//! pythondeadlin.es, sec-deadlines, confs.tech and developers.events.
//!
//! Each dataset has its own file here that reads its records as its
//! maintainers define them (fields, zones, `TBD`s, rounds, extensions) into
//! [`Edition`]s; this file owns what they share: walking a dataset's
//! folders, the zone and date-time forms the datasets write, and turning
//! editions into the model. An edition is the event "NAME YEAR"; its UID
//! comes from the name and the year (see [`crate::merge::event_uid`]), so
//! the same edition listed twice in a dataset, or by two datasets, is one
//! event. One bad record is reported with its `file:line` and skipped.

mod ai_deadlines;
mod ccfddl;
mod confs_tech;
mod developers_events;
mod json;
mod pythondeadlines;
mod sec_deadlines;
mod yaml;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime};

use super::{Loaded, SourceError, Zones};
use crate::config::{SourceConfig, SourceKind};
use crate::merge::{deadline_uid, event_uid, slug};
use crate::model::{Catalog, Deadline, DeadlineKind, Event, EventKind, Provenance, When};
use crate::place::{Place, Placed};
use crate::time::{UnknownZone, Zone};

/// One edition of a conference as a dataset lists it.
#[derive(Debug, Clone)]
pub(crate) struct Edition {
    /// The series' name, as the dataset writes it (`CVPR`, `PyCon US`).
    pub(crate) name: String,
    pub(crate) year: i32,
    pub(crate) kind: EventKind,
    pub(crate) start: Option<NaiveDate>,
    pub(crate) end: Option<NaiveDate>,
    pub(crate) location: Option<String>,
    pub(crate) url: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) tags: Vec<String>,
    pub(crate) deadlines: Vec<Due>,
    /// Where the record starts.
    pub(crate) line: usize,
}

impl Edition {
    /// An edition of `name` in `year` with nothing else known yet.
    pub(crate) fn new(name: &str, year: i32, line: usize) -> Edition {
        Edition {
            name: name.trim().to_owned(),
            year,
            kind: EventKind::Conference,
            start: None,
            end: None,
            location: None,
            url: None,
            description: None,
            tags: Vec::new(),
            deadlines: Vec::new(),
            line,
        }
    }

    /// "NAME YEAR", unless the name already holds the year.
    pub(crate) fn title(&self) -> String {
        let year = self.year.to_string();
        if self
            .name
            .split(|c: char| !c.is_alphanumeric())
            .any(|w| w == year)
        {
            self.name.clone()
        } else {
            format!("{} {year}", self.name)
        }
    }
}

/// One deadline of an edition.
#[derive(Debug, Clone)]
pub(crate) struct Due {
    pub(crate) kind: DeadlineKind,
    pub(crate) at: When,
    pub(crate) zone: Zone,
    /// The round's or the deadline's own name, as the dataset gives it.
    pub(crate) label: Option<String>,
    /// What tells this deadline apart from others of its kind for good (a
    /// deadline type such as `rebuttal_end`); numbered by time otherwise.
    pub(crate) key: Option<String>,
    /// How often the dataset says the deadline moved (`1` for an
    /// extension): the iCalendar `SEQUENCE`.
    pub(crate) sequence: i64,
    pub(crate) line: usize,
}

/// What one file of a dataset held.
#[derive(Debug, Default)]
pub(crate) struct Found {
    pub(crate) editions: Vec<Edition>,
    pub(crate) problems: Vec<Placed>,
    /// Deadlines stated as not known yet (`TBD`, `TBA`, `None`).
    pub(crate) unknown: usize,
}

/// A file being read: its path for messages, its text.
pub(crate) struct File<'a> {
    pub(crate) path: &'a Path,
    pub(crate) text: &'a str,
    pub(crate) zones: Zones,
    /// The source's own `timezone`, for deadlines stated without one.
    pub(crate) source_zone: Option<Zone>,
}

impl File<'_> {
    /// A problem at `line` of this file.
    pub(crate) fn problem(&self, line: usize, message: impl Into<String>) -> Placed {
        Placed {
            place: Place {
                path: self.path.to_owned(),
                line,
                column: 1,
            },
            message: message.into(),
        }
    }

    /// The zone for a deadline that states none, where the format has no
    /// default of its own: the source's, else `deadline_timezone`.
    pub(crate) fn fallback_zone(&self) -> Zone {
        self.source_zone.unwrap_or(self.zones.deadline)
    }
}

/// The file extensions a dataset of `kind` is kept in.
fn extensions(kind: SourceKind) -> &'static [&'static str] {
    match kind {
        SourceKind::ConfsTech | SourceKind::DevelopersEvents => &["json"],
        _ => &["yml", "yaml"],
    }
}

fn read_file(kind: SourceKind, file: &File<'_>, found: &mut Found) {
    match kind {
        SourceKind::Ccfddl => ccfddl::read(file, found),
        SourceKind::AiDeadlines => ai_deadlines::read(file, found),
        SourceKind::Pythondeadlines => pythondeadlines::read(file, found),
        SourceKind::SecDeadlines => sec_deadlines::read(file, found),
        SourceKind::ConfsTech => confs_tech::read(file, found),
        SourceKind::DevelopersEvents => developers_events::read(file, found),
        SourceKind::Curated | SourceKind::Ics | SourceKind::Announcement | SourceKind::Rss => {}
    }
}

/// Reads a dataset file, or every file of a dataset folder and the folders
/// in it.
pub(crate) fn load(source: &SourceConfig, path: &Path, zones: Zones) -> Loaded {
    let files = match files_under(path, extensions(source.kind)) {
        Ok(files) => files,
        Err(e) => return super::failed(e),
    };
    let mut read = Reading::new(source, zones);
    for file in files {
        match std::fs::read(&file) {
            Ok(bytes) => read.bytes(&file, &bytes),
            Err(e) => read.problems.push(SourceError::Read {
                path: file,
                source: e,
            }),
        }
    }
    read.finish()
}

/// Reads one downloaded (or stored) dataset file, named `origin` in
/// messages.
pub(crate) fn parse(source: &SourceConfig, origin: &Path, bytes: &[u8], zones: Zones) -> Loaded {
    let mut read = Reading::new(source, zones);
    read.bytes(origin, bytes);
    read.finish()
}

/// The files with `extensions` under `path` (the file itself when it is
/// one), sorted; hidden folders such as `.git` are left out.
fn files_under(path: &Path, extensions: &[&'static str]) -> Result<Vec<PathBuf>, SourceError> {
    let read_err = |path: &Path, source| SourceError::Read {
        path: path.to_owned(),
        source,
    };
    if !path.is_dir() {
        std::fs::metadata(path).map_err(|e| read_err(path, e))?;
        return Ok(vec![path.to_owned()]);
    }
    let mut files = Vec::new();
    let mut folders = vec![path.to_owned()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).map_err(|e| read_err(&folder, e))? {
            let entry = entry.map_err(|e| read_err(&folder, e))?;
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            // Symbolic links are followed: a clone may link its folders.
            let is_dir = match entry.file_type() {
                Ok(t) if t.is_symlink() => entry.path().is_dir(),
                Ok(t) => t.is_dir(),
                Err(e) => return Err(read_err(&entry.path(), e)),
            };
            let path = entry.path();
            if is_dir {
                folders.push(path);
            } else if super::has_extension(&path, extensions) {
                files.push(path);
            }
        }
    }
    super::found_files(path, files, extensions)
}

/// A dataset being read: what its files held so far.
struct Reading<'a> {
    source: &'a SourceConfig,
    zones: Zones,
    editions: Vec<(Edition, PathBuf)>,
    problems: Vec<SourceError>,
    unknown: usize,
}

impl<'a> Reading<'a> {
    fn new(source: &'a SourceConfig, zones: Zones) -> Self {
        Reading {
            source,
            zones,
            editions: Vec::new(),
            problems: Vec::new(),
            unknown: 0,
        }
    }

    /// Reads a file's bytes: bytes that are not UTF-8 are replaced, and
    /// said, so that one bad character costs no record.
    fn bytes(&mut self, path: &Path, bytes: &[u8]) {
        let text = String::from_utf8_lossy(bytes);
        if let std::borrow::Cow::Owned(_) = text {
            self.problems.push(SourceError::Unusable {
                path: path.to_owned(),
                reason: "not all UTF-8 text: the bytes that are not were replaced".to_owned(),
            });
        }
        self.file(path, &text);
    }

    fn file(&mut self, path: &Path, text: &str) {
        let text = text.trim_start_matches('\u{feff}');
        let file = File {
            path,
            text,
            zones: self.zones,
            source_zone: self.source.timezone,
        };
        let mut found = Found::default();
        read_file(self.source.kind, &file, &mut found);
        let shown = path.strip_prefix(&self.source.root).unwrap_or(path);
        self.editions
            .extend(found.editions.into_iter().map(|e| (e, shown.to_owned())));
        self.problems
            .extend(found.problems.into_iter().map(SourceError::from));
        self.unknown += found.unknown;
    }

    fn finish(mut self) -> Loaded {
        if self.unknown > 0 {
            self.problems.push(SourceError::Unknown(self.unknown));
        }
        Loaded {
            catalog: catalog(self.source, self.editions),
            problems: self.problems,
        }
    }
}

/// The events and deadlines of a dataset's editions: editions with one
/// UID (see [`uids`]) are one event, listed in file order.
fn catalog(source: &SourceConfig, editions: Vec<(Edition, PathBuf)>) -> Catalog {
    let uids = uids(source, &editions);
    let mut order: Vec<usize> = (0..editions.len()).collect();
    order.sort_by(|a, b| uids[*a].cmp(&uids[*b]));
    let mut slots: Vec<Option<(Edition, PathBuf)>> = editions.into_iter().map(Some).collect();
    let mut out = Catalog::default();
    for same in order.chunk_by(|a, b| uids[*a] == uids[*b]) {
        let listings: Vec<(Edition, PathBuf)> =
            same.iter().filter_map(|&i| slots[i].take()).collect();
        add_event(source, &uids[same[0]], listings, &mut out);
    }
    out
}

/// Each edition's event UID: its name and year, and for the developer-
/// conference lists, which reuse a name for editions in other places and
/// on other dates ("AWS Summit"), its start date where that tells it apart.
/// The research trackers list a series' edition once, under its own id.
fn uids(source: &SourceConfig, editions: &[(Edition, PathBuf)]) -> Vec<String> {
    let bases: Vec<String> = editions
        .iter()
        .map(|(e, _)| event_uid(&e.title(), year_start(e.year)))
        .collect();
    if !matches!(
        source.kind,
        SourceKind::ConfsTech | SourceKind::DevelopersEvents
    ) {
        return bases;
    }
    let mut starts: HashMap<&str, BTreeSet<NaiveDate>> = HashMap::new();
    for (base, (edition, _)) in bases.iter().zip(editions) {
        starts.entry(base).or_default().extend(edition.start);
    }
    bases
        .iter()
        .zip(editions)
        .map(|(base, (edition, _))| match edition.start {
            Some(start) if starts.get(base.as_str()).is_some_and(|s| s.len() > 1) => {
                base.replace("@confcal", &format!("-{}@confcal", start.format("%m%d")))
            }
            _ => base.clone(),
        })
        .collect()
}

fn year_start(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default()
}

/// Where a fact came from: `file:line`, the file relative to the
/// configuration's folder.
fn provenance(source: &SourceConfig, file: &Path, line: usize) -> Provenance {
    Provenance {
        source: source.name.clone(),
        location: format!("{}:{line}", file.display()),
        evidence: None,
        confidence: None,
    }
}

/// Adds one event (when its dates are known) and its deadlines: the first
/// listing's fields, every listing's tags and places.
fn add_event(
    source: &SourceConfig,
    uid: &str,
    mut listings: Vec<(Edition, PathBuf)>,
    out: &mut Catalog,
) {
    let mut tags: BTreeSet<String> = source.tags.iter().cloned().collect();
    let mut places = Vec::new();
    let mut dues = Vec::new();
    for (edition, file) in &mut listings {
        tags.extend(edition.tags.drain(..));
        places.push(provenance(source, file, edition.line));
        for due in edition.deadlines.drain(..) {
            let place = provenance(source, file, due.line);
            dues.push((due, place));
        }
    }
    let first = &listings[0].0;
    let title = first.title();
    let tags: Vec<String> = tags.into_iter().collect();
    let url = listings.iter().find_map(|(e, _)| e.url.clone());
    for (due, place, round) in number_rounds(dues) {
        out.deadlines.push(Deadline {
            uid: deadline_uid(uid, due.kind, round.as_deref()),
            event_uid: uid.to_owned(),
            event_title: title.clone(),
            kind: due.kind,
            due: due.at,
            zone: due.zone,
            label: due.label,
            url: url.clone(),
            tags: tags.clone(),
            priority: source.priority,
            provenance: vec![place],
            sequence: due.sequence,
            revision: None,
        });
    }
    let Some(start) = listings.iter().find_map(|(e, _)| e.start) else {
        return;
    };
    out.events.push(Event {
        uid: uid.to_owned(),
        title,
        kind: first.kind,
        start: When::Date(start),
        end: When::Date(first.end.filter(|end| *end >= start).unwrap_or(start)),
        location: listings.iter().find_map(|(e, _)| e.location.clone()),
        url,
        description: first.description.clone(),
        tags,
        parent: None,
        priority: source.priority,
        provenance: places,
        recurrence: None,
        sequence: 0,
        revision: None,
        cancelled: false,
    });
}

/// Gives each deadline its round: deadlines of one kind (and key) are
/// numbered by due time, the first unnumbered; the same deadline listed
/// twice (same kind, key and instant) is kept once.
fn number_rounds(mut dues: Vec<(Due, Provenance)>) -> Vec<(Due, Provenance, Option<String>)> {
    dues.sort_by_cached_key(|(d, _)| (d.kind, d.key.clone(), instant(d)));
    let mut out: Vec<(Due, Provenance, Option<String>)> = Vec::with_capacity(dues.len());
    let mut count = 0;
    for (due, place) in dues {
        let same_group = out
            .last()
            .is_some_and(|(last, _, _)| last.kind == due.kind && last.key == due.key);
        if same_group
            && out
                .last()
                .is_some_and(|(last, _, _)| instant(last) == instant(&due))
        {
            continue;
        }
        count = if same_group { count + 1 } else { 1 };
        let round = match (&due.key, count) {
            (Some(key), 1) => Some(slug(key)),
            (Some(key), n) => Some(format!("{}-{n}", slug(key))),
            (None, 1) => None,
            (None, n) => Some(n.to_string()),
        };
        out.push((due, place, round));
    }
    out
}

fn instant(due: &Due) -> chrono::DateTime<chrono::Utc> {
    match due.at {
        When::Zoned(t, zone) => zone.instant(t),
        When::Utc(t) => t,
        When::Date(d) => due.zone.instant(crate::time::end_of_day(d)),
        When::Floating(t) => due.zone.instant(t),
    }
}

/// A date or a date-time as the datasets write them: `2024-05-01`,
/// `2024-5-1 23:59`, `2024-05-01 23:59:59`, `2024-05-01T23:59:59`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stated {
    Date(NaiveDate),
    DateTime(NaiveDateTime),
}

impl Stated {
    pub(crate) fn parse(text: &str) -> Option<Stated> {
        let text = text.trim().trim_end_matches('Z');
        let (date, time) = match text.split_once(['T', ' ']) {
            Some((d, t)) => (d, Some(t.trim())),
            None => (text, None),
        };
        let mut parts = date.split(['-', '/']).map(|p| p.trim().parse::<u32>().ok());
        let (year, month, day) = (parts.next()??, parts.next()??, parts.next()??);
        if parts.next().is_some() {
            return None;
        }
        let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
        let Some(time) = time.filter(|t| !t.is_empty()) else {
            return Some(Stated::Date(date));
        };
        // Fractions of a second are dropped: `23:59:59.000`.
        let time = time.split_once('.').map_or(time, |(whole, _)| whole);
        let mut parts = time.split(':').map(|p| p.trim().parse::<u32>().ok());
        let (h, min) = (parts.next()??, parts.next()??);
        let s = parts.next().map_or(Some(0), |s| s)?;
        if h == 24 && min == 0 && s == 0 {
            return Some(Stated::DateTime(date.succ_opt()?.and_time(NaiveTime::MIN)));
        }
        Some(Stated::DateTime(
            date.and_time(NaiveTime::from_hms_opt(h, min, s)?),
        ))
    }

    /// The deadline this states in `zone`: a bare date is due at the end
    /// of its day.
    pub(crate) fn due(self, zone: Zone) -> When {
        match self {
            Stated::Date(d) => When::Date(d),
            Stated::DateTime(t) => When::Zoned(t, zone),
        }
    }

    pub(crate) fn date(self) -> NaiveDate {
        match self {
            Stated::Date(d) => d,
            Stated::DateTime(t) => t.date(),
        }
    }
}

/// Whether a deadline's text says it is not known yet: `TBD`, `TBA`,
/// `None`, `Cancelled`, `N/A`.
pub(crate) fn not_a_date(text: &str) -> bool {
    let t = text.trim().to_ascii_lowercase();
    matches!(
        t.as_str(),
        "" | "tba"
            | "tbd"
            | "tbc"
            | "none"
            | "cancelled"
            | "canceled"
            | "na"
            | "n/a"
            | "n.a."
            | "nan"
    )
}

/// Zone abbreviations the datasets write, and the offsets they mean.
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("PT", "America/Los_Angeles"),
    ("ET", "America/New_York"),
    ("CT", "America/Chicago"),
    ("PST", "UTC-8"),
    ("PDT", "UTC-7"),
    ("MST", "UTC-7"),
    ("MDT", "UTC-6"),
    ("CST", "UTC-6"),
    ("CDT", "UTC-5"),
    ("EST", "UTC-5"),
    ("EDT", "UTC-4"),
    ("HST", "UTC-10"),
    ("WET", "UTC+0"),
    ("WEST", "UTC+1"),
    ("BST", "UTC+1"),
    ("CET", "UTC+1"),
    ("CEST", "UTC+2"),
    ("EET", "UTC+2"),
    ("EEST", "UTC+3"),
    ("IST", "UTC+5:30"),
    ("SGT", "UTC+8"),
    ("JST", "UTC+9"),
    ("KST", "UTC+9"),
    ("AEST", "UTC+10"),
    ("AEDT", "UTC+11"),
];

/// A zone as the datasets state it: `AoE`, `UTC`, `UTC-7`, `GMT+02`,
/// `UTC+5:30`, an IANA name (where `Etc/GMT+8` means UTC−8, as IANA
/// defines it), `PT` (US Pacific, with daylight saving) or an abbreviation
/// such as `PDT` or `CET`.
pub(crate) fn zone(text: &str) -> Result<Zone, UnknownZone> {
    let compact: String = text.split_whitespace().collect();
    let upper = compact.to_ascii_uppercase();
    if let Some((_, zone)) = ABBREVIATIONS.iter().find(|(a, _)| *a == upper) {
        return Zone::from_str(zone);
    }
    if upper == "UTC+0" || upper == "UTC-0" || upper == "GMT+0" || upper == "GMT-0" {
        return Ok(Zone::Utc);
    }
    Zone::from_str(&compact).or_else(|_| Zone::from_str(text))
}

/// Reads a zone field: the zone (`missing` when there is none), or
/// `None` and a problem at `line` when it cannot be read: the record's
/// deadlines are then left out, not guessed.
pub(crate) fn zone_or(
    file: &File<'_>,
    found: &mut Found,
    text: Option<&str>,
    line: usize,
    missing: Zone,
) -> Option<Zone> {
    let Some(text) = text else {
        return Some(missing);
    };
    match zone(text) {
        Ok(zone) => Some(zone),
        Err(e) => {
            found
                .problems
                .push(file.problem(line, format!("{e}; its deadlines are left out")));
            None
        }
    }
}

/// Adds the deadline `text` states (read in `zone`) to `edition`, or
/// counts it as not known yet, or reports it.
pub(crate) fn push_due(
    file: &File<'_>,
    found: &mut Found,
    edition: &mut Edition,
    text: &str,
    line: usize,
    due: Due,
) {
    if not_a_date(text) {
        found.unknown += 1;
        return;
    }
    match Stated::parse(text) {
        Some(stated) => edition.deadlines.push(Due {
            at: stated.due(due.zone),
            ..due
        }),
        None => found.problems.push(file.problem(
            line,
            format!("`{text}` is not a date such as `2024-05-01 23:59`: this deadline is left out"),
        )),
    }
}

/// A deadline of `kind` at `line`, before its date is read.
pub(crate) fn due_of(kind: DeadlineKind, zone: Zone, label: Option<String>, line: usize) -> Due {
    Due {
        kind,
        at: When::Date(NaiveDate::default()),
        zone,
        label,
        key: None,
        sequence: 0,
        line,
    }
}

/// Reads a record's year: a number such as `2024`.
pub(crate) fn year_of(text: Option<&str>) -> Option<i32> {
    text.and_then(|t| t.trim().parse::<i32>().ok())
        .filter(|y| (1900..=2200).contains(y))
}

/// The start and end of a free-text date such as "May 21-29, 2022" or
/// "June 19 - June 24, 2022", read with the extractor's date reader in the
/// edition's year.
pub(crate) fn date_range(text: &str, year: i32) -> Option<(NaiveDate, NaiveDate)> {
    let mention = crate::extract::dates::find(text).dates.into_iter().next()?;
    let end_day = mention.end.unwrap_or(mention.start);
    let end = end_day.in_year(end_day.year.or(mention.start.year).unwrap_or(year))?;
    let mut start = mention
        .start
        .in_year(mention.start.year.unwrap_or(end.year()))?;
    if start > end {
        start = mention.start.in_year(end.year() - 1)?;
    }
    Some((start, end))
}

/// Keys a record may hold: a key close to a known one (a typo) is
/// reported, with the known one; others are the dataset's own extras.
/// The edition a YAML record names: its keys checked against `known`, its
/// name from the first of `name_keys` it has, its `year`. A record
/// without either is reported and yields nothing.
pub(crate) fn yaml_edition(
    file: &File<'_>,
    found: &mut Found,
    record: &yaml::Node,
    known: &[&str],
    name_keys: &[&str],
) -> Option<Edition> {
    check_keys(file, found, record, known);
    let Some(name) = name_keys.iter().find_map(|key| record.text(key)) else {
        let key = name_keys.first().copied().unwrap_or("name");
        found
            .problems
            .push(file.problem(record.line, format!("an edition needs a `{key}`: left out")));
        return None;
    };
    let Some(year) = year_of(record.text("year")) else {
        found.problems.push(file.problem(
            record.line,
            format!("`{name}` needs a `year` such as `2024`: left out"),
        ));
        return None;
    };
    Some(Edition::new(name, year, record.line))
}

pub(crate) fn check_keys(file: &File<'_>, found: &mut Found, record: &yaml::Node, known: &[&str]) {
    for (key, line) in record.keys() {
        check_key(file, found, key, line, known);
    }
}

/// Reports `key` (at `line`) when it is not in `known` but close to one.
pub(crate) fn check_key(
    file: &File<'_>,
    found: &mut Found,
    key: &str,
    line: usize,
    known: &[&str],
) {
    if known.contains(&key) {
        return;
    }
    let close = known
        .iter()
        .map(|k| (strsim::jaro_winkler(key, k), *k))
        .filter(|(score, _)| *score > 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    if let Some((_, k)) = close {
        found.problems.push(file.problem(
            line,
            format!("unknown key `{key}`: did you mean `{k}`? (left out)"),
        ));
    }
}

/// The year of a date, for datasets that give no year of their own.
pub(crate) fn year_of_date(date: NaiveDate) -> i32 {
    date.year()
}

#[cfg(test)]
mod tests;
