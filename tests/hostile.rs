//! Hostile input and faults, end to end through the real binary: a notice
//! the command notifier cannot start does not jam the ones behind it, and
//! one that can never be sent is recorded, shown and passed;
//! `serve --offline` fetches nothing; a source URL's key never reaches
//! `/healthz`, the log or `check`; slow and idle clients are cut off and
//! the connection cap holds; a damaged state file replays no reminder; a
//! slow source holds up no reminder; printed links carry any token; blank
//! and short tokens are refused; dense recurrences, year-10000 dates, NUL
//! bytes and a state folder that cannot be opened are each said, not
//! passed over.

mod common;

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::Setup;
use common::daemon::Daemon;
use common::http::{Reply, Server};

/// The pretend time the daemons start at.
const NOW: &str = "2015-04-05T00:00:00Z";

/// How long an awaited event may take.
const WAIT: Duration = Duration::from_secs(20);

/// The top of a configuration: state in `state/`, reminders 3 days ahead
/// through `notifiers`, and `extra` (more tables).
fn head(notifiers: &str, extra: &str) -> String {
    format!(
        "calendar_name = \"Hostile\"\ndefault_timezone = \"UTC\"\ndeadline_timezone = \"UTC\"\nstate_dir = \"state\"\n\n\
         [reminders]\nlead = [\"3d\"]\nnotifiers = [{notifiers}]\n{extra}\n"
    )
}

/// A curated source `conferences` reading `curated.toml`.
const CURATED_SOURCE: &str =
    "[[source]]\nname = \"conferences\"\nkind = \"curated\"\npath = \"curated.toml\"\n";

/// A curated event `name` with a CFP `due` (TOML date or date-time).
fn event(name: &str, due: &str) -> String {
    format!(
        "[[event]]\nname = \"{name}\"\nkind = \"conference\"\nstart = 2015-06-01\n\n\
         [[event.deadline]]\nkind = \"cfp\"\ndue = {due}\n\n"
    )
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
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `GET url` with a blocking client; the status and body.
fn get(url: &str) -> (u16, String) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("a client");
        match client.get(url).send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                (status, response.text().await.unwrap_or_default())
            }
            Err(e) => panic!("GET {url}: {e}"),
        }
    })
}

#[test]
fn a_notice_the_command_cannot_start_does_not_block_the_next() {
    // The first two titles could not be passed in the environment before:
    // a NUL byte, and one value over the kernel's 128 KiB limit.
    let long = "L".repeat(140 * 1024);
    let curated = event("Nul\\u0000Con 2015", "2015-04-07T22:00:00Z")
        + &event(&format!("Long {long} Con 2015"), "2015-04-07T22:30:00Z")
        + &event("Plain Con 2015", "2015-04-07T23:00:00Z");
    let command = "command = [\"/bin/sh\", \"-c\", \"echo \\\"$CONFCAL_EVENT\\\" | cut -c1-40 >> delivered.txt\"]\n";
    let setup = Setup::with_config(&(head("\"command\"", "") + command + CURATED_SOURCE))
        .file("curated.toml", &curated);
    let daemon = Daemon::start(&setup, NOW, &[]);
    let delivered = poll(&daemon, "the plain notice delivered", || {
        let text = std::fs::read_to_string(setup.path("delivered.txt")).ok()?;
        text.contains("Plain Con 2015").then_some(text)
    });
    assert!(delivered.contains("NulCon 2015"), "{delivered}");
    assert!(delivered.contains("Long LLLL"), "{delivered}");
    daemon.stop();
}

