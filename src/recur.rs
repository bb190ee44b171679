//! Recurrence: which occurrences of an event fall in a window, with
//! `RRULE` (through the `rrule` crate), `RDATE`, `EXDATE`, `RECURRENCE-ID`
//! overrides (`RANGE=THISANDFUTURE` too) and cancelled occurrences.
//!
//! An override stands only where its series still has the occurrence it
//! replaces: an `EXDATE` of the series wins over it, and so does a newer
//! series (higher `SEQUENCE`) that no longer has that occurrence. An
//! all-day series' overrides are matched by date, whatever form their
//! `RECURRENCE-ID` takes. A series whose every rule ends (`UNTIL`) before
//! its `DTSTART` has no occurrences.
//!
//! Rules are expanded in the series' own wall-clock time, as RFC 5545 says:
//! the `rrule` crate is handed local date-times dressed as UTC, so it never
//! sees a zone (it mishandles Windows and custom ones, and `UNTIL` forms
//! that do not match `DTSTART`), and each local start is then placed in the
//! series' zone, which gets daylight-saving shifts right. Only the window
//! is expanded, never the whole series, and an old open-ended series starts
//! iterating near the window instead of at its first occurrence.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use rrule::{RRule, RRuleSet, Unvalidated};

use crate::model::{Event, Override, RDate, Recurrence, When};
use crate::time::Zone;

/// An `RRULE` that cannot be expanded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid RRULE `{rule}`: {reason}")]
pub struct BadRule {
    pub rule: String,
    pub reason: String,
}

/// One occurrence of an event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Occurrence<'a> {
    /// The event that says what this occurrence is: an override, or the
    /// event itself.
    pub event: &'a Event,
    /// For occurrences of a series, the start the series gave it.
    pub recurrence_id: Option<When>,
    pub start: When,
    /// The end in the same terms as [`Event::end`] (inclusive last day for
    /// all-day occurrences).
    pub end: When,
}

/// Why a series' occurrences in a window were cut short.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// It gives more than [`MAX_STARTS`] occurrences in the window.
    Starts,
    /// Its rule takes more than [`MAX_STEPS`] steps to get through the
    /// window (a dense rule, or one with a `COUNT` starting long ago).
    Steps,
}

impl std::fmt::Display for Cut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cut::Starts => write!(
                f,
                "it repeats more than {MAX_STARTS} times there; only the first {MAX_STARTS} are shown"
            ),
            Cut::Steps => write!(
                f,
                "its rule takes more than {MAX_STEPS} steps to get through it (too dense, or counted from too long ago); later occurrences are left out"
            ),
        }
    }
}

/// The occurrences of `event` that overlap `[from, until)`, in time order.
/// Dates and floating times are read in `local`.
#[must_use]
pub fn occurrences(
    event: &Event,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    local: Zone,
) -> Vec<Occurrence<'_>> {
    occurrences_noting_cuts(event, from, until, local).0
}

/// [`occurrences`], and whether the expansion limits cut them short.
#[must_use]
pub fn occurrences_noting_cuts(
    event: &Event,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    local: Zone,
) -> (Vec<Occurrence<'_>>, Option<Cut>) {
    let mut cut = None;
    let found = expand_event(event, from, until, local, &mut cut);
    (found, cut)
}

