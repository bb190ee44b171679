//! Downloading remote sources over HTTP(S) with reqwest, as a good citizen
//! of the web: conditional requests from stored validators, a `User-Agent`
//! naming confcal, timeouts, a body size limit enforced while reading,
//! redirects only to http(s) and only so many, at most `max_in_flight`
//! requests at once and one at a time per host. What to do with a body or a
//! failure is the caller's business; this module only says what happened.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytesize::ByteSize;
use chrono::{DateTime, Utc};
use reqwest::header::{
    ETAG, HeaderMap, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, RETRY_AFTER,
};
use reqwest::{StatusCode, Url, redirect};
use tokio::sync::Semaphore;

use crate::config::Fetch;

/// What a server said about a body, to ask next time whether it changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// A successful answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// A whole body.
    Body {
        bytes: Vec<u8>,
        validators: Validators,
    },
    /// `304 Not Modified`: the stored body is current.
    NotModified,
}

/// When a server asked to be tried again (`Retry-After`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    Seconds(u64),
    At(DateTime<Utc>),
}

impl RetryAfter {
    /// The moment meant, for a request made at `now`.
    #[must_use]
    pub fn until(self, now: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            RetryAfter::Seconds(s) => {
                now + chrono::Duration::seconds(i64::try_from(s).unwrap_or(i64::MAX / 1000))
            }
            RetryAfter::At(at) => at,
        }
    }

    fn parse(headers: &HeaderMap) -> Option<RetryAfter> {
        let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
        if let Ok(seconds) = text.parse() {
            return Some(RetryAfter::Seconds(seconds));
        }
        let at = httpdate::parse_http_date(text).ok()?;
        Some(RetryAfter::At(at.into()))
    }
}

/// Why a download failed, in words for the person who configured it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("cannot set up HTTP: {0}")]
    Client(String),
    #[error("cannot connect: {0}")]
    Connect(String),
    #[error("no answer within {}", humantime::format_duration(*.0))]
    Timeout(Duration),
    #[error("the body stalled: not complete within {} ({received} bytes received)", humantime::format_duration(*.limit))]
    Stalled { limit: Duration, received: usize },
    #[error("the connection broke after {received} bytes of the body: {reason}")]
    Truncated { received: usize, reason: String },
    #[error("HTTP {}{}", .status, status_hint(*.status))]
    Status {
        status: StatusCode,
        retry_after: Option<RetryAfter>,
    },
    #[error("the body is larger than the {limit} limit (`max_body`): stopped reading")]
    TooLarge { limit: ByteSize },
    #[error("redirect refused: {0}")]
    Redirect(String),
    #[error("{0}")]
    Other(String),
}

fn status_hint(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => ": nothing at this URL; check it",
        StatusCode::GONE => ": the feed was removed; update or remove this source",
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
            ": access denied; does the URL need a token?"
        }
        StatusCode::TOO_MANY_REQUESTS => ": the server asks to slow down",
        _ => "",
    }
}

