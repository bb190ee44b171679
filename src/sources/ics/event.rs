//! One `VEVENT` into the model: its times in the zones they name (IANA,
//! Windows and other names calcard knows, vendor-prefixed names, the
//! calendar's `X-WR-TIMEZONE` for floating times), its recurrence, and
//! whether it is a series or an override of one occurrence. What other
//! clients read past is read past here too and said: a missing `UID` is
//! made from the content, an unknown `TZID` reads as floating time, an
//! unreadable `DTEND`, `RRULE`, `RDATE` or `EXDATE` value is left out and
//! the rest of the event kept. Only an event without a usable `DTSTART`
//! (or `RECURRENCE-ID`) is skipped.

use calcard::common::PartialDateTime;
use calcard::common::timezone::Tz;
use calcard::icalendar::timezone::TzResolver;
use calcard::icalendar::{
    ICalendarComponent, ICalendarDuration, ICalendarEntry, ICalendarParameterName, ICalendarPeriod,
    ICalendarProperty, ICalendarStatus, ICalendarValue, ICalendarValueType, Uri,
};
use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};

use super::scan::RawEvent;
use super::zones;
use crate::config::SourceConfig;
use crate::model::{Event, EventKind, Override, Provenance, RDate, Recurrence, When};
use crate::recur;
use crate::time::Zone;

/// What a calendar says about the times in it.
pub(super) struct Context<'a> {
    pub(super) source: &'a SourceConfig,
    pub(super) resolver: TzResolver<String>,
    /// The calendar's own `VTIMEZONE`s that match no known zone.
    pub(super) custom: HashMap<String, Zone>,
    /// `X-WR-TIMEZONE`: the zone of floating times.
    pub(super) calendar_zone: Option<Zone>,
    /// The user's zone, for checking rules of floating series.
    pub(super) local: Zone,
}

/// A converted `VEVENT`.
pub(super) enum Item {
    /// An event or the master of a series.
    Master(Event),
    /// A changed occurrence of the series with this UID.
    Override(String, Override),
}

/// What reading one `VEVENT` came to.
pub(super) struct Converted {
    /// Its UID as written, if it has one.
    pub(super) uid: Option<String>,
    /// The event, or why it is skipped.
    pub(super) item: Result<Item, String>,
    /// What was wrong with it and mended, each said once.
    pub(super) repairs: Vec<String>,
}

/// Converts one `VEVENT`; `derived_uid` stands in for a missing `UID`.
pub(super) fn convert(
    ctx: &Context<'_>,
    component: &ICalendarComponent,
    raw: &RawEvent,
    derived_uid: impl FnOnce() -> String,
    location: String,
) -> Converted {
    let written = text(component, &ICalendarProperty::Uid).map(str::to_owned);
    let mut reading = Reading {
        ctx,
        repairs: Vec::new(),
    };
    if raw.outside {
        reading.repair("it is outside any VCALENDAR; read all the same".to_owned());
    }
    let uid = written.clone().unwrap_or_else(|| {
        reading.repair("it has no UID; it is given one made from its content".to_owned());
        derived_uid()
    });
    let item = reading.item(component, raw, uid, location);
    let mut repairs = reading.repairs;
    repairs.dedup();
    Converted {
        uid: written,
        item,
        repairs,
    }
}

/// One `VEVENT` being read, and what had to be mended on the way.
struct Reading<'a> {
    ctx: &'a Context<'a>,
    repairs: Vec<String>,
}