fn expand_event<'a>(
    event: &'a Event,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    local: Zone,
    cut: &mut Option<Cut>,
) -> Vec<Occurrence<'a>> {
    let Some(recurrence) = &event.recurrence else {
        let single = Occurrence {
            event,
            recurrence_id: None,
            start: event.start,
            end: event.end,
        };
        return if overlaps(&single, from, until, local) && !event.cancelled {
            vec![single]
        } else {
            vec![]
        };
    };
    if event.cancelled {
        return vec![];
    }
    let series = Series::new(event, local);
    let mut overrides = Overrides::new(&series, &recurrence.overrides);
    let lo = series.local(from) - series.length - overrides.reach - Duration::days(1);
    let hi = series.local(until) + overrides.reach + Duration::days(1);
    let mut starts = series_starts(recurrence, &series, (lo, hi), cut);
    let excluded = Excluded::new(&series, &recurrence.exdates);
    starts.retain(|s, _| !excluded.contains(*s));
    overrides.align(&starts);
    overrides.exact.retain(|rid, o| {
        let gone = (lo..=hi).contains(rid)
            && !starts.contains_key(rid)
            && o.event.sequence < event.sequence;
        !excluded.contains(*rid) && !gone
    });

    let mut found: Vec<Occurrence<'_>> = Vec::with_capacity(starts.len());
    for (start, end) in starts {
        if overrides.exact.contains_key(&start) {
            continue;
        }
        found.push(match overrides.governing(start) {
            Some(o) => series.shifted(o, start),
            None => series.occurrence(event, start, end),
        });
    }
    found.extend(overrides.exact.values().map(|o| Occurrence {
        event: &o.event,
        recurrence_id: Some(o.recurrence_id),
        start: o.event.start,
        end: o.event.end,
    }));
    found.retain(|o| !o.event.cancelled && overlaps(o, from, until, local));
    found.sort_by_key(|o| {
        (
            o.start.start_instant(local),
            o.recurrence_id.map(|r| r.start_instant(local)),
        )
    });
    found
}

/// Whether override `o` of `event` still stands: no `EXDATE` of the series
/// takes out the occurrence it replaces, and a series newer than it still
/// has that occurrence. [`occurrences`] leaves out those that do not; this
/// says so for a reader that keeps only what stands.
#[must_use]
pub fn stands(event: &Event, o: &Override, local: Zone) -> bool {
    let Some(recurrence) = &event.recurrence else {
        return true;
    };
    let series = Series::new(event, local);
    let rid = series.replaced(o.recurrence_id);
    if Excluded::new(&series, &recurrence.exdates).contains(rid) {
        return false;
    }
    if o.event.sequence >= event.sequence {
        return true;
    }
    let day = Duration::days(1);
    let starts = series_starts(recurrence, &series, (rid - day, rid + day), &mut None);
    let by_date = matches!(o.recurrence_id, When::Date(_)) && !series.all_day;
    starts.contains_key(&rid) || (by_date && starts.keys().any(|s| s.date() == rid.date()))
}

/// The wall-clock starts in `[lo, hi]` that `DTSTART`, the rules and the
/// `RDATE`s give, each with its own end when an `RDATE` period sets one.
fn series_starts(
    recurrence: &Recurrence,
    series: &Series,
    (lo, hi): (NaiveDateTime, NaiveDateTime),
    cut: &mut Option<Cut>,
) -> BTreeMap<NaiveDateTime, Option<NaiveDateTime>> {
    let mut starts = BTreeMap::new();
    let first = series.naive(series.start);
    if (lo..=hi).contains(&first) && !ends_before(&recurrence.rules, series, first) {
        starts.insert(first, None);
    }
    for (i, rule) in recurrence.rules.iter().enumerate() {
        let counted = if i == 0 {
            Counted::WithStart
        } else {
            Counted::Alone
        };
        if let Ok((found, stopped)) = expand(rule, series, first, (lo, hi), counted) {
            starts.extend(found.into_iter().map(|s| (s, None)));
            *cut = cut.or(stopped);
        }
    }
    for rdate in &recurrence.rdates {
        let (start, end) = match *rdate {
            RDate::At(at) => (series.naive(at), None),
            RDate::Period(a, b) => (series.naive(a), Some(series.naive(b))),
        };
        if (lo..=hi).contains(&start) {
            starts.insert(start, end);
        }
    }
    starts
}

fn overlaps(o: &Occurrence<'_>, from: DateTime<Utc>, until: DateTime<Utc>, local: Zone) -> bool {
    let start = o.start.start_instant(local);
    let end = match o.end {
        When::Date(last) => local.instant(last.and_time(NaiveTime::MIN)) + Duration::days(1),
        other => other.start_instant(local).max(start),
    };
    start < until && (end > from || (start >= from && start == end))
}

