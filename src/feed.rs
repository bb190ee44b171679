//! The merged iCalendar feed (RFC 5545, RFC 7986), built and written with
//! calcard. Events keep their form (all-day stays all-day, a named zone
//! keeps its `TZID` and gets a `VTIMEZONE`); each deadline is an event of
//! its own at its due instant in UTC, with one alarm per lead time. The
//! output depends only on the catalog and `now`, byte for byte.

use calcard::common::PartialDateTime;
use calcard::icalendar::{
    ICalendar, ICalendarAction, ICalendarComponent, ICalendarComponentType, ICalendarDuration,
    ICalendarEntry, ICalendarMethod, ICalendarParameter, ICalendarParameterValue, ICalendarPeriod,
    ICalendarProperty, ICalendarStatus, ICalendarTransparency, ICalendarValue, ICalendarValueType,
    Uri,
};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Timelike, Utc};

use crate::config::Leads;
use crate::model::{Catalog, Deadline, Event, RDate, When};
use crate::time::Zone;

/// What the feed needs besides the catalog.
#[derive(Debug, Clone)]
pub struct FeedOptions<'a> {
    /// `X-WR-CALNAME` and `NAME`.
    pub name: &'a str,
    /// One alarm per lead time on every deadline.
    pub leads: &'a Leads,
    /// The `DTSTAMP` of every component.
    pub now: DateTime<Utc>,
    /// How often subscribers should refresh.
    pub refresh: Duration,
}

/// Writes `catalog` as one VCALENDAR.
#[must_use]
pub fn render(catalog: &Catalog, options: &FeedOptions<'_>) -> String {
    let mut feed = Feed::new(options);
    for event in &catalog.events {
        feed.event(event);
    }
    for deadline in &catalog.deadlines {
        feed.deadline(deadline);
    }
    feed.finish()
}

struct Feed<'a> {
    ical: ICalendar,
    options: &'a FeedOptions<'a>,
}

impl<'a> Feed<'a> {
    fn new(options: &'a FeedOptions<'a>) -> Self {
        let mut root = ICalendarComponent::new(ICalendarComponentType::VCalendar);
        let refresh = duration(options.refresh, false);
        root.add_property(ICalendarProperty::Version, "2.0");
        root.add_property(
            ICalendarProperty::Prodid,
            concat!("-//confcal//confcal ", env!("CARGO_PKG_VERSION"), "//EN"),
        );
        root.add_property(ICalendarProperty::Calscale, "GREGORIAN");
        root.add_property(ICalendarProperty::Method, ICalendarMethod::Publish);
        root.add_property(ICalendarProperty::Name, options.name);
        root.add_property(other("X-WR-CALNAME"), options.name);
        root.add_property_with_params(
            ICalendarProperty::RefreshInterval,
            [ICalendarParameter::value(ICalendarValueType::Duration)],
            refresh.clone(),
        );
        root.add_property(other("X-PUBLISHED-TTL"), refresh);
        Feed {
            ical: ICalendar {
                components: vec![root],
            },
            options,
        }
    }

    /// Adds `component` under `parent` and returns its id.
    fn push(&mut self, parent: usize, component: ICalendarComponent) -> usize {
        let id = self.ical.components.len();
        self.ical.components.push(component);
        if let (Some(parent), Ok(id32)) = (self.ical.components.get_mut(parent), u32::try_from(id))
        {
            parent.component_ids.push(id32);
        }
        id
    }

    fn vevent(&self, uid: &str, summary: &str, sequence: i64) -> ICalendarComponent {
        let mut vevent = ICalendarComponent::new(ICalendarComponentType::VEvent);
        vevent.add_uid(uid);
        vevent.add_dtstamp(utc_stamp(self.options.now));
        vevent.add_sequence(sequence);
        vevent.add_property(ICalendarProperty::Summary, summary);
        vevent
    }

