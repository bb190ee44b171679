//! Sources: reading each kind of configured source into events and
//! deadlines. One file per source kind; a broken file is reported with its
//! place and never stops the rest from loading.

pub mod announcement;
pub mod curated;
pub mod feed;
pub mod fetch;
pub mod ics;
pub mod trackers;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::config::{SourceConfig, SourceKind, SourceLocation};
use crate::model::Catalog;
use crate::place::Placed;
use crate::time::{Zone, stamp};

/// A problem with one source's data.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("cannot read `{}`: {source}", .path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Invalid(#[from] Placed),
    #[error("`{}` holds no `.{}` files", .0.display(), .1)]
    Empty(PathBuf, String),
    #[error("`{}`: {reason}", .path.display())]
    Unusable { path: PathBuf, reason: String },
    /// Events of a file that could not be read, summed up.
    #[error("`{}`: {summary}", .path.display())]
    Skipped { path: PathBuf, summary: String },
    /// Events of a file read past a fault, summed up: a warning.
    #[error("`{}`: {summary}", .path.display())]
    Repaired { path: PathBuf, summary: String },
    #[error("sources of kind `{}` are not supported by this version of confcal", .0.name())]
    UnsupportedKind(SourceKind),
    #[error("stale since {}: {error}; using the copy fetched {}", stamp(*.since), stamp(*.fetched))]
    Stale {
        since: DateTime<Utc>,
        fetched: DateTime<Utc>,
        error: String,
    },
    #[error("no copy yet: the last fetch failed: {0}")]
    NoCopy(String),
    #[error("not fetched yet: run `confcal refresh`")]
    NotFetched,
    #[error("{0} deadline{s} not known yet (`TBD`, `TBA`): left out", s = if *.0 == 1 { " is" } else { "s are" })]
    Unknown(usize),
    #[error("its stored copy cannot be read: {0}")]
    NoState(String),
    #[error("{place}: `{what}` {verb} {}, past 9999-12-31, the last day a feed can hold; left out", stamp(*.at))]
    PastYear9999 {
        place: String,
        what: String,
        verb: &'static str,
        at: DateTime<Utc>,
    },
}

impl SourceError {
    /// Whether this only says what was left out on purpose, not that
    /// something is wrong.
    #[must_use]
    pub fn is_note(&self) -> bool {
        matches!(self, SourceError::Unknown(_))
    }

    /// Whether this says only what was read past: everything it names was
    /// still read.
    #[must_use]
    pub fn is_repair(&self) -> bool {
        matches!(self, SourceError::Repaired { .. })
    }
}

/// What one source yielded: whatever could be read, and every problem met.
#[derive(Debug, Default)]
pub struct Loaded {
    pub catalog: Catalog,
    pub problems: Vec<SourceError>,
}

/// The configured zones every source reads times with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zones {
    /// `default_timezone`: floating times and the user's own.
    pub default: Zone,
    /// `deadline_timezone`: deadlines that state no zone.
    pub deadline: Zone,
}

/// Reads a local source. A remote one has no local data: see
/// [`parse_body`].
#[must_use]
pub fn load(source: &SourceConfig, zones: Zones) -> Loaded {
    let path = match &source.location {
        SourceLocation::Path(path) => path,
        SourceLocation::Url(_) => return failed(SourceError::NotFetched),
    };
    let loaded = match source.kind {
        SourceKind::Curated => curated::load(source, path, zones.deadline),
        SourceKind::Ics => ics::load(source, path, zones),
        SourceKind::Announcement | SourceKind::Rss => announcement::load(source, path, zones),
        _ => trackers::load(source, path, zones),
    };
    within_four_digit_years(loaded, zones.default)
}

/// Reads one downloaded (or stored) body of `source`; `origin` names it
/// in messages.
#[must_use]
pub fn parse_body(source: &SourceConfig, origin: &Path, bytes: &[u8], zones: Zones) -> Loaded {
    within_four_digit_years(parse_any(source, origin, bytes, zones), zones.default)
}

