//! The daemon's HTTP face: `/calendar.ics`, `/deadlines.ics`, `/events.ics`,
//! `/upcoming.json` and `/healthz`, served over whichever [`Snapshot`] the
//! daemon last published. Each request takes one snapshot and reads only
//! it. This module owns the routes, their `kind`/`tag`/`source` filters, the
//! token check, conditional requests (`ETag`, `If-None-Match`), gzip, and a
//! cache of rendered bodies that lives as long as one snapshot generation.
//! `/upcoming.json` starts its window at the current minute, so every
//! request in one minute shares one window and one cached body.

mod listen;

pub use listen::{Limits, serve};

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use flate2::Compression;
use flate2::write::GzEncoder;
use serde::Serialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tokio::sync::{OnceCell, watch};

use crate::config::Config;
use crate::feed::{self, FeedOptions};
use crate::model::{Catalog, Provenance};
use crate::query::{self, Filter, JsonItem, KindFilter, UnknownKindFilter, Window};
use crate::snapshot::{Health, Snapshot, SourceHealth};
use crate::store::Undelivered;
use crate::time::Clock;

/// The routes over the snapshots the daemon publishes.
pub fn router(snapshots: watch::Receiver<Arc<Snapshot>>, clock: Clock) -> Router {
    routes(Arc::new(Shared::new(snapshots, clock)))
}

fn routes(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/calendar.ics", get(calendar))
        .route("/deadlines.ics", get(deadlines))
        .route("/events.ics", get(events))
        .route("/watched.ics", get(watched))
        .route("/upcoming.json", get(upcoming))
        .route("/healthz", get(healthz))
        .fallback(not_found)
        .with_state(shared)
}

/// What every request reads: the published snapshots, the clock and the
/// rendered bodies.
struct Shared {
    snapshots: watch::Receiver<Arc<Snapshot>>,
    clock: Clock,
    cache: Cache,
}

/// A request past the token check, with its snapshot and filters.
struct Admitted {
    snapshot: Arc<Snapshot>,
    params: Params,
    selection: Selection,
}

impl Shared {
    fn new(snapshots: watch::Receiver<Arc<Snapshot>>, clock: Clock) -> Shared {
        Shared {
            snapshots,
            clock,
            cache: Cache::default(),
        }
    }

    /// Takes the current snapshot (once per request), checks the token and
    /// reads the filters.
    fn admit(&self, query: Option<&str>) -> Result<Admitted, Rejection> {
        let snapshot = Arc::clone(&self.snapshots.borrow());
        let params = Params::parse(query);
        authorize(&snapshot.config, &params)?;
        let selection = Selection::parse(&params)?;
        Ok(Admitted {
            snapshot,
            params,
            selection,
        })
    }

    async fn feed(
        &self,
        route: Route,
        query: Option<&str>,
        headers: &HeaderMap,
    ) -> Result<Response, Rejection> {
        let Admitted {
            snapshot,
            selection,
            ..
        } = self.admit(query)?;
        let key = selection.key(route, None);
        let source = Arc::clone(&snapshot);
        let rendered = self
            .cache
            .get(snapshot.generation, key, move || {
                Ok(render_feed(&source, route, &selection))
            })
            .await?;
        Ok(represent(
            &rendered,
            headers,
            CALENDAR,
            Some(snapshot.changed_at),
        ))
    }

    async fn upcoming(
        &self,
        query: Option<&str>,
        headers: &HeaderMap,
    ) -> Result<Response, Rejection> {
        let Admitted {
            snapshot,
            params,
            selection,
        } = self.admit(query)?;
        let window = window((self.clock)(), days(&params)?);
        let key = selection.key(Route::Upcoming, Some(window));
        let source = Arc::clone(&snapshot);
        let rendered = self
            .cache
            .get(snapshot.generation, key, move || {
                render_upcoming(&source, &selection, window)
            })
            .await?;
        Ok(represent(&rendered, headers, JSON, None))
    }
}

/// The state every handler is given.
type SharedState = State<Arc<Shared>>;

async fn calendar(
    State(s): SharedState,
    RawQuery(q): RawQuery,
    h: HeaderMap,
) -> Result<Response, Rejection> {
    s.feed(Route::Calendar, q.as_deref(), &h).await
}