#[test]
fn a_notice_that_can_never_be_sent_is_recorded_shown_and_passed() {
    // No program can be started with a NUL byte in its arguments.
    let command = "command = [\"/bin/echo\", \"a\\u0000b\"]\n";
    let curated = event("First Con 2015", "2015-04-07T22:00:00Z")
        + &event("Second Con 2015", "2015-04-07T23:00:00Z");
    let setup = Setup::with_config(&(head("\"command\", \"log\"", "") + command + CURATED_SOURCE))
        .file("curated.toml", &curated);
    let daemon = Daemon::start(&setup, NOW, &[]);
    let health = poll(&daemon, "both notices in /healthz as undelivered", || {
        let (_, body) = get(&daemon.url("/healthz"));
        let health: serde_json::Value = serde_json::from_str(&body).ok()?;
        let undelivered = health["undelivered"].as_array()?.clone();
        (undelivered.len() == 2).then_some(undelivered)
    });
    assert_eq!(health[0]["notifier"], "command", "{health:?}");
    assert!(
        health[0]["error"]
            .as_str()
            .is_some_and(|e| e.contains("could not be started")),
        "{health:?}"
    );
    let log = daemon.stop();
    // The log notifier delivered both; the command's failures were logged
    // once each.
    let logged = |name: &str| {
        log.lines()
            .any(|l| l.contains(name) && !l.contains("can never deliver"))
    };
    assert!(
        logged("First Con 2015") && logged("Second Con 2015"),
        "{log}"
    );
    assert_eq!(log.matches("can never deliver").count(), 2, "{log}");
    let check = setup.run(&["--now", NOW, "check"]).ok();
    assert_eq!(
        check
            .stderr
            .matches("warning: the command notifier could never deliver")
            .count(),
        2,
        "{}",
        check.stderr
    );
}

#[test]
fn serve_offline_fetches_nothing() {
    let server = Server::start();
    server.reply(
        "/talks.ics",
        Reply::Calendar {
            body: common::http::ics(&[("t@x", "Remote Talk", "20150420")]),
            etag: None,
            last_modified: None,
        },
    );
    let remote = format!(
        "[[source]]\nname = \"talks\"\nkind = \"ics\"\nurl = \"{}\"\n",
        server.url("/talks.ics")
    );
    let curated = event("Soon Con 2015", "2015-04-07T23:00:00Z");
    let setup = Setup::with_config(&(head("\"log\"", "") + CURATED_SOURCE + &remote))
        .file("curated.toml", &curated);
    let daemon = Daemon::start_with(&setup, NOW, &["--offline"], &[]);
    // A reminder is delivered after the first refresh would have begun.
    poll(&daemon, "the reminder", || {
        daemon.log().contains("Soon Con 2015").then_some(())
    });
    let log = daemon.stop();
    assert_eq!(server.log().len(), 0, "requests made offline:\n{log}");
}

#[test]
fn a_source_urls_key_reaches_neither_healthz_nor_the_log_nor_check() {
    let server = Server::start();
    server.reply("/cal.ics", Reply::Html("<html>sign in</html>".to_owned()));
    let url = format!("{}?key=SECRET-4711", server.url("/cal.ics"));
    let remote = format!("[[source]]\nname = \"private\"\nkind = \"ics\"\nurl = \"{url}\"\n");
    let setup = Setup::with_config(&(head("\"log\"", "") + &remote));
    let daemon = Daemon::start(&setup, NOW, &[]);
    let health = poll(&daemon, "the failed fetch in /healthz", || {
        let (_, body) = get(&daemon.url("/healthz"));
        body.contains("\"last_error\":\"").then_some(body)
    });
    assert!(!health.contains("SECRET"), "{health}");
    assert!(health.contains("iCalendar"), "{health}");
    let log = daemon.stop();
    assert!(!log.contains("SECRET"), "{log}");

    let check = setup.run(&["--now", NOW, "check"]);
    assert!(!check.stdout.contains("SECRET"), "{}", check.stdout);
    assert!(!check.stderr.contains("SECRET"), "{}", check.stderr);
    assert!(check.stdout.contains("/cal.ics?…"), "{}", check.stdout);
    let verbose = setup.run(&["--now", NOW, "check", "--verbose"]);
    assert!(verbose.stdout.contains(&url), "{}", verbose.stdout);
}

/// Reads from `stream` until the server closes it; fails if it stays open
/// past [`WAIT`].
#[track_caller]
fn closed_by_the_server(stream: &mut TcpStream) {
    stream.set_read_timeout(Some(WAIT)).expect("a read timeout");
    let mut buffer = [0_u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return,
            Err(e) => panic!("the server kept a slow connection open ({e})"),
        }
    }
}