/// The terms a series is expanded in: its form (all-day, floating, zoned,
/// UTC), the zone its local times are placed in, and how long each
/// occurrence lasts.
struct Series {
    start: When,
    zone: Zone,
    all_day: bool,
    /// Wall-clock length of one occurrence (whole days for all-day ones).
    length: Duration,
}

impl Series {
    fn new(event: &Event, local: Zone) -> Series {
        let zone = event.start.zone().unwrap_or(local);
        let all_day = matches!(event.start, When::Date(_));
        let mut series = Series {
            start: event.start,
            zone,
            all_day,
            length: Duration::zero(),
        };
        let end = match event.end {
            When::Date(last) => series.naive(When::Date(last)) + Duration::days(1),
            other => series.naive(other),
        };
        series.length = (end - series.naive(event.start)).max(Duration::zero());
        series
    }

    /// `when` as a wall-clock time of the series.
    fn naive(&self, when: When) -> NaiveDateTime {
        match when {
            When::Date(d) => d.and_time(NaiveTime::MIN),
            When::Floating(t) => t,
            When::Zoned(t, zone) if zone == self.zone => t,
            other => self.local(other.start_instant(self.zone)),
        }
    }

    fn local(&self, instant: DateTime<Utc>) -> NaiveDateTime {
        self.zone.localize(instant).naive_local()
    }

    /// The wall-clock start a `RECURRENCE-ID` names: for an all-day
    /// series its date in whatever form it is written, for a timed series
    /// given a date the start of that day (see [`Overrides::align`]).
    fn replaced(&self, recurrence_id: When) -> NaiveDateTime {
        match recurrence_id {
            When::Date(day) => day.and_time(NaiveTime::MIN),
            other if self.all_day => other.date().and_time(NaiveTime::MIN),
            other => self.naive(other),
        }
    }

    /// A wall-clock time of the series in the series' own form.
    fn when(&self, naive: NaiveDateTime) -> When {
        match self.start {
            When::Date(_) => When::Date(naive.date()),
            When::Floating(_) => When::Floating(naive),
            When::Zoned(_, zone) => When::Zoned(naive, zone),
            When::Utc(_) => When::Utc(naive.and_utc()),
        }
    }

    /// The end of an occurrence starting at `start`, in [`Event::end`]'s
    /// terms.
    fn end(&self, start: NaiveDateTime, length: Duration) -> When {
        let end = start + length;
        if self.all_day {
            When::Date((end - Duration::days(1)).date().max(start.date()))
        } else {
            self.when(end)
        }
    }

    fn occurrence<'a>(
        &self,
        event: &'a Event,
        start: NaiveDateTime,
        end: Option<NaiveDateTime>,
    ) -> Occurrence<'a> {
        let length = end.map_or(self.length, |e| (e - start).max(Duration::zero()));
        Occurrence {
            event,
            recurrence_id: Some(self.when(start)),
            start: self.when(start),
            end: self.end(start, length),
        }
    }

    /// The occurrence at `start` as a `THISANDFUTURE` override changes it:
    /// moved by as much as the override moved its own occurrence.
    fn shifted<'a>(&self, o: &'a Override, start: NaiveDateTime) -> Occurrence<'a> {
        let shift = self.naive(o.event.start) - self.naive(o.recurrence_id);
        let own = Series::new(&o.event, self.zone);
        let moved = start + shift;
        Occurrence {
            event: &o.event,
            recurrence_id: Some(self.when(start)),
            start: self.when(moved),
            end: self.end(moved, own.length),
        }
    }
}

/// The starts a series' `EXDATE`s take out: a date takes out every start
/// on that day, and for an all-day series any form of a day does.
struct Excluded {
    times: std::collections::BTreeSet<NaiveDateTime>,
    days: std::collections::BTreeSet<NaiveDate>,
}

