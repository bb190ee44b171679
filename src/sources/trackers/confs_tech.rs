//! confs.tech (tech-conferences/conference-data): `conferences/YEAR/
//! TOPIC.json`, a JSON array of conferences per year and topic.
//!
//! A conference is `name`, `url`, `startDate`, `endDate`, `city`,
//! `country`, `online`, `cfpUrl` and `cfpEndDate`: a bare date, the last
//! day proposals are taken (inclusive), so due at the end of that day in
//! the source's `timezone`, else `deadline_timezone`. The topic is the
//! file's name; a conference listed under two topics is one event with
//! both as tags.

use serde_json::{Map, Value};

use super::json::text;
use super::{Edition, File, Found, Stated, check_key, due_of, push_due, year_of_date};
use crate::model::DeadlineKind;

const KEYS: &[&str] = &[
    "name",
    "url",
    "startDate",
    "endDate",
    "city",
    "country",
    "online",
    "locales",
    "cfpUrl",
    "cfpEndDate",
    "twitter",
    "mastodon",
    "bluesky",
    "cocUrl",
    "offersSignLanguageOrCC",
];

pub(super) fn read(file: &File<'_>, found: &mut Found) {
    let (records, problems) = super::json::records::<Map<String, Value>>(file);
    found.problems.extend(problems);
    let topic = file
        .path
        .file_stem()
        .map(|s| s.to_string_lossy().to_ascii_lowercase());
    for (record, line) in &records {
        for key in record.keys() {
            check_key(file, found, key, *line, KEYS);
        }
        if let Some(mut edition) = read_edition(file, found, record, *line) {
            edition.tags.extend(topic.clone());
            found.editions.push(edition);
        }
    }
}

fn read_edition(
    file: &File<'_>,
    found: &mut Found,
    record: &Map<String, Value>,
    line: usize,
) -> Option<Edition> {
    let Some(name) = text(record, "name") else {
        found
            .problems
            .push(file.problem(line, "a conference needs a `name`: left out"));
        return None;
    };
    let day = |key| text(record, key).and_then(Stated::parse).map(Stated::date);
    let Some(start) = day("startDate") else {
        found.problems.push(file.problem(
            line,
            format!("`{name}` needs a `startDate` such as `2024-05-01`: left out"),
        ));
        return None;
    };
    let mut edition = Edition::new(name, year_of_date(start), line);
    edition.start = Some(start);
    edition.end = day("endDate");
    if edition.end.is_some_and(|end| end < start) {
        found.problems.push(file.problem(
            line,
            format!("`{name}`: `endDate` is before `startDate`: the end is left out"),
        ));
        edition.end = None;
    }
    edition.url = text(record, "url").map(str::to_owned);
    edition.location = location(record);
    if let Some(stated) = text(record, "cfpEndDate") {
        let due = due_of(DeadlineKind::Cfp, file.fallback_zone(), None, line);
        push_due(file, found, &mut edition, stated, line, due);
    }
    Some(edition)
}

fn location(record: &Map<String, Value>) -> Option<String> {
    let place: Vec<&str> = ["city", "country"]
        .iter()
        .filter_map(|k| text(record, k))
        .collect();
    let online = record.get("online").and_then(Value::as_bool) == Some(true);
    match (place.is_empty(), online) {
        (true, true) => Some("Online".to_owned()),
        (true, false) => None,
        (false, true) => Some(format!("{} & Online", place.join(", "))),
        (false, false) => Some(place.join(", ")),
    }
}
