//! `confcal serve` end to end: the real binary on a free loopback port,
//! asked over HTTP. The feed holds what a curated and an iCalendar source
//! say (byte for byte what `confcal export` writes), with the right
//! headers, and every `kind`/`tag`/`source` filter keeps what it should;
//! `If-None-Match` and gzip work; a token guards the feed but not
//! `/healthz`, a reload does not drop it, `/upcoming.json` is what
//! `confcal upcoming --format json` prints, and serving beyond loopback
//! without a token is refused; `/healthz` names a broken source; a changed
//! file (written in place, renamed over, renamed into a watched folder or
//! into a folder created after the start), SIGHUP and a remote source's
//! scheduled refresh all reach the feed with a new `ETag`, and a broken
//! configuration keeps the running one; readers never see half of one
//! version and half of the next; SIGTERM lets a request in flight finish
//! and exits cleanly, even right after the daemon said it listens.

mod common;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use common::Setup;
use common::daemon::Daemon;
use common::http::{Reply, Server, ics};

/// The pretend time the daemons start at: everything below is upcoming.
const NOW: &str = "2015-04-05T00:00:00Z";

/// How long a change may take to reach the feed.
const WAIT: Duration = Duration::from_secs(10);

/// A curated source: a conference with two deadlines, and a hackathon.
const CURATED: &str = r#"
[[event]]
name = "KVM Forum 2015"
kind = "conference"
start = 2015-08-19
end = 2015-08-21

[[event.deadline]]
kind = "cfp"
due = 2015-05-01

[[event.deadline]]
kind = "registration"
due = 2015-07-01

[[event]]
name = "Virt Hackathon 2015"
kind = "hackathon"
start = 2015-06-10
tags = ["ovirt"]
"#;

/// An iCalendar source: a summit and a meetup, their kinds as categories.
const SCHEDULE: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//confcal tests//EN\r\n\
BEGIN:VEVENT\r\nUID:xen-summit@serve.test\r\nDTSTAMP:20150101T000000Z\r\n\
DTSTART;VALUE=DATE:20150817\r\nSUMMARY:Xen Summit 2015\r\nCATEGORIES:summit\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:xen-meetup@serve.test\r\nDTSTAMP:20150101T000000Z\r\n\
DTSTART;VALUE=DATE:20150420\r\nSUMMARY:Xen Meetup\r\nCATEGORIES:meetup\r\nEND:VEVENT\r\n\
END:VCALENDAR\r\n";

const FORUM: &str = "KVM Forum 2015";
const CFP: &str = "CFP closes: KVM Forum 2015";
const REGISTRATION: &str = "Registration closes: KVM Forum 2015";
const HACKATHON: &str = "Virt Hackathon 2015";
const SUMMIT: &str = "Xen Summit 2015";
const MEETUP: &str = "Xen Meetup";
const EVERYTHING: [&str; 6] = [FORUM, CFP, REGISTRATION, HACKATHON, SUMMIT, MEETUP];

const TOKEN: &str = "s3cret-T0ken";

/// The top of a test configuration: `name` as the calendar's name, state
/// in `state/`, reminders only logged, and `extra` (a `[server]` table).
fn head(name: &str, extra: &str) -> String {
    format!(
        "calendar_name = \"{name}\"\ndefault_timezone = \"UTC\"\nstate_dir = \"state\"\n\n[reminders]\nnotifiers = [\"log\"]\n\n{extra}\n"
    )
}

/// The configuration of [`two_sources`].
fn two_sources_config(name: &str, extra: &str) -> String {
    head(name, extra)
        + "[[source]]\nname = \"conferences\"\nkind = \"curated\"\npath = \"curated.toml\"\ntags = [\"kvm\"]\n\n\
           [[source]]\nname = \"schedule\"\nkind = \"ics\"\npath = \"schedule.ics\"\ntags = [\"xen\"]\n"
}

/// Two sources: `conferences` (curated, tagged `kvm`) and `schedule`
/// (iCalendar, tagged `xen`).
fn two_sources(extra: &str) -> Setup {
    Setup::with_config(&two_sources_config("Serve test", extra))
        .file("curated.toml", CURATED)
        .file("schedule.ics", SCHEDULE)
}

/// A blocking HTTP client that takes no gzip unless a test asks for it
/// and never goes through a proxy.
struct Http {
    runtime: tokio::runtime::Runtime,
    client: reqwest::Client,
}

/// One answer, read whole.
struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

impl Http {
    fn new() -> Http {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let client = reqwest::Client::builder()
            .no_gzip()
            .no_brotli()
            .no_proxy()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("an HTTP client");
        Http { runtime, client }
    }

    fn try_get(&self, url: &str, headers: &[(&str, &str)]) -> reqwest::Result<Answer> {
        self.runtime.block_on(async {
            let mut request = self.client.get(url);
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            let response = request.send().await?;
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let body = response.bytes().await?.to_vec();
            Ok(Answer {
                status,
                headers,
                body,
            })
        })
    }

    /// `GET path` from `daemon` with `headers`; any answer will do.
    #[track_caller]
    fn get(&self, daemon: &Daemon, path: &str, headers: &[(&str, &str)]) -> Answer {
        let url = daemon.url(path);
        match self.try_get(&url, headers) {
            Ok(answer) => answer,
            Err(e) => panic!(
                "GET {url} failed: {e}\n--- daemon log ---\n{}",
                daemon.log()
            ),
        }
    }

