//! The daemon's view of the world at one moment: the configuration it ran
//! with, the merged catalog and the health of every source. A snapshot is
//! built whole and never changed; the daemon swaps a new one in, so a
//! reader (the HTTP server, the reminder timer) sees one refresh or the
//! next, never half of one.

use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::config::{Config, SourceConfig, SourceLocation};
use crate::load::Problem;
use crate::model::Catalog;
use crate::store::{SourceRecord, Undelivered};

/// One immutable state of the daemon.
#[derive(Debug)]
pub struct Snapshot {
    /// Counts up by one with every snapshot the daemon builds.
    pub generation: u64,
    /// When this snapshot was built.
    pub built_at: DateTime<Utc>,
    /// When the catalog last changed: the feed's `DTSTAMP` and the HTTP
    /// `Last-Modified`. A rebuild that finds the same catalog keeps it.
    pub changed_at: DateTime<Utc>,
    pub config: Arc<Config>,
    pub catalog: Catalog,
    /// Every enabled source, in configuration order.
    pub sources: Vec<SourceHealth>,
    /// The notices a notifier could never deliver.
    pub undelivered: Vec<Undelivered>,
}

/// How one source is doing, as `/healthz` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceHealth {
    pub name: String,
    pub kind: &'static str,
    /// The path it is read from, or the scheme and host of its URL.
    pub location: String,
    pub status: Health,
    /// For a remote source: when its stored copy was fetched (RFC 3339).
    pub fetched: Option<String>,
    /// For a remote source: the last time a fetch succeeded or was answered
    /// "not modified".
    pub last_success: Option<String>,
    /// For a remote source: since when fetches have failed.
    pub failing_since: Option<String>,
    pub last_error: Option<String>,
    /// Problems met reading it (`file:line` and what was wrong).
    pub problems: Vec<String>,
}

/// A source's state in one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    /// Read without problems, and fresh if remote.
    Ok,
    /// Read, with problems in some of what it holds.
    Problems,
    /// Remote, fetches failing, its last good copy in use.
    Stale,
    /// Nothing of it could be read.
    Failed,
}

impl SourceHealth {
    /// The health of `source`, from the problems met loading it and, for a
    /// remote source, its stored record.
    #[must_use]
    pub fn of(source: &SourceConfig, problems: &[Problem], record: Option<&SourceRecord>) -> Self {
        let location = match &source.location {
            SourceLocation::Path(path) => path.display().to_string(),
            // Private feed URLs carry their secret in the path or query,
            // and /healthz needs no token: the host is enough.
            SourceLocation::Url(url) => format!("{}/…", url.origin().ascii_serialization()),
        };
        let hide = |text: String| match &source.location {
            SourceLocation::Url(url) => text
                .replace(url.as_str(), &location)
                .replace(&crate::config::redacted(url), &location),
            SourceLocation::Path(_) => text,
        };
        let problems: Vec<String> = problems
            .iter()
            .filter(|p| p.source == source.name)
            .map(|p| hide(p.error.to_string()))
            .collect();
        let remote = matches!(source.location, SourceLocation::Url(_));
        let has_copy = record.is_some_and(SourceRecord::has_body);
        let failing = record.and_then(|r| r.failing_since).is_some();
        let status = match () {
            () if remote && !has_copy => Health::Failed,
            () if failing => Health::Stale,
            () if problems.is_empty() => Health::Ok,
            () => Health::Problems,
        };
        SourceHealth {
            name: source.name.clone(),
            kind: source.kind.name(),
            status,
            fetched: record.and_then(|r| r.body_fetched).map(rfc3339),
            last_success: record.and_then(|r| r.last_success).map(rfc3339),
            failing_since: record.and_then(|r| r.failing_since).map(rfc3339),
            last_error: record.and_then(|r| r.last_error.clone()).map(hide),
            problems,
            location,
        }
    }
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}
