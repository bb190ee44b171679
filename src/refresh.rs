//! The fetch stage of the pipeline: which remote sources are due, fetching
//! them concurrently, checking that a new body parses before it replaces
//! the last good one, and recording every outcome in the [`Store`]. A
//! failure never loses the stored copy; it only marks it stale.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use reqwest::Url;
use tokio::task::JoinSet;

use crate::config::{Config, SourceConfig, SourceLocation};
use crate::schedule::next_due;
use crate::sources::fetch::{FetchError, Fetched, Fetcher, RetryAfter, Validators};
use crate::sources::{Zones, parse_body};
use crate::store::{GoodBody, Records, SourceRecord, Store, StoreError, sha256};

/// A remote source and the URL it is fetched from.
#[derive(Debug, Clone, Copy)]
pub struct Remote<'a> {
    pub source: &'a SourceConfig,
    pub url: &'a Url,
}

/// The enabled remote sources of `config`, in its order.
pub fn remotes(config: &Config) -> impl Iterator<Item = Remote<'_>> {
    config
        .sources
        .iter()
        .filter(|s| s.enabled)
        .filter_map(|source| match &source.location {
            SourceLocation::Url(url) => Some(Remote { source, url }),
            SourceLocation::Path(_) => None,
        })
}

/// The stored record of `remote`, if it is for the same URL.
#[must_use]
pub fn record_of<'a>(records: &'a Records, remote: Remote<'_>) -> Option<&'a SourceRecord> {
    records
        .get(&remote.source.name)
        .filter(|r| r.url == remote.url.as_str())
}

/// When `remote` is next due, from its stored history.
#[must_use]
pub fn due_at(config: &Config, records: &Records, remote: Remote<'_>) -> Option<DateTime<Utc>> {
    let history = record_of(records, remote)
        .map(SourceRecord::history)
        .unwrap_or_default();
    next_due(
        config.refresh_of(remote.source),
        config.default_timezone,
        &history,
        &remote.source.name,
    )
}

/// The remote sources due at `now`.
pub fn due<'a>(config: &'a Config, records: &Records, now: DateTime<Utc>) -> Vec<Remote<'a>> {
    remotes(config)
        .filter(|r| due_at(config, records, *r).is_some_and(|at| at <= now))
        .collect()
}

/// How a source's refresh ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// A new body was downloaded and stored.
    Fresh,
    /// The stored body is still current.
    NotModified,
    /// The fetch failed; the stored copy stays in use.
    Stale { since: DateTime<Utc>, error: String },
    /// The fetch failed and there is no stored copy.
    Failed { error: String },
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::Fresh => f.write_str("fresh"),
            Status::NotModified => f.write_str("not modified"),
            Status::Stale { since, error } => {
                write!(f, "stale since {}: {error}", crate::time::stamp(*since))
            }
            Status::Failed { error } => write!(f, "failed: {error}"),
        }
    }
}

impl Status {
    /// Whether this is a failure.
    #[must_use]
    pub fn failed(&self) -> bool {
        matches!(self, Status::Stale { .. } | Status::Failed { .. })
    }
}

/// The outcome of refreshing one source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub name: String,
    pub status: Status,
    /// What the body now in use holds.
    pub events: u64,
    pub deadlines: u64,
    pub bytes: u64,
    pub elapsed: Duration,
    /// Problems in a body that was still used (a bad event among good ones).
    pub warnings: Vec<String>,
}

/// Why a refresh could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What one download and check came to, before it is stored.
enum Attempt {
    New {
        bytes: Vec<u8>,
        validators: Validators,
        events: usize,
        deadlines: usize,
        warnings: Vec<String>,
    },
    /// `304 Not Modified`.
    Unchanged,
    /// The same bytes again, perhaps with new validators: no need to parse.
    Same {
        bytes: Vec<u8>,
        validators: Validators,
    },
    Failed {
        error: String,
        retry_after: Option<RetryAfter>,
    },
}