    /// `GET path`, which must be a 200 iCalendar feed.
    #[track_caller]
    fn feed(&self, daemon: &Daemon, path: &str) -> Answer {
        let answer = self.get(daemon, path, &[]);
        assert_eq!(
            (answer.status, answer.header("content-type")),
            (200, "text/calendar; charset=utf-8"),
            "GET {path}:\n{}\n--- daemon log ---\n{}",
            answer.text(),
            daemon.log()
        );
        answer
    }
}

impl Answer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A header's value, or "" when it is missing.
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    fn etag(&self) -> String {
        self.header("etag").to_owned()
    }

    /// The feed's event titles, sorted.
    fn summaries(&self) -> Vec<String> {
        summaries(&self.text())
    }
}

/// The `SUMMARY` of every `VEVENT` (not of its alarms), unfolded and
/// unescaped, sorted.
fn summaries(feed: &str) -> Vec<String> {
    let unfolded = feed
        .replace("\r\n", "\n")
        .replace("\n ", "")
        .replace("\n\t", "");
    let mut open: Vec<&str> = Vec::new();
    let mut found = Vec::new();
    for line in unfolded.lines() {
        if let Some(component) = line.strip_prefix("BEGIN:") {
            open.push(component);
        } else if line.starts_with("END:") {
            open.pop();
        } else if open.last() == Some(&"VEVENT")
            && let Some((name, value)) = line.split_once(':')
            && name.split(';').next() == Some("SUMMARY")
        {
            found.push(
                value
                    .replace("\\,", ",")
                    .replace("\\;", ";")
                    .replace("\\\\", "\\"),
            );
        }
    }
    found.sort();
    found
}

/// `feed` with every `DTSTAMP` value blanked.
fn without_dtstamp(feed: &str) -> String {
    feed.split_inclusive('\n')
        .map(|line| {
            if line.starts_with("DTSTAMP:") {
                "DTSTAMP:-\r\n"
            } else {
                line
            }
        })
        .collect()
}

/// `names`, sorted, as owned strings.
fn sorted(names: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    names.sort();
    names
}

/// A strong `ETag`: quoted, not `W/`.
fn is_strong(etag: &str) -> bool {
    etag.len() > 2 && etag.starts_with('"') && etag.ends_with('"')
}

/// Asks `probe` every 50 ms until it gives something, for at most
/// [`WAIT`]; fails saying `what` was awaited, with the daemon's log.
#[track_caller]
fn poll<T>(daemon: &Daemon, what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(found) = probe() {
            return found;
        }
        assert!(
            Instant::now() < deadline,
            "waited {WAIT:?} for {what}\n--- daemon log ---\n{}",
            daemon.log()
        );
        thread::sleep(Duration::from_millis(50));
    }
}

fn instant(text: &str) -> DateTime<Utc> {
    text.parse().expect("an RFC 3339 instant")
}

#[test]
fn the_feed_holds_both_sources_and_every_filter_keeps_what_it_should() {
    let setup = two_sources("");
    let daemon = Daemon::start(&setup, NOW, &[]);
    let http = Http::new();
    let feed = http.feed(&daemon, "/calendar.ics");
    let log = daemon.log();
    let etag = feed.etag();
    assert!(is_strong(&etag), "a strong ETag, not `{etag}`\n{log}");
    let modified = httpdate::parse_http_date(feed.header("last-modified")).map_or_else(
        |e| panic!("Last-Modified `{}`: {e}", feed.header("last-modified")),
        DateTime::<Utc>::from,
    );
    let start = instant(NOW);
    assert!(
        modified >= start && modified < start + chrono::Duration::minutes(1),
        "Last-Modified {modified} is when the daemon (started at {NOW}) built its feed\n{log}"
    );
    let text = feed.text();
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n"), "{text}");
    assert!(text.contains("\r\nX-WR-CALNAME:Serve test\r\n"), "{text}");
    assert_eq!(feed.summaries(), sorted(&EVERYTHING), "{text}\n{log}");
    // Byte for byte what `confcal export` writes, but for `DTSTAMP` (the
    // moment the daemon built its feed, a little after `--now`).
    let exported = setup.run(&["--now", NOW, "export"]).ok().stdout;
    assert_eq!(without_dtstamp(&text), without_dtstamp(&exported));

    let cases: &[(&str, &[&str])] = &[
        ("/calendar.ics?kind=conference", &[FORUM]),
        ("/calendar.ics?kind=cfp", &[CFP]),
        // Event kinds and deadline kinds, repeated: any of them.
        (
            "/calendar.ics?kind=conference&kind=cfp&kind=summit",
            &[FORUM, CFP, SUMMIT],
        ),
        (
            "/calendar.ics?kind=registration&kind=meetup",
            &[REGISTRATION, MEETUP],
        ),
        ("/calendar.ics?tag=xen", &[SUMMIT, MEETUP]),
        ("/calendar.ics?tag=OVIRT", &[HACKATHON]),
        (
            "/calendar.ics?tag=ovirt&tag=xen",
            &[HACKATHON, SUMMIT, MEETUP],
        ),
        ("/calendar.ics?source=schedule", &[SUMMIT, MEETUP]),
        (
            "/calendar.ics?source=conferences",
            &[FORUM, CFP, REGISTRATION, HACKATHON],
        ),
        (
            "/calendar.ics?source=schedule&source=conferences",
            &EVERYTHING,
        ),
        ("/calendar.ics?source=nobody", &[]),
        // Across keys: all of them.
        (
            "/calendar.ics?kind=hackathon&kind=summit&tag=kvm",
            &[HACKATHON],
        ),
        (
            "/calendar.ics?kind=hackathon&kind=summit&source=schedule",
            &[SUMMIT],
        ),
        (
            "/calendar.ics?kind=registration&kind=meetup&tag=kvm&source=conferences",
            &[REGISTRATION],
        ),
        ("/calendar.ics?kind=cfp&source=schedule", &[]),
        ("/deadlines.ics", &[CFP, REGISTRATION]),
        ("/deadlines.ics?kind=cfp&kind=conference", &[CFP]),
        ("/deadlines.ics?tag=xen", &[]),
        ("/events.ics", &[FORUM, HACKATHON, SUMMIT, MEETUP]),
        ("/events.ics?kind=cfp&kind=conference", &[FORUM]),
        ("/events.ics?tag=kvm", &[FORUM, HACKATHON]),
        ("/events.ics?tag=kvm&source=schedule", &[]),
    ];
    for (path, expected) in cases {
        let answer = http.feed(&daemon, path);
        assert_eq!(
            answer.summaries(),
            sorted(expected),
            "GET {path}:\n{}",
            answer.text()
        );
        assert!(answer.text().contains("X-WR-CALNAME:Serve test"), "{path}");
    }

    for path in [
        "/calendar.ics?kind=party",
        "/events.ics?kind=conference&kind=party",
        "/deadlines.ics?kind=party",
    ] {
        let answer = http.get(&daemon, path, &[]);
        assert_eq!(answer.status, 400, "GET {path}: {}", answer.text());
        assert!(
            answer.text().starts_with("unknown kind `party`"),
            "GET {path}: {}",
            answer.text()
        );
    }
    daemon.stop();
}