async fn deadlines(
    State(s): SharedState,
    RawQuery(q): RawQuery,
    h: HeaderMap,
) -> Result<Response, Rejection> {
    s.feed(Route::Deadlines, q.as_deref(), &h).await
}

async fn watched(
    State(s): SharedState,
    RawQuery(q): RawQuery,
    h: HeaderMap,
) -> Result<Response, Rejection> {
    s.feed(Route::Watched, q.as_deref(), &h).await
}

async fn events(
    State(s): SharedState,
    RawQuery(q): RawQuery,
    h: HeaderMap,
) -> Result<Response, Rejection> {
    s.feed(Route::Events, q.as_deref(), &h).await
}

async fn upcoming(
    State(s): SharedState,
    RawQuery(q): RawQuery,
    h: HeaderMap,
) -> Result<Response, Rejection> {
    s.upcoming(q.as_deref(), &h).await
}

async fn not_found() -> Rejection {
    Rejection::NotFound
}

/// What `/healthz` answers.
#[derive(Serialize)]
struct Healthz<'a> {
    status: &'static str,
    generation: u64,
    built_at: String,
    changed_at: String,
    events: usize,
    deadlines: usize,
    sources: &'a [SourceHealth],
    /// Notices a notifier could never deliver.
    undelivered: &'a [Undelivered],
}

/// The snapshot's state and every source's health; never needs a token
/// and is always 200, "degraded" when a source is not `ok`.
async fn healthz(State(shared): SharedState) -> Response {
    let snapshot = Arc::clone(&shared.snapshots.borrow());
    let degraded = snapshot.sources.iter().any(|s| s.status != Health::Ok);
    let stamp = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    let body = Healthz {
        status: if degraded { "degraded" } else { "ok" },
        generation: snapshot.generation,
        built_at: stamp(snapshot.built_at),
        changed_at: stamp(snapshot.changed_at),
        events: snapshot.catalog.events.len(),
        deadlines: snapshot.catalog.deadlines.len(),
        sources: &snapshot.sources,
        undelivered: &snapshot.undelivered,
    };
    ([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}

/// Why a request gets something other than what it asked for.
#[derive(Debug, thiserror::Error)]
enum Rejection {
    #[error(
        "this calendar needs a token: add `?token=…` with the server's token to the URL (calendar apps cannot send headers)"
    )]
    MissingToken,
    #[error(
        "wrong token: check the `?token=…` in the URL against the server's token (calendar apps cannot send headers)"
    )]
    WrongToken,
    #[error("{0}")]
    Kind(#[from] UnknownKindFilter),
    #[error("`days` must be a whole number from 1 to {MAX_DAYS}, such as `?days=30`, not `{0}`")]
    Days(String),
    #[error(
        "nothing here: confcal serves /calendar.ics, /deadlines.ics, /events.ics, /upcoming.json?days=N and /healthz"
    )]
    NotFound,
    #[error("cannot write the JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the body could not be made: {0}")]
    Render(String),
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        let status = match &self {
            Rejection::MissingToken => StatusCode::UNAUTHORIZED,
            Rejection::WrongToken => StatusCode::FORBIDDEN,
            Rejection::Kind(_) | Rejection::Days(_) => StatusCode::BAD_REQUEST,
            Rejection::NotFound => StatusCode::NOT_FOUND,
            Rejection::Json(_) | Rejection::Render(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let headers = [(header::CACHE_CONTROL, "no-store")];
        (status, headers, format!("{self}\n")).into_response()
    }
}

/// The query string's pairs, decoded, in order; a key may repeat.
struct Params(Vec<(String, String)>);

