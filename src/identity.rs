//! One conference, many sources: when two names are one edition, and what
//! happens when sources disagree about its deadlines.
//!
//! The rule: an edition is its normalised name and its year. The name is
//! normalised by [`crate::merge::event_uid`]: lower-case words, the year
//! left out, so "ICSE" starting in 2026 and "ICSE 2026" are one. Beyond
//! that, a long name is the same edition as a one-word short name of the
//! same year when the short name is the long name's initials, skipping the
//! small words (`of`, `on`, `and`, `the`, `for`, `in`, `at`, `&`):
//! "International Conference on Software Engineering 2026" is "ICSE 2026".
//! The long-named copy takes the short one's UID, so the merge makes them
//! one event with one set of deadlines.
//!
//! When sources give the same deadline (same UID) different due times,
//! the higher-priority source wins (the merge's rule); the other copies
//! stay in the provenance with the time they said, and `confcal check`
//! lists the disagreement.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use crate::model::{Catalog, Deadline, Provenance};
use crate::time::stamp;

/// Words left out of initials.
const SMALL_WORDS: &[&str] = &[
    "of", "on", "and", "the", "for", "in", "at", "&", "a", "an", "to",
];

/// The year of a UID made by [`crate::merge::event_uid`]: `icse-2026@confcal`.
fn uid_year(uid: &str) -> Option<&str> {
    let base = uid.strip_suffix("@confcal")?;
    let (_, year) = base.rsplit_once('-')?;
    (year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit())).then_some(year)
}

/// The words of a title without its year.
fn words<'a>(title: &'a str, year: &str) -> Vec<&'a str> {
    title
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ':' | '(' | ')'))
        .filter(|w| !w.is_empty() && *w != year)
        .collect()
}

/// A one-word name of three or more letters: a candidate short name.
fn short_name(words: &[&str]) -> Option<String> {
    match words {
        [one] if one.chars().filter(|c| c.is_alphabetic()).count() >= 3 => Some(
            one.to_lowercase()
                .chars()
                .filter(|c| c.is_alphanumeric())
                .collect(),
        ),
        _ => None,
    }
}

/// The initials of a name of three or more significant words.
fn initials(words: &[&str]) -> Option<String> {
    let significant: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| !SMALL_WORDS.contains(&w.to_lowercase().as_str()))
        .collect();
    if significant.len() < 3 {
        return None;
    }
    significant
        .iter()
        .map(|w| w.chars().next().filter(|c| c.is_alphabetic()))
        .collect::<Option<String>>()
        .map(|s| s.to_lowercase())
}

/// Gives each long-named edition the UID of the short-named edition of
/// the same year whose name is its initials (see the module's rule).
pub fn unify(batches: &mut [Catalog]) {
    let mut names: Vec<(String, String)> = Vec::new();
    for batch in batches.iter() {
        names.extend(
            batch
                .events
                .iter()
                .map(|e| (e.uid.clone(), e.title.clone())),
        );
        names.extend(
            batch
                .deadlines
                .iter()
                .map(|d| (d.event_uid.clone(), d.event_title.clone())),
        );
    }
    let mut shorts: HashMap<(String, String), String> = HashMap::new();
    for (uid, title) in &names {
        if let Some(year) = uid_year(uid)
            && let Some(short) = short_name(&words(title, year))
        {
            shorts
                .entry((year.to_owned(), short))
                .or_insert_with(|| uid.clone());
        }
    }
    let mut renamed: HashMap<String, String> = HashMap::new();
    for (uid, title) in &names {
        let Some(year) = uid_year(uid) else { continue };
        let Some(initials) = initials(&words(title, year)) else {
            continue;
        };
        if let Some(short) = shorts.get(&(year.to_owned(), initials))
            && short != uid
        {
            renamed.insert(uid.clone(), short.clone());
        }
    }
    if renamed.is_empty() {
        return;
    }
    for batch in batches.iter_mut() {
        for event in &mut batch.events {
            if let Some(new) = renamed.get(&event.uid) {
                event.uid.clone_from(new);
            }
        }
        for deadline in &mut batch.deadlines {
            if let Some(new) = renamed.get(&deadline.event_uid) {
                let old = format!(".{}", deadline.event_uid);
                if let Some(head) = deadline.uid.strip_suffix(&old) {
                    deadline.uid = format!("{head}.{new}");
                }
                deadline.event_uid.clone_from(new);
            }
        }
    }
}

/// Marks the copies of a deadline that lose the merge while saying another
/// due time: their provenance keeps the time they said.
pub fn note_overruled(deadlines: &mut [Deadline]) {
    let mut winners: HashMap<String, (i32, DateTime<Utc>)> = HashMap::new();
    for d in deadlines.iter() {
        let entry = winners
            .entry(d.uid.clone())
            .or_insert((d.priority, d.due_instant()));
        if d.priority > entry.0 {
            *entry = (d.priority, d.due_instant());
        }
    }
    for d in deadlines.iter_mut() {
        let due = d.due_instant();
        if winners.get(&d.uid).is_some_and(|(_, won)| *won != due) {
            for p in &mut d.provenance {
                p.evidence
                    .get_or_insert_with(|| format!("said due {}", stamp(due)));
            }
        }
    }
}