#[test]
fn slow_and_idle_clients_are_cut_off_and_the_connection_cap_holds() {
    let server = "[server]\nheader_timeout = \"1s\"\nmax_connections = 2\n";
    let setup = Setup::with_config(&(head("\"log\"", server) + CURATED_SOURCE))
        .file("curated.toml", &event("Cap Con 2015", "2015-06-01"));
    let daemon = Daemon::start(&setup, NOW, &[]);
    let mut slow: Vec<TcpStream> = (0..2)
        .map(|_| {
            let mut stream = TcpStream::connect(&daemon.addr).expect("a connection");
            stream
                .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
                .expect("half a request");
            stream
        })
        .collect();
    // Both slots are taken by clients that never finish their headers:
    // this request is answered once the server has cut them off.
    let (status, body) = get(&daemon.url("/healthz"));
    assert_eq!(status, 200, "{body}");
    for stream in &mut slow {
        closed_by_the_server(stream);
    }
    // A kept-alive connection that goes quiet is closed too.
    let mut idle = TcpStream::connect(&daemon.addr).expect("a connection");
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("a request");
    closed_by_the_server(&mut idle);
    daemon.stop();
}

#[test]
fn a_damaged_state_file_replays_no_reminder() {
    let curated = event("Early Con 2015", "2015-04-07T23:00:00Z")
        + &event("Later Con 2015", "2015-04-08T00:10:03Z");
    let setup =
        Setup::with_config(&(head("\"log\"", "") + CURATED_SOURCE)).file("curated.toml", &curated);
    let first = Daemon::start(&setup, NOW, &[]);
    poll(&first, "the first reminder", || {
        first.log().contains("Early Con 2015").then_some(())
    });
    first.stop();
    let state = setup.path("state/state.db");
    std::fs::write(&state, b"not a database any more, the disk ate it").expect("a write");
    for side in ["state/state.db-wal", "state/state.db-shm"] {
        let _ = std::fs::remove_file(setup.path(side));
    }
    // Ten minutes on: the later reminder falls due 3 s after the start.
    let second = Daemon::start(&setup, "2015-04-05T00:10:00Z", &[]);
    poll(&second, "the later reminder", || {
        second.log().contains("Later Con 2015").then_some(())
    });
    let log = second.stop();
    assert!(!log.contains("Early Con 2015"), "sent twice:\n{log}");
    let warning = log
        .lines()
        .find(|l| l.contains("was damaged"))
        .unwrap_or_else(|| panic!("no warning:\n{log}"));
    assert!(warning.contains("none is sent twice"), "{warning}");
}

#[test]
fn a_slow_source_holds_up_no_reminder() {
    let server = Server::start();
    server.reply("/slow.ics", Reply::Stall);
    let remote = format!(
        "[[source]]\nname = \"slow\"\nkind = \"ics\"\nurl = \"{}\"\n",
        server.url("/slow.ics")
    );
    let fetch = "[fetch]\ntimeout = \"10m\"\n";
    let curated = event("Prompt Con 2015", "2015-04-08T00:00:02Z");
    let setup = Setup::with_config(&(head("\"log\"", fetch) + CURATED_SOURCE + &remote))
        .file("curated.toml", &curated);
    let daemon = Daemon::start(&setup, NOW, &[]);
    poll(&daemon, "the download to begin", || {
        (!server.log().is_empty()).then_some(())
    });
    poll(&daemon, "the reminder, while the download hangs", || {
        daemon.log().contains("Prompt Con 2015").then_some(())
    });
    let (status, _) = get(&daemon.url("/healthz"));
    assert_eq!(status, 200);
    daemon.stop();
}

#[test]
fn printed_links_work_with_any_token() {
    let token = "a+b/c==x&y#z%41";
    let server = format!("[server]\ntoken = \"{token}\"\n");
    let setup = Setup::with_config(&(head("\"log\"", &server) + CURATED_SOURCE))
        .file("curated.toml", &event("Token Con 2015", "2015-06-01"));
    let daemon = Daemon::start(&setup, NOW, &[]);
    let link = poll(&daemon, "the printed links", || {
        daemon.printed().iter().find_map(|l| {
            l.strip_prefix("subscribe to everything:  ")
                .map(str::to_owned)
        })
    });
    let url = link.replacen("webcal://", "http://", 1);
    let (status, body) = get(&url);
    assert_eq!(status, 200, "{url}: {body}");
    assert!(body.contains("Token Con 2015"), "{body}");
    daemon.stop();
}