impl Excluded {
    fn new(series: &Series, exdates: &[When]) -> Excluded {
        let mut excluded = Excluded {
            times: std::collections::BTreeSet::new(),
            days: std::collections::BTreeSet::new(),
        };
        for exdate in exdates {
            match exdate {
                When::Date(day) => {
                    excluded.days.insert(*day);
                }
                other if series.all_day => {
                    excluded.days.insert(other.date());
                }
                other => {
                    excluded.times.insert(series.naive(*other));
                }
            }
        }
        excluded
    }

    fn contains(&self, start: NaiveDateTime) -> bool {
        self.times.contains(&start) || self.days.contains(&start.date())
    }
}

/// Whether every rule of the series ends before its first start, which
/// then does not happen either (as dateutil and recurring-ical-events
/// read it).
fn ends_before(rules: &[String], series: &Series, first: NaiveDateTime) -> bool {
    !rules.is_empty()
        && rules.iter().all(|rule| {
            prepare(rule, series)
                .ok()
                .and_then(|p| p.until)
                .is_some_and(|until| until < first)
        })
}

/// A series' overrides, by the wall-clock start they replace.
struct Overrides<'a> {
    exact: BTreeMap<NaiveDateTime, &'a Override>,
    /// Overrides of a timed series whose `RECURRENCE-ID` is a date: they
    /// replace that day's first start.
    dated: Vec<NaiveDateTime>,
    /// `THISANDFUTURE` overrides, by start.
    onward: BTreeMap<NaiveDateTime, &'a Override>,
    /// How far any override moves an occurrence.
    reach: Duration,
}

impl<'a> Overrides<'a> {
    fn new(series: &Series, all: &'a [Override]) -> Overrides<'a> {
        let mut overrides = Overrides {
            exact: BTreeMap::new(),
            dated: Vec::new(),
            onward: BTreeMap::new(),
            reach: Duration::zero(),
        };
        for o in all {
            let rid = series.replaced(o.recurrence_id);
            if matches!(o.recurrence_id, When::Date(_)) && !series.all_day {
                overrides.dated.push(rid);
            }
            let shift = (series.naive(o.event.start) - rid).abs();
            overrides.reach = overrides.reach.max(shift);
            overrides.exact.insert(rid, o);
            if o.this_and_future {
                overrides.onward.insert(rid, o);
            }
        }
        overrides
    }

    /// Moves each override of a date onto that day's first start.
    fn align(&mut self, starts: &BTreeMap<NaiveDateTime, Option<NaiveDateTime>>) {
        for day in std::mem::take(&mut self.dated) {
            let first = starts.range(day..).next().map(|(s, _)| *s);
            if let Some(first) = first.filter(|s| s.date() == day.date() && *s != day)
                && !self.exact.contains_key(&first)
                && let Some(o) = self.exact.remove(&day)
            {
                self.exact.insert(first, o);
            }
        }
    }

    /// The `THISANDFUTURE` override in force at `start`, if any.
    fn governing(&self, start: NaiveDateTime) -> Option<&'a Override> {
        self.onward.range(..=start).next_back().map(|(_, o)| *o)
    }
}

/// Whether a rule's `COUNT` includes `DTSTART`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Counted {
    /// `DTSTART` is always the first of `COUNT` occurrences (RFC 5545
    /// 3.8.5.3), whether the rule gives it or not: so it is for the first
    /// rule of a series.
    WithStart,
    /// A further `RRULE` counts only the occurrences it gives itself, as
    /// dateutil and recurring-ical-events read it.
    Alone,
}