    /// An event, or a series once with its rules and then each of its
    /// overrides.
    fn event(&mut self, event: &Event) {
        let mut vevent = self.occurrence(event);
        if let Some(recurrence) = &event.recurrence {
            for rule in &recurrence.rules {
                vevent.add_property(
                    ICalendarProperty::Rrule,
                    rule.trim().trim_start_matches("RRULE:"),
                );
            }
            for rdate in &recurrence.rdates {
                vevent.entries.push(match *rdate {
                    RDate::At(at) => when_entry(ICalendarProperty::Rdate, at),
                    RDate::Period(a, b) => period_entry(a, b),
                });
            }
            for exdate in &recurrence.exdates {
                vevent
                    .entries
                    .push(when_entry(ICalendarProperty::Exdate, *exdate));
            }
        }
        self.push(0, vevent);
        for o in event.recurrence.iter().flat_map(|r| &r.overrides) {
            let mut vevent = self.occurrence(&o.event);
            let mut rid = when_entry(ICalendarProperty::RecurrenceId, o.recurrence_id);
            if o.this_and_future {
                rid.add_param(ICalendarParameter::range(ICalendarParameterValue::Bool(
                    true,
                )));
            }
            vevent.entries.push(rid);
            self.push(0, vevent);
        }
    }

    /// The properties an event and an override share.
    fn occurrence(&self, event: &Event) -> ICalendarComponent {
        let mut vevent = self.vevent(&event.uid, &event.title, event.sequence);
        vevent
            .entries
            .push(when_entry(ICalendarProperty::Dtstart, event.start));
        let end = match event.end {
            When::Date(last) => When::Date(last.succ_opt().unwrap_or(last)),
            other => other,
        };
        if end != event.start || event.all_day() {
            vevent
                .entries
                .push(when_entry(ICalendarProperty::Dtend, end));
        }
        if event.cancelled {
            vevent.add_property(ICalendarProperty::Status, ICalendarStatus::Cancelled);
        }
        add_text(
            &mut vevent,
            ICalendarProperty::Location,
            event.location.as_deref(),
        );
        add_text(
            &mut vevent,
            ICalendarProperty::Description,
            event.description.as_deref(),
        );
        add_url(&mut vevent, event.url.as_deref());
        let mut categories = vec![event.kind.name().to_owned()];
        categories.extend(event.tags.iter().cloned());
        add_categories(&mut vevent, categories);
        if let Some(parent) = &event.parent {
            vevent.add_property(ICalendarProperty::RelatedTo, parent.as_str());
        }
        vevent
    }

    fn deadline(&mut self, deadline: &Deadline) {
        let title = deadline.title();
        let mut vevent = self.vevent(&deadline.uid, &title, deadline.sequence);
        vevent.add_property(
            ICalendarProperty::Dtstart,
            utc_stamp(deadline.due_instant()),
        );
        vevent.add_property(
            ICalendarProperty::Transp,
            ICalendarTransparency::Transparent,
        );
        vevent.add_property(ICalendarProperty::Description, describe(deadline));
        add_url(&mut vevent, deadline.url.as_deref());
        let mut categories = vec!["deadline".to_owned(), deadline.kind.name().to_owned()];
        categories.extend(deadline.tags.iter().cloned());
        add_categories(&mut vevent, categories);
        vevent.add_property(ICalendarProperty::RelatedTo, deadline.event_uid.as_str());
        if let Some(revision) = deadline.revision {
            vevent.add_property(ICalendarProperty::LastModified, utc_stamp(revision));
        }
        let id = self.push(0, vevent);
        for lead in self.options.leads.of(deadline.kind) {
            let mut alarm = ICalendarComponent::new(ICalendarComponentType::VAlarm);
            alarm.add_property(ICalendarProperty::Action, ICalendarAction::Display);
            alarm.add_property(
                ICalendarProperty::Description,
                format!("{title} (in {lead})"),
            );
            alarm.add_property(ICalendarProperty::Trigger, duration(lead.duration(), true));
            self.push(id, alarm);
        }
    }

    fn finish(mut self) -> String {
        self.ical.add_missing_timezones();
        without_controls(self.ical.to_string())
    }
}

/// `text` without the control characters iCalendar forbids in any value
/// (RFC 5545 3.1: NUL and the rest of C0, and DEL), which a source may
/// have carried in; line ends and tabs stay.
fn without_controls(mut text: String) -> String {
    let forbidden = |c: char| c.is_ascii_control() && !matches!(c, '\r' | '\n' | '\t');
    if text.contains(forbidden) {
        text.retain(|c| !forbidden(c));
    }
    text
}