impl Params {
    fn parse(query: Option<&str>) -> Params {
        let pairs = form_urlencoded::parse(query.unwrap_or_default().as_bytes());
        Params(
            pairs
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The first value of `key`, exactly as given.
    fn raw(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `key`, trimmed, leaving out empty ones.
    fn values<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }
}

/// Lets the request through when the configuration sets no token, or when
/// `?token=` is the configured one (compared in constant time).
fn authorize(config: &Config, params: &Params) -> Result<(), Rejection> {
    let Some(expected) = &config.server.token else {
        return Ok(());
    };
    match params.raw("token").filter(|t| !t.is_empty()) {
        None => Err(Rejection::MissingToken),
        Some(given) if bool::from(given.as_bytes().ct_eq(expected.as_bytes())) => Ok(()),
        Some(_) => Err(Rejection::WrongToken),
    }
}

const DEFAULT_DAYS: u32 = 30;
const MAX_DAYS: u32 = 3660;

/// `?days=`: how far ahead `/upcoming.json` looks.
fn days(params: &Params) -> Result<u32, Rejection> {
    let Some(text) = params.values("days").next() else {
        return Ok(DEFAULT_DAYS);
    };
    text.parse()
        .ok()
        .filter(|d| (1..=MAX_DAYS).contains(d))
        .ok_or_else(|| Rejection::Days(text.chars().take(40).collect()))
}

/// `days` days from the start of the minute `now` falls in.
fn window(now: DateTime<Utc>, days: u32) -> Window {
    let minute = now.timestamp().div_euclid(60) * 60;
    let from = DateTime::from_timestamp(minute, 0).unwrap_or(now);
    let until = from
        .checked_add_signed(Duration::days(i64::from(days)))
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    Window { from, until }
}

/// What a route serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Route {
    Calendar,
    Deadlines,
    Events,
    Upcoming,
    /// `/watched.ics`: the calendar, narrowed by `[watch]`.
    Watched,
}

impl Route {
    fn has_events(self) -> bool {
        matches!(self, Route::Calendar | Route::Events | Route::Watched)
    }

    fn has_deadlines(self) -> bool {
        matches!(self, Route::Calendar | Route::Deadlines | Route::Watched)
    }
}

/// A request's `kind`, `tag` and `source` filters: an item is kept when it
/// matches any value of each key given. Values are sorted and each kept
/// once, so equal filters make equal cache keys.
#[derive(Debug, Default)]
struct Selection {
    kinds: Vec<KindFilter>,
    /// Lowercase.
    tags: Vec<String>,
    sources: Vec<String>,
}

impl Selection {
    fn parse(params: &Params) -> Result<Selection, Rejection> {
        let mut kinds = params
            .values("kind")
            .map(str::parse)
            .collect::<Result<Vec<KindFilter>, _>>()?;
        kinds.sort_by_key(|k| kind_name(*k));
        kinds.dedup();
        Ok(Selection {
            kinds,
            tags: sorted(params.values("tag").map(str::to_ascii_lowercase)),
            sources: sorted(params.values("source").map(str::to_owned)),
        })
    }

    fn is_empty(&self) -> bool {
        self.kinds.is_empty() && self.tags.is_empty() && self.sources.is_empty()
    }

    fn keeps(&self, kind: KindFilter, tags: &[String], provenance: &[Provenance]) -> bool {
        let any_tag = || {
            tags.iter()
                .any(|t| self.tags.iter().any(|w| w.eq_ignore_ascii_case(t)))
        };
        let any_source = || provenance.iter().any(|p| self.sources.contains(&p.source));
        (self.kinds.is_empty() || self.kinds.contains(&kind))
            && (self.tags.is_empty() || any_tag())
            && (self.sources.is_empty() || any_source())
    }

    fn key(&self, route: Route, window: Option<Window>) -> Key {
        Key {
            route,
            kinds: self.kinds.iter().map(|k| kind_name(*k)).collect(),
            tags: self.tags.clone(),
            sources: self.sources.clone(),
            window: window.map(|w| (w.from, w.until)),
        }
    }
}

fn kind_name(kind: KindFilter) -> &'static str {
    match kind {
        KindFilter::Event(k) => k.name(),
        KindFilter::Deadline(k) => k.name(),
    }
}

fn sorted(values: impl Iterator<Item = String>) -> Vec<String> {
    let mut values: Vec<String> = values.collect();
    values.sort_unstable();
    values.dedup();
    values
}