/// The starts `rule` gives in `[lo, hi]`, in the series' wall-clock time.
fn expand(
    rule: &str,
    series: &Series,
    first: NaiveDateTime,
    (lo, hi): (NaiveDateTime, NaiveDateTime),
    counted: Counted,
) -> Result<(Vec<NaiveDateTime>, Option<Cut>), BadRule> {
    let prepared = prepare(rule, series)?;
    let count = prepared
        .rrule
        .get_count()
        .map(|c| usize::try_from(c).unwrap_or(usize::MAX));
    let begin = if prepared.jumpable {
        jump(&prepared.rrule, first, lo)
    } else {
        first
    };
    let set = build(rule, prepared.rrule, begin)?.limit();
    let mut starts = Vec::new();
    let mut counts_start = counted == Counted::Alone;
    for (step, start) in (&set).into_iter().enumerate() {
        let naive = start.naive_utc();
        counts_start |= step == 0 && naive == first;
        // When DTSTART counts and the rule itself does not give it, the
        // rule's own last one is one too many.
        let beyond_count = count.is_some_and(|c| !counts_start && step + 1 >= c);
        if naive > hi || beyond_count {
            break;
        }
        if step >= MAX_STEPS {
            return Ok((starts, Some(Cut::Steps)));
        }
        if starts.len() >= MAX_STARTS {
            return Ok((starts, Some(Cut::Starts)));
        }
        if naive >= lo {
            starts.push(naive);
        }
    }
    Ok((starts, None))
}

/// The wall times `rule` gives from `first` up to `hi`, for a series whose
/// `UNTIL` in UTC is read at `offset` (how `VTIMEZONE` observances recur).
pub fn wall_times(
    rule: &str,
    first: NaiveDateTime,
    offset: chrono::FixedOffset,
    hi: NaiveDateTime,
) -> Result<Vec<NaiveDateTime>, BadRule> {
    let series = Series {
        start: When::Floating(first),
        zone: Zone::Fixed(offset),
        all_day: false,
        length: Duration::zero(),
    };
    expand(rule, &series, first, (first, hi), Counted::WithStart).map(|(times, _)| times)
}

/// Checks that `rule` can be expanded for a series starting at `start`.
pub fn check(rule: &str, start: When, local: Zone) -> Result<(), BadRule> {
    let series = Series {
        start,
        zone: start.zone().unwrap_or(local),
        all_day: matches!(start, When::Date(_)),
        length: Duration::zero(),
    };
    let prepared = prepare(rule, &series)?;
    let first = series.naive(start);
    if prepared.until.is_some_and(|until| until < first) {
        return Ok(());
    }
    build(rule, prepared.rrule, first).map(|_| ())
}

/// A rule as confcal reads it, and what was mended to read it so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mended {
    pub rule: String,
    /// What was wrong with the rule as written, for people.
    pub notes: Vec<&'static str>,
}

/// Mends a rule the way other clients read it: a repeated `RRULE:`
/// prefix goes, and of `COUNT` and `UNTIL` together (which RFC 5545
/// forbids) `UNTIL` is kept, whatever `COUNT` said.
#[must_use]
pub fn mend(written: &str) -> Mended {
    let mut text = written.trim();
    while let Some(rest) = text
        .get(..6)
        .filter(|p| p.eq_ignore_ascii_case("RRULE:"))
        .map(|_| &text[6..])
    {
        text = rest.trim();
    }
    let name = |part: &str| {
        part.split_once('=')
            .map(|(n, _)| n.trim().to_ascii_uppercase())
            .unwrap_or_default()
    };
    let parts: Vec<&str> = text.split(';').filter(|p| !p.trim().is_empty()).collect();
    let has = |wanted: &str| parts.iter().any(|p| name(p) == wanted);
    let mut notes = Vec::new();
    let rule = if has("COUNT") && has("UNTIL") {
        notes.push("has both COUNT and UNTIL; UNTIL is used");
        let kept: Vec<&str> = parts.into_iter().filter(|p| name(p) != "COUNT").collect();
        kept.join(";")
    } else {
        text.to_owned()
    };
    Mended { rule, notes }
}

fn build(
    text: &str,
    parsed: RRule<Unvalidated>,
    start: NaiveDateTime,
) -> Result<RRuleSet, BadRule> {
    let dtstart = start.and_utc().with_timezone(&rrule::Tz::UTC);
    parsed.build(dtstart).map_err(|e| BadRule {
        rule: text.to_owned(),
        reason: reason(&e),
    })
}

