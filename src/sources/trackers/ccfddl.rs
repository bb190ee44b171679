//! ccfddl (ccfddl/ccf-deadlines): one YAML file per series in category
//! folders (`conference/AI/cvpr.yml`), or the merged list of every series.
//!
//! A series is `title`, `description`, `sub` (the CCF category), `rank`
//! (`{ccf, core, thcpl}`, or one letter in older files), `dblp` and
//! `confs`: one entry per edition with `year`, `id`, `link`, `timeline`
//! (rounds of `{deadline, abstract_deadline?, comment?}`), `timezone`,
//! `date` (free text such as "May 21-29, 2022") and `place`. Deadlines are
//! `yyyy-mm-dd hh:mm:ss` or `TBD`; zones are `AoE`, `UTC`, `UTC±N` (the
//! ordinary sign) and `PT` (US Pacific, with daylight saving).

use super::yaml::{self, Node};
use super::{Edition, File, Found, check_keys, date_range, due_of, push_due, year_of, zone_or};
use crate::model::{DeadlineKind, EventKind};

const SERIES_KEYS: &[&str] = &["title", "description", "sub", "rank", "dblp", "confs"];
const EDITION_KEYS: &[&str] = &[
    "year", "id", "link", "timeline", "timezone", "date", "place",
];
const ROUND_KEYS: &[&str] = &["deadline", "abstract_deadline", "comment"];

pub(super) fn read(file: &File<'_>, found: &mut Found) {
    let (records, problems) = yaml::records(file.path, file.text);
    found.problems.extend(problems);
    let series: Vec<&Node> = records
        .iter()
        .filter(|r| r.get("confs").is_some())
        .collect();
    if series.is_empty() && !records.is_empty() {
        found.problems.push(file.problem(
            records[0].line,
            "holds no ccfddl series (no `confs` list): left out",
        ));
    }
    for record in series {
        read_series(file, found, record);
    }
}

fn read_series(file: &File<'_>, found: &mut Found, series: &Node) {
    check_keys(file, found, series, SERIES_KEYS);
    let Some(title) = series.text("title") else {
        found
            .problems
            .push(file.problem(series.line, "a series needs a `title`: left out"));
        return;
    };
    let tags = series_tags(series);
    let long_name = series.text("description");
    for conf in series.get("confs").map(Node::items).unwrap_or_default() {
        check_keys(file, found, conf, EDITION_KEYS);
        let Some(year) = year_of(conf.text("year")) else {
            found.problems.push(file.problem(
                conf.line,
                format!("an edition of `{title}` needs a `year` such as `2024`: left out"),
            ));
            continue;
        };
        let mut edition = Edition::new(title, year, conf.line);
        edition.tags.clone_from(&tags);
        edition.url = conf.text("link").map(str::to_owned);
        edition.location = conf.text("place").map(str::to_owned);
        edition.description = long_name.map(str::to_owned);
        if long_name.is_some_and(|d| d.to_ascii_lowercase().contains("workshop")) {
            edition.kind = EventKind::Workshop;
        }
        dates(&mut edition, conf.text("date"));
        rounds(file, found, conf, &mut edition);
        found.editions.push(edition);
    }
}

/// The category and the ranks as tags: `ai`, `ccf-a`, `core-a*`.
fn series_tags(series: &Node) -> Vec<String> {
    let mut tags: Vec<String> = series
        .words("sub")
        .iter()
        .map(|s| s.to_ascii_lowercase())
        .collect();
    match series.get("rank") {
        Some(rank) if rank.as_text().is_some() => {
            tags.extend(
                rank.as_text()
                    .map(|r| format!("ccf-{}", r.to_ascii_lowercase())),
            );
        }
        Some(rank) => {
            for (list, _) in rank.keys() {
                if let Some(r) = rank.text(list).filter(|r| !r.eq_ignore_ascii_case("n")) {
                    tags.push(format!("{list}-{}", r.to_ascii_lowercase()));
                }
            }
        }
        None => {}
    }
    tags
}

/// The edition's dates from its free-text `date`; text that cannot be
/// read is kept in the description, not guessed.
fn dates(edition: &mut Edition, text: Option<&str>) {
    let Some(text) = text else { return };
    if let Some((start, end)) = date_range(text, edition.year) {
        edition.start = Some(start);
        edition.end = Some(end);
    } else {
        let said = format!("Dates: {text}");
        edition.description = Some(match edition.description.take() {
            Some(d) => format!("{d}\n{said}"),
            None => said,
        });
    }
}

fn rounds(file: &File<'_>, found: &mut Found, conf: &Node, edition: &mut Edition) {
    let zone_line = conf.get("timezone").map_or(conf.line, |z| z.line);
    let Some(zone) = zone_or(
        file,
        found,
        conf.text("timezone"),
        zone_line,
        file.fallback_zone(),
    ) else {
        return;
    };
    for round in conf.get("timeline").map(Node::items).unwrap_or_default() {
        check_keys(file, found, round, ROUND_KEYS);
        let label = round.text("comment").map(str::to_owned);
        for (key, kind) in [
            ("abstract_deadline", DeadlineKind::Abstract),
            ("deadline", DeadlineKind::Paper),
        ] {
            for node in round.get(key).map(Node::items).unwrap_or_default() {
                let text = node.as_text().unwrap_or("");
                let due = due_of(kind, zone, label.clone(), node.line);
                push_due(file, found, edition, text, node.line, due);
            }
        }
    }
}
