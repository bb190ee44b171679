//! What a file's events needed to be read: the ones repaired (read past
//! a fault, as other clients do) and the ones skipped, each named by its
//! line and UID, grouped by what was wrong, so that a file of ten thousand
//! such events still makes one summary, not ten thousand lines.

use std::fmt::Write as _;

/// The events of one file that were repaired or skipped.
#[derive(Debug, Default)]
pub(super) struct Notes {
    repaired: Groups,
    skipped: Groups,
}

/// Events by what was wrong with them, in the order first met.
#[derive(Debug, Default)]
struct Groups(Vec<(String, Vec<Mention>)>);

/// An event: the line of its `BEGIN:VEVENT` and its UID when it has one.
#[derive(Debug, Clone)]
struct Mention {
    line: usize,
    uid: Option<String>,
}

impl Notes {
    /// Notes that the event at `line` was read past `what`.
    pub(super) fn repaired(&mut self, line: usize, uid: Option<&str>, what: String) {
        self.repaired.add(line, uid, what);
    }

    /// Notes that the event at `line` was skipped, and why.
    pub(super) fn skipped(&mut self, line: usize, uid: Option<&str>, why: String) {
        self.skipped.add(line, uid, why);
    }

    /// The summary of the repaired events, if there were any.
    pub(super) fn repairs(&self) -> Option<String> {
        self.repaired.summary("repaired")
    }

    /// The summary of the skipped events, if there were any.
    pub(super) fn skips(&self) -> Option<String> {
        self.skipped.summary("skipped")
    }
}

impl Groups {
    fn add(&mut self, line: usize, uid: Option<&str>, what: String) {
        let mention = Mention {
            line,
            uid: uid.map(str::to_owned),
        };
        match self.0.iter_mut().find(|(w, _)| *w == what) {
            Some((_, mentions)) => {
                if mentions.last().is_none_or(|m| m.line != line) {
                    mentions.push(mention);
                }
            }
            None => self.0.push((what, vec![mention])),
        }
    }

    /// "3 events repaired — why: line 4 `a@x`, line 9 — why: line 12".
    fn summary(&self, done: &str) -> Option<String> {
        if self.0.is_empty() {
            return None;
        }
        let mut lines: Vec<usize> = self
            .0
            .iter()
            .flat_map(|(_, m)| m.iter().map(|m| m.line))
            .collect();
        lines.sort_unstable();
        lines.dedup();
        let mut out = match lines.len() {
            1 => format!("1 event {done}"),
            n => format!("{n} events {done}"),
        };
        for (what, mentions) in &self.0 {
            let _ = write!(out, " — {what}: ");
            for (i, m) in mentions.iter().enumerate() {
                let sep = if i == 0 { "" } else { ", " };
                let _ = match &m.uid {
                    Some(uid) => write!(out, "{sep}line {} `{uid}`", m.line),
                    None => write!(out, "{sep}line {}", m.line),
                };
            }
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_grouped_by_what_was_wrong() {
        let mut notes = Notes::default();
        notes.repaired(4, None, "it has no UID".into());
        notes.repaired(9, Some("b@t"), "its end is before its start".into());
        notes.repaired(12, None, "it has no UID".into());
        notes.repaired(12, None, "its end is before its start".into());
        assert_eq!(
            notes.repairs().as_deref(),
            Some(
                "3 events repaired — it has no UID: line 4, line 12 — its end is before its start: line 9 `b@t`, line 12"
            )
        );
        assert_eq!(notes.skips(), None);
        notes.skipped(20, Some("c@t"), "it has no DTSTART".into());
        assert_eq!(
            notes.skips().as_deref(),
            Some("1 event skipped — it has no DTSTART: line 20 `c@t`")
        );
    }
}
