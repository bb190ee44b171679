//! The routes over real HTTP on loopback, with a fixed clock.

use std::io::Read as _;

use reqwest::StatusCode as Status;
use tempfile::TempDir;
use tokio::net::TcpListener;
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
        undelivered: Vec::new(),
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
    let limits = Limits::from(&config.server);
    let task = tokio::spawn(serve(
        listener,
        routes(Arc::clone(&shared)),
        limits,
        shutdown,
    ));
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
    let path = "/calendar.ics?kind=summit&kind=hackathon&kind=meetup&tag=xen&tag=kvm&source=alpha";
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
    let server = start(Some("s3cret-t0ken-1")).await;
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
        server.text("/calendar.ics?token=s3cret-t0ken-1").await.0,
        Status::OK
    );
    assert_eq!(
        server
            .text("/upcoming.json?token=s3cret-t0ken-1&days=7")
            .await
            .0,
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
        watched: false,
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
    let server = start(Some("s3cret-t0ken-1")).await;
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
    assert!(!body.contains("s3cret-t0ken-1"), "{body}");
    let mut sick = snapshot(&server.publish.borrow().config, 2);
    sick.sources[1].status = Health::Stale;
    server.publish.send(Arc::new(sick)).unwrap();
    let health: serde_json::Value = serde_json::from_str(&server.text("/healthz").await.1).unwrap();
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_first_requests_share_one_render() {
    let server = start(None).await;
    let requests = (0..8).map(|_| server.text("/calendar.ics?tag=ovirt"));
    let bodies = futures_util::future::join_all(requests).await;
    assert!(bodies.windows(2).all(|pair| pair[0] == pair[1]));
    assert_eq!(server.renders(), 1);
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
    let server = start(Some("s3cret-t0ken-1")).await;
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