#[test]
fn blank_and_short_tokens_are_refused() {
    for (token, said) in [("", "`token` is blank"), ("short", "5 characters long")] {
        let server = format!("[server]\ntoken = \"{token}\"\n");
        let setup = Setup::with_config(&(head("\"log\"", &server) + CURATED_SOURCE))
            .file("curated.toml", &event("Any Con 2015", "2015-06-01"));
        let run = setup.run(&["check"]);
        assert_eq!(run.status, 2, "{}", run.stderr);
        assert!(run.stderr.contains(said), "{}", run.stderr);
        assert!(
            run.stderr.contains("at least 12 characters"),
            "{}",
            run.stderr
        );
    }
}

/// A calendar with a series that repeats every second.
const SECONDLY: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//confcal tests//EN\r\n\
BEGIN:VEVENT\r\nUID:tick@hostile.test\r\nDTSTAMP:20150101T000000Z\r\n\
DTSTART:20150101T000000Z\r\nDURATION:PT1S\r\nRRULE:FREQ=SECONDLY\r\nSUMMARY:Tick\r\nEND:VEVENT\r\n\
END:VCALENDAR\r\n";

#[test]
fn a_dense_recurrence_cut_short_is_said() {
    let source = "[[source]]\nname = \"ticks\"\nkind = \"ics\"\npath = \"ticks.ics\"\n";
    let setup = Setup::with_config(&(head("\"log\"", "") + source)).file("ticks.ics", SECONDLY);
    let upcoming = setup.run(&["--now", NOW, "upcoming", "--days", "2"]).ok();
    let said = "is cut short from 2015-04-05 00:00 UTC to 2015-04-07 00:00 UTC: it repeats more than 20000 times there";
    assert!(
        upcoming.stderr.contains("warning: `Tick` (") && upcoming.stderr.contains(said),
        "{}",
        upcoming.stderr
    );
    let check = setup.run(&["--now", NOW, "check"]).ok();
    assert!(
        check.stderr.contains("warning: source `ticks`: `Tick`")
            && check.stderr.contains("cut short"),
        "{}",
        check.stderr
    );
}

#[test]
fn a_date_past_year_9999_is_refused() {
    let curated =
        event("Far Con 9999", "9999-12-31T23:59:00-12:00") + &event("Near Con 2015", "2015-06-01");
    let setup =
        Setup::with_config(&(head("\"log\"", "") + CURATED_SOURCE)).file("curated.toml", &curated);
    let check = setup.run(&["check"]);
    assert_eq!(check.status, 1, "{}", check.stderr);
    assert!(
        check
            .stderr
            .contains("`CFP closes: Far Con 9999` is due +10000-01-01 11:59 UTC, past 9999-12-31"),
        "{}",
        check.stderr
    );
    let export = setup.run(&["--now", NOW, "export"]);
    assert!(!export.stdout.contains("10000"), "{}", export.stdout);
    assert!(
        export.stdout.contains("CFP closes: Near Con 2015"),
        "{}",
        export.stdout
    );
}

#[test]
fn nul_bytes_are_dropped_from_the_exported_feed() {
    let setup = Setup::with_config(&(head("\"log\"", "") + CURATED_SOURCE)).file(
        "curated.toml",
        &event("Nul\\u0000Con\\u0007 2015", "2015-06-01"),
    );
    let export = setup.run(&["--now", NOW, "export"]).ok();
    assert!(
        !export.stdout.contains(['\0', '\u{7}']),
        "{:?}",
        export.stdout
    );
    assert!(
        export.stdout.contains("CFP closes: NulCon 2015"),
        "{}",
        export.stdout
    );
}

#[test]
fn a_state_folder_that_cannot_be_opened_is_said_not_taken_for_no_fetch() {
    let remote =
        "[[source]]\nname = \"talks\"\nkind = \"ics\"\nurl = \"http://127.0.0.1:9/talks.ics\"\n";
    // A file where the state folder should be.
    let setup = Setup::with_config(&(head("\"log\"", "") + remote)).file("state", "in the way");
    let run = setup.run(&["--now", NOW, "--offline", "upcoming"]);
    assert!(
        run.stderr.contains(
            "source `talks`: its stored copy cannot be read: cannot create the state folder"
        ),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("not fetched yet"), "{}", run.stderr);
}
