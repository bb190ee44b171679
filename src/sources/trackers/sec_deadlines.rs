//! sec-deadlines (sec-deadlines.github.io and its forks): `_data/
//! conferences.yml`, a YAML list of editions.
//!
//! An edition is `name`, `year`, `description`, `link`, `deadline` (one
//! `"YYYY-MM-DD HH:MM"` or a list of them, one per round; `TBA` when not
//! known), `timezone` (IANA, where `Etc/GMT+8` means UTC−8; none means
//! `AoE`), `date`, `place`, `tags` and `comment`.
//!
//! Rolling deadlines are written as templates, and confcal expands them
//! for the rounds they describe, as the site does: `%y` is the edition's
//! year, `%Y` the year before it, and `%m` every month of that year. The
//! time is taken as written (the site shows `HH:00` as a second before).

use super::yaml::{self, Node};
use super::{Edition, File, Found, date_range, due_of, push_due, yaml_edition, zone_or};
use crate::model::{DeadlineKind, EventKind};
use crate::time::Zone;

const KEYS: &[&str] = &[
    "name",
    "year",
    "description",
    "comment",
    "link",
    "deadline",
    "timezone",
    "date",
    "place",
    "tags",
    "dblp",
    "note",
];

pub(super) fn read(file: &File<'_>, found: &mut Found) {
    let (records, problems) = yaml::records(file.path, file.text);
    found.problems.extend(problems);
    for record in &records {
        read_edition(file, found, record);
    }
}

fn read_edition(file: &File<'_>, found: &mut Found, record: &Node) {
    let Some(mut edition) = yaml_edition(file, found, record, KEYS, &["name"]) else {
        return;
    };
    edition.url = record.text("link").map(str::to_owned);
    edition.location = record.text("place").map(str::to_owned);
    edition.description = record.text("description").map(str::to_owned);
    edition.tags = record
        .words("tags")
        .iter()
        .map(|t| t.to_ascii_lowercase())
        .collect();
    if edition.tags.iter().any(|t| t == "shop") {
        edition.kind = EventKind::Workshop;
    }
    if let Some((start, end)) = record
        .text("date")
        .and_then(|t| date_range(t, edition.year))
    {
        (edition.start, edition.end) = (Some(start), Some(end));
    }
    deadlines(file, found, record, &mut edition);
    found.editions.push(edition);
}

fn deadlines(file: &File<'_>, found: &mut Found, record: &Node, edition: &mut Edition) {
    let zone_line = record.get("timezone").map_or(record.line, |n| n.line);
    let Some(zone) = zone_or(file, found, record.text("timezone"), zone_line, Zone::Aoe) else {
        return;
    };
    let Some(list) = record.get("deadline") else {
        found.unknown += 1;
        return;
    };
    let rounds = list.items();
    let label = |i: usize| (rounds.len() > 1).then(|| format!("round {}", i + 1));
    for (i, round) in rounds.iter().enumerate() {
        let text = round.as_text().unwrap_or("");
        for expanded in expand(text, edition.year) {
            let due = due_of(DeadlineKind::Paper, zone, label(i), round.line);
            push_due(file, found, edition, &expanded, round.line, due);
        }
    }
}

/// A rolling template's deadlines: `%y` is `year`, `%Y` the year before,
/// `%m` each month.
fn expand(text: &str, year: i32) -> Vec<String> {
    let text = text
        .replace("%y", &year.to_string())
        .replace("%Y", &(year - 1).to_string());
    if !text.contains("%m") {
        return vec![text];
    }
    (1..=12)
        .map(|m| text.replace("%m", &format!("{m:02}")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::expand;

    #[test]
    fn templates_expand_as_the_site_reads_them() {
        assert_eq!(expand("%Y-11-30 23:59", 2026), ["2025-11-30 23:59"]);
        assert_eq!(expand("%y-02-28 23:59", 2026), ["2026-02-28 23:59"]);
        let monthly = expand("2017-%m-15", 2018);
        assert_eq!(monthly.len(), 12);
        assert_eq!(monthly[0], "2017-01-15");
        assert_eq!(monthly[11], "2017-12-15");
    }
}