impl FetchError {
    /// When the server asked not to be tried again before.
    #[must_use]
    pub fn retry_after(&self) -> Option<RetryAfter> {
        match self {
            FetchError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// A shared HTTP client with confcal's limits.
#[derive(Debug)]
pub struct Fetcher {
    client: reqwest::Client,
    settings: Fetch,
    in_flight: Arc<Semaphore>,
    hosts: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

/// A request's right to run: its host is free and a slot is taken.
#[derive(Debug)]
pub struct Turn {
    _host: tokio::sync::OwnedMutexGuard<()>,
    _slot: tokio::sync::OwnedSemaphorePermit,
}

/// confcal's `User-Agent`.
pub const USER_AGENT: &str = concat!(
    "confcal/",
    env!("CARGO_PKG_VERSION"),
    " (calendar feed and deadline tracker)"
);

impl Fetcher {
    /// A client with `settings`' timeouts and limits.
    pub fn new(settings: &Fetch) -> Result<Fetcher, FetchError> {
        let max = settings.max_redirects;
        let policy = redirect::Policy::custom(move |attempt| {
            let to = attempt.url().clone();
            if !matches!(to.scheme(), "http" | "https") {
                attempt.error(format!("to `{to}`: only http and https are followed"))
            } else if attempt.previous().contains(&to) {
                attempt.error(format!("a loop: `{to}` redirects back to itself"))
            } else if attempt.previous().len() > max {
                attempt.error(format!("more than {max} redirects, the last to `{to}`"))
            } else {
                attempt.follow()
            }
        });
        let client = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.timeout)
            .redirect(policy)
            .build()
            .map_err(|e| FetchError::Client(cause(&e)))?;
        Ok(Fetcher {
            client,
            settings: settings.clone(),
            in_flight: Arc::new(Semaphore::new(settings.max_in_flight.max(1))),
            hosts: Mutex::new(HashMap::new()),
        })
    }

    /// Waits until `url`'s host has no request in flight and a slot is
    /// free; the turn lasts until dropped.
    pub async fn turn(&self, url: &Url) -> Result<Turn, FetchError> {
        let host = self.host_lock(url).lock_owned().await;
        let slot = Arc::clone(&self.in_flight)
            .acquire_owned()
            .await
            .map_err(|e| FetchError::Other(e.to_string()))?;
        Ok(Turn {
            _host: host,
            _slot: slot,
        })
    }

    /// Downloads `url` in its `turn`, asking only for a changed body when
    /// `validators` are known.
    pub async fn fetch(
        &self,
        _turn: &Turn,
        url: &Url,
        validators: &Validators,
    ) -> Result<Fetched, FetchError> {
        let mut request = self.client.get(url.clone());
        if let Some(etag) = &validators.etag {
            request = request.header(IF_NONE_MATCH, etag);
        }
        if let Some(date) = &validators.last_modified {
            request = request.header(IF_MODIFIED_SINCE, date);
        }
        let response = request.send().await.map_err(|e| self.request_error(&e))?;
        let status = response.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified);
        }
        if status.is_redirection() {
            return Err(unfollowed(url, status, response.headers()));
        }
        if !status.is_success() {
            return Err(FetchError::Status {
                status,
                retry_after: RetryAfter::parse(response.headers()),
            });
        }
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let validators = Validators {
            etag: header(ETAG),
            last_modified: header(LAST_MODIFIED),
        };
        let bytes = self.read_body(response).await?;
        Ok(Fetched::Body { bytes, validators })
    }

    fn host_lock(&self, url: &Url) -> Arc<tokio::sync::Mutex<()>> {
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let mut hosts = self.hosts.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(hosts.entry(host).or_default())
    }

    /// Reads the body, stopping as soon as it passes `max_body`.
    async fn read_body(&self, mut response: reqwest::Response) -> Result<Vec<u8>, FetchError> {
        let limit = self.settings.max_body;
        let too_large = || FetchError::TooLarge {
            limit: ByteSize(limit),
        };
        if response.content_length().is_some_and(|n| n > limit) {
            return Err(too_large());
        }
        let mut body = Vec::new();
        loop {
            let chunk = response.chunk().await.map_err(|e| {
                if e.is_timeout() {
                    FetchError::Stalled {
                        limit: self.settings.timeout,
                        received: body.len(),
                    }
                } else {
                    FetchError::Truncated {
                        received: body.len(),
                        reason: cause(&e),
                    }
                }
            })?;
            let Some(chunk) = chunk else {
                return Ok(body);
            };
            if (body.len() + chunk.len()) as u64 > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
    }

    fn request_error(&self, e: &reqwest::Error) -> FetchError {
        if e.is_redirect() {
            FetchError::Redirect(cause(e))
        } else if e.is_timeout() {
            FetchError::Timeout(self.settings.timeout)
        } else if e.is_connect() {
            FetchError::Connect(cause(e))
        } else {
            FetchError::Other(cause(e))
        }
    }
}

/// A redirect reqwest did not follow: one to a URL it cannot fetch.
fn unfollowed(url: &Url, status: StatusCode, headers: &HeaderMap) -> FetchError {
    let location = headers
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|l| url.join(l).ok());
    match location {
        Some(to) if !matches!(to.scheme(), "http" | "https") => FetchError::Redirect(format!(
            "to `{}`: only http and https are followed",
            crate::config::redacted(&to)
        )),
        Some(to) => FetchError::Redirect(format!(
            "HTTP {status} to `{}` was not followed",
            crate::config::redacted(&to)
        )),
        None => FetchError::Redirect(format!("HTTP {status} without a usable `Location`")),
    }
}

/// The innermost cause of an error: the words that say what went wrong
/// ("Connection refused"), not the layers it passed through.
fn cause(e: &reqwest::Error) -> String {
    let mut innermost: &dyn std::error::Error = e;
    while let Some(source) = innermost.source() {
        innermost = source;
    }
    innermost.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_takes_seconds_or_a_date() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, "120".parse().unwrap());
        let now: DateTime<Utc> = "2026-11-21T10:00:00Z".parse().unwrap();
        let until = RetryAfter::parse(&headers).unwrap().until(now);
        assert_eq!(
            until,
            "2026-11-21T10:02:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        headers.insert(
            RETRY_AFTER,
            "Sat, 21 Nov 2026 12:00:00 GMT".parse().unwrap(),
        );
        let until = RetryAfter::parse(&headers).unwrap().until(now);
        assert_eq!(
            until,
            "2026-11-21T12:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
    }
}