/// The deadline's `DESCRIPTION`: what it is, when in the stated zone and in
/// UTC, and where it came from.
fn describe(deadline: &Deadline) -> String {
    let due = deadline.due_instant();
    let stated = match deadline.due {
        When::Date(d) => format!("{d} (end of day, {})", deadline.zone),
        _ => format!(
            "{} {}",
            deadline.due_local().format("%Y-%m-%d %H:%M"),
            deadline.zone
        ),
    };
    let sources: Vec<String> = deadline
        .provenance
        .iter()
        .map(ToString::to_string)
        .collect();
    format!(
        "{} for {}.\nDue: {stated}, that is {} UTC.\nSource: {}",
        deadline.kind.headline(),
        deadline.event_title,
        due.format("%Y-%m-%d %H:%M:%S"),
        sources.join("; ")
    )
}

fn other(name: &str) -> ICalendarProperty {
    ICalendarProperty::Other(name.to_owned())
}

fn add_text(component: &mut ICalendarComponent, name: ICalendarProperty, value: Option<&str>) {
    if let Some(value) = value.filter(|v| !v.is_empty()) {
        component.add_property(name, value);
    }
}

fn add_url(component: &mut ICalendarComponent, url: Option<&str>) {
    if let Some(url) = url.filter(|u| !u.is_empty()) {
        component.add_property(ICalendarProperty::Url, Uri::Location(url.to_owned()));
    }
}

/// `CATEGORIES`, each name once, in the order given.
fn add_categories(component: &mut ICalendarComponent, mut categories: Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    categories.retain(|c| seen.insert(c.to_lowercase()));
    let values = categories.into_iter().map(ICalendarValue::Text).collect();
    component
        .entries
        .push(ICalendarEntry::new(ICalendarProperty::Categories).with_values(values));
}

/// A date or date-time property in the form the time was stated: a date,
/// a floating time, a time with an IANA `TZID`, or UTC for fixed offsets
/// and UTC.
fn when_entry(name: ICalendarProperty, when: When) -> ICalendarEntry {
    let entry = ICalendarEntry::new(name);
    match when {
        When::Date(date) => entry
            .with_param(ICalendarParameter::value(ICalendarValueType::Date))
            .with_value(date_value(date)),
        When::Floating(local) => entry.with_value(local_value(local)),
        When::Zoned(local, zone @ Zone::Iana(_)) => entry
            .with_param(ICalendarParameter::tzid(zone.to_string()))
            .with_value(local_value(local)),
        When::Zoned(local, zone) => entry.with_value(utc_stamp(zone.instant(local))),
        When::Utc(instant) => entry.with_value(utc_stamp(instant)),
    }
}

/// An `RDATE` period, in UTC.
fn period_entry(start: When, end: When) -> ICalendarEntry {
    let utc = |w: When| utc_stamp(w.start_instant(Zone::Utc));
    ICalendarEntry::new(ICalendarProperty::Rdate)
        .with_param(ICalendarParameter::value(ICalendarValueType::Period))
        .with_value(ICalendarValue::Period(ICalendarPeriod::Range {
            start: utc(start),
            end: utc(end),
        }))
}

fn date_value(date: NaiveDate) -> PartialDateTime {
    PartialDateTime {
        year: u16::try_from(date.year()).ok(),
        month: u8::try_from(date.month()).ok(),
        day: u8::try_from(date.day()).ok(),
        ..PartialDateTime::default()
    }
}

fn local_value(local: NaiveDateTime) -> PartialDateTime {
    PartialDateTime {
        hour: u8::try_from(local.hour()).ok(),
        minute: u8::try_from(local.minute()).ok(),
        second: u8::try_from(local.second()).ok(),
        ..date_value(local.date())
    }
}

fn utc_stamp(instant: DateTime<Utc>) -> PartialDateTime {
    PartialDateTime {
        tz_hour: Some(0),
        tz_minute: Some(0),
        ..local_value(instant.naive_utc())
    }
}

fn duration(span: Duration, before: bool) -> ICalendarDuration {
    let secs = span.num_seconds().unsigned_abs();
    let part = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
    ICalendarDuration {
        neg: before,
        weeks: 0,
        days: part(secs / 86_400),
        hours: part(secs % 86_400 / 3600),
        minutes: part(secs % 3600 / 60),
        seconds: part(secs % 60),
    }
}
