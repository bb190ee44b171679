//! The watch list (`[watch]` in `config.toml`): the conferences someone
//! follows. It narrows the reminders, `/watched.ics` and `upcoming
//! --watched`, and decides which new calls for papers are announced.
//!
//! An item is watched when it matches any of `tags`, `ranks` (tags such as
//! `ccf-a`, `core-a*`), `names` (the words of a name in the title: `ICSE`
//! covers "ICSE 2026", `pycon` covers `PyCon US 2026`) or `sources`, and
//! none of `exclude` (tags or names). An empty watch list watches
//! everything.

use std::borrow::Cow;

use serde::Deserialize;

use crate::merge::slug;
use crate::model::{Catalog, Deadline, Event, Provenance};

/// `[watch]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Watch {
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub names: Vec<String>,
    #[serde(default)]
    pub ranks: Vec<String>,
    #[serde(default)]
    pub sources: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
}

impl Watch {
    /// Whether the list narrows nothing.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.includes_nothing() && self.exclude.is_empty()
    }

    fn includes_nothing(&self) -> bool {
        self.tags.is_empty()
            && self.names.is_empty()
            && self.ranks.is_empty()
            && self.sources.is_empty()
    }

    /// Whether an item titled `title` with `tags`, stated by the sources of
    /// `provenance`, is watched.
    #[must_use]
    pub fn covers(&self, title: &str, tags: &[String], provenance: &[Provenance]) -> bool {
        let tagged = |list: &[String]| {
            list.iter()
                .any(|w| tags.iter().any(|t| t.eq_ignore_ascii_case(w)))
        };
        let named = |list: &[String]| list.iter().any(|n| name_in(n, title));
        if tagged(&self.exclude) || named(&self.exclude) {
            return false;
        }
        self.includes_nothing()
            || tagged(&self.tags)
            || tagged(&self.ranks)
            || named(&self.names)
            || provenance.iter().any(|p| self.sources.contains(&p.source))
    }

    #[must_use]
    pub fn covers_deadline(&self, deadline: &Deadline) -> bool {
        self.covers(&deadline.event_title, &deadline.tags, &deadline.provenance)
    }

    #[must_use]
    pub fn covers_event(&self, event: &Event) -> bool {
        self.covers(&event.title, &event.tags, &event.provenance)
    }

    /// The watched part of `catalog` (all of it for an empty list).
    #[must_use]
    pub fn narrow<'a>(&self, catalog: &'a Catalog) -> Cow<'a, Catalog> {
        if self.is_empty() {
            return Cow::Borrowed(catalog);
        }
        Cow::Owned(Catalog {
            events: catalog
                .events
                .iter()
                .filter(|e| self.covers_event(e))
                .cloned()
                .collect(),
            deadlines: catalog
                .deadlines
                .iter()
                .filter(|d| self.covers_deadline(d))
                .cloned()
                .collect(),
        })
    }
}

/// Whether the words of `name` appear, in order and together, among the
/// words of `title`.
fn name_in(name: &str, title: &str) -> bool {
    let wanted = slug(name);
    if wanted.is_empty() {
        return false;
    }
    let have = slug(title);
    have == wanted
        || have.starts_with(&format!("{wanted}-"))
        || have.ends_with(&format!("-{wanted}"))
        || have.contains(&format!("-{wanted}-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(tags: &[&str], names: &[&str], ranks: &[&str], exclude: &[&str]) -> Watch {
        let owned = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect();
        Watch {
            tags: owned(tags),
            names: owned(names),
            ranks: owned(ranks),
            sources: vec![],
            exclude: owned(exclude),
        }
    }

    #[test]
    fn names_tags_and_ranks_widen_exclude_narrows() {
        let tags = |t: &[&str]| t.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let w = list(
            &["security"],
            &["ICSE", "pycon"],
            &["core-a*"],
            &["workshop"],
        );
        assert!(w.covers("ICSE 2026", &tags(&["se"]), &[]));
        assert!(w.covers("PyCon US 2026", &[], &[]));
        assert!(!w.covers("PyConf Hyderabad 2026", &[], &[]));
        assert!(w.covers("NDSS 2026", &tags(&["Security"]), &[]));
        assert!(w.covers("CVPR 2026", &tags(&["ai", "CORE-A*"]), &[]));
        assert!(!w.covers("CVPR 2026", &tags(&["core-a*", "workshop"]), &[]));
        assert!(!w.covers("KVM Forum 2015", &tags(&["virtualization"]), &[]));
        assert!(Watch::default().covers("KVM Forum 2015", &[], &[]));
    }
}
