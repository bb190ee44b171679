//! The daemon's HTTP face: `/calendar.ics`, `/deadlines.ics`, `/events.ics`,
//! `/upcoming.json` and `/healthz`, served over whichever [`Snapshot`] the
//! daemon last published. Each request takes one snapshot and reads only
//! it. This module owns the routes, their `kind`/`tag`/`source` filters, the
//! token check, conditional requests (`ETag`, `If-None-Match`), gzip, and a
//! cache of rendered bodies that lives as long as one snapshot generation.
//! `/upcoming.json` starts its window at the current minute, so every
//! request in one minute shares one window and one cached body.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::future::Future;
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
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::config::Config;
use crate::feed::{self, FeedOptions};
use crate::model::{Catalog, Provenance};
use crate::query::{self, Filter, JsonItem, KindFilter, UnknownKindFilter, Window};
use crate::snapshot::{Health, Snapshot, SourceHealth};
use crate::time::Clock;

/// The routes over the snapshots the daemon publishes.
pub fn router(snapshots: watch::Receiver<Arc<Snapshot>>, clock: Clock) -> Router {
    routes(Arc::new(Shared::new(snapshots, clock)))
}

/// Serves `router` on `listener` until `shutdown` completes, letting
/// in-flight requests finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}

fn routes(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/calendar.ics", get(calendar))
        .route("/deadlines.ics", get(deadlines))
        .route("/events.ics", get(events))
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

    fn feed(
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
        let rendered = self.cache.get(snapshot.generation, key, || {
            Ok(render_feed(&snapshot, route, &selection))
        })?;
        Ok(represent(
            &rendered,
            headers,
            CALENDAR,
            Some(snapshot.changed_at),
        ))
    }

    fn upcoming(&self, query: Option<&str>, headers: &HeaderMap) -> Result<Response, Rejection> {
        let Admitted {
            snapshot,
            params,
            selection,
        } = self.admit(query)?;
        let window = window((self.clock)(), days(&params)?);
        let key = selection.key(Route::Upcoming, Some(window));
        let rendered = self.cache.get(snapshot.generation, key, || {
            render_upcoming(&snapshot, &selection, window)
        })?;
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
    s.feed(Route::Calendar, q.as_deref(), &h)
}

async fn deadlines(
    State(s): SharedState,
    RawQuery(q): RawQuery,
    h: HeaderMap,
) -> Result<Response, Rejection> {
    s.feed(Route::Deadlines, q.as_deref(), &h)
}

async fn events(
    State(s): SharedState,
    RawQuery(q): RawQuery,
    h: HeaderMap,
) -> Result<Response, Rejection> {
    s.feed(Route::Events, q.as_deref(), &h)
}

async fn upcoming(
    State(s): SharedState,
    RawQuery(q): RawQuery,
    h: HeaderMap,
) -> Result<Response, Rejection> {
    s.upcoming(q.as_deref(), &h)
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
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        let status = match &self {
            Rejection::MissingToken => StatusCode::UNAUTHORIZED,
            Rejection::WrongToken => StatusCode::FORBIDDEN,
            Rejection::Kind(_) | Rejection::Days(_) => StatusCode::BAD_REQUEST,
            Rejection::NotFound => StatusCode::NOT_FOUND,
            Rejection::Json(_) => StatusCode::INTERNAL_SERVER_ERROR,
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
}

impl Route {
    fn has_events(self) -> bool {
        matches!(self, Route::Calendar | Route::Events)
    }

    fn has_deadlines(self) -> bool {
        matches!(self, Route::Calendar | Route::Deadlines)
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

type Slot = Arc<OnceLock<Arc<Rendered>>>;

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
    /// earlier request already did. Rendering happens outside the lock;
    /// two first requests racing for one key may both render, and the
    /// first body stored is the one kept.
    fn get(
        &self,
        generation: u64,
        key: Key,
        render: impl FnOnce() -> Result<Vec<u8>, Rejection>,
    ) -> Result<Arc<Rendered>, Rejection> {
        let Some(slot) = self.slot(generation, key) else {
            return self.render(render);
        };
        if let Some(hit) = slot.get() {
            return Ok(Arc::clone(hit));
        }
        let fresh = self.render(render)?;
        Ok(Arc::clone(slot.get_or_init(|| fresh)))
    }

    fn render(
        &self,
        render: impl FnOnce() -> Result<Vec<u8>, Rejection>,
    ) -> Result<Arc<Rendered>, Rejection> {
        self.renders.fetch_add(1, Ordering::Relaxed);
        render().map(|body| Arc::new(Rendered::new(body)))
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
mod tests {
    use std::io::Read as _;

    use reqwest::StatusCode as Status;
    use tempfile::TempDir;
    use tokio::sync::oneshot;
    use tokio::task::JoinHandle;

    use super::*;
    use crate::cli::{Format, UpcomingArgs};
    use crate::commands::Context;
    use crate::load::load_all;
    use crate::store::Records;

    const ALPHA: &str = r#"
[[event]]
id = "conf-a"
name = "Conf A"
kind = "conference"
start = 2030-03-10
end = 2030-03-12
tags = ["ovirt"]

[[event.deadline]]
kind = "cfp"
due = 2030-02-01

[[event.deadline]]
kind = "registration"
due = 2030-03-01

[[event]]
id = "hack-a"
name = "Hack A"
kind = "hackathon"
start = 2030-01-20
tags = ["xen"]

[[event]]
uid = "summit@beta"
name = "Summit B"
kind = "summit"
start = 2030-03-20
end = 2030-03-21
tags = ["xen"]
"#;

    const BETA: &str = "BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//EN\r
BEGIN:VEVENT\r
UID:call@beta\r
DTSTAMP:20300101T000000Z\r
DTSTART:20300107T160000Z\r
DTEND:20300107T170000Z\r
RRULE:FREQ=WEEKLY;COUNT=10\r
SUMMARY:Weekly call\r
CATEGORIES:meetup,KVM\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:call@beta\r
DTSTAMP:20300101T000000Z\r
RECURRENCE-ID:20300121T160000Z\r
DTSTART:20300122T160000Z\r
DTEND:20300122T170000Z\r
SUMMARY:Weekly call (moved)\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:summit@beta\r
DTSTAMP:20300101T000000Z\r
DTSTART;VALUE=DATE:20300320\r
DTEND;VALUE=DATE:20300322\r
SUMMARY:Summit B\r
CATEGORIES:summit,ovirt\r
END:VEVENT\r
END:VCALENDAR\r
";

    /// 2030-01-15T00:00:00Z, on a minute boundary so the JSON window starts
    /// exactly at it.
    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_894_665_600, 0).unwrap()
    }

    /// A configuration with a curated source `alpha` and an iCalendar
    /// source `beta` in a temporary folder.
    fn config(token: Option<&str>) -> (TempDir, Config) {
        let dir = tempfile::tempdir().unwrap();
        let write = |path: &str, text: &str| {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write("alpha/alpha.toml", ALPHA);
        write("beta/beta.ics", BETA);
        let server = token
            .map(|t| format!("[server]\ntoken = \"{t}\"\n"))
            .unwrap_or_default();
        let text = format!(
            "calendar_name = \"Test calendar\"\ndefault_timezone = \"UTC\"\n\
             deadline_timezone = \"UTC\"\nstate_dir = \"state\"\n\
             [reminders]\nlead = [\"3d\"]\nnotifiers = [\"log\"]\n{server}\
             [[source]]\nname = \"alpha\"\nkind = \"curated\"\npath = \"alpha\"\n\
             [[source]]\nname = \"beta\"\nkind = \"ics\"\npath = \"beta\"\n"
        );
        let config = Config::parse(&dir.path().join("config.toml"), &text).unwrap();
        (dir, config)
    }

    fn snapshot(config: &Config, generation: u64) -> Snapshot {
        let loaded = load_all(config, &Records::new());
        assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
        let sources = config
            .sources
            .iter()
            .map(|s| SourceHealth::of(s, &loaded.problems, None))
            .collect();
        Snapshot {
            generation,
            built_at: now(),
            changed_at: now(),
            config: Arc::new(config.clone()),
            catalog: loaded.catalog,
            sources,
        }
    }

    /// A server on loopback over a watch channel of snapshots.
    struct Running {
        base: String,
        client: reqwest::Client,
        publish: watch::Sender<Arc<Snapshot>>,
        shared: Arc<Shared>,
        stop: oneshot::Sender<()>,
        task: JoinHandle<std::io::Result<()>>,
        _dir: TempDir,
    }

    async fn start(token: Option<&str>) -> Running {
        let (dir, config) = config(token);
        let (publish, snapshots) = watch::channel(Arc::new(snapshot(&config, 1)));
        let shared = Arc::new(Shared::new(snapshots, Arc::new(now)));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let shutdown = async {
            stopped.await.ok();
        };
        let task = tokio::spawn(serve(listener, routes(Arc::clone(&shared)), shutdown));
        let client = reqwest::Client::builder().no_gzip().build().unwrap();
        Running {
            base,
            client,
            publish,
            shared,
            stop,
            task,
            _dir: dir,
        }
    }

    impl Running {
        async fn get(&self, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
            let mut request = self.client.get(format!("{}{path}", self.base));
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            request.send().await.unwrap()
        }

        async fn text(&self, path: &str) -> (Status, String) {
            let response = self.get(path, &[]).await;
            (response.status(), response.text().await.unwrap())
        }

        /// The `SUMMARY` of every component of the feed at `path`, sorted.
        async fn summaries(&self, path: &str) -> Vec<String> {
            let (status, body) = self.text(path).await;
            assert_eq!(status, Status::OK, "{body}");
            summaries(&body)
        }

        fn renders(&self) -> u64 {
            self.shared.cache.renders.load(Ordering::Relaxed)
        }
    }

    fn summaries(body: &str) -> Vec<String> {
        let mut found: Vec<String> = body
            .lines()
            .filter_map(|l| l.strip_prefix("SUMMARY:"))
            .map(str::to_owned)
            .collect();
        found.sort();
        found
    }

    fn etag(response: &reqwest::Response) -> String {
        header_of(response, "etag")
    }

    fn header_of(response: &reqwest::Response, name: &str) -> String {
        let value = response.headers().get(name);
        value
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }

    #[track_caller]
    fn assert_summaries(found: &[String], expected: &[&str]) {
        let mut expected: Vec<&str> = expected.to_vec();
        expected.sort_unstable();
        assert_eq!(found, expected);
    }

    const EVERYTHING: &[&str] = &[
        "CFP closes: Conf A",
        "Conf A",
        "Hack A",
        "Registration closes: Conf A",
        "Summit B",
        "Weekly call",
        "Weekly call (moved)",
    ];

    #[tokio::test]
    async fn calendar_serves_the_whole_feed_as_a_text_calendar() {
        let server = start(None).await;
        let response = server.get("/calendar.ics", &[]).await;
        assert_eq!(response.status(), Status::OK);
        assert_eq!(
            header_of(&response, "content-type"),
            "text/calendar; charset=utf-8"
        );
        assert_eq!(header_of(&response, "cache-control"), "no-cache");
        assert_eq!(header_of(&response, "vary"), "Accept-Encoding");
        assert_eq!(
            header_of(&response, "last-modified"),
            "Tue, 15 Jan 2030 00:00:00 GMT"
        );
        let tag = etag(&response);
        assert!(
            tag.len() == 34 && tag.starts_with('"') && tag.ends_with('"'),
            "{tag}"
        );
        let body = response.text().await.unwrap();
        let snapshot = server.publish.borrow().clone();
        let expected = render_feed(&snapshot, Route::Calendar, &Selection::default());
        assert_eq!(body.as_bytes(), expected);
        assert!(body.contains("X-WR-CALNAME:Test calendar"), "{body}");
        assert_summaries(&summaries(&body), EVERYTHING);
    }

    #[tokio::test]
    async fn a_kind_filter_keeps_any_of_its_values() {
        let server = start(None).await;
        let found = server
            .summaries("/calendar.ics?kind=conference&kind=cfp")
            .await;
        assert_summaries(&found, &["CFP closes: Conf A", "Conf A"]);
    }

    #[tokio::test]
    async fn a_tag_filter_ignores_case() {
        let server = start(None).await;
        let found = server.summaries("/calendar.ics?tag=KVM").await;
        assert_summaries(&found, &["Weekly call", "Weekly call (moved)"]);
        let found = server.summaries("/calendar.ics?tag=kvm&tag=Xen").await;
        assert_summaries(
            &found,
            &["Hack A", "Summit B", "Weekly call", "Weekly call (moved)"],
        );
    }

    #[tokio::test]
    async fn a_source_filter_matches_any_source_an_item_came_from() {
        let server = start(None).await;
        let found = server.summaries("/calendar.ics?source=beta").await;
        assert_summaries(&found, &["Summit B", "Weekly call", "Weekly call (moved)"]);
        let found = server.summaries("/calendar.ics?source=alpha").await;
        let alpha = [
            "CFP closes: Conf A",
            "Conf A",
            "Hack A",
            "Registration closes: Conf A",
            "Summit B",
        ];
        assert_summaries(&found, &alpha);
    }

    #[tokio::test]
    async fn filters_intersect_across_keys() {
        let server = start(None).await;
        let path =
            "/calendar.ics?kind=summit&kind=hackathon&kind=meetup&tag=xen&tag=kvm&source=alpha";
        assert_summaries(&server.summaries(path).await, &["Hack A", "Summit B"]);
        let path = "/calendar.ics?kind=summit&kind=meetup&tag=kvm&token=ignored";
        assert_summaries(
            &server.summaries(path).await,
            &["Weekly call", "Weekly call (moved)"],
        );
    }

    #[tokio::test]
    async fn a_series_is_kept_or_dropped_whole() {
        let server = start(None).await;
        let (_, body) = server.text("/calendar.ics?kind=meetup").await;
        assert_summaries(&summaries(&body), &["Weekly call", "Weekly call (moved)"]);
        assert!(body.contains("RRULE:FREQ=WEEKLY;COUNT=10"), "{body}");
        assert!(body.contains("RECURRENCE-ID:20300121T160000Z"), "{body}");
        assert_summaries(
            &server.summaries("/calendar.ics?kind=summit&tag=kvm").await,
            &[],
        );
    }

    #[tokio::test]
    async fn an_unknown_kind_is_a_bad_request_with_the_parsers_message() {
        let server = start(None).await;
        let (status, body) = server.text("/calendar.ics?kind=cfp&kind=party").await;
        assert_eq!(status, Status::BAD_REQUEST);
        let expected = "party".parse::<KindFilter>().unwrap_err().to_string();
        assert_eq!(body, format!("{expected}\n"));
        assert!(
            body.starts_with("unknown kind `party`: expected an event kind"),
            "{body}"
        );
    }

    #[tokio::test]
    async fn deadlines_and_events_feeds_split_the_catalog() {
        let server = start(None).await;
        let deadlines = ["CFP closes: Conf A", "Registration closes: Conf A"];
        assert_summaries(&server.summaries("/deadlines.ics").await, &deadlines);
        let events = [
            "Conf A",
            "Hack A",
            "Summit B",
            "Weekly call",
            "Weekly call (moved)",
        ];
        assert_summaries(&server.summaries("/events.ics").await, &events);
        assert_summaries(
            &server
                .summaries("/deadlines.ics?kind=cfp&kind=conference")
                .await,
            &deadlines[..1],
        );
        assert_summaries(
            &server
                .summaries("/events.ics?kind=cfp&kind=conference")
                .await,
            &["Conf A"],
        );
    }

    #[tokio::test]
    async fn if_none_match_with_the_etag_gives_not_modified() {
        let server = start(None).await;
        let tag = etag(&server.get("/calendar.ics", &[]).await);
        for given in [
            tag.clone(),
            format!("\"other\", {tag}"),
            format!("W/{tag}"),
            "*".to_owned(),
        ] {
            let response = server
                .get("/calendar.ics", &[("if-none-match", &given)])
                .await;
            assert_eq!(response.status(), Status::NOT_MODIFIED, "{given}");
            assert_eq!(etag(&response), tag);
            assert!(response.bytes().await.unwrap().is_empty());
        }
        let response = server
            .get("/calendar.ics", &[("if-none-match", "\"other\"")])
            .await;
        assert_eq!(response.status(), Status::OK);
        let json_tag = etag(&server.get("/upcoming.json", &[]).await);
        let response = server
            .get("/upcoming.json", &[("if-none-match", &json_tag)])
            .await;
        assert_eq!(response.status(), Status::NOT_MODIFIED);
    }

    #[tokio::test]
    async fn gzip_round_trips_with_its_own_etag() {
        let server = start(None).await;
        let plain = server.get("/calendar.ics", &[]).await;
        let plain_tag = etag(&plain);
        let plain_body = plain.bytes().await.unwrap();
        let gz = server
            .get("/calendar.ics", &[("accept-encoding", "br, gzip;q=0.5")])
            .await;
        assert_eq!(header_of(&gz, "content-encoding"), "gzip");
        let gz_tag = etag(&gz);
        assert_eq!(gz_tag, format!("{}-gz\"", plain_tag.trim_end_matches('"')));
        let mut decoded = Vec::new();
        flate2::read::GzDecoder::new(&gz.bytes().await.unwrap()[..])
            .read_to_end(&mut decoded)
            .unwrap();
        assert_eq!(decoded, plain_body);
        let headers = [
            ("accept-encoding", "gzip"),
            ("if-none-match", gz_tag.as_str()),
        ];
        assert_eq!(
            server.get("/calendar.ics", &headers).await.status(),
            Status::NOT_MODIFIED
        );
        let refused = server
            .get("/calendar.ics", &[("accept-encoding", "gzip;q=0, *")])
            .await;
        assert_eq!(header_of(&refused, "content-encoding"), "");
        assert_eq!(etag(&refused), plain_tag);
    }

    #[test]
    fn accept_encoding_is_read_with_its_q_values() {
        #[track_caller]
        fn check(value: &str, gzip: bool) {
            let mut headers = HeaderMap::new();
            headers.insert(
                header::ACCEPT_ENCODING,
                HeaderValue::from_str(value).unwrap(),
            );
            assert_eq!(accepts_gzip(&headers), gzip, "{value}");
        }
        check("gzip", true);
        check("deflate, GZIP", true);
        check("gzip;q=0", false);
        check("gzip; q=0.0, *", false);
        check("br, *;q=0.1", true);
        check("*;q=0", false);
        check("x-gzip", true);
        check("identity", false);
        check("gzip;q=nonsense", false);
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[tokio::test]
    async fn a_token_guards_every_route_but_healthz() {
        let server = start(Some("s3cret")).await;
        for path in [
            "/calendar.ics",
            "/deadlines.ics?token=",
            "/events.ics",
            "/upcoming.json",
        ] {
            let (status, body) = server.text(path).await;
            assert_eq!(status, Status::UNAUTHORIZED, "{path}");
            assert!(body.contains("add `?token=…`"), "{body}");
        }
        let (status, body) = server.text("/calendar.ics?token=s3cre").await;
        assert_eq!(status, Status::FORBIDDEN);
        assert!(
            body.contains("`?token=…`") && !body.contains("s3cre"),
            "{body}"
        );
        let (status, _) = server.text("/calendar.ics?kind=party").await;
        assert_eq!(status, Status::UNAUTHORIZED);
        assert_eq!(
            server.text("/calendar.ics?token=s3cret").await.0,
            Status::OK
        );
        assert_eq!(
            server.text("/upcoming.json?token=s3cret&days=7").await.0,
            Status::OK
        );
        assert_eq!(server.text("/healthz").await.0, Status::OK);
    }

    /// What `confcal upcoming --format json` prints at [`now`].
    fn cli_json(config: &Config, days: u32, kinds: &[&str]) -> String {
        let ctx = Context {
            config: config.clone(),
            now: now(),
            offline: true,
        };
        let args = UpcomingArgs {
            days,
            from: None,
            until: None,
            kinds: kinds.iter().map(|k| (*k).to_owned()).collect(),
            tags: vec![],
            format: Format::Json,
        };
        let (mut out, mut err) = (Vec::new(), Vec::new());
        crate::commands::upcoming(&ctx, &args, &mut out, &mut err).unwrap();
        assert!(err.is_empty(), "{}", String::from_utf8_lossy(&err));
        String::from_utf8(out).unwrap()
    }

    #[tokio::test]
    async fn upcoming_json_is_what_the_cli_prints() {
        let server = start(None).await;
        let config = server.publish.borrow().config.clone();
        let response = server.get("/upcoming.json", &[]).await;
        assert_eq!(header_of(&response, "content-type"), "application/json");
        let body = response.text().await.unwrap();
        assert_eq!(body, cli_json(&config, 30, &[]));
        assert!(
            body.contains("\"title\": \"Hack A\"") && !body.contains("\"title\": \"Conf A\""),
            "{body}"
        );
        let (_, body) = server
            .text("/upcoming.json?days=90&kind=cfp&kind=meetup")
            .await;
        assert_eq!(body, cli_json(&config, 90, &["cfp", "meetup"]));
        let (_, body) = server
            .text("/upcoming.json?days=90&source=beta&kind=summit")
            .await;
        assert!(
            body.contains("Summit B") && !body.contains("Hack A"),
            "{body}"
        );
    }

    #[tokio::test]
    async fn days_must_be_a_whole_number_in_range() {
        let server = start(None).await;
        for days in ["abc", "0", "3661", "-1", "2.5"] {
            let (status, body) = server.text(&format!("/upcoming.json?days={days}")).await;
            assert_eq!(status, Status::BAD_REQUEST, "{days}");
            let expected = format!(
                "`days` must be a whole number from 1 to 3660, such as `?days=30`, not `{days}`\n"
            );
            assert_eq!(body, expected);
        }
        assert_eq!(server.text("/upcoming.json?days=3660").await.0, Status::OK);
    }

    #[tokio::test]
    async fn healthz_reports_the_snapshot_and_degrades_with_a_source() {
        let server = start(Some("s3cret")).await;
        let (status, body) = server.text("/healthz").await;
        assert_eq!(status, Status::OK);
        let health: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(health["status"], "ok");
        assert_eq!(health["generation"], 1);
        assert_eq!(health["built_at"], "2030-01-15T00:00:00Z");
        assert_eq!(health["changed_at"], "2030-01-15T00:00:00Z");
        assert_eq!(health["events"], 4);
        assert_eq!(health["deadlines"], 2);
        assert_eq!(health["sources"][1]["name"], "beta");
        assert!(!body.contains("s3cret"), "{body}");
        let mut sick = snapshot(&server.publish.borrow().config, 2);
        sick.sources[1].status = Health::Stale;
        server.publish.send(Arc::new(sick)).unwrap();
        let health: serde_json::Value =
            serde_json::from_str(&server.text("/healthz").await.1).unwrap();
        assert_eq!(health["status"], "degraded");
        assert_eq!(health["sources"][1]["status"], "stale");
    }

    #[tokio::test]
    async fn a_new_snapshot_changes_the_body_and_its_etag() {
        let server = start(None).await;
        let before = server.get("/events.ics", &[]).await;
        let before_tag = etag(&before);
        assert!(before.text().await.unwrap().contains("Hack A"));
        let mut next = snapshot(&server.publish.borrow().config, 2);
        next.catalog.events.retain(|e| e.title != "Hack A");
        next.changed_at = now() + Duration::hours(1);
        server.publish.send(Arc::new(next)).unwrap();
        let after = server
            .get("/events.ics", &[("if-none-match", &before_tag)])
            .await;
        assert_eq!(after.status(), Status::OK);
        assert_ne!(etag(&after), before_tag);
        assert_eq!(
            header_of(&after, "last-modified"),
            "Tue, 15 Jan 2030 01:00:00 GMT"
        );
        assert!(!after.text().await.unwrap().contains("Hack A"));
        assert_eq!(server.shared.cache.current.lock().unwrap().slots.len(), 1);
    }

    #[tokio::test]
    async fn identical_requests_render_once() {
        let server = start(None).await;
        server
            .text("/calendar.ics?kind=cfp&kind=conference&tag=OVIRT")
            .await;
        assert_eq!(server.renders(), 1);
        server
            .text("/calendar.ics?tag=ovirt&kind=conference&kind=CFP&kind=cfp")
            .await;
        server
            .get(
                "/calendar.ics?tag=ovirt&kind=cfp&kind=conference",
                &[("accept-encoding", "gzip")],
            )
            .await;
        assert_eq!(server.renders(), 1);
        server
            .text("/deadlines.ics?kind=cfp&kind=conference&tag=ovirt")
            .await;
        assert_eq!(server.renders(), 2);
        server.text("/upcoming.json").await;
        server.text("/upcoming.json?days=30").await;
        assert_eq!(server.renders(), 3);
    }

    #[tokio::test]
    async fn head_gets_the_headers_without_a_body() {
        let server = start(None).await;
        let tag = etag(&server.get("/calendar.ics", &[]).await);
        let response = server
            .client
            .head(format!("{}/calendar.ics", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), Status::OK);
        assert_eq!(etag(&response), tag);
        assert!(response.bytes().await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn an_unknown_path_lists_the_routes() {
        let server = start(Some("s3cret")).await;
        let (status, body) = server.text("/calendar").await;
        assert_eq!(status, Status::NOT_FOUND);
        assert_eq!(
            body,
            "nothing here: confcal serves /calendar.ics, /deadlines.ics, /events.ics, /upcoming.json?days=N and /healthz\n"
        );
    }

    #[tokio::test]
    async fn serving_stops_when_shutdown_completes() {
        let server = start(None).await;
        assert_eq!(server.text("/healthz").await.0, Status::OK);
        server.stop.send(()).unwrap();
        server.task.await.unwrap().unwrap();
    }

    #[test]
    fn the_json_window_starts_at_the_minute() {
        let window = window(now() + Duration::seconds(59), 2);
        assert_eq!(window.from, now());
        assert_eq!(window.until, now() + Duration::days(2));
    }
}
