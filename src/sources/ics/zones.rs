//! `VTIMEZONE`s that name no zone calcard or the IANA database knows
//! ("Customized Time Zone", a company's own names): their `STANDARD` and
//! `DAYLIGHT` rules are expanded into a [`CustomZone`].

use std::collections::HashMap;

use calcard::common::PartialDateTime;
use calcard::icalendar::{
    ICalendar, ICalendarComponent, ICalendarComponentType, ICalendarFrequency, ICalendarProperty,
    ICalendarValue,
};
use chrono::{FixedOffset, NaiveDate, NaiveDateTime, NaiveTime};

use crate::recur::wall_times;
use crate::time::{CustomZone, Zone};

/// The zone a `TZID` names by its IANA (or Windows) name, written as it
/// is or under a vendor's prefix (`/freeassociation.sourceforge.net/`,
/// `/mozilla.org/20050126_1/`, `/softwarestudio.org/Olson_…/`): the first
/// part from a `/` on that names a zone.
pub(super) fn named(tzid: &str) -> Option<Zone> {
    let tzid = tzid.trim();
    std::iter::once(tzid)
        .chain(tzid.match_indices('/').map(|(i, _)| &tzid[i + 1..]))
        .filter(|name| !name.is_empty())
        .find_map(|name| name.parse().ok())
}

/// The last year a custom zone's rules are expanded to.
const LAST_YEAR: i32 = 2100;

/// The zones of `calendar`'s `VTIMEZONE`s for which `known` has none, by
/// `TZID`.
pub(super) fn custom_zones(
    calendar: &ICalendar,
    known: impl Fn(&str) -> bool,
) -> HashMap<String, Zone> {
    let mut zones = HashMap::new();
    for vtimezone in calendar
        .components
        .iter()
        .filter(|c| c.component_type == ICalendarComponentType::VTimezone)
    {
        let Some(tzid) = text(vtimezone, &ICalendarProperty::Tzid) else {
            continue;
        };
        if known(tzid) {
            continue;
        }
        if let Some(zone) = build(calendar, vtimezone, tzid) {
            zones.insert(tzid.to_owned(), Zone::Custom(zone.intern()));
        }
    }
    zones
}

fn build(calendar: &ICalendar, vtimezone: &ICalendarComponent, tzid: &str) -> Option<CustomZone> {
    let hi = NaiveDate::from_ymd_opt(LAST_YEAR, 12, 31)?.and_time(NaiveTime::MIN);
    let mut changes = Vec::new();
    let mut earliest: Option<(NaiveDateTime, i32)> = None;
    for id in &vtimezone.component_ids {
        let Some(observance) = calendar.components.get(*id as usize) else {
            continue;
        };
        let (Some(start), Some(from), Some(to)) = (
            local(observance, &ICalendarProperty::Dtstart),
            offset(observance, &ICalendarProperty::Tzoffsetfrom),
            offset(observance, &ICalendarProperty::Tzoffsetto),
        ) else {
            continue;
        };
        if earliest.is_none_or(|(t, _)| start < t) {
            earliest = Some((start, from));
        }
        let mut onsets = vec![start];
        for rule in observance
            .properties(&ICalendarProperty::Rrule)
            .flat_map(|e| e.values.iter())
        {
            // Zones change at most a few times a year: finer rules are
            // not zone rules, and expanding them for centuries would hang.
            if let ICalendarValue::RecurrenceRule(rule) = rule
                && matches!(
                    rule.freq,
                    ICalendarFrequency::Yearly | ICalendarFrequency::Monthly
                )
            {
                let from_offset = FixedOffset::east_opt(from)?;
                onsets.extend(
                    wall_times(&rule.to_string(), start, from_offset, hi).unwrap_or_default(),
                );
            }
        }
        onsets.extend(
            observance
                .properties(&ICalendarProperty::Rdate)
                .flat_map(|e| e.values.iter())
                .filter_map(|v| match v {
                    ICalendarValue::PartialDateTime(dt) => naive(dt),
                    _ => None,
                }),
        );
        changes.extend(
            onsets
                .into_iter()
                .map(|onset| (onset.and_utc().timestamp() - i64::from(from), to)),
        );
    }
    let (_, initial) = earliest?;
    Some(CustomZone::new(tzid, initial, changes))
}

fn text<'a>(component: &'a ICalendarComponent, name: &ICalendarProperty) -> Option<&'a str> {
    component.property(name)?.values.first()?.as_text()
}

fn local(component: &ICalendarComponent, name: &ICalendarProperty) -> Option<NaiveDateTime> {
    naive(
        component
            .property(name)?
            .values
            .first()?
            .as_partial_date_time()?,
    )
}

fn naive(dt: &PartialDateTime) -> Option<NaiveDateTime> {
    let date = NaiveDate::from_ymd_opt(
        i32::from(dt.year?),
        u32::from(dt.month?),
        u32::from(dt.day?),
    )?;
    let time = NaiveTime::from_hms_opt(
        u32::from(dt.hour.unwrap_or(0)),
        u32::from(dt.minute.unwrap_or(0)),
        u32::from(dt.second.unwrap_or(0).min(59)),
    )?;
    Some(NaiveDateTime::new(date, time))
}

/// A `TZOFFSETFROM`/`TZOFFSETTO` in seconds east of UTC.
fn offset(component: &ICalendarComponent, name: &ICalendarProperty) -> Option<i32> {
    let dt = component
        .property(name)?
        .values
        .first()?
        .as_partial_date_time()?;
    let seconds = i32::from(dt.tz_hour?) * 3600 + i32::from(dt.tz_minute.unwrap_or(0)) * 60;
    Some(if dt.tz_minus { -seconds } else { seconds })
}