#[test]
fn if_none_match_gives_not_modified_and_gzip_decodes_to_the_same_body() {
    let setup = two_sources("");
    let daemon = Daemon::start(&setup, NOW, &[]);
    let http = Http::new();
    let plain = http.feed(&daemon, "/calendar.ics");
    let etag = plain.etag();
    assert_eq!(plain.header("content-encoding"), "");

    let again = http.get(&daemon, "/calendar.ics", &[("if-none-match", &etag)]);
    assert_eq!(again.status, 304, "{}\n{}", again.text(), daemon.log());
    assert!(again.body.is_empty(), "a 304 has no body: {}", again.text());
    assert_eq!(again.etag(), etag);
    let other = http.get(&daemon, "/calendar.ics", &[("if-none-match", "\"other\"")]);
    assert_eq!(other.status, 200);
    assert_eq!(other.body, plain.body);
    // Another route is another representation.
    let deadlines = http.get(&daemon, "/deadlines.ics", &[("if-none-match", &etag)]);
    assert_eq!(deadlines.status, 200, "{}", deadlines.text());

    let gz = http.get(&daemon, "/calendar.ics", &[("accept-encoding", "gzip")]);
    assert_eq!(gz.status, 200, "{}", daemon.log());
    assert_eq!(gz.header("content-encoding"), "gzip");
    assert_eq!(gz.header("content-type"), "text/calendar; charset=utf-8");
    assert!(
        gz.header("vary")
            .to_ascii_lowercase()
            .contains("accept-encoding"),
        "Vary: `{}`",
        gz.header("vary")
    );
    let gz_etag = gz.etag();
    assert!(
        is_strong(&gz_etag) && gz_etag != etag,
        "{gz_etag} vs {etag}"
    );
    assert!(gz.body.starts_with(&[0x1f, 0x8b]), "raw gzip on the wire");
    assert!(gz.body.len() < plain.body.len());
    let mut decoded = Vec::new();
    flate2::read::GzDecoder::new(&gz.body[..])
        .read_to_end(&mut decoded)
        .expect("valid gzip");
    assert!(decoded == plain.body, "gzip decodes to the identity body");

    let headers = [
        ("accept-encoding", "gzip"),
        ("if-none-match", gz_etag.as_str()),
    ];
    let again = http.get(&daemon, "/calendar.ics", &headers);
    assert_eq!(again.status, 304, "{}", again.text());
    assert!(again.body.is_empty());
    daemon.stop();
}

