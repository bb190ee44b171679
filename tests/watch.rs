//! The watch list end to end: `upcoming --watched`, and the "New CFP"
//! notice through the real `confcal serve` and the `command` notifier — a
//! watched call for papers that appears in a changed source file raises
//! exactly one notice, an unwatched one none, and a restart none again.

mod common;

use std::time::{Duration, Instant};

use common::Setup;
use common::daemon::Daemon;

const WAIT: Duration = Duration::from_secs(30);

const FIRST: &str = "
- conference: PyCon US
  year: 2025
  link: https://us.pycon.org/2025/
  cfp: '2025-03-01 23:59:00'
  timezone: UTC
  place: Pittsburgh, USA
  start: 2025-05-14
  end: 2025-05-22
  sub: PY

- conference: DjangoCon US
  year: 2025
  link: https://2025.djangocon.us/
  cfp: '2025-03-01 23:59:00'
  timezone: UTC
  place: Chicago, USA
  start: 2025-09-08
  end: 2025-09-12
  sub: WEB
";

const ADDED: &str = "
- conference: PyCon Italia
  year: 2025
  link: https://2025.pycon.it/
  cfp: '2025-04-01 23:59:00'
  timezone: Europe/Rome
  place: Bologna, Italy
  start: 2025-05-28
  end: 2025-05-31
  sub: PY

- conference: DjangoCon Europe
  year: 2025
  link: https://2025.djangocon.eu/
  cfp: '2025-03-20 23:59:00'
  timezone: Europe/Dublin
  place: Dublin, Ireland
  start: 2025-04-23
  end: 2025-04-27
  sub: WEB
";

fn setup() -> Setup {
    let config = r#"default_timezone = "UTC"
state_dir = "state"

[reminders]
lead = ["1d"]
notifiers = ["command", "log"]
command = ["/bin/sh", "notify.sh", "notices"]

[watch]
names = ["PyCon"]

[[source]]
name = "python"
kind = "pythondeadlines"
path = "data"
"#;
    Setup::with_config(config)
        .file(
            "notify.sh",
            "printf '%s\\n' \"$CONFCAL_SUMMARY\" >> \"$1\"\n",
        )
        .file("data/conferences.yml", FIRST)
}

/// Waits until `check` holds of the daemon's log.
#[track_caller]
fn wait_log(daemon: &Daemon, what: &str, check: impl Fn(&str) -> bool) {
    let start = Instant::now();
    while !check(&daemon.log()) {
        assert!(start.elapsed() < WAIT, "no {what} in:\n{}", daemon.log());
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The summaries the `command` notifier was given, in order.
fn notices(setup: &Setup) -> Vec<String> {
    std::fs::read_to_string(setup.path("notices"))
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_new_watched_cfp_is_announced_once_and_never_again() {
    let setup = setup();
    // Listening means the first look at the sources is in the ledger.
    let daemon = Daemon::start(&setup, "2025-01-10T00:00:00Z", &[]);
    let first = std::fs::read_to_string(setup.path("data/conferences.yml")).unwrap();
    std::fs::write(setup.path("data/conferences.yml"), first + ADDED).unwrap();
    wait_log(&daemon, "New CFP notice", |l| {
        l.contains("New CFP: PyCon Italia 2025")
    });
    let log = daemon.stop();
    assert!(!log.contains("New CFP: PyCon US"), "{log}");
    assert!(!log.contains("DjangoCon"), "{log}");
    assert_eq!(
        notices(&setup),
        ["New CFP: PyCon Italia 2025 \u{2014} closes 2025-04-01 23:59 Europe/Rome (in 82 days)"]
    );

    // A restart a day before PyCon US closes: its reminder comes (not
    // DjangoCon US's, due at the same time but not watched), the new CFP
    // does not come again.
    let daemon = Daemon::start(&setup, "2025-02-28T23:59:30Z", &[]);
    wait_log(&daemon, "reminder", |l| {
        l.contains("CFP closes in 1 day: PyCon US 2025")
    });
    let log = daemon.stop();
    assert!(!log.contains("New CFP"), "{log}");
    assert!(!log.contains("DjangoCon"), "{log}");
    let seen = notices(&setup);
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[1], "CFP closes in 1 day: PyCon US 2025");
}

#[test]
fn upcoming_watched_shows_only_the_watch_list() {
    let setup = setup().file("data/conferences.yml", &format!("{FIRST}{ADDED}"));
    let run = setup
        .run(&[
            "upcoming",
            "--from",
            "2025-01-01",
            "--days",
            "365",
            "--watched",
            "--format",
            "json",
        ])
        .ok();
    let titles: Vec<String> = run
        .json()
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["title"].as_str().map(str::to_owned))
        .collect();
    assert!(titles.iter().all(|t| t.contains("PyCon")), "{titles:?}");
    assert_eq!(titles.len(), 4, "{titles:?}");
}

/// `GET url`, the body as text.
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
            .expect("an HTTP client");
        let response = client.get(url).send().await.expect("an answer");
        let status = response.status().as_u16();
        (status, response.text().await.expect("a body"))
    })
}

#[test]
fn watched_ics_serves_only_the_watch_list() {
    let setup = setup().file("data/conferences.yml", &format!("{FIRST}{ADDED}"));
    let daemon = Daemon::start(&setup, "2025-01-10T00:00:00Z", &[]);
    let (status, watched) = get(&daemon.url("/watched.ics"));
    let (_, all) = get(&daemon.url("/calendar.ics"));
    daemon.stop();
    assert_eq!(status, 200);
    assert!(
        watched.contains("SUMMARY:CFP closes: PyCon Italia 2025"),
        "{watched}"
    );
    assert!(watched.contains("SUMMARY:PyCon US 2025"), "{watched}");
    assert!(!watched.contains("DjangoCon"), "{watched}");
    assert!(all.contains("DjangoCon Europe 2025"), "{all}");
}