impl Reading<'_> {
    fn repair(&mut self, what: String) {
        if !self.repairs.contains(&what) {
            self.repairs.push(what);
        }
    }

    fn item(
        &mut self,
        component: &ICalendarComponent,
        raw: &RawEvent,
        uid: String,
        location: String,
    ) -> Result<Item, String> {
        let (start, end) = self.span(component)?;
        let ctx = self.ctx;
        let mut event = Event {
            uid,
            start,
            end,
            provenance: vec![Provenance {
                source: ctx.source.name.clone(),
                location,
                evidence: None,
                confidence: None,
            }],
            priority: ctx.source.priority,
            ..describe(component, &ctx.source.tags)
        };
        if let Some(rid) = component.property(&ICalendarProperty::RecurrenceId) {
            let recurrence_id = self
                .when_of(rid)
                .map_err(|e| format!("RECURRENCE-ID {e}"))?;
            let this_and_future = rid
                .params
                .iter()
                .any(|p| p.name == ICalendarParameterName::Range);
            return Ok(Item::Override(
                event.uid.clone(),
                Override {
                    recurrence_id,
                    this_and_future,
                    event,
                },
            ));
        }
        event.recurrence = self.recurrence(component, raw, start);
        Ok(Item::Master(event))
    }

    /// Start and end: `DTSTART`, then `DTEND` or `DURATION`. An end that
    /// cannot be read is left out; one before the start is swapped with
    /// it, as other clients do.
    fn span(&mut self, component: &ICalendarComponent) -> Result<(When, When), String> {
        let start_entry = component
            .property(&ICalendarProperty::Dtstart)
            .ok_or("it has no DTSTART")?;
        let start = self
            .when_of(start_entry)
            .map_err(|e| format!("DTSTART {e}"))?;
        let Some(end) = self.end(component, start) else {
            return Ok((start, model_end(start, start)));
        };
        let start = match (start, end) {
            (When::Date(day), timed) if !matches!(timed, When::Date(_)) => {
                self.repair(
                    "its DTSTART is a date but its end a date-time; it starts at midnight"
                        .to_owned(),
                );
                midnight(day, timed)
            }
            (When::Floating(t), When::Utc(_)) => When::Utc(t.and_utc()),
            (When::Floating(t), When::Zoned(_, zone)) => When::Zoned(t, zone),
            _ => start,
        };
        let utc = Zone::Utc;
        if end.start_instant(utc) < start.start_instant(utc) {
            self.repair("its end is before its start; the two are swapped".to_owned());
            return Ok((end, model_end(end, start)));
        }
        Ok((start, model_end(start, end)))
    }

    /// The end as written: `DTEND` (exclusive), else `DURATION`.
    fn end(&mut self, component: &ICalendarComponent, start: When) -> Option<When> {
        if let Some(entry) = component.property(&ICalendarProperty::Dtend) {
            match self.when_of(entry) {
                Ok(end) => return Some(end),
                Err(e) => self.repair(format!("DTEND {e}; it is ignored")),
            }
        }
        let d = component
            .property(&ICalendarProperty::Duration)
            .and_then(|e| e.values.first())
            .and_then(|v| match v {
                ICalendarValue::Duration(d) => Some(d),
                _ => None,
            })?;
        let start = match start {
            When::Date(day) if d.hours + d.minutes + d.seconds > 0 => midnight(day, start),
            other => other,
        };
        match add(start, duration(d)) {
            Ok(end) => Some(end),
            Err(e) => {
                self.repair(format!("DURATION {e}; it is ignored"));
                None
            }
        }
    }

    /// The zone a `TZID` names (`None` for floating time): a zone of
    /// calcard's or the IANA database's, under a vendor's prefix too, or
    /// the calendar's own `VTIMEZONE`. `Err` says that it names none.
    fn zone(&self, tzid: &str) -> Result<Option<Zone>, String> {
        let tzid = tzid.trim().trim_matches('"');
        match self.ctx.resolver.resolve(tzid) {
            Some(Tz::Tz(tz)) if tz == chrono_tz::UTC => Ok(Some(Zone::Utc)),
            Some(Tz::Tz(tz)) => Ok(Some(Zone::Iana(tz))),
            Some(Tz::Fixed(offset)) => Ok(Some(Zone::Fixed(offset))),
            Some(Tz::Floating) => Ok(None),
            None => zones::named(tzid)
                .or_else(|| self.ctx.custom.get(tzid).copied())
                .map(Some)
                .ok_or_else(|| {
                    format!(
                        "its TZID `{tzid}` names no known time zone and no VTIMEZONE; read as floating time"
                    )
                }),
        }
    }

    /// The first value of a date or date-time property.
    fn when_of(&mut self, entry: &ICalendarEntry) -> Result<When, String> {
        let tzid = entry.tz_id();
        match entry.values.first() {
            Some(ICalendarValue::PartialDateTime(dt)) => self.when(dt, tzid),
            Some(ICalendarValue::Text(t)) => {
                let dt = iso_8601(t).ok_or_else(|| format!("`{t}` is not a date or date-time"))?;
                let when = self.when(&dt, tzid)?;
                self.repair(format!(
                    "`{}` is written with dashes and colons; read as `{}`",
                    t.trim(),
                    show(&dt)
                ));
                Ok(when)
            }
            _ => Err("has no value".to_owned()),
        }
    }

    /// A date-time in the zone it states: UTC, an offset, its `TZID`, or
    /// floating (in `X-WR-TIMEZONE` when the calendar names one). A `TZID`
    /// that names no zone is read as floating, as other clients do.
    fn when(&mut self, dt: &PartialDateTime, tzid: Option<&str>) -> Result<When, String> {
        let date = date_of(dt)?;
        let Some(hour) = dt.hour else {
            return Ok(When::Date(date));
        };
        let time = NaiveTime::from_hms_opt(
            u32::from(hour),
            u32::from(dt.minute.unwrap_or(0)),
            u32::from(dt.second.unwrap_or(0).min(59)),
        )
        .ok_or_else(|| format!("has no such time `{}`", show(dt)))?;
        let local = NaiveDateTime::new(date, time);
        if let (Some(h), m) = (dt.tz_hour, dt.tz_minute.unwrap_or(0)) {
            let seconds = i32::from(h) * 3600 + i32::from(m) * 60;
            if seconds == 0 {
                return Ok(When::Utc(local.and_utc()));
            }
            let offset =
                chrono::FixedOffset::east_opt(if dt.tz_minus { -seconds } else { seconds })
                    .ok_or("has an offset out of range")?;
            return Ok(When::Zoned(local, Zone::Fixed(offset)));
        }
        let zone = match tzid {
            Some(tzid) => self.zone(tzid).unwrap_or_else(|unknown| {
                self.repair(unknown);
                None
            }),
            None => self.ctx.calendar_zone,
        };
        Ok(match zone {
            Some(Zone::Utc) => When::Utc(local.and_utc()),
            Some(zone) => When::Zoned(local, zone),
            None => When::Floating(local),
        })
    }

    /// The rules, extra dates and excluded dates: a rule or value that
    /// cannot be read is left out and the rest kept.
    fn recurrence(
        &mut self,
        component: &ICalendarComponent,
        raw: &RawEvent,
        start: When,
    ) -> Option<Box<Recurrence>> {
        let mut recurrence = Recurrence::default();
        for written in &raw.rules {
            let mended = recur::mend(written);
            for note in mended.notes {
                self.repair(format!("its RRULE {note}"));
            }
            if mended.rule.is_empty() {
                self.repair("its RRULE is empty; the rule is ignored".to_owned());
                continue;
            }
            match recur::check(&mended.rule, start, self.ctx.local) {
                Ok(()) => recurrence.rules.push(mended.rule),
                Err(e) => self.repair(format!(
                    "its RRULE cannot be read ({}); the rule is ignored",
                    e.reason
                )),
            }
        }
        for entry in component.properties(&ICalendarProperty::Rdate) {
            for value in &entry.values {
                match self.rdate(value, entry.tz_id()) {
                    Ok(rdate) => recurrence.rdates.push(rdate),
                    Err(e) => self.repair(format!("an RDATE {e}; it is ignored")),
                }
            }
        }
        for entry in component.properties(&ICalendarProperty::Exdate) {
            for value in &entry.values {
                let exdate = match value {
                    ICalendarValue::PartialDateTime(dt) => self.when(dt, entry.tz_id()),
                    other => Err(format!("`{}` is not a date or date-time", shown(other))),
                };
                match exdate {
                    Ok(exdate) => recurrence.exdates.push(exdate),
                    Err(e) => self.repair(format!("an EXDATE {e}; it is ignored")),
                }
            }
        }
        let empty = recurrence == Recurrence::default();
        (!empty).then(|| Box::new(recurrence))
    }

    fn rdate(&mut self, value: &ICalendarValue, tzid: Option<&str>) -> Result<RDate, String> {
        match value {
            ICalendarValue::PartialDateTime(dt) => Ok(RDate::At(self.when(dt, tzid)?)),
            ICalendarValue::Period(ICalendarPeriod::Range { start: a, end: b }) => {
                let (from, to) = (self.when(a, tzid)?, self.when(b, tzid)?);
                if to.start_instant(Zone::Utc) < from.start_instant(Zone::Utc) {
                    return Err(format!(
                        "period `{}/{}` ends before it starts",
                        show(a),
                        show(b)
                    ));
                }
                Ok(RDate::Period(from, to))
            }
            ICalendarValue::Period(ICalendarPeriod::Duration {
                start: a,
                duration: d,
            }) => {
                let from = self.when(a, tzid)?;
                Ok(RDate::Period(from, add(from, self::duration(d))?))
            }
            other => Err(format!(
                "`{}` is not a date, date-time or period",
                shown(other)
            )),
        }
    }
}