#[test]
fn a_token_guards_the_feed_but_not_healthz_and_upcoming_json_is_what_the_cli_prints() {
    let setup = two_sources(&format!("[server]\ntoken = \"{TOKEN}\"\n"));
    let daemon = Daemon::start(&setup, NOW, &[]);
    let http = Http::new();
    for path in [
        "/calendar.ics",
        "/deadlines.ics",
        "/events.ics",
        "/upcoming.json?days=30",
    ] {
        let answer = http.get(&daemon, path, &[]);
        assert_eq!(answer.status, 401, "GET {path}: {}", answer.text());
        assert!(answer.text().contains("token"), "{}", answer.text());
    }
    let wrong = http.get(&daemon, "/calendar.ics?token=s3cret", &[]);
    assert_eq!(wrong.status, 403, "{}", wrong.text());
    assert!(!wrong.text().contains(TOKEN), "{}", wrong.text());
    let feed = http.feed(&daemon, &format!("/calendar.ics?token={TOKEN}"));
    assert_eq!(feed.summaries(), sorted(&EVERYTHING));
    let feed = http.feed(&daemon, &format!("/deadlines.ics?kind=cfp&token={TOKEN}"));
    assert_eq!(feed.summaries(), sorted(&[CFP]));
    let health = http.get(&daemon, "/healthz", &[]);
    assert_eq!(health.status, 200, "{}", health.text());
    assert!(!health.text().contains(TOKEN), "{}", health.text());

    let answer = http.get(
        &daemon,
        &format!("/upcoming.json?days=30&token={TOKEN}"),
        &[],
    );
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(answer.header("content-type"), "application/json");
    let served: serde_json::Value = serde_json::from_slice(&answer.body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", answer.text()));
    let printed = setup
        .run(&["--now", NOW, "upcoming", "--days", "30", "--format", "json"])
        .ok()
        .json();
    assert_eq!(served, printed, "/upcoming.json and `confcal upcoming`");
    let titles: Vec<&str> = served
        .as_array()
        .expect("an array")
        .iter()
        .filter_map(|i| i["title"].as_str())
        .collect();
    assert_eq!(titles, [MEETUP, CFP], "the 30 days from {NOW}");
    daemon.stop();
}

#[test]
fn a_reload_that_drops_the_token_leaves_the_feed_guarded_until_a_restart() {
    let setup = two_sources(&format!("[server]\ntoken = \"{TOKEN}\"\n"));
    let daemon = Daemon::start(&setup, NOW, &[]);
    let http = Http::new();
    assert_eq!(http.get(&daemon, "/calendar.ics", &[]).status, 401);
    // No token any more, and a source renamed so `/healthz` shows the new
    // configuration is in use.
    let config = two_sources_config("Serve test", "").replace("\"schedule\"", "\"talks\"");
    std::fs::write(setup.path("config.toml"), config).expect("a write");
    daemon.signal("HUP");
    poll(&daemon, "the new configuration in use", || {
        let health = http.get(&daemon, "/healthz", &[]);
        let health: serde_json::Value = serde_json::from_slice(&health.body).ok()?;
        let names = health["sources"].as_array()?;
        names.iter().any(|s| s["name"] == "talks").then_some(())
    });
    let log = daemon.log();
    assert!(
        log.contains("`[server]` changes take effect when confcal is restarted"),
        "{log}"
    );
    let answer = http.get(&daemon, "/calendar.ics", &[]);
    assert_eq!(
        answer.status, 401,
        "the daemon says `[server]` changes wait for a restart, yet after the reload it serves \
         the feed without a token (bound to 0.0.0.0 this opens the feed to the network, which \
         `confcal serve` refuses at start)\n--- daemon log ---\n{log}"
    );
    let answer = http.get(&daemon, &format!("/calendar.ics?token={TOKEN}"), &[]);
    assert_eq!(answer.status, 200, "{}", answer.text());
    daemon.stop();
}

/// Runs `confcal serve ARGS` in `setup`, which must exit by itself within
/// a minute; its status and standard error.
fn serve_alone(setup: &Setup, args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_confcal"))
        .args([
            "--config",
            setup.path("config.toml").to_str().expect("UTF-8"),
        ])
        .args(["--now", NOW, "serve"])
        .args(args)
        .current_dir(setup.path(""))
        .env_remove("CONFCAL_CONFIG")
        .env("XDG_STATE_HOME", setup.path("state"))
        .env("TZ", "UTC")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("confcal serve starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().expect("its status").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let output = child.wait_with_output().expect("its output");
            panic!(
                "confcal serve {args:?} kept running:\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().expect("its output");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn serving_beyond_loopback_without_a_token_is_refused() {
    let setup = two_sources("");
    for bind in ["0.0.0.0:0", "[::]:0"] {
        let (status, stderr) = serve_alone(&setup, &["--bind", bind]);
        assert!(
            status.is_some_and(|s| s != 0),
            "--bind {bind}: exit status {status:?}\n{stderr}"
        );
        assert!(
            stderr.contains("without a token") && stderr.contains("`[server] token`"),
            "--bind {bind}: the message names the token:\n{stderr}"
        );
    }
    let bound = two_sources("[server]\nbind = \"0.0.0.0:0\"\n");
    let (status, stderr) = serve_alone(&bound, &[]);
    assert!(status.is_some_and(|s| s != 0), "{status:?}\n{stderr}");
    assert!(stderr.contains("token"), "{stderr}");
}

/// The sources of `/healthz`, by name.
fn health_of(health: &serde_json::Value, name: &str) -> serde_json::Value {
    health["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no source `{name}` in {health:#}"))
        .clone()
}

#[test]
fn healthz_lists_every_source_and_names_a_broken_one() {
    let http = Http::new();
    let setup = two_sources("");
    let daemon = Daemon::start(&setup, NOW, &[]);
    let answer = http.get(&daemon, "/healthz", &[]);
    assert_eq!(answer.status, 200, "{}", daemon.log());
    assert_eq!(answer.header("content-type"), "application/json");
    let health: serde_json::Value = serde_json::from_slice(&answer.body).expect("JSON");
    assert_eq!(health["status"], "ok", "{health:#}");
    let names: Vec<&str> = health["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(names, ["conferences", "schedule"], "{health:#}");
    for (name, kind) in [("conferences", "curated"), ("schedule", "ics")] {
        let source = health_of(&health, name);
        assert_eq!(source["status"], "ok", "{health:#}");
        assert_eq!(source["kind"], kind, "{health:#}");
        assert_eq!(source["problems"], serde_json::json!([]), "{health:#}");
    }
    assert_eq!(
        (&health["events"], &health["deadlines"]),
        (&4.into(), &2.into())
    );
    daemon.stop();

    let broken = two_sources("").file(
        "curated.toml",
        "[[event]]\nname = \"Broken\nstart = 2015-06-01\n",
    );
    let daemon = Daemon::start(&broken, NOW, &[]);
    let answer = http.get(&daemon, "/healthz", &[]);
    assert_eq!(answer.status, 200, "{}", daemon.log());
    let health: serde_json::Value = serde_json::from_slice(&answer.body).expect("JSON");
    assert_eq!(health["status"], "degraded", "{health:#}");
    let sick = health_of(&health, "conferences");
    assert_eq!(sick["status"], "problems", "{health:#}");
    let problems = sick["problems"].as_array().expect("problems");
    assert!(
        problems.len() == 1
            && problems[0]
                .as_str()
                .is_some_and(|p| p.contains("curated.toml:2:15")),
        "the problem names the file and line: {health:#}"
    );
    assert_eq!(health_of(&health, "schedule")["status"], "ok", "{health:#}");
    let feed = http.feed(&daemon, "/calendar.ics");
    assert_eq!(
        feed.summaries(),
        sorted(&[SUMMIT, MEETUP]),
        "{}",
        daemon.log()
    );
    daemon.stop();
}

#[test]
fn a_source_file_changed_in_place_or_replaced_reaches_the_feed_with_a_new_etag() {
    let setup = two_sources("").file("staging/.keep", "");
    let daemon = Daemon::start(&setup, NOW, &[]);
    let http = Http::new();
    let before = http.feed(&daemon, "/calendar.ics");
    let late =
        "\n[[event]]\nname = \"Late Addition 2015\"\nkind = \"workshop\"\nstart = 2015-05-20\n";
    std::fs::write(setup.path("curated.toml"), format!("{CURATED}{late}")).expect("a write");
    let after = poll(&daemon, "the new event in the feed", || {
        let feed = http.feed(&daemon, "/calendar.ics");
        feed.text()
            .contains("SUMMARY:Late Addition 2015")
            .then_some(feed)
    });
    let mut expected = EVERYTHING.to_vec();
    expected.push("Late Addition 2015");
    assert_eq!(after.summaries(), sorted(&expected));
    assert_ne!(after.etag(), before.etag(), "a new body has a new ETag");
    let asked = http.get(
        &daemon,
        "/calendar.ics",
        &[("if-none-match", &before.etag())],
    );
    assert_eq!(asked.status, 200, "the old ETag is no longer current");

    // An editor's save: a new file renamed over the old one.
    let staged = setup.path("staging/curated.toml");
    let replaced = late.replace("Late Addition", "Replaced Addition");
    std::fs::write(&staged, format!("{CURATED}{replaced}")).expect("a write");
    std::fs::rename(&staged, setup.path("curated.toml")).expect("a rename");
    let last = poll(&daemon, "the replaced file in the feed", || {
        let feed = http.feed(&daemon, "/calendar.ics");
        feed.text()
            .contains("SUMMARY:Replaced Addition 2015")
            .then_some(feed)
    });
    expected.pop();
    expected.push("Replaced Addition 2015");
    assert_eq!(last.summaries(), sorted(&expected));
    assert_ne!(last.etag(), after.etag());
    let log = daemon.stop();
    assert!(!log.contains("SIGHUP"), "the file watcher did it:\n{log}");
}

#[test]
fn a_source_folder_created_after_the_start_is_watched_once_it_exists() {
    let config = head("Serve test", "")
        + "[[source]]\nname = \"later\"\nkind = \"curated\"\npath = \"feeds\"\n";
    let setup = Setup::with_config(&config);
    let daemon = Daemon::start(&setup, NOW, &[]);
    let http = Http::new();
    let problems = |daemon: &Daemon| {
        let health = http.get(daemon, "/healthz", &[]);
        let health: serde_json::Value = serde_json::from_slice(&health.body).expect("JSON");
        health_of(&health, "later")["problems"].to_string()
    };
    let missing = problems(&daemon);
    assert!(missing.contains("cannot read `"), "{missing}");
    std::fs::create_dir(setup.path("feeds")).expect("a folder");
    poll(&daemon, "the new folder to be noticed", || {
        problems(&daemon)
            .contains("holds no `.toml` files")
            .then_some(())
    });
    let event = "[[event]]\nname = \"Late Addition 2015\"\nstart = 2015-05-20\n";
    std::fs::write(setup.path("feeds/late.toml"), event).expect("a write");
    let deadline = Instant::now() + WAIT;
    while !http
        .feed(&daemon, "/calendar.ics")
        .text()
        .contains("SUMMARY:Late Addition 2015")
    {
        assert!(
            Instant::now() < deadline,
            "a file written in `feeds/`, a source folder created after the start, never \
             reached the feed\n--- daemon log ---\n{}",
            daemon.log()
        );
        thread::sleep(Duration::from_millis(50));
    }
    daemon.stop();
}

#[test]
fn sighup_keeps_the_running_configuration_when_the_new_one_is_broken_and_applies_a_fixed_one() {
    let setup = two_sources("");
    let daemon = Daemon::start(&setup, NOW, &[]);
    let http = Http::new();
    let before = http.feed(&daemon, "/calendar.ics");
    assert!(before.text().contains("\r\nX-WR-CALNAME:Serve test\r\n"));

    let broken = format!("{}this is = = not toml\n", two_sources_config("Broken", ""));
    std::fs::write(setup.path("config.toml"), broken).expect("a write");
    daemon.signal("HUP");
    // The reload after SIGHUP (the file watcher may have tried before).
    poll(&daemon, "the broken configuration to be reported", || {
        let log = daemon.log();
        let hup = log.find("SIGHUP: reloading")?;
        log[hup..]
            .contains("configuration not reloaded, still running with the previous one")
            .then_some(())
    });
    let log = daemon.log();
    assert!(
        log.contains("config.toml:"),
        "the error names the file:\n{log}"
    );
    let still = http.feed(&daemon, "/calendar.ics");
    assert_eq!(still.summaries(), sorted(&EVERYTHING), "{log}");
    assert!(
        still.text().contains("\r\nX-WR-CALNAME:Serve test\r\n"),
        "{log}"
    );
    assert_eq!(still.etag(), before.etag(), "the very same feed:\n{log}");

    let fixed = two_sources_config("Renamed feed", "");
    std::fs::write(setup.path("config.toml"), fixed).expect("a write");
    daemon.signal("HUP");
    let after = poll(&daemon, "the new calendar name in the feed", || {
        let feed = http.feed(&daemon, "/calendar.ics");
        feed.text()
            .contains("\r\nX-WR-CALNAME:Renamed feed\r\n")
            .then_some(feed)
    });
    assert_eq!(after.summaries(), sorted(&EVERYTHING));
    assert_ne!(after.etag(), before.etag());
    let log = daemon.stop();
    assert!(log.contains("configuration reloaded from"), "{log}");
}

/// The remote source's calendar: one talk, its title marked `version`.
fn remote_calendar(version: &str) -> Reply {
    Reply::Calendar {
        body: ics(&[(
            "remote-talk@serve.test",
            &format!("Remote Talk {version}"),
            "20150501",
        )]),
        etag: Some(format!("\"{version}\"")),
        last_modified: None,
    }
}

/// The daemon starts 4 s before a full minute: it fetches the remote
/// source at once (never fetched), and again at the minute, as
/// `refresh = "* * * * *"` says.
const BEFORE_THE_MINUTE: &str = "2015-04-05T00:00:56Z";

#[test]
fn a_remote_source_refreshed_on_its_schedule_reaches_the_feed_with_a_new_etag() {
    let server = Server::start();
    server.reply("/talks.ics", remote_calendar("v1"));
    let config = head("Serve test", "")
        + &format!(
            "[[source]]\nname = \"remote\"\nkind = \"ics\"\nurl = \"{}\"\nrefresh = \"* * * * *\"\n",
            server.url("/talks.ics")
        );
    let setup = Setup::with_config(&config);
    let started = Instant::now();
    let daemon = Daemon::start(&setup, BEFORE_THE_MINUTE, &[]);
    let http = Http::new();
    let first = poll(&daemon, "the first fetch in the feed", || {
        let feed = http.feed(&daemon, "/calendar.ics");
        feed.text()
            .contains("SUMMARY:Remote Talk v1")
            .then_some(feed)
    });
    server.reply("/talks.ics", remote_calendar("v2"));
    let asked = server.requests("/talks.ics");
    assert_eq!(
        asked.len(),
        1,
        "the test changed the remote body {:?} after the start, too late for the \
         refresh due at 00:01:00 (the machine is too slow for this test's timing)\n{}",
        started.elapsed(),
        daemon.log()
    );
    let second = poll(&daemon, "the scheduled refresh in the feed", || {
        let feed = http.feed(&daemon, "/calendar.ics");
        feed.text()
            .contains("SUMMARY:Remote Talk v2")
            .then_some(feed)
    });
    assert_eq!(second.summaries(), ["Remote Talk v2"]);
    assert_ne!(second.etag(), first.etag(), "a new body has a new ETag");
    let asked = server.requests("/talks.ics");
    assert_eq!(asked.len(), 2, "{asked:?}\n{}", daemon.log());
    assert_eq!(
        asked[1].if_none_match.as_deref(),
        Some("\"v1\""),
        "the refresh is conditional"
    );
    let health: serde_json::Value =
        serde_json::from_slice(&http.get(&daemon, "/healthz", &[]).body).expect("JSON");
    let remote = health_of(&health, "remote");
    assert_eq!(remote["status"], "ok", "{health:#}");
    let fetched = instant(remote["fetched"].as_str().expect("when it was fetched"));
    assert!(
        fetched >= instant("2015-04-05T00:01:00Z"),
        "{health:#}\n{}",
        daemon.log()
    );
    daemon.stop();
}

/// How many events the versioned source holds.
const TALKS: usize = 50;

/// [`TALKS`] talks, each title marked `v{version}`.
fn talks(version: u32) -> String {
    let mut text = String::new();
    for i in 0..TALKS {
        let day = 1 + i % 28;
        let _ = write!(
            text,
            "[[event]]\nuid = \"talk-{i:02}@serve.test\"\nname = \"Talk {i:02} v{version}\"\nkind = \"talk\"\nstart = 2015-05-{day:02}\n\n"
        );
    }
    text
}

/// The version every talk of `feed` carries; an error unless it holds
/// each talk once, all of one version.
fn version_of(feed: &str) -> Result<u32, String> {
    let titles = summaries(feed);
    let mut talks = BTreeSet::new();
    let mut versions = BTreeSet::new();
    for title in &titles {
        let parsed = title
            .strip_prefix("Talk ")
            .and_then(|t| t.split_once(" v"))
            .and_then(|(n, v)| Some((n.parse::<usize>().ok()?, v.parse::<u32>().ok()?)));
        let Some((talk, version)) = parsed else {
            return Err(format!("an odd title `{title}`"));
        };
        talks.insert(talk);
        versions.insert(version);
    }
    match versions.iter().collect::<Vec<_>>()[..] {
        [version] if titles.len() == TALKS && talks.len() == TALKS => Ok(*version),
        _ => Err(format!(
            "{} titles of {} talks in versions {versions:?}: {titles:?}",
            titles.len(),
            talks.len()
        )),
    }
}

/// Writes `text` to `staging/talks.toml`, then renames it over
/// `feeds/talks.toml`: the daemon never sees a half-written file.
fn replace_atomically(setup: &Setup, text: &str) {
    let staged = setup.path("staging/talks.toml");
    std::fs::write(&staged, text).expect("a staged file");
    std::fs::rename(&staged, setup.path("feeds/talks.toml")).expect("a rename");
}

#[test]
fn readers_never_see_half_of_one_version_and_half_of_the_next() {
    let config = head("Serve test", "")
        + "[[source]]\nname = \"talks\"\nkind = \"curated\"\npath = \"feeds\"\n";
    let setup = Setup::with_config(&config)
        .file("feeds/talks.toml", &talks(1))
        .file("staging/.keep", "");
    let daemon = Daemon::start(&setup, NOW, &[]);
    let url = daemon.url("/calendar.ics");
    assert_eq!(
        version_of(&Http::new().feed(&daemon, "/calendar.ics").text()),
        Ok(1)
    );

    let stop = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..3)
        .map(|_| {
            let (url, stop) = (url.clone(), Arc::clone(&stop));
            thread::spawn(move || -> Result<(usize, BTreeSet<u32>), String> {
                let http = Http::new();
                let mut seen = BTreeSet::new();
                let mut answers = 0;
                let mut last = 0;
                while !stop.load(Ordering::Relaxed) {
                    let answer = http.try_get(&url, &[]).map_err(|e| e.to_string())?;
                    if answer.status != 200 {
                        return Err(format!("status {}: {}", answer.status, answer.text()));
                    }
                    let version = version_of(&answer.text())?;
                    if version < last {
                        return Err(format!("version {version} after {last}"));
                    }
                    last = version;
                    seen.insert(version);
                    answers += 1;
                }
                Ok((answers, seen))
            })
        })
        .collect();
    let started = Instant::now();
    let mut version = 1;
    while started.elapsed() < Duration::from_secs(3) {
        version += 1;
        replace_atomically(&setup, &talks(version));
        thread::sleep(Duration::from_millis(120));
    }
    stop.store(true, Ordering::Relaxed);
    let (mut seen, mut answers) = (BTreeSet::new(), 0);
    for reader in readers {
        match reader.join().expect("a reader thread") {
            Ok((count, versions)) => {
                answers += count;
                seen.extend(versions);
            }
            Err(e) => panic!(
                "a reader got a mixed feed: {e}\n--- daemon log ---\n{}",
                daemon.log()
            ),
        }
    }
    let http = Http::new();
    poll(&daemon, &format!("version {version} in the feed"), || {
        let feed = http.feed(&daemon, "/calendar.ics");
        (version_of(&feed.text()) == Ok(version)).then_some(())
    });
    assert!(
        seen.len() >= 3 && answers >= 30,
        "{answers} answers of versions {seen:?} of 1..={version}: renames into the folder were not noticed?\n{}",
        daemon.log()
    );
    daemon.stop();
}

/// A feed of about 9 MB: 1,500 deadlines with 50 alarms each. More than a
/// loopback socket buffers, so sending it takes a reader.
fn big_setup() -> Setup {
    let leads: Vec<String> = (1..=50).map(|d| format!("\"{d}d\"")).collect();
    let config = format!(
        "default_timezone = \"UTC\"\nstate_dir = \"state\"\n\n[reminders]\nnotifiers = [\"log\"]\nlead = [{}]\n\n[[source]]\nname = \"big\"\nkind = \"curated\"\npath = \"big.toml\"\n",
        leads.join(", ")
    );
    let mut events = String::new();
    for i in 0..1500 {
        let _ = write!(
            events,
            "[[event]]\nname = \"Big Event {i:04} 2015\"\nstart = 2015-09-01\n\n[[event.deadline]]\nkind = \"cfp\"\ndue = 2015-07-01\n\n"
        );
    }
    Setup::with_config(&config).file("big.toml", &events)
}

/// Reads from `stream` until the end of the headers; returns them and the
/// start of the body.
fn read_head(stream: &mut TcpStream) -> (String, Vec<u8>) {
    let mut read = Vec::new();
    let mut chunk = [0; 4096];
    loop {
        if let Some(end) = read.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&read[..end]).into_owned();
            return (head, read[end + 4..].to_vec());
        }
        let n = stream.read(&mut chunk).expect("the answer's head");
        assert!(n > 0, "the connection closed before the headers");
        read.extend_from_slice(&chunk[..n]);
    }
}

#[test]
fn sigterm_lets_a_request_in_flight_finish_then_exits_cleanly() {
    let setup = big_setup();
    let mut daemon = Daemon::start(&setup, NOW, &[]);
    let http = Http::new();
    assert_eq!(http.get(&daemon, "/healthz", &[]).status, 200);
    let mut stream = TcpStream::connect(&daemon.addr).expect("a connection");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("a timeout");
    let request = format!(
        "GET /calendar.ics HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        daemon.addr
    );
    stream.write_all(request.as_bytes()).expect("a request");
    let (head, mut body) = read_head(&mut stream);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let length: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse())
        })
        .expect("a Content-Length")
        .expect("a number");
    assert!(
        length > 8_000_000,
        "a body too big to be buffered: {length}"
    );

    // The body is still being sent: the daemon waits for it.
    daemon.signal("TERM");
    let early = daemon.wait_exit(Duration::from_millis(500));
    assert!(
        early.is_none(),
        "confcal serve exited ({early:?}) with a response half sent\n{}",
        daemon.log()
    );
    stream.read_to_end(&mut body).expect("the rest of the body");
    assert_eq!(body.len(), length, "the whole body arrived");
    let text = String::from_utf8(body).expect("UTF-8");
    assert!(text.ends_with("END:VCALENDAR\r\n"), "the end of the feed");
    assert_eq!(text.matches("BEGIN:VEVENT\r\n").count(), 3000);

    let status = daemon.wait_exit(Duration::from_secs(20));
    let log = daemon.log();
    assert!(
        status.is_some_and(|s| s.success()),
        "confcal serve ended with {status:?} after SIGTERM:\n{log}"
    );
    assert!(log.contains("SIGTERM: stopping"), "{log}");
    assert!(log.trim_end().ends_with("stopped"), "{log}");
    assert!(
        TcpStream::connect(&daemon.addr).is_err(),
        "nothing listens any more"
    );
}