/// The last second an iCalendar or JSON date can write: 9999-12-31
/// 23:59:59 UTC.
const LATEST: i64 = 253_402_300_799;

/// `loaded` without the events that end and the deadlines that fall after
/// year 9999, each reported: their dates cannot be written in a feed.
fn within_four_digit_years(mut loaded: Loaded, local: Zone) -> Loaded {
    let place = |provenance: &[crate::model::Provenance]| {
        provenance
            .first()
            .map_or_else(String::new, |p| p.location.clone())
    };
    let problems = &mut loaded.problems;
    loaded.catalog.events.retain(|event| {
        let end = event.span(local).1;
        let fits = end.timestamp() <= LATEST;
        if !fits {
            problems.push(SourceError::PastYear9999 {
                place: place(&event.provenance),
                what: event.title.clone(),
                verb: "ends",
                at: end,
            });
        }
        fits
    });
    loaded.catalog.deadlines.retain(|deadline| {
        let due = deadline.due_instant();
        let fits = due.timestamp() <= LATEST;
        if !fits {
            problems.push(SourceError::PastYear9999 {
                place: place(&deadline.provenance),
                what: deadline.title(),
                verb: "is due",
                at: due,
            });
        }
        fits
    });
    loaded
}

fn parse_any(source: &SourceConfig, origin: &Path, bytes: &[u8], zones: Zones) -> Loaded {
    match source.kind {
        SourceKind::Ics => ics::parse(source, origin, bytes, zones),
        SourceKind::Announcement | SourceKind::Rss => {
            announcement::parse(source, origin, bytes, zones)
        }
        SourceKind::Curated => match std::str::from_utf8(bytes) {
            Ok(text) => curated::parse(source, origin, text, zones.deadline),
            Err(e) => failed(SourceError::Unusable {
                path: origin.to_owned(),
                reason: format!("not UTF-8 text: {e}"),
            }),
        },
        _ => trackers::parse(source, origin, bytes, zones),
    }
}

pub(crate) fn failed(error: SourceError) -> Loaded {
    Loaded {
        catalog: Catalog::default(),
        problems: vec![error],
    }
}

/// The files a source path names: the file itself, or the files with
/// `extension` in the folder, sorted by name.
pub(crate) fn files_in(path: &Path, extension: &'static str) -> Result<Vec<PathBuf>, SourceError> {
    files_in_any(path, &[extension])
}

/// Like [`files_in`], for files with any of `extensions`.
pub(crate) fn files_in_any(
    path: &Path,
    extensions: &[&'static str],
) -> Result<Vec<PathBuf>, SourceError> {
    let read_err = |source| SourceError::Read {
        path: path.to_owned(),
        source,
    };
    if !path.is_dir() {
        std::fs::metadata(path).map_err(read_err)?;
        return Ok(vec![path.to_owned()]);
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).map_err(read_err)? {
        let file = entry.map_err(read_err)?.path();
        if file.is_file() && has_extension(&file, extensions) {
            files.push(file);
        }
    }
    found_files(path, files, extensions)
}

/// Whether `file` ends in one of `extensions`, in any case.
pub(crate) fn has_extension(file: &Path, extensions: &[&str]) -> bool {
    file.extension()
        .is_some_and(|e| extensions.iter().any(|x| e.eq_ignore_ascii_case(x)))
}

/// The files found in the folder `path`, sorted, or the error that it
/// holds none with one of `extensions`.
pub(crate) fn found_files(
    path: &Path,
    mut files: Vec<PathBuf>,
    extensions: &[&str],
) -> Result<Vec<PathBuf>, SourceError> {
    files.sort();
    if files.is_empty() {
        return Err(SourceError::Empty(
            path.to_owned(),
            extensions.join("`, `."),
        ));
    }
    Ok(files)
}
