//! The ai-deadlines family (paperswithcode/ai-deadlines, huggingface/
//! ai-deadlines and their forks): a YAML list of editions, one file per
//! conference (`src/data/conferences/cvpr.yml`) or one list of all
//! (`_data/conferences.yml`).
//!
//! An edition is `title` (`name` in the oldest files), `year`, `link`,
//! `start`, `end`, `date`, `city`/`country`/`venue` or `place`, `tags` or
//! `sub`, and its deadlines: the current `deadlines` list of `{type,
//! label, date, timezone}`, and the older single fields `deadline`,
//! `abstract_deadline` (and `commitment_deadline`, `review_release_date`,
//! `rebuttal_period_start`, `rebuttal_period_end`, `final_decision_date`),
//! which count where the list has no deadline of their type, as the
//! maintainers' own page reads them. Zones are `AoE`, IANA names,
//! `UTC±N`/`GMT±N` with the ordinary sign and abbreviations (`PST`, `PDT`,
//! `CET`); a deadline with no zone is in the edition's, and an edition with
//! none is in UTC.

use super::yaml::{self, Node};
use super::{Edition, File, Found, Stated, date_range, due_of, push_due, yaml_edition, zone_or};
use crate::model::DeadlineKind;
use crate::time::Zone;

const KEYS: &[&str] = &[
    "title",
    "name",
    "year",
    "id",
    "full_name",
    "link",
    "deadline",
    "deadlines",
    "abstract_deadline",
    "timezone",
    "date",
    "place",
    "city",
    "country",
    "venue",
    "start",
    "end",
    "tags",
    "sub",
    "note",
    "hindex",
    "rankings",
    "era_rating",
    "paperslink",
    "pwclink",
    "commitment_deadline",
    "review_release_date",
    "rebuttal_period_start",
    "rebuttal_period_end",
    "final_decision_date",
];

/// The older single fields and the deadline types they stand for.
const SINGLE_FIELDS: &[(&str, &str, &str)] = &[
    ("abstract_deadline", "abstract", "Abstract Submission"),
    ("deadline", "submission", "Paper Submission"),
    ("commitment_deadline", "commitment", "Commitment"),
    ("review_release_date", "review_release", "Reviews Released"),
    (
        "rebuttal_period_start",
        "rebuttal_start",
        "Rebuttal Period Start",
    ),
    ("rebuttal_period_end", "rebuttal_end", "Rebuttal Period End"),
    ("final_decision_date", "final_decision", "Final Decision"),
];

pub(super) fn read(file: &File<'_>, found: &mut Found) {
    let (records, problems) = yaml::records(file.path, file.text);
    found.problems.extend(problems);
    for record in &records {
        read_edition(file, found, record);
    }
}

fn read_edition(file: &File<'_>, found: &mut Found, record: &Node) {
    let Some(mut edition) = yaml_edition(file, found, record, KEYS, &["title", "name"]) else {
        return;
    };
    edition.url = record.text("link").map(str::to_owned);
    edition.description = record.text("full_name").map(str::to_owned);
    edition.location = location(record);
    edition.tags = record
        .words("tags")
        .into_iter()
        .chain(record.words("sub"))
        .map(|t| t.to_ascii_lowercase())
        .collect();
    dates(file, found, record, &mut edition);
    deadlines(file, found, record, &mut edition);
    found.editions.push(edition);
}

fn location(record: &Node) -> Option<String> {
    if let Some(place) = record.text("place") {
        return Some(place.to_owned());
    }
    let parts: Vec<&str> = ["city", "country"]
        .iter()
        .filter_map(|k| record.text(k))
        .collect();
    if parts.is_empty() {
        record.text("venue").map(str::to_owned)
    } else {
        Some(parts.join(", "))
    }
}

/// `start` and `end` where they are dates, else the free-text `date`.
fn dates(file: &File<'_>, found: &mut Found, record: &Node, edition: &mut Edition) {
    let day = |key| record.text(key).and_then(Stated::parse).map(Stated::date);
    let (start, end) = (day("start"), day("end"));
    match (start, end) {
        (Some(start), Some(end)) if end < start => {
            let line = record.get("end").map_or(record.line, |n| n.line);
            found.problems.push(file.problem(
                line,
                format!("`end` ({end}) is before `start` ({start}): the end is left out"),
            ));
            edition.start = Some(start);
        }
        (Some(_), _) => (edition.start, edition.end) = (start, end),
        (None, _) => {
            if let Some((start, end)) = record
                .text("date")
                .and_then(|t| date_range(t, edition.year))
            {
                (edition.start, edition.end) = (Some(start), Some(end));
            }
        }
    }
}

fn deadlines(file: &File<'_>, found: &mut Found, record: &Node, edition: &mut Edition) {
    let zone_line = record.get("timezone").map_or(record.line, |n| n.line);
    let Some(zone) = zone_or(file, found, record.text("timezone"), zone_line, Zone::Utc) else {
        return;
    };
    let mut types = Vec::new();
    for item in record.get("deadlines").map(Node::items).unwrap_or_default() {
        let kind_name = item.text("type").unwrap_or("submission");
        types.push(kind_name.to_ascii_lowercase());
        let stated_zone = item.get("timezone").map_or(item.line, |n| n.line);
        let Some(zone) = zone_or(file, found, item.text("timezone"), stated_zone, zone) else {
            continue;
        };
        let label = item.text("label").or(Some(kind_name)).map(str::to_owned);
        let date = item.get("date");
        let line = date.map_or(item.line, |n| n.line);
        let text = date.and_then(Node::as_text).unwrap_or("");
        push_due(
            file,
            found,
            edition,
            text,
            line,
            typed(kind_name, zone, label, line),
        );
    }
    for (field, kind_name, label) in SINGLE_FIELDS {
        if types.iter().any(|t| t == kind_name) {
            continue;
        }
        // Some forks give one of these fields a list of dates.
        for node in record.get(field).map(Node::items).unwrap_or_default() {
            let text = node.as_text().unwrap_or("");
            let due = typed(kind_name, zone, Some((*label).to_owned()), node.line);
            push_due(file, found, edition, text, node.line, due);
        }
    }
}

/// A deadline of the dataset's `type`, as one of confcal's kinds; the
/// types confcal has no kind for are `other`, told apart by their type.
fn typed(kind_name: &str, zone: Zone, label: Option<String>, line: usize) -> super::Due {
    let name = kind_name
        .trim()
        .to_ascii_lowercase()
        .replace(['-', ' '], "_");
    let kind = match name.as_str() {
        "submission" | "paper" | "full_paper" | "paper_submission" | "manuscript" => {
            DeadlineKind::Paper
        }
        "abstract" | "abstract_submission" => DeadlineKind::Abstract,
        "notification" | "final_decision" | "decision" => DeadlineKind::Notification,
        "camera_ready" | "cameraready" => DeadlineKind::CameraReady,
        _ => DeadlineKind::Other,
    };
    let mut due = due_of(kind, zone, label, line);
    if kind == DeadlineKind::Other || name == "final_decision" {
        due.key = Some(name);
    }
    due
}