/// What an event says of itself, beside its times.
fn describe(component: &ICalendarComponent, source_tags: &[String]) -> Event {
    let categories = categories(component);
    let mut tags: Vec<String> = categories.iter().map(|c| c.to_lowercase()).collect();
    tags.extend(source_tags.iter().cloned());
    tags.sort();
    tags.dedup();
    let start = When::Date(NaiveDate::MIN);
    Event {
        uid: String::new(),
        title: text(component, &ICalendarProperty::Summary)
            .unwrap_or("(untitled)")
            .to_owned(),
        kind: categories
            .iter()
            .find_map(|c| c.parse().ok())
            .unwrap_or(EventKind::Other),
        start,
        end: start,
        location: text(component, &ICalendarProperty::Location).map(str::to_owned),
        url: url(component),
        description: text(component, &ICalendarProperty::Description).map(str::to_owned),
        tags,
        parent: text(component, &ICalendarProperty::RelatedTo).map(str::to_owned),
        priority: 0,
        provenance: Vec::new(),
        recurrence: None,
        sequence: component
            .property(&ICalendarProperty::Sequence)
            .and_then(|e| e.values.first())
            .and_then(ICalendarValue::as_integer)
            .unwrap_or(0),
        revision: revision(component),
        cancelled: matches!(
            component
                .property(&ICalendarProperty::Status)
                .and_then(|e| e.values.first()),
            Some(ICalendarValue::Status(ICalendarStatus::Cancelled))
        ),
    }
}