/// Starts `confcal serve` (`$2`, in the folder `$1`, at `--now $3`) from a
/// shell that sends SIGTERM with its built-in `kill` the moment the daemon
/// prints its first line, as a supervisor would once the daemon says it is
/// ready; prints the daemon's exit status and that line.
const TERM_ONCE_LISTENING: &str = r#"
fifo="$1/stdout.$4"
mkfifo "$fifo"
"$2" --config "$1/config.toml" --now "$3" serve --bind 127.0.0.1:0 > "$fifo" 2> "$1/daemon.$4.log" &
pid=$!
echo "$pid" > "$1/pid.$4"
read -r line < "$fifo"
kill -TERM "$pid"
wait "$pid"
echo "$? $line"
"#;

/// Runs [`TERM_ONCE_LISTENING`]; what it printed and the daemon's log.
fn term_once_listening(setup: &Setup, attempt: usize) -> (String, String) {
    let dir = setup.path("");
    let dir = dir.to_str().expect("a UTF-8 path");
    let attempt = attempt.to_string();
    let mut shell = Command::new("sh")
        .args(["-c", TERM_ONCE_LISTENING, "sh", dir])
        .args([env!("CARGO_BIN_EXE_confcal"), NOW, &attempt])
        .current_dir(dir)
        .env_remove("CONFCAL_CONFIG")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env("XDG_STATE_HOME", setup.path("state"))
        .env("TZ", "UTC")
        .stdout(Stdio::piped())
        .spawn()
        .expect("sh runs");
    let log = || std::fs::read_to_string(setup.path(&format!("daemon.{attempt}.log")));
    let deadline = Instant::now() + Duration::from_secs(60);
    while shell.try_wait().expect("its status").is_none() {
        if Instant::now() > deadline {
            if let Ok(pid) = std::fs::read_to_string(setup.path(&format!("pid.{attempt}"))) {
                let _ = Command::new("kill").args(["-KILL", pid.trim()]).status();
            }
            let _ = shell.kill();
            panic!(
                "confcal serve did not stop within a minute of SIGTERM:\n{}",
                log().unwrap_or_default()
            );
        }
        thread::sleep(Duration::from_millis(20));
    }
    let output = shell.wait_with_output().expect("its output");
    let printed = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    (printed, log().unwrap_or_default())
}

#[test]
fn sigterm_right_after_it_says_it_listens_stops_it_cleanly() {
    let setup = two_sources("");
    // The window is short: try several times.
    for attempt in 1..=10 {
        let (printed, log) = term_once_listening(&setup, attempt);
        assert!(
            printed.starts_with("0 listening on http://127.0.0.1:")
                && log.trim_end().ends_with("stopped"),
            "attempt {attempt}: a SIGTERM sent once confcal serve printed `listening on` \
             did not stop it cleanly (exit status, first line: `{printed}`; 143 is killed by \
             the signal: its handlers were not installed yet)\n--- daemon log ---\n{log}"
        );
    }
}
