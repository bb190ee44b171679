//! One pass of the pipeline: read every enabled source of a configuration
//! — local ones from disk, remote ones from their stored copies — and merge
//! what they hold into a [`Catalog`], keeping each source's problems beside
//! it. One broken source never stops the others.

use std::fmt;
use std::path::Path;

use crate::config::{Config, SourceConfig, SourceLocation};
use crate::merge::merge;
use crate::model::Catalog;
use crate::refresh::{record_of, remotes};
use crate::sources::{self, SourceError, Zones};
use crate::store::{Records, Store, StoreError};

/// Reads the stored copy, with its body, of every enabled remote source
/// of `config`.
pub fn stored(config: &Config, store: &Store) -> Result<Records, StoreError> {
    let mut copies = Records::new();
    for remote in remotes(config) {
        if let Some(record) = store.record(&remote.source.name)? {
            copies.insert(record.name.clone(), record);
        }
    }
    Ok(copies)
}

/// A problem met while reading one source.
#[derive(Debug)]
pub struct Problem {
    /// The `name` of the source.
    pub source: String,
    pub error: SourceError,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "source `{}`: {}", self.source, self.error)
    }
}

/// The merged catalog and every problem met on the way.
#[derive(Debug, Default)]
pub struct Loaded {
    pub catalog: Catalog,
    pub problems: Vec<Problem>,
}

/// The zones of `config` that sources read times with.
#[must_use]
pub fn zones(config: &Config) -> Zones {
    Zones {
        default: config.default_timezone,
        deadline: config.deadline_timezone,
    }
}

/// Reads every enabled source of `config`, remote ones from `stored`, and
/// merges them.
#[must_use]
pub fn load_all(config: &Config, stored: &Records) -> Loaded {
    let mut batches = Vec::with_capacity(config.sources.len());
    let mut problems = Vec::new();
    for source in config.sources.iter().filter(|s| s.enabled) {
        let loaded = load_one(source, stored, zones(config));
        problems.extend(loaded.problems.into_iter().map(|error| Problem {
            source: source.name.clone(),
            error,
        }));
        batches.push(loaded.catalog);
    }
    Loaded {
        catalog: merge(batches),
        problems,
    }
}

/// Reads one source: a local one from disk, a remote one from its stored
/// copy, which is marked stale while fetches of it fail.
#[must_use]
pub fn load_one(source: &SourceConfig, stored: &Records, zones: Zones) -> sources::Loaded {
    let SourceLocation::Url(url) = &source.location else {
        return sources::load(source, zones);
    };
    let remote = crate::refresh::Remote { source, url };
    let Some(record) = record_of(stored, remote) else {
        return sources::failed(SourceError::NotFetched);
    };
    let Some(body) = &record.body else {
        let error = record.last_error.clone().unwrap_or_default();
        return sources::failed(SourceError::NoCopy(error));
    };
    let shown = crate::config::redacted(url);
    let mut loaded = sources::parse_body(source, Path::new(&shown), body, zones);
    if let (Some(since), Some(fetched), Some(error)) = (
        record.failing_since,
        record.body_fetched,
        &record.last_error,
    ) {
        loaded.problems.push(SourceError::Stale {
            since,
            fetched,
            error: error.clone(),
        });
    }
    loaded
}
