//! One `VEVENT` into the model: its times in the zones they name (IANA,
//! Windows and other names calcard knows, the calendar's
//! `X-WR-TIMEZONE` for floating times), its recurrence as written, and
//! whether it is a series or an override of one occurrence.

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

/// Converts one `VEVENT`; `Err` says why it is skipped.
pub(super) fn convert(
    ctx: &Context<'_>,
    component: &ICalendarComponent,
    raw: &RawEvent,
    location: String,
) -> Result<Item, String> {
    let uid = text(component, &ICalendarProperty::Uid).ok_or("the VEVENT has no UID; skipped")?;
    let start_entry = component
        .property(&ICalendarProperty::Dtstart)
        .ok_or_else(|| format!("event `{uid}` has no DTSTART; skipped"))?;
    let start = ctx
        .when_of(start_entry)
        .map_err(|e| format!("event `{uid}`: DTSTART {e}; skipped"))?;
    let end = ctx
        .end(component, start)
        .map_err(|e| format!("event `{uid}`: {e}; skipped"))?;
    let categories = categories(component);
    let mut tags: Vec<String> = categories.iter().map(|c| c.to_lowercase()).collect();
    tags.extend(ctx.source.tags.iter().cloned());
    tags.sort();
    tags.dedup();
    let mut event = Event {
        uid: uid.to_owned(),
        title: text(component, &ICalendarProperty::Summary)
            .unwrap_or("(untitled)")
            .to_owned(),
        kind: categories
            .iter()
            .find_map(|c| c.parse().ok())
            .unwrap_or(EventKind::Other),
        start,
        end,
        location: text(component, &ICalendarProperty::Location).map(str::to_owned),
        url: url(component),
        description: text(component, &ICalendarProperty::Description).map(str::to_owned),
        tags,
        parent: text(component, &ICalendarProperty::RelatedTo).map(str::to_owned),
        priority: ctx.source.priority,
        provenance: vec![Provenance {
            source: ctx.source.name.clone(),
            location,
            evidence: None,
            confidence: None,
        }],
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
    };
    if let Some(rid) = component.property(&ICalendarProperty::RecurrenceId) {
        let recurrence_id = ctx
            .when_of(rid)
            .map_err(|e| format!("event `{uid}`: RECURRENCE-ID {e}; skipped"))?;
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
    event.recurrence = ctx
        .recurrence(component, raw, start)
        .map_err(|e| format!("event `{uid}`: {e}; skipped"))?;
    Ok(Item::Master(event))
}

impl Context<'_> {
    /// The zone a `TZID` names.
    fn zone(&self, tzid: &str) -> Result<Option<Zone>, String> {
        let tzid = tzid.trim().trim_matches('"');
        match self.resolver.resolve(tzid) {
            Some(Tz::Tz(tz)) if tz == chrono_tz::UTC => Ok(Some(Zone::Utc)),
            Some(Tz::Tz(tz)) => Ok(Some(Zone::Iana(tz))),
            Some(Tz::Fixed(offset)) => Ok(Some(Zone::Fixed(offset))),
            Some(Tz::Floating) => Ok(None),
            None => match self.custom.get(tzid) {
                Some(zone) => Ok(Some(*zone)),
                None => tzid
                    .parse()
                    .map(Some)
                    .map_err(|_| format!("names an unknown time zone `{tzid}`")),
            },
        }
    }

    /// The first value of a date or date-time property.
    fn when_of(&self, entry: &ICalendarEntry) -> Result<When, String> {
        let tzid = entry.tz_id();
        match entry.values.first() {
            Some(ICalendarValue::PartialDateTime(dt)) => self.when(dt, tzid),
            Some(ICalendarValue::Text(t)) => Err(format!("`{t}` is not a date or date-time")),
            _ => Err("has no value".to_owned()),
        }
    }

    /// A date-time in the zone it states: UTC, an offset, its `TZID`, or
    /// floating (in `X-WR-TIMEZONE` when the calendar names one).
    fn when(&self, dt: &PartialDateTime, tzid: Option<&str>) -> Result<When, String> {
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
            Some(tzid) => self.zone(tzid)?,
            None => self.calendar_zone,
        };
        Ok(match zone {
            Some(Zone::Utc) => When::Utc(local.and_utc()),
            Some(zone) => When::Zoned(local, zone),
            None => When::Floating(local),
        })
    }

    /// The end in the model's terms: `DTEND` (exclusive) or `DURATION`, the
    /// last day for all-day events.
    fn end(&self, component: &ICalendarComponent, start: When) -> Result<When, String> {
        let end = if let Some(entry) = component.property(&ICalendarProperty::Dtend) {
            Some(self.when_of(entry).map_err(|e| format!("DTEND {e}"))?)
        } else {
            component
                .property(&ICalendarProperty::Duration)
                .and_then(|e| e.values.first())
                .and_then(|v| {
                    if let ICalendarValue::Duration(d) = v {
                        Some(d)
                    } else {
                        None
                    }
                })
                .map(|d| add(start, duration(d)).map_err(|e| format!("DURATION {e}")))
                .transpose()?
        };
        let Some(end) = end else {
            return Ok(start);
        };
        let utc = Zone::Utc;
        if end.start_instant(utc) < start.start_instant(utc) {
            return Err("its end is before its start".to_owned());
        }
        Ok(match (start, end) {
            (When::Date(first), When::Date(after)) => {
                When::Date(after.pred_opt().unwrap_or(after).max(first))
            }
            (When::Date(first), other) => When::Date(other.date().max(first)),
            (_, other) => other,
        })
    }

    fn recurrence(
        &self,
        component: &ICalendarComponent,
        raw: &RawEvent,
        start: When,
    ) -> Result<Option<Box<Recurrence>>, String> {
        let mut recurrence = Recurrence::default();
        for rule in &raw.rules {
            recur::check(rule, start, self.local).map_err(|e| e.to_string())?;
            recurrence.rules.push(rule.clone());
        }
        for entry in component.properties(&ICalendarProperty::Rdate) {
            for value in &entry.values {
                recurrence.rdates.push(
                    self.rdate(value, entry.tz_id(), start)
                        .map_err(|e| format!("RDATE {e}"))?,
                );
            }
        }
        for entry in component.properties(&ICalendarProperty::Exdate) {
            for value in &entry.values {
                if let ICalendarValue::PartialDateTime(dt) = value {
                    recurrence.exdates.push(
                        self.when(dt, entry.tz_id())
                            .map_err(|e| format!("EXDATE {e}"))?,
                    );
                }
            }
        }
        let empty = recurrence == Recurrence::default();
        Ok((!empty).then(|| Box::new(recurrence)))
    }

    fn rdate(
        &self,
        value: &ICalendarValue,
        tzid: Option<&str>,
        start: When,
    ) -> Result<RDate, String> {
        match value {
            ICalendarValue::PartialDateTime(dt) => Ok(RDate::At(self.when(dt, tzid)?)),
            ICalendarValue::Period(ICalendarPeriod::Range { start: a, end: b }) => {
                Ok(RDate::Period(self.when(a, tzid)?, self.when(b, tzid)?))
            }
            ICalendarValue::Period(ICalendarPeriod::Duration {
                start: a,
                duration: d,
            }) => {
                let from = self.when(a, tzid)?;
                Ok(RDate::Period(from, add(from, self::duration(d))?))
            }
            _ => Err(format!(
                "is not a date, date-time or period (the event starts {start:?})"
            )),
        }
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