/// A rule made ready for the `rrule` crate.
struct Prepared {
    rrule: RRule<Unvalidated>,
    /// `UNTIL` in the series' wall-clock time.
    until: Option<NaiveDateTime>,
    /// No `COUNT`, `BYSETPOS` or `BYWEEKNO`: the start may be moved forward
    /// by whole periods without changing the occurrences.
    jumpable: bool,
}

/// Normalizes a rule as real feeds write it: drops `X-` parts, numbered
/// `BYDAY` values where the frequency gives them no meaning, and places
/// `UNTIL` in the series' wall-clock time whatever form it was written in.
fn prepare(rule: &str, series: &Series) -> Result<Prepared, BadRule> {
    let bad = |reason: String| BadRule {
        rule: rule.to_owned(),
        reason,
    };
    let text = rule.trim();
    let text = text.strip_prefix("RRULE:").unwrap_or(text);
    if !text.is_ascii() {
        return Err(bad("an RRULE is plain ASCII text".to_owned()));
    }
    let mut parts: Vec<String> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    let mut until = None;
    for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((name, value)) = part.split_once('=') else {
            return Err(bad(format!("`{part}` is not NAME=VALUE")));
        };
        let name = name.trim().to_ascii_uppercase();
        if name.starts_with("X-") || name == "RSCALE" || name == "SKIP" {
            continue;
        }
        if !PARTS.contains(&name.as_str()) {
            return Err(bad(unknown_part(&name)));
        }
        if seen.contains(&name) {
            return Err(bad(format!("`{name}` is given twice")));
        }
        seen.push(name.clone());
        if name == "UNTIL" {
            until = Some(
                until_naive(value.trim(), series)
                    .ok_or_else(|| bad(format!("`{value}` is not a date or date-time")))?,
            );
            continue;
        }
        parts.push(format!("{name}={}", value.trim().to_ascii_uppercase()));
    }
    let freq = parts
        .iter()
        .find_map(|p| p.strip_prefix("FREQ="))
        .ok_or_else(|| bad("it has no FREQ".to_owned()))?
        .to_owned();
    if matches!(
        freq.as_str(),
        "DAILY" | "WEEKLY" | "HOURLY" | "MINUTELY" | "SECONDLY"
    ) {
        for part in &mut parts {
            if let Some(days) = part.strip_prefix("BYDAY=") {
                *part = format!("BYDAY={}", strip_ordinals(days));
            }
        }
    }
    let jumpable = !seen
        .iter()
        .any(|n| matches!(n.as_str(), "COUNT" | "BYSETPOS" | "BYWEEKNO" | "BYYEARDAY"));
    let mut parsed = RRule::from_str(&parts.join(";")).map_err(|e| bad(reason(&e)))?;
    if let Some(until) = until {
        parsed = parsed.until(until.and_utc().with_timezone(&rrule::Tz::UTC));
    }
    Ok(Prepared {
        rrule: parsed,
        until,
        jumpable,
    })
}

/// How many occurrences one series may yield in one window, and how many
/// steps a rule may take to find them: a rule that is dense (`SECONDLY`
/// over a year), selects nothing (`BYSETPOS` past the set) or starts
/// centuries back with a `COUNT` is cut off there rather than hanging.
const MAX_STARTS: usize = 20_000;
const MAX_STEPS: usize = 1_000_000;

/// The parts an `RRULE` may have (RFC 5545 3.3.10).
const PARTS: [&str; 14] = [
    "FREQ",
    "UNTIL",
    "COUNT",
    "INTERVAL",
    "BYSECOND",
    "BYMINUTE",
    "BYHOUR",
    "BYDAY",
    "BYMONTHDAY",
    "BYYEARDAY",
    "BYWEEKNO",
    "BYMONTH",
    "BYSETPOS",
    "WKST",
];