/// An end in the model's terms, for an event starting at `start` and
/// ending at `end` (exclusive): the last day for all-day events.
fn model_end(start: When, end: When) -> When {
    match (start, end) {
        (When::Date(first), When::Date(after)) => {
            When::Date(after.pred_opt().unwrap_or(after).max(first))
        }
        (When::Date(first), other) => When::Date(other.date().max(first)),
        (_, other) => other,
    }
}

/// A date or date-time written the ISO 8601 way (`2015-08-01T10:00:00Z`,
/// `2015-08-01`) instead of iCalendar's, as some exporters do.
fn iso_8601(text: &str) -> Option<PartialDateTime> {
    let compact: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, '-' | ':'))
        .collect();
    let (local, utc) = match compact.strip_suffix(['Z', 'z']) {
        Some(local) => (local, true),
        None => (compact.as_str(), false),
    };
    let number = |range: std::ops::Range<usize>| local.get(range)?.parse::<u8>().ok();
    let date_only = local.len() == 8;
    if !(date_only || (local.len() == 15 && local.as_bytes()[8] == b'T'))
        || !local
            .bytes()
            .enumerate()
            .all(|(i, b)| i == 8 || b.is_ascii_digit())
    {
        return None;
    }
    let time = |range| if date_only { None } else { number(range) };
    Some(PartialDateTime {
        year: local.get(..4)?.parse().ok(),
        month: number(4..6),
        day: number(6..8),
        hour: time(9..11),
        minute: time(11..13),
        second: time(13..15),
        tz_hour: (utc && !date_only).then_some(0),
        tz_minute: (utc && !date_only).then_some(0),
        tz_minus: false,
    })
}