/// The part of `catalog` a feed route serves. Events are filtered as
/// events, so a series is kept or dropped whole.
fn select<'a>(catalog: &'a Catalog, route: Route, selection: &Selection) -> Cow<'a, Catalog> {
    if route == Route::Calendar && selection.is_empty() {
        return Cow::Borrowed(catalog);
    }
    let events = catalog.events.iter().filter(|e| {
        route.has_events() && selection.keeps(KindFilter::Event(e.kind), &e.tags, &e.provenance)
    });
    let deadlines = catalog.deadlines.iter().filter(|d| {
        route.has_deadlines()
            && selection.keeps(KindFilter::Deadline(d.kind), &d.tags, &d.provenance)
    });
    Cow::Owned(Catalog {
        events: events.cloned().collect(),
        deadlines: deadlines.cloned().collect(),
    })
}

fn render_feed(snapshot: &Snapshot, route: Route, selection: &Selection) -> Vec<u8> {
    let config = &snapshot.config;
    let options = FeedOptions {
        name: &config.calendar_name,
        leads: &config.reminders.leads,
        now: snapshot.changed_at,
        refresh: Duration::hours(1),
    };
    if route == Route::Watched {
        let watched = config.watch.narrow(&snapshot.catalog);
        return feed::render(&select(&watched, route, selection), &options).into_bytes();
    }
    feed::render(&select(&snapshot.catalog, route, selection), &options).into_bytes()
}

/// `/upcoming.json`: exactly what `confcal upcoming --format json` prints
/// for the same window and filters.
fn render_upcoming(
    snapshot: &Snapshot,
    selection: &Selection,
    window: Window,
) -> Result<Vec<u8>, Rejection> {
    let by_source = Selection {
        sources: selection.sources.clone(),
        ..Selection::default()
    };
    let catalog = select(&snapshot.catalog, Route::Calendar, &by_source);
    let filter = Filter {
        kinds: selection.kinds.clone(),
        tags: selection.tags.clone(),
    };
    let entries = query::upcoming(&catalog, window, &filter, snapshot.config.default_timezone);
    let items: Vec<JsonItem> = entries.iter().map(JsonItem::from).collect();
    let mut body = serde_json::to_vec_pretty(&items)?;
    body.push(b'\n');
    Ok(body)
}

/// Names one cached body: the route, its normalized filters and, for
/// `/upcoming.json`, its window.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    route: Route,
    kinds: Vec<&'static str>,
    tags: Vec<String>,
    sources: Vec<String>,
    window: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

/// At most this many bodies are kept per generation; past it, requests
/// are rendered and not kept, so odd filters cannot fill memory.
const MAX_BODIES: usize = 256;

type Slot = Arc<OnceCell<Arc<Rendered>>>;

/// The bodies rendered from the newest snapshot generation seen.
#[derive(Default)]
struct Cache {
    current: Mutex<Bodies>,
    /// How many bodies were rendered, cached or not.
    renders: AtomicU64,
}

#[derive(Default)]
struct Bodies {
    generation: u64,
    slots: HashMap<Key, Slot>,
}

impl Cache {
    /// The body for `key` in `generation`, rendered by `render` unless an
    /// earlier request already did. Requests for a body being rendered
    /// wait for it; rendering runs on the blocking pool, not on the
    /// threads that answer requests.
    async fn get(
        &self,
        generation: u64,
        key: Key,
        render: impl FnOnce() -> Result<Vec<u8>, Rejection> + Send + 'static,
    ) -> Result<Arc<Rendered>, Rejection> {
        let Some(slot) = self.slot(generation, key) else {
            return self.render(render).await;
        };
        slot.get_or_try_init(|| self.render(render))
            .await
            .map(Arc::clone)
    }

    async fn render(
        &self,
        render: impl FnOnce() -> Result<Vec<u8>, Rejection> + Send + 'static,
    ) -> Result<Arc<Rendered>, Rejection> {
        self.renders.fetch_add(1, Ordering::Relaxed);
        let job = tokio::task::spawn_blocking(move || render().map(Rendered::new));
        match job.await {
            Ok(rendered) => rendered.map(Arc::new),
            Err(e) => Err(Rejection::Render(e.to_string())),
        }
    }