/// "`UNTL` is not an RRULE part (did you mean `UNTIL`?)".
fn unknown_part(name: &str) -> String {
    let close = PARTS
        .iter()
        .copied()
        .max_by(|a, b| strsim::jaro_winkler(name, a).total_cmp(&strsim::jaro_winkler(name, b)));
    match close.filter(|c| strsim::jaro_winkler(name, c) > 0.8) {
        Some(close) => format!("`{name}` is not an RRULE part (did you mean `{close}`?)"),
        None => format!("`{name}` is not an RRULE part"),
    }
}

/// The `rrule` crate's message without its prefix and full stop.
fn reason(error: &rrule::RRuleError) -> String {
    let text = error.to_string();
    let text = text
        .split_once("error: ")
        .map_or(text.as_str(), |(_, rest)| rest);
    text.trim_end_matches('.').to_owned()
}

/// `MO,1TU,-1FR` → `MO,TU,FR`.
fn strip_ordinals(days: &str) -> String {
    let days: Vec<&str> = days
        .split(',')
        .map(|d| d.trim_start_matches(|c: char| c.is_ascii_digit() || c == '+' || c == '-'))
        .collect();
    days.join(",")
}

/// An `UNTIL` value in the series' wall-clock time: a UTC time is moved
/// into the series' zone, a date ends the series as that day begins.
/// A floating or all-day series has no zone to move it into, so its UTC
/// `UNTIL` (which RFC 5545 forbids, and feeds write anyway) is read as
/// written, the same for every viewer.
fn until_naive(value: &str, series: &Series) -> Option<NaiveDateTime> {
    if let Some(utc) = value.strip_suffix('Z').or_else(|| value.strip_suffix('z')) {
        let t = NaiveDateTime::parse_from_str(utc, "%Y%m%dT%H%M%S").ok()?;
        return Some(match series.start {
            When::Floating(_) | When::Date(_) => t,
            _ => series.local(t.and_utc()),
        });
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%S") {
        return Some(t);
    }
    // A date on a timed series (which RFC 5545 forbids) is read as the
    // start of that day, as dateutil and recurring-ical-events read it.
    let day = NaiveDate::parse_from_str(value, "%Y%m%d").ok()?;
    Some(day.and_time(NaiveTime::MIN))
}

/// A start moved forward by whole periods of the rule to just before
/// `lo`, so that an old series does not iterate through its whole past.
fn jump(rrule: &RRule<Unvalidated>, first: NaiveDateTime, lo: NaiveDateTime) -> NaiveDateTime {
    if first >= lo {
        return first;
    }
    let text = rrule.to_string();
    let interval = text
        .split(';')
        .find_map(|p| p.strip_prefix("INTERVAL="))
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(1)
        .max(1);
    let freq = text
        .split(';')
        .find_map(|p| p.strip_prefix("FREQ="))
        .unwrap_or_default();
    let seconds = match freq {
        "WEEKLY" => 7 * 86_400,
        "DAILY" => 86_400,
        "HOURLY" => 3600,
        "MINUTELY" => 60,
        "SECONDLY" => 1,
        "MONTHLY" => return jump_months(first, lo, interval, 1),
        "YEARLY" => return jump_months(first, lo, interval, 12),
        _ => return first,
    };
    let period = seconds * interval;
    let periods = (lo - first).num_seconds() / period - 1;
    if periods <= 0 {
        return first;
    }
    first + Duration::seconds(periods * period)
}

/// Moves `first` forward by whole multiples of `interval * unit` months,
/// keeping its day of the month (only days that every month has).
fn jump_months(first: NaiveDateTime, lo: NaiveDateTime, interval: i64, unit: i64) -> NaiveDateTime {
    if first.day() > 28 || (unit == 12 && first.month() == 2 && first.day() == 29) {
        return first;
    }
    let months =
        i64::from(lo.year() - first.year()) * 12 + i64::from(lo.month()) - i64::from(first.month());
    let step = interval * unit;
    let periods = months / step - 1;
    if periods <= 0 {
        return first;
    }
    u32::try_from(periods * step)
        .ok()
        .and_then(|m| first.checked_add_months(Months::new(m)))
        .unwrap_or(first)
}

#[cfg(test)]
mod tests;
