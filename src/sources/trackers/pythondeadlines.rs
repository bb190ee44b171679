//! pythondeadlin.es (JesperDramsch/python-deadlines): `_data/conferences.yml`
//! (and its `archive.yml`, `legacy.yml`), a YAML list of editions.
//!
//! An edition is `conference`, `year`, `link`, `cfp_link`, `cfp` (the call
//! for proposals), `cfp_ext` (an extension: it replaces `cfp`, keeping its
//! UID), `workshop_deadline`, `tutorial_deadline`, `timezone` (IANA; none
//! means `AoE`), `start`, `end`, `place` and `sub` (comma-separated topics).
//! Deadlines are `yyyy-mm-dd hh:mm:ss`, or a bare date that the dataset's
//! own tools read at 23:59:00; `TBA`, `TBD`, `Cancelled`, `None` are not
//! dates.

use super::yaml::{self, Node};
use super::{Edition, File, Found, Stated, due_of, push_due, yaml_edition, zone_or};
use crate::model::{DeadlineKind, EventKind};
use crate::time::Zone;

const KEYS: &[&str] = &[
    "conference",
    "alt_name",
    "year",
    "link",
    "cfp_link",
    "cfp",
    "cfp_ext",
    "workshop_deadline",
    "tutorial_deadline",
    "timezone",
    "place",
    "extra_places",
    "start",
    "end",
    "sponsor",
    "finaid",
    "twitter",
    "mastodon",
    "bluesky",
    "youtube",
    "sub",
    "note",
    "location",
];

pub(super) fn read(file: &File<'_>, found: &mut Found) {
    let (records, problems) = yaml::records(file.path, file.text);
    found.problems.extend(problems);
    for record in &records {
        read_edition(file, found, record);
    }
}

fn read_edition(file: &File<'_>, found: &mut Found, record: &Node) {
    let Some(mut edition) = yaml_edition(file, found, record, KEYS, &["conference"]) else {
        return;
    };
    edition.url = record
        .text("cfp_link")
        .or(record.text("link"))
        .map(str::to_owned);
    edition.location = record.text("place").map(str::to_owned);
    edition.tags = record
        .words("sub")
        .iter()
        .map(|t| t.to_ascii_lowercase())
        .collect();
    if edition.tags.iter().any(|t| t == "camp") {
        edition.kind = EventKind::Hackathon;
    }
    dates(file, found, record, &mut edition);
    deadlines(file, found, record, &mut edition);
    found.editions.push(edition);
}

fn dates(file: &File<'_>, found: &mut Found, record: &Node, edition: &mut Edition) {
    let day = |key| record.text(key).and_then(Stated::parse).map(Stated::date);
    edition.start = day("start");
    edition.end = day("end");
    if let (Some(start), Some(end)) = (edition.start, edition.end)
        && end < start
    {
        let line = record.get("end").map_or(record.line, |n| n.line);
        found.problems.push(file.problem(
            line,
            format!("`end` ({end}) is before `start` ({start}): the end is left out"),
        ));
        edition.end = None;
    }
}

fn deadlines(file: &File<'_>, found: &mut Found, record: &Node, edition: &mut Edition) {
    let zone_line = record.get("timezone").map_or(record.line, |n| n.line);
    let Some(zone) = zone_or(file, found, record.text("timezone"), zone_line, Zone::Aoe) else {
        return;
    };
    let extension = record
        .get("cfp_ext")
        .filter(|n| n.as_text().and_then(Stated::parse).is_some());
    match extension {
        Some(ext) => {
            let mut due = due_of(
                DeadlineKind::Cfp,
                zone,
                Some("extended".to_owned()),
                ext.line,
            );
            due.sequence = 1;
            push(file, found, edition, ext, due);
        }
        None => {
            if let Some(cfp) = record.get("cfp") {
                push(
                    file,
                    found,
                    edition,
                    cfp,
                    due_of(DeadlineKind::Cfp, zone, None, cfp.line),
                );
            }
        }
    }
    for (key, label) in [
        ("workshop_deadline", "workshops"),
        ("tutorial_deadline", "tutorials"),
    ] {
        if let Some(node) = record.get(key) {
            let mut due = due_of(DeadlineKind::Cfp, zone, Some(label.to_owned()), node.line);
            due.key = Some(label.to_owned());
            push(file, found, edition, node, due);
        }
    }
}

/// A deadline field; a bare date is due at 23:59:00, as the dataset's own
/// tools complete it.
fn push(file: &File<'_>, found: &mut Found, edition: &mut Edition, node: &Node, due: super::Due) {
    let text = node.as_text().unwrap_or("");
    let text = match Stated::parse(text) {
        Some(Stated::Date(_)) => format!("{text} 23:59:00"),
        _ => text.to_owned(),
    };
    push_due(file, found, edition, &text, node.line, due);
}
