//! developers.events (scraly/developers-conferences-agenda): `all-events.
//! json`, a JSON array of events, and `all-cfps.json`, of calls for papers.
//!
//! An event is `name`, `date` (`[start]` or `[start, end]`, each the
//! day's midnight UTC in milliseconds), `hyperlink`, `city`, `country`
//! (or `location`), `tags` and `cfp` (`{link, until, untilDate}`, empty
//! when there is none). A call for papers is `{link, until, untilDate,
//! conf}`, `conf` being its event. `untilDate` names the last day of the
//! call the same way, so it is due at the end of that day in the source's
//! `timezone`, else `deadline_timezone`.

use chrono::{DateTime, NaiveDate};
use serde_json::{Map, Value};

use super::json::text;
use super::{Edition, File, Found, due_of, year_of_date};
use crate::model::DeadlineKind;

pub(super) fn read(file: &File<'_>, found: &mut Found) {
    let (records, problems) = super::json::records::<Map<String, Value>>(file);
    found.problems.extend(problems);
    for (record, line) in &records {
        // A call for papers holds its event; an event holds its call.
        let (event, cfp) = match record.get("conf").and_then(Value::as_object) {
            Some(conf) => (conf, Some(record)),
            None => (record, record.get("cfp").and_then(Value::as_object)),
        };
        if let Some(edition) = read_edition(file, found, event, cfp, *line) {
            found.editions.push(edition);
        }
    }
}

/// A millisecond timestamp as the UTC day it names.
fn day(value: &Value) -> Option<NaiveDate> {
    DateTime::from_timestamp_millis(value.as_i64()?).map(|t| t.date_naive())
}

fn read_edition(
    file: &File<'_>,
    found: &mut Found,
    event: &Map<String, Value>,
    cfp: Option<&Map<String, Value>>,
    line: usize,
) -> Option<Edition> {
    let Some(name) = text(event, "name") else {
        found
            .problems
            .push(file.problem(line, "an event needs a `name`: left out"));
        return None;
    };
    let dates: Vec<NaiveDate> = event
        .get("date")
        .and_then(Value::as_array)
        .map(|d| d.iter().filter_map(day).collect())
        .unwrap_or_default();
    let Some(&start) = dates.first() else {
        found.problems.push(file.problem(
            line,
            format!("`{name}` needs a `date` of millisecond timestamps: left out"),
        ));
        return None;
    };
    let mut edition = Edition::new(name, year_of_date(start), line);
    edition.start = Some(start);
    edition.end = dates.get(1).copied().filter(|end| *end >= start);
    edition.url = text(event, "hyperlink").map(str::to_owned);
    edition.location = match (text(event, "city"), text(event, "country")) {
        (Some(city), Some(country)) if city != country => Some(format!("{city} ({country})")),
        (Some(place), _) | (None, Some(place)) => Some(place.to_owned()),
        (None, None) => text(event, "location").map(str::to_owned),
    };
    edition.tags = tags(event);
    if let Some(until) = cfp.and_then(|c| c.get("untilDate")).and_then(day) {
        let mut due = due_of(DeadlineKind::Cfp, file.fallback_zone(), None, line);
        due.at = crate::model::When::Date(until);
        edition.deadlines.push(due);
    }
    Some(edition)
}

/// `tags`: names, or `{key, value}` pairs.
fn tags(event: &Map<String, Value>) -> Vec<String> {
    let Some(list) = event.get("tags").and_then(Value::as_array) else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|t| match t {
            Value::String(s) => Some(s.clone()),
            Value::Object(o) => o.get("value").and_then(Value::as_str).map(str::to_owned),
            _ => None,
        })
        .map(|t| t.trim().to_ascii_lowercase())
        .filter(|t| !t.is_empty())
        .collect()
}
