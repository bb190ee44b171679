//! Remote sources against real HTTP servers on loopback: conditional GET
//! and gzip, every kind of failure keeping the last good copy, `Retry-After`,
//! per-host concurrency, and a state file that survives `SIGKILL`.

mod common;

use std::fmt::Write as _;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::Setup;
use common::http::{Farm, Reply, Server, ics};

const NOW: &str = "2030-01-01T00:00:00Z";

/// A config with one `ics` source per `(name, url)`, state in `state/`,
/// and `extra` top-level settings.
fn config(sources: &[(&str, String)], extra: &str) -> String {
    let mut text = format!("default_timezone = \"UTC\"\nstate_dir = \"state\"\n{extra}\n");
    for (name, url) in sources {
        let _ = write!(
            text,
            "\n[[source]]\nname = \"{name}\"\nkind = \"ics\"\nurl = \"{url}\"\n"
        );
    }
    text
}

fn calendar(body: String, etag: Option<&str>, last_modified: Option<&str>) -> Reply {
    Reply::Calendar {
        body,
        etag: etag.map(str::to_owned),
        last_modified: last_modified.map(str::to_owned),
    }
}

/// The titles `upcoming` lists from stored data for 2030.
fn titles(setup: &Setup) -> Vec<String> {
    let run = setup
        .run(&[
            "--offline",
            "upcoming",
            "--now",
            NOW,
            "--days",
            "365",
            "--format",
            "json",
        ])
        .ok();
    let json = run.json();
    let items = json.as_array().expect("an array");
    items
        .iter()
        .map(|i| i["title"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The progress line `refresh` printed for `source`.
#[track_caller]
fn line<'a>(stderr: &'a str, source: &str) -> &'a str {
    let prefix = format!("{source}: ");
    stderr
        .lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no line for `{source}` in:\n{stderr}"))
}

#[test]
fn validators_make_the_second_fetch_conditional_and_changes_are_picked_up() {
    let server = Server::start();
    let modified = "Tue, 01 Jan 2030 00:00:00 GMT";
    let alpha = ics(&[("a1@test", "Alpha Conf 2030", "20300301")]);
    let beta = ics(&[("b1@test", "Beta Summit 2030", "20300401")]);
    server.reply("/a.ics", calendar(alpha, Some("\"v1\""), None));
    server.reply("/b.ics", calendar(beta, None, Some(modified)));
    let sources = [("a", server.url("/a.ics")), ("b", server.url("/b.ics"))];
    let setup = Setup::with_config(&config(&sources, ""));

    let first = setup.run(&["refresh", "--all", "--now", NOW]).ok();
    assert_eq!(line(&first.stderr, "a"), "a: fresh");
    assert_eq!(line(&first.stderr, "b"), "b: fresh");
    let asked = &server.requests("/a.ics")[0];
    assert_eq!(asked.if_none_match, None);
    let agent = asked.user_agent.as_deref().unwrap_or_default();
    assert!(agent.starts_with("confcal/"), "{agent}");
    let encodings = asked.accept_encoding.as_deref().unwrap_or_default();
    assert!(
        encodings.contains("gzip") && encodings.contains("br"),
        "{encodings}"
    );

    let second = setup.run(&["refresh", "--all", "--now", NOW]).ok();
    assert_eq!(line(&second.stderr, "a"), "a: not modified");
    assert_eq!(line(&second.stderr, "b"), "b: not modified");
    assert_eq!(
        server.requests("/a.ics")[1].if_none_match.as_deref(),
        Some("\"v1\"")
    );
    assert_eq!(
        server.requests("/b.ics")[1].if_modified_since.as_deref(),
        Some(modified)
    );
    assert_eq!(titles(&setup), ["Alpha Conf 2030", "Beta Summit 2030"]);

    let alpha = ics(&[("a1@test", "Alpha Conf 2030 (moved)", "20300302")]);
    let beta = ics(&[("b1@test", "Beta Summit 2030 (moved)", "20300402")]);
    server.reply("/a.ics", calendar(alpha, Some("\"v2\""), None));
    server.reply(
        "/b.ics",
        calendar(beta, None, Some("Wed, 02 Jan 2030 00:00:00 GMT")),
    );
    let third = setup.run(&["refresh", "--all", "--now", NOW]).ok();
    assert_eq!(line(&third.stderr, "a"), "a: fresh");
    assert_eq!(line(&third.stderr, "b"), "b: fresh");
    assert_eq!(
        titles(&setup),
        ["Alpha Conf 2030 (moved)", "Beta Summit 2030 (moved)"]
    );
}

/// Each fault: a source name, how its server answers once it breaks, and
/// words `refresh` must say about it.
fn faults(endless: &Arc<AtomicUsize>) -> Vec<(&'static str, Reply, &'static str)> {
    let whole = ics(&[("t@test", "Never seen", "20300301")]);
    let truncated = calendar(whole[..whole.len() / 2].to_owned(), None, None);
    let html = Reply::Html("<!DOCTYPE html><html><body>Oops</body></html>".into());
    let slow = Reply::Delay(Duration::from_secs(4), Box::new(Reply::Status(200, vec![])));
    vec![
        (
            "down",
            Reply::Status(200, vec![]),
            "cannot connect: Connection refused",
        ),
        (
            "e500",
            Reply::Status(500, vec![]),
            "HTTP 500 Internal Server Error",
        ),
        (
            "e404",
            Reply::Status(404, vec![]),
            "HTTP 404 Not Found: nothing at this URL",
        ),
        ("slow", slow, "no answer within 1s"),
        (
            "stall",
            Reply::Stall,
            "the body stalled: not complete within 1s",
        ),
        (
            "huge",
            Reply::Endless(Arc::clone(endless)),
            "larger than the 64.0 KiB limit",
        ),
        ("truncated", truncated, "a truncated download"),
        ("html", html, "this is not an iCalendar file"),
        (
            "loop",
            Reply::Redirect("/loop-2.ics".into()),
            "redirect refused: a loop",
        ),
        (
            "file",
            Reply::Redirect("file:///etc/passwd".into()),
            "redirect refused: to `file:///etc/passwd`: only http and https are followed",
        ),
    ]
}

#[test]
fn every_fault_keeps_the_last_good_copy_and_is_reported_clearly() {
    let server = Server::start();
    let doomed = Server::start();
    let endless = Arc::new(AtomicUsize::new(0));
    let faults = faults(&endless);
    let mut sources = Vec::new();
    let mut expected_titles = Vec::new();
    for (i, (name, _, _)) in faults.iter().enumerate() {
        let host = if *name == "down" { &doomed } else { &server };
        let path = format!("/{name}.ics");
        let title = format!("Conference {name} 2030");
        let day = format!("203003{:02}", i + 1);
        host.reply(&path, calendar(ics(&[(name, &title, &day)]), None, None));
        sources.push((*name, host.url(&path)));
        expected_titles.push(title);
    }
    let extra = "[fetch]\ntimeout = \"1s\"\nconnect_timeout = \"1s\"\nmax_body = \"64 KiB\"";
    let setup = Setup::with_config(&config(&sources, extra));
    setup.run(&["refresh", "--all", "--now", NOW]).ok();
    assert_eq!(titles(&setup), expected_titles);

    for (name, reply, _) in &faults {
        server.reply(&format!("/{name}.ics"), reply.clone());
    }
    server.reply("/loop-2.ics", Reply::Redirect("/loop.ics".into()));
    doomed.stop();

    let failed = setup.run(&["refresh", "--all", "--now", "2030-01-02T00:00:00Z"]);
    assert_eq!(failed.status, 1, "{}", failed.stderr);
    for (name, _, expected) in &faults {
        let line = line(&failed.stderr, name);
        let prefix = format!("{name}: stale since 2030-01-02 00:00 UTC: ");
        assert!(line.starts_with(&prefix), "{line}");
        assert!(
            line.contains(expected),
            "{name}: expected `{expected}` in `{line}`"
        );
    }
    let produced = endless.load(Ordering::SeqCst);
    assert!(
        produced < 16 << 20,
        "the endless body was read on: {produced} bytes"
    );

    assert_eq!(titles(&setup), expected_titles, "stale copies still listed");
    let check = setup.run(&["check", "--now", "2030-01-02T01:00:00Z"]);
    assert_eq!(check.status, 1);
    assert!(
        check.stderr.contains(
            "error: source `e500`: stale since 2030-01-02 00:00 UTC: HTTP 500 Internal Server Error; using the copy fetched 2030-01-01 00:00 UTC"
        ),
        "{}",
        check.stderr
    );
}

#[test]
fn retry_after_delays_the_next_attempt() {
    let server = Server::start();
    let retry = vec![("retry-after", "120".to_owned())];
    server.reply("/busy.ics", Reply::Status(429, retry));
    let setup = Setup::with_config(&config(&[("busy", server.url("/busy.ics"))], ""));

    let first = setup.run(&["refresh", "--now", "2030-01-01T00:00:00Z"]);
    assert_eq!(first.status, 1);
    assert!(
        line(&first.stderr, "busy").contains("HTTP 429 Too Many Requests"),
        "{}",
        first.stderr
    );
    for now in ["2030-01-01T00:01:00Z", "2030-01-01T00:01:59Z"] {
        let waiting = setup.run(&["refresh", "--now", now]).ok();
        assert!(
            waiting.stdout.contains("next due 2030-01-01 00:02 UTC"),
            "{}",
            waiting.stdout
        );
    }
    assert_eq!(
        server.requests("/busy.ics").len(),
        1,
        "asked again too early"
    );

    let body = ics(&[("busy@test", "Busy Conf 2030", "20300301")]);
    server.reply("/busy.ics", calendar(body, None, None));
    let later = setup
        .run(&["refresh", "--now", "2030-01-01T00:02:01Z"])
        .ok();
    assert_eq!(line(&later.stderr, "busy"), "busy: fresh");
    assert_eq!(server.requests("/busy.ics").len(), 2);
}

#[test]
fn fifty_sources_on_five_hosts_run_one_per_host_in_parallel() {
    let farm = Arc::new(Farm::default());
    let servers: Vec<Server> = (1..=5)
        .map(|i| Server::start_on(&format!("127.0.0.{i}"), Arc::clone(&farm)))
        .collect();
    let mut sources = Vec::new();
    for (h, server) in servers.iter().enumerate() {
        for s in 0..10 {
            let path = format!("/feed-{s}.ics");
            let body = ics(&[(
                &format!("{h}-{s}@test"),
                &format!("Feed {h}-{s}"),
                "20300301",
            )]);
            let slow = Reply::Delay(
                Duration::from_millis(200),
                Box::new(calendar(body, None, None)),
            );
            server.reply(&path, slow);
            sources.push((format!("h{h}-s{s}"), server.url(&path)));
        }
    }
    let named: Vec<(&str, String)> = sources
        .iter()
        .map(|(n, u)| (n.as_str(), u.clone()))
        .collect();
    let setup = Setup::with_config(&config(&named, ""));
    let started = Instant::now();
    setup.run(&["refresh", "--all", "--now", NOW]).ok();
    eprintln!("50 sources, 5 hosts, 200 ms each: {:?}", started.elapsed());
    for server in &servers {
        assert_eq!(server.log().len(), 10);
        assert_eq!(
            server.max_in_flight(),
            1,
            "two requests at once to one host"
        );
    }
    assert_eq!(
        farm.max_in_flight(),
        5,
        "the hosts were not asked in parallel"
    );
}

#[test]
fn sigkill_during_refresh_leaves_a_sound_state_file() {
    let server = Server::start();
    let mut sources = Vec::new();
    for s in 0..20 {
        sources.push((format!("feed-{s}"), server.url(&format!("/feed-{s}.ics"))));
    }
    let named: Vec<(&str, String)> = sources
        .iter()
        .map(|(n, u)| (n.as_str(), u.clone()))
        .collect();
    let setup = Setup::with_config(&config(&named, ""));
    let config_path = setup.path("config.toml");
    let state = setup.path("state/state.db");
    let waits = [5, 15, 30, 45, 60, 80, 100, 130, 170, 220, 10, 25];
    for (round, wait) in waits.iter().enumerate() {
        for s in 0..20 {
            let events: Vec<(String, String)> = (0..200)
                .map(|e| (format!("{s}-{e}@test"), format!("Talk {e} round {round}")))
                .collect();
            let events: Vec<(&str, &str, &str)> = events
                .iter()
                .map(|(u, t)| (u.as_str(), t.as_str(), "20300301"))
                .collect();
            let etag = format!("\"r{round}\"");
            server.reply(
                &format!("/feed-{s}.ics"),
                calendar(ics(&events), Some(&etag), None),
            );
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_confcal"))
            .args([
                "--config",
                config_path.to_str().expect("UTF-8"),
                "refresh",
                "--all",
                "--now",
                NOW,
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("confcal starts");
        std::thread::sleep(Duration::from_millis(*wait));
        let _ = child.kill();
        let _ = child.wait();
        if state.exists() {
            let conn = rusqlite::Connection::open(&state).expect("the state file opens");
            let verdict: String = conn
                .query_row("PRAGMA integrity_check", [], |r| r.get(0))
                .expect("integrity_check runs");
            assert_eq!(verdict, "ok", "round {round}, killed after {wait} ms");
        }
    }
    let last = setup.run(&["refresh", "--all", "--now", NOW]).ok();
    assert!(!last.stderr.contains("damaged"), "{}", last.stderr);
}

#[test]
fn a_damaged_state_file_is_moved_aside_and_reported() {
    let server = Server::start();
    let body = ics(&[("x@test", "X Conf 2030", "20300301")]);
    server.reply("/x.ics", calendar(body, None, None));
    let setup = Setup::with_config(&config(&[("x", server.url("/x.ics"))], ""))
        .file("state/state.db", "not a database at all, but it was ours");
    let run = setup.run(&["refresh", "--now", NOW]).ok();
    assert!(run.stderr.contains("was damaged"), "{}", run.stderr);
    let aside = setup.path("state/state.db.damaged-20300101T000000Z");
    let kept = std::fs::read_to_string(&aside).expect("the damaged file is kept");
    assert_eq!(kept, "not a database at all, but it was ours");
    assert_eq!(titles(&setup), ["X Conf 2030"]);
}

#[test]
fn upcoming_fetches_what_is_due_and_says_so() {
    let server = Server::start();
    let body = ics(&[("d@test", "Due Conf 2030", "20300301")]);
    server.reply("/d.ics", calendar(body, Some("\"d1\""), None));
    let setup = Setup::with_config(&config(&[("due", server.url("/d.ics"))], ""));
    let args = ["upcoming", "--days", "365", "--format", "json"];
    let offline = setup
        .run(&[&["--offline", "--now", NOW][..], &args].concat())
        .ok();
    assert!(
        offline.stderr.contains("source `due`: not fetched yet"),
        "{}",
        offline.stderr
    );
    assert!(server.log().is_empty(), "--offline fetched");

    let first = setup.run(&[&["--now", NOW][..], &args].concat()).ok();
    assert!(
        first.stderr.contains("fetching 1 due source: due"),
        "{}",
        first.stderr
    );
    assert_eq!(first.json()[0]["title"], "Due Conf 2030");
    let soon = setup
        .run(&[&["--now", "2030-01-01T00:30:00Z"][..], &args].concat())
        .ok();
    assert_eq!(soon.stderr, "", "not due within the hour");
    let later = setup
        .run(&[&["--now", "2030-01-01T01:00:00Z"][..], &args].concat())
        .ok();
    assert!(
        later.stderr.contains("fetching 1 due source"),
        "{}",
        later.stderr
    );
    assert_eq!(server.log().len(), 2);
}