/// Midnight starting `day`, in the form of `like` (floating, UTC or its
/// zone).
fn midnight(day: NaiveDate, like: When) -> When {
    let t = day.and_time(NaiveTime::MIN);
    match like {
        When::Utc(_) => When::Utc(t.and_utc()),
        When::Zoned(_, zone) => When::Zoned(t, zone),
        When::Date(_) | When::Floating(_) => When::Floating(t),
    }
}

/// A value as written, for messages.
fn shown(value: &ICalendarValue) -> String {
    match value {
        ICalendarValue::Text(t) => t.clone(),
        ICalendarValue::PartialDateTime(dt) => show(dt),
        other => format!("{other:?}"),
    }
}

fn date_of(dt: &PartialDateTime) -> Result<NaiveDate, String> {
    match (dt.year, dt.month, dt.day) {
        (Some(y), Some(m), Some(d)) => {
            NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(d))
                .ok_or_else(|| format!("has no such day `{}`", show(dt)))
        }
        _ => Err(format!("`{}` is not a full date", show(dt))),
    }
}

fn show(dt: &PartialDateTime) -> String {
    let mut out = String::new();
    let _ = dt.format_as_ical(&mut out, &ICalendarValueType::DateTime);
    out
}

fn duration(d: &ICalendarDuration) -> Duration {
    let seconds = i64::from(d.weeks) * 7 * 86_400
        + i64::from(d.days) * 86_400
        + i64::from(d.hours) * 3600
        + i64::from(d.minutes) * 60
        + i64::from(d.seconds);
    Duration::seconds(if d.neg { -seconds } else { seconds })
}

/// `when` plus a duration, in the same form (whole days for dates, which
/// then read as an exclusive end).
fn add(when: When, span: Duration) -> Result<When, String> {
    let sum = match when {
        When::Date(d) => d
            .checked_add_signed(Duration::days(span.num_days()))
            .map(When::Date),
        When::Floating(t) => t.checked_add_signed(span).map(When::Floating),
        When::Zoned(t, zone) => zone
            .instant(t)
            .checked_add_signed(span)
            .map(|end| When::Zoned(zone.localize(end).naive_local(), zone)),
        When::Utc(t) => t.checked_add_signed(span).map(When::Utc),
    };
    sum.ok_or_else(|| "has a duration that ends beyond any calendar".to_owned())
}

fn text<'a>(component: &'a ICalendarComponent, name: &ICalendarProperty) -> Option<&'a str> {
    component
        .property(name)
        .and_then(|e| e.values.first())
        .and_then(ICalendarValue::as_text)
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

fn url(component: &ICalendarComponent) -> Option<String> {
    match component
        .property(&ICalendarProperty::Url)?
        .values
        .first()?
    {
        ICalendarValue::Uri(Uri::Location(url)) | ICalendarValue::Text(url) => Some(url.clone()),
        _ => None,
    }
}

fn categories(component: &ICalendarComponent) -> Vec<String> {
    component
        .properties(&ICalendarProperty::Categories)
        .flat_map(|e| e.values.iter())
        .filter_map(ICalendarValue::as_text)
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect()
}

/// `LAST-MODIFIED`, else `DTSTAMP`.
fn revision(component: &ICalendarComponent) -> Option<DateTime<Utc>> {
    [ICalendarProperty::LastModified, ICalendarProperty::Dtstamp]
        .iter()
        .find_map(|name| {
            let dt = component
                .property(name)?
                .values
                .first()?
                .as_partial_date_time()?;
            let local = NaiveDateTime::new(
                date_of(dt).ok()?,
                NaiveTime::from_hms_opt(
                    u32::from(dt.hour?),
                    u32::from(dt.minute?),
                    u32::from(dt.second.unwrap_or(0).min(59)),
                )?,
            );
            Some(local.and_utc())
        })
}