/// Sources that give one deadline different due times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disagreement {
    /// "Papers due: ICSE 2026".
    pub title: String,
    /// What each source said, the winner first.
    pub said: Vec<(Provenance, DateTime<Utc>)>,
}

/// Every deadline that the sources of `batches` (in configuration order)
/// disagree on, after the identity rule.
#[must_use]
pub fn disagreements(mut batches: Vec<Catalog>) -> Vec<Disagreement> {
    unify(&mut batches);
    let mut by_uid: BTreeMap<String, Vec<(i32, usize, &Deadline)>> = BTreeMap::new();
    for (order, batch) in batches.iter().enumerate() {
        for d in &batch.deadlines {
            by_uid
                .entry(d.uid.clone())
                .or_default()
                .push((d.priority, order, d));
        }
    }
    let mut out = Vec::new();
    for (_, mut copies) in by_uid {
        copies.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let first = copies[0].2.due_instant();
        if copies.iter().all(|(_, _, d)| d.due_instant() == first) {
            continue;
        }
        let mut said: Vec<(Provenance, DateTime<Utc>)> = Vec::new();
        for (_, _, d) in &copies {
            if let Some(p) = d.provenance.first()
                && !said
                    .iter()
                    .any(|(q, t)| q.source == p.source && *t == d.due_instant())
            {
                said.push((p.clone(), d.due_instant()));
            }
        }
        out.push(Disagreement {
            title: copies[0].2.title(),
            said,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merge::{deadline_uid, event_uid, merge};
    use crate::model::{DeadlineKind, When};
    use crate::time::Zone;
    use chrono::NaiveDate;

    fn deadline(title: &str, source: &str, priority: i32, day: u32) -> Deadline {
        let event = event_uid(title, NaiveDate::from_ymd_opt(2026, 1, 1).unwrap());
        Deadline {
            uid: deadline_uid(&event, DeadlineKind::Paper, None),
            event_uid: event,
            event_title: title.to_owned(),
            kind: DeadlineKind::Paper,
            due: When::Date(NaiveDate::from_ymd_opt(2025, 3, day).unwrap()),
            zone: Zone::Aoe,
            label: None,
            url: None,
            tags: vec![],
            priority,
            provenance: vec![Provenance {
                source: source.to_owned(),
                location: format!("{source}.yml:1"),
                evidence: None,
                confidence: None,
            }],
            sequence: 0,
            revision: None,
        }
    }

    fn batch(deadlines: Vec<Deadline>) -> Catalog {
        Catalog {
            events: vec![],
            deadlines,
        }
    }

    #[test]
    fn short_and_long_names_of_one_year_are_one_edition() {
        let merged = merge(vec![
            batch(vec![deadline("ICSE", "ccfddl", 5, 14)]),
            batch(vec![deadline(
                "International Conference on Software Engineering 2026",
                "curated",
                1,
                14,
            )]),
            batch(vec![deadline("ICSE 2026", "announcement", 0, 14)]),
        ]);
        assert_eq!(merged.deadlines.len(), 1, "{:#?}", merged.deadlines);
        let d = &merged.deadlines[0];
        assert_eq!(d.uid, "paper.icse-2026@confcal");
        let sources: Vec<&str> = d.provenance.iter().map(|p| p.source.as_str()).collect();
        assert_eq!(sources, ["ccfddl", "curated", "announcement"]);
    }

    #[test]
    fn names_that_only_look_alike_stay_apart() {
        let merged = merge(vec![
            batch(vec![deadline("ICSE", "a", 0, 14)]),
            batch(vec![deadline(
                "International Conference on Systems",
                "b",
                0,
                14,
            )]),
            batch(vec![deadline("Security Engineering", "c", 0, 14)]),
        ]);
        assert_eq!(merged.deadlines.len(), 3);
    }

    #[test]
    fn the_higher_priority_source_wins_and_the_other_is_kept_and_listed() {
        let batches = vec![
            batch(vec![deadline("ICSE", "ai", 1, 20)]),
            batch(vec![deadline("ICSE 2026", "ccfddl", 5, 14)]),
        ];
        let listed = disagreements(batches.clone());
        assert_eq!(listed.len(), 1);
        let said: Vec<(&str, String)> = listed[0]
            .said
            .iter()
            .map(|(p, t)| (p.source.as_str(), stamp(*t)))
            .collect();
        assert_eq!(
            said,
            [
                ("ccfddl", "2025-03-15 11:59 UTC".to_owned()),
                ("ai", "2025-03-21 11:59 UTC".to_owned())
            ]
        );
        let merged = merge(batches);
        let d = &merged.deadlines[0];
        assert_eq!(d.due.date().to_string(), "2025-03-14");
        assert_eq!(
            d.provenance[1].evidence.as_deref(),
            Some("said due 2025-03-21 11:59 UTC")
        );
    }
}
