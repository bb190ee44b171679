//! One pass of the pipeline: read every enabled source of a configuration
//! and merge what they hold into a [`Catalog`], keeping each source's
//! problems beside it. One broken source never stops the others.

use std::fmt;

use crate::config::Config;
use crate::merge::merge;
use crate::model::Catalog;
use crate::sources::{self, SourceError, Zones};

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

/// Reads every enabled source of `config` and merges them.
#[must_use]
pub fn load_all(config: &Config) -> Loaded {
    let mut batches = Vec::with_capacity(config.sources.len());
    let mut problems = Vec::new();
    for source in config.sources.iter().filter(|s| s.enabled) {
        let loaded = sources::load(source, zones(config));
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