/// Fetches `targets` concurrently within the configured limits, stores
/// each outcome as it comes in (one transaction each), calls `progress`
/// with each report, and returns the reports in `targets`' order.
pub async fn refresh(
    config: &Config,
    targets: &[Remote<'_>],
    store: &mut Store,
    now: DateTime<Utc>,
    mut progress: impl FnMut(&Report),
) -> Result<Vec<Report>, RefreshError> {
    let fetcher = Arc::new(Fetcher::new(&config.fetch)?);
    let records = store.records()?;
    let zones = Zones {
        default: config.default_timezone,
        deadline: config.deadline_timezone,
    };
    let mut tasks = JoinSet::new();
    for (index, remote) in targets.iter().enumerate() {
        let stored = record_of(&records, *remote).cloned();
        let job = Job {
            source: remote.source.clone(),
            url: remote.url.clone(),
            stored,
            zones,
        };
        let fetcher = Arc::clone(&fetcher);
        tasks.spawn(async move {
            let (attempt, elapsed) = job.run(fetcher).await;
            (index, attempt, elapsed)
        });
    }
    let mut reports: Vec<Option<Report>> = vec![None; targets.len()];
    while let Some(joined) = tasks.join_next().await {
        let Ok((index, attempt, elapsed)) = joined else {
            continue;
        };
        let remote = targets[index];
        let stored = record_of(&records, remote);
        let report = record(store, remote, stored, attempt, now, elapsed);
        progress(&report);
        reports[index] = Some(report);
    }
    Ok(reports.into_iter().flatten().collect())
}

/// One source's download and check, run as its own task.
struct Job {
    source: SourceConfig,
    url: Url,
    stored: Option<SourceRecord>,
    zones: Zones,
}

impl Job {
    async fn run(self, fetcher: Arc<Fetcher>) -> (Attempt, Duration) {
        let turn = fetcher.turn(&self.url).await;
        let started = Instant::now();
        let stored = self.stored.as_ref().filter(|r| r.has_body());
        let validators = stored.map_or_else(Validators::default, |r| Validators {
            etag: r.etag.clone(),
            last_modified: r.last_modified.clone(),
        });
        let answer = match &turn {
            Ok(turn) => fetcher.fetch(turn, &self.url, &validators).await,
            Err(e) => Err(e.clone()),
        };
        drop(turn);
        let attempt = match answer {
            Ok(Fetched::NotModified) if stored.is_some() => Attempt::Unchanged,
            Ok(Fetched::NotModified) => Attempt::Failed {
                error: "the server answered 304 Not Modified, but no copy is stored".to_owned(),
                retry_after: None,
            },
            Ok(Fetched::Body { bytes, validators }) => {
                let same = stored.and_then(|r| r.body_sha256.as_deref()) == Some(&sha256(&bytes));
                if same {
                    Attempt::Same { bytes, validators }
                } else {
                    self.check(bytes, validators).await
                }
            }
            Err(e) => Attempt::Failed {
                retry_after: e.retry_after(),
                error: e.to_string(),
            },
        };
        (attempt, started.elapsed())
    }

    /// Parses a new body off the async threads; it is accepted unless it
    /// yields nothing but problems.
    async fn check(self, bytes: Vec<u8>, validators: Validators) -> Attempt {
        let parsed = tokio::task::spawn_blocking(move || {
            let shown = crate::config::redacted(&self.url);
            let loaded = parse_body(&self.source, Path::new(&shown), &bytes, self.zones);
            (loaded, bytes)
        })
        .await;
        let Ok((loaded, bytes)) = parsed else {
            return Attempt::Failed {
                error: "reading the body failed unexpectedly".to_owned(),
                retry_after: None,
            };
        };
        let warnings: Vec<String> = loaded.problems.iter().map(ToString::to_string).collect();
        let catalog = loaded.catalog;
        if catalog.events.is_empty() && catalog.deadlines.is_empty() && !warnings.is_empty() {
            return Attempt::Failed {
                error: unusable(&warnings),
                retry_after: None,
            };
        }
        Attempt::New {
            bytes,
            validators,
            events: catalog.events.len(),
            deadlines: catalog.deadlines.len(),
            warnings,
        }
    }
}

fn unusable(problems: &[String]) -> String {
    match problems {
        [one] => format!("the body is unusable: {one}"),
        [first, second] => format!("the body is unusable: {first} (and 1 more problem: {second})"),
        [first, rest @ ..] => format!(
            "the body is unusable: {first} (and {} more problems)",
            rest.len()
        ),
        [] => "the body is unusable".to_owned(),
    }
}

/// Stores one attempt's outcome and says what it came to.
fn record(
    store: &mut Store,
    remote: Remote<'_>,
    stored: Option<&SourceRecord>,
    attempt: Attempt,
    now: DateTime<Utc>,
    elapsed: Duration,
) -> Report {
    let (name, url) = (remote.source.name.as_str(), remote.url.as_str());
    let mut report = Report {
        name: name.to_owned(),
        status: Status::NotModified,
        events: stored.map_or(0, |r| r.events),
        deadlines: stored.map_or(0, |r| r.deadlines),
        bytes: stored.map_or(0, |r| r.body_len),
        elapsed,
        warnings: Vec::new(),
    };
    let saved = match attempt {
        Attempt::Unchanged => store.save_unchanged(name, url, now),
        Attempt::Same { bytes, validators } => {
            let good = GoodBody {
                body: &bytes,
                etag: validators.etag.as_deref(),
                last_modified: validators.last_modified.as_deref(),
                events: usize::try_from(report.events).unwrap_or(usize::MAX),
                deadlines: usize::try_from(report.deadlines).unwrap_or(usize::MAX),
            };
            store.save_body(name, url, good, now)
        }
        Attempt::New {
            bytes,
            validators,
            events,
            deadlines,
            warnings,
        } => {
            report.status = Status::Fresh;
            (report.events, report.deadlines) = (events as u64, deadlines as u64);
            report.bytes = bytes.len() as u64;
            report.warnings = warnings;
            let good = GoodBody {
                body: &bytes,
                etag: validators.etag.as_deref(),
                last_modified: validators.last_modified.as_deref(),
                events,
                deadlines,
            };
            store.save_body(name, url, good, now)
        }
        Attempt::Failed { error, retry_after } => {
            report.status = match stored.filter(|r| r.has_body()) {
                Some(r) => Status::Stale {
                    since: r.failing_since.unwrap_or(now),
                    error: error.clone(),
                },
                None => Status::Failed {
                    error: error.clone(),
                },
            };
            let until = retry_after.map(|r| r.until(now));
            store.save_failure(name, url, &error, until, now)
        }
    };
    if let Err(e) = saved {
        report.status = Status::Failed {
            error: format!("could not store the outcome: {e}"),
        };
    }
    report
}