    /// The slot for `key`, once older generations and earlier windows are
    /// dropped; `None` when the request's snapshot is older than the
    /// cache's or the cache is full.
    fn slot(&self, generation: u64, key: Key) -> Option<Slot> {
        let mut bodies = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if generation > bodies.generation {
            *bodies = Bodies {
                generation,
                slots: HashMap::new(),
            };
        }
        if generation < bodies.generation {
            return None;
        }
        if let Some((from, _)) = key.window {
            bodies
                .slots
                .retain(|k, _| k.window.is_none_or(|(f, _)| f == from));
        }
        if bodies.slots.len() >= MAX_BODIES && !bodies.slots.contains_key(&key) {
            return None;
        }
        Some(Arc::clone(bodies.slots.entry(key).or_default()))
    }
}

/// One rendered body, the hex digest its `ETag`s are made of, and its gzip
/// form once a client asks for it.
struct Rendered {
    body: Bytes,
    digest: String,
    gzip: OnceLock<Option<Bytes>>,
}

/// The bytes sent for one request and their strong `ETag`.
struct Representation {
    body: Bytes,
    etag: String,
    gzip: bool,
}

impl Rendered {
    fn new(body: Vec<u8>) -> Rendered {
        let mut digest = String::with_capacity(32);
        for byte in &Sha256::digest(&body)[..16] {
            // Writing to a String cannot fail.
            let _ = write!(digest, "{byte:02x}");
        }
        Rendered {
            body: Bytes::from(body),
            digest,
            gzip: OnceLock::new(),
        }
    }

    /// The body gzipped when `gzip` (and gzip works), else as is.
    fn representation(&self, gzip: bool) -> Representation {
        let compressed = gzip.then(|| self.gzip.get_or_init(|| compress(&self.body)));
        match compressed.cloned().flatten() {
            Some(body) => Representation {
                body,
                etag: format!("\"{}-gz\"", self.digest),
                gzip: true,
            },
            None => Representation {
                body: self.body.clone(),
                etag: format!("\"{}\"", self.digest),
                gzip: false,
            },
        }
    }
}

fn compress(body: &[u8]) -> Option<Bytes> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(body).ok()?;
    encoder.finish().ok().map(Bytes::from)
}

const CALENDAR: &str = "text/calendar; charset=utf-8";
const JSON: &str = "application/json";

/// The answer for `rendered`: 304 when the client's copy is current, else
/// the body, gzipped when the client takes gzip.
fn represent(
    rendered: &Rendered,
    request: &HeaderMap,
    content_type: &'static str,
    modified: Option<DateTime<Utc>>,
) -> Response {
    let chosen = rendered.representation(accepts_gzip(request));
    let mut headers = HeaderMap::new();
    set(&mut headers, header::ETAG, &chosen.etag);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    if let Some(modified) = modified {
        set(
            &mut headers,
            header::LAST_MODIFIED,
            &httpdate::fmt_http_date(modified.into()),
        );
    }
    if none_match(request, &chosen.etag) {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if chosen.gzip {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    (headers, chosen.body).into_response()
}

/// Sets a header whose value this module wrote (always valid).
fn set(headers: &mut HeaderMap, name: HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(name, value);
    }
}

/// Whether `If-None-Match` is `*` or lists `etag` (compared weakly, as
/// RFC 9110 asks).
fn none_match(request: &HeaderMap, etag: &str) -> bool {
    request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

/// Whether `Accept-Encoding` takes gzip: `gzip` (or `x-gzip`, or else `*`)
/// listed with a `q` above zero.
fn accepts_gzip(request: &HeaderMap) -> bool {
    let codings: Vec<(&str, bool)> = request
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(coding)
        .collect();
    let named = |name: &str| {
        codings
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(name))
            .map(|(_, ok)| *ok)
    };
    named("gzip")
        .or_else(|| named("x-gzip"))
        .or_else(|| named("*"))
        .unwrap_or(false)
}

/// One coding of `Accept-Encoding` and whether it is acceptable: no `q`,
/// or a `q` above zero.
fn coding(item: &str) -> (&str, bool) {
    let mut parts = item.split(';').map(str::trim);
    let name = parts.next().unwrap_or_default();
    let q = parts
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("q"))
        .map_or(Some(1.0), |(_, v)| v.trim().parse::<f32>().ok());
    (name, q.is_some_and(|q| q > 0.0))
}

#[cfg(test)]
mod tests;
