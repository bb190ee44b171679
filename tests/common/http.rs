//! A real HTTP server on loopback for tests of remote sources: each path
//! answers as its [`Reply`] says (a calendar with validators, an error, a
//! stall, a redirect...), and the server logs every request and counts how
//! many are in flight at once, per server and over all servers of a
//! [`Farm`].

use std::collections::HashMap;
use std::convert::Infallible;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::stream;

/// How a path answers.
#[derive(Clone, Debug)]
pub enum Reply {
    /// 200 with this body (gzipped when the client accepts it) and these
    /// validators; 304 when the request's `If-None-Match` or
    /// `If-Modified-Since` matches.
    Calendar {
        body: String,
        etag: Option<String>,
        last_modified: Option<String>,
    },
    /// A bare status, with extra headers.
    Status(u16, Vec<(&'static str, String)>),
    /// Waits this long before any header, then answers `then`.
    Delay(Duration, Box<Reply>),
    /// Sends headers and the start of a body, then nothing more.
    Stall,
    /// An endless body without a length; counts the bytes it produced.
    Endless(Arc<AtomicUsize>),
    /// 200 with this body as `text/html`.
    Html(String),
    /// 302 to this location.
    Redirect(String),
}

/// One logged request.
#[derive(Clone, Debug)]
pub struct Logged {
    pub path: String,
    pub accept_encoding: Option<String>,
    pub if_none_match: Option<String>,
    pub if_modified_since: Option<String>,
    pub user_agent: Option<String>,
}

#[derive(Default)]
struct Shared {
    replies: Mutex<HashMap<String, Reply>>,
    log: Mutex<Vec<Logged>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

/// Concurrency over several servers.
#[derive(Default)]
pub struct Farm {
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

impl Farm {
    /// The most requests ever in flight at once over all its servers.
    pub fn max_in_flight(&self) -> usize {
        self.max_in_flight.load(Ordering::SeqCst)
    }
}

/// A running server; stops when dropped.
pub struct Server {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Server {
    /// A server on `127.0.0.1` and a free port.
    pub fn start() -> Server {
        Server::start_on("127.0.0.1", Arc::new(Farm::default()))
    }

    /// A server on `ip` (any loopback address) and a free port, counted in
    /// `farm`.
    pub fn start_on(ip: &str, farm: Arc<Farm>) -> Server {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime for the test server");
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind((ip, 0)))
            .unwrap_or_else(|e| panic!("cannot listen on {ip}: {e}"));
        let addr = listener.local_addr().expect("a local address");
        let shared = Arc::new(Shared::default());
        let app = Router::new()
            .fallback(answer)
            .with_state((Arc::clone(&shared), farm));
        runtime.spawn(async move { axum::serve(listener, app).await });
        Server {
            addr,
            shared,
            runtime: Some(runtime),
        }
    }

    /// The URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Sets how `path` answers from now on.
    pub fn reply(&self, path: &str, reply: Reply) {
        let mut replies = self.shared.replies.lock().expect("replies");
        replies.insert(path.to_owned(), reply);
    }

    /// Every request so far.
    pub fn log(&self) -> Vec<Logged> {
        self.shared.log.lock().expect("log").clone()
    }

    /// The requests for `path` so far.
    pub fn requests(&self, path: &str) -> Vec<Logged> {
        self.log().into_iter().filter(|l| l.path == path).collect()
    }

    /// The most requests ever in flight at once on this server.
    pub fn max_in_flight(&self) -> usize {
        self.shared.max_in_flight.load(Ordering::SeqCst)
    }

    /// Stops the server: its port refuses connections afterwards.
    pub fn stop(mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_timeout(Duration::from_secs(1));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// Counts a request in flight until dropped.
struct InFlight<'a>(&'a AtomicUsize, &'a AtomicUsize);

impl<'a> InFlight<'a> {
    fn enter(count: &'a AtomicUsize, max: &'a AtomicUsize) -> InFlight<'a> {
        let now = count.fetch_add(1, Ordering::SeqCst) + 1;
        max.fetch_max(now, Ordering::SeqCst);
        InFlight(count, max)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn answer(
    State((shared, farm)): State<(Arc<Shared>, Arc<Farm>)>,
    request: Request,
) -> Response {
    let _here = InFlight::enter(&shared.in_flight, &shared.max_in_flight);
    let _farm = InFlight::enter(&farm.in_flight, &farm.max_in_flight);
    let headers = request.headers().clone();
    let path = request.uri().path().to_owned();
    let text = |name: header::HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    shared.log.lock().expect("log").push(Logged {
        path: path.clone(),
        accept_encoding: text(header::ACCEPT_ENCODING),
        if_none_match: text(header::IF_NONE_MATCH),
        if_modified_since: text(header::IF_MODIFIED_SINCE),
        user_agent: text(header::USER_AGENT),
    });
    let reply = shared.replies.lock().expect("replies").get(&path).cloned();
    match reply {
        Some(reply) => respond(reply, &headers).await,
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn respond(reply: Reply, request: &HeaderMap) -> Response {
    let mut reply = reply;
    while let Reply::Delay(wait, then) = reply {
        tokio::time::sleep(wait).await;
        reply = *then;
    }
    match reply {
        Reply::Calendar {
            body,
            etag,
            last_modified,
        } => calendar(body, etag.as_deref(), last_modified.as_deref(), request),
        Reply::Status(code, extra) => {
            let mut response = StatusCode::from_u16(code)
                .expect("a status code")
                .into_response();
            for (name, value) in extra {
                let value = HeaderValue::from_str(&value).expect("a header value");
                response.headers_mut().insert(name, value);
            }
            response
        }
        Reply::Stall => {
            let start = stream::once(async {
                Ok::<_, Infallible>(Bytes::from_static(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"))
            });
            let body = Body::from_stream(futures_util::StreamExt::chain(start, stream::pending()));
            ([(header::CONTENT_TYPE, "text/calendar")], body).into_response()
        }
        Reply::Endless(sent) => {
            let chunk = Bytes::from(vec![b'X'; 16 * 1024]);
            let body = stream::repeat_with(move || {
                sent.fetch_add(chunk.len(), Ordering::SeqCst);
                Ok::<_, Infallible>(chunk.clone())
            });
            (
                [(header::CONTENT_TYPE, "text/calendar")],
                Body::from_stream(body),
            )
                .into_response()
        }
        Reply::Html(body) => ([(header::CONTENT_TYPE, "text/html")], body).into_response(),
        Reply::Redirect(location) => {
            (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
        }
        Reply::Delay(..) => unreachable!("delays are unwrapped above"),
    }
}

fn calendar(
    body: String,
    etag: Option<&str>,
    last_modified: Option<&str>,
    request: &HeaderMap,
) -> Response {
    let asked = |name| {
        request
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    let unchanged = match (etag, asked(header::IF_NONE_MATCH)) {
        (Some(etag), Some(asked)) => asked == etag,
        _ => last_modified.is_some() && asked(header::IF_MODIFIED_SINCE) == last_modified,
    };
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    if let Some(etag) = etag {
        headers.insert(header::ETAG, HeaderValue::from_str(etag).expect("an ETag"));
    }
    if let Some(date) = last_modified {
        headers.insert(
            header::LAST_MODIFIED,
            HeaderValue::from_str(date).expect("a date"),
        );
    }
    if unchanged {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    if asked(header::ACCEPT_ENCODING).is_some_and(|a| a.contains("gzip")) {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        return (headers, gzip(body.as_bytes())).into_response();
    }
    (headers, body).into_response()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("gzip in memory");
    encoder.finish().expect("gzip in memory")
}

/// A small calendar of one event per `(uid, summary, date)`, dates as
/// `YYYYMMDD`.
pub fn ics(events: &[(&str, &str, &str)]) -> String {
    let mut text =
        String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//confcal tests//EN\r\n");
    for (uid, summary, date) in events {
        let _ = write!(
            text,
            "BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20300101T000000Z\r\nDTSTART;VALUE=DATE:{date}\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\n"
        );
    }
    text.push_str("END:VCALENDAR\r\n");
    text
}
