//! Reminders end to end: the real `confcal serve` sends desktop
//! notifications over a private D-Bus to a recording notification service,
//! and the tests assert exactly what arrived — each lead time once, never
//! again after a restart or a `kill -9`, only the latest after downtime
//! (marked late), one notice when a deadline moves, nothing after `done`,
//! and a failing notifier tried again.

mod common;

use std::time::Duration;

use common::Setup;
use common::daemon::Daemon;
use common::dbus::{PrivateBus, Received};

/// The CFP is due 2015-05-01 12:00 UTC: its reminders fall at 04-17 12:00
/// (14 days), 04-28 12:00 (3 days), 04-30 12:00 (1 day), 05-01 10:00 (2 h).
const CURATED: &str = r#"
[[event]]
name = "KVM Forum 2015"
start = 2015-08-19
end = 2015-08-21
url = "https://events.example.org/kvm-forum"

[[event.deadline]]
kind = "cfp"
due = DUE
"#;

const DUE: &str = "2015-05-01T12:00:00Z";
const UID: &str = "cfp.kvm-forum-2015@confcal";
const BODY: &str = "Due 2015-05-01 12:00 UTC, that is Fri 2015-05-01 12:00 UTC.\nhttps://events.example.org/kvm-forum";

/// Long enough for a daemon to have sent anything it was going to.
const QUIET: Duration = Duration::from_secs(3);
const WAIT: Duration = Duration::from_secs(30);

fn setup(notifiers: &str) -> Setup {
    let config = format!(
        "default_timezone = \"UTC\"\nstate_dir = \"state\"\n\n[reminders]\nnotifiers = {notifiers}\n\n[[source]]\nname = \"conferences\"\nkind = \"curated\"\npath = \"feeds\"\n"
    );
    Setup::with_config(&config).file("feeds/kvm.toml", &CURATED.replace("DUE", DUE))
}

fn start(setup: &Setup, bus: &PrivateBus, now: &str) -> Daemon {
    Daemon::start(setup, now, &[("DBUS_SESSION_BUS_ADDRESS", &bus.address())])
}

fn reminder(summary: &str, urgency: u8) -> Received {
    Received {
        app_name: "confcal".into(),
        summary: summary.into(),
        body: BODY.into(),
        actions: vec!["default".into(), "Open".into()],
        urgency: Some(urgency),
        // Critical notices stay until dismissed; others expire as the
        // server likes.
        expire_timeout: if urgency == 2 { 0 } else { -1 },
    }
}

/// The summaries received, for messages.
fn summaries(received: &[Received]) -> Vec<&str> {
    received.iter().map(|r| r.summary.as_str()).collect()
}

#[track_caller]
fn assert_quiet(bus: &PrivateBus, expected: usize, daemon: &Daemon) {
    std::thread::sleep(QUIET);
    let received = bus.received();
    assert_eq!(
        received.len(),
        expected,
        "{:?}\n{}",
        summaries(&received),
        daemon.log()
    );
}

#[test]
fn each_lead_time_fires_once_across_restarts_and_kills() {
    let bus = PrivateBus::start();
    let setup = setup("[\"desktop\"]");
    // Started three seconds before the 14-day reminder: the timer fires it.
    let daemon = start(&setup, &bus, "2015-04-17T11:59:57Z");
    assert!(bus.received().is_empty(), "nothing is due yet");
    let got = bus.wait_for(1, WAIT);
    assert_quiet(&bus, 1, &daemon);
    // A `kill -9` right after it fired, and a start at the same moment.
    daemon.kill();
    let daemon = start(&setup, &bus, "2015-04-17T12:00:05Z");
    assert_quiet(&bus, 1, &daemon);
    daemon.stop();
    let mut expected = vec![reminder("CFP closes in 14 days: KVM Forum 2015", 1)];
    assert_eq!(got, expected);
    let leads = [
        (
            "2015-04-28T12:00:01Z",
            "CFP closes in 3 days: KVM Forum 2015",
            1,
        ),
        (
            "2015-04-30T12:00:01Z",
            "CFP closes in 1 day: KVM Forum 2015",
            2,
        ),
        (
            "2015-05-01T10:00:01Z",
            "CFP closes in 2 hours: KVM Forum 2015",
            2,
        ),
    ];
    for (i, (now, summary, urgency)) in leads.into_iter().enumerate() {
        let daemon = start(&setup, &bus, now);
        bus.wait_for(expected.len() + 1, WAIT);
        expected.push(reminder(summary, urgency));
        assert_quiet(&bus, expected.len(), &daemon);
        // Alternate a clean stop and a kill; neither repeats anything.
        if i % 2 == 0 {
            daemon.kill();
        } else {
            daemon.stop();
        }
        let again = start(&setup, &bus, now);
        assert_quiet(&bus, expected.len(), &again);
        again.stop();
    }
    assert_eq!(bus.received(), expected);
    // Past the deadline nothing fires.
    let after = start(&setup, &bus, "2015-05-01T12:00:01Z");
    assert_quiet(&bus, expected.len(), &after);
}

#[test]
fn after_downtime_only_the_latest_missed_reminder_fires_marked_late() {
    let bus = PrivateBus::start();
    let setup = setup("[\"desktop\"]");
    let daemon = start(&setup, &bus, "2015-04-17T12:00:01Z");
    bus.wait_for(1, WAIT);
    daemon.stop();
    // Off from before the 3-day reminder until after the 1-day one.
    let daemon = start(&setup, &bus, "2015-04-30T18:00:00Z");
    let received = bus.wait_for(2, WAIT);
    assert_quiet(&bus, 2, &daemon);
    let late = &received[1];
    assert_eq!(
        late.summary,
        "CFP closes in 18 hours: KVM Forum 2015 (late)"
    );
    assert_eq!(
        late.body,
        "Due 2015-05-01 12:00 UTC, that is Fri 2015-05-01 12:00 UTC.\nLate: this reminder was due Thu 2015-04-30 12:00 UTC, 1 day before the deadline; confcal was not running then.\nhttps://events.example.org/kvm-forum"
    );
    assert_eq!(late.urgency, Some(2));
}

#[test]
fn a_moved_deadline_sends_one_change_notice_bumps_sequence_and_rearms() {
    let bus = PrivateBus::start();
    let setup = setup("[\"desktop\"]");
    let daemon = start(&setup, &bus, "2015-04-10T00:00:00Z");
    assert_quiet(&bus, 0, &daemon);
    let feed = get(&daemon.url("/deadlines.ics"));
    assert!(feed.contains("SEQUENCE:0"), "{feed}");
    // The CFP is brought forward to 2015-04-12 12:00 UTC.
    std::fs::write(
        setup.path("feeds/kvm.toml"),
        CURATED.replace("DUE", "2015-04-12T12:00:00Z"),
    )
    .expect("the source is rewritten");
    let received = bus.wait_for(1, WAIT);
    assert_quiet(&bus, 1, &daemon);
    assert_eq!(
        received[0].summary,
        "Deadline changed: CFP closes: KVM Forum 2015"
    );
    assert_eq!(
        received[0].body,
        "was 2015-05-01 12:00 UTC, now 2015-04-12 12:00 UTC (Sun 2015-04-12 12:00 UTC)\nhttps://events.example.org/kvm-forum"
    );
    let feed = get(&daemon.url("/deadlines.ics"));
    assert!(feed.contains(&format!("UID:{UID}")), "{feed}");
    assert!(feed.contains("SEQUENCE:1"), "{feed}");
    assert!(feed.contains("DTSTART:20150412T120000Z"), "{feed}");
    daemon.stop();
    // Its reminders are armed for the new date, and the notice is not
    // repeated.
    let daemon = start(&setup, &bus, "2015-04-11T12:00:01Z");
    let received = bus.wait_for(2, WAIT);
    assert_quiet(&bus, 2, &daemon);
    assert_eq!(received[1].summary, "CFP closes in 1 day: KVM Forum 2015");
}

#[test]
fn done_stops_the_remaining_reminders_and_unmute_restarts_them() {
    let bus = PrivateBus::start();
    let setup = setup("[\"desktop\"]");
    let daemon = start(&setup, &bus, "2015-04-17T12:00:01Z");
    bus.wait_for(1, WAIT);
    daemon.stop();
    let done = setup
        .run(&["--now", "2015-04-18", "done", "KVM", "Forum"])
        .ok();
    assert_eq!(
        done.stdout,
        format!("done: no more reminders for CFP closes: KVM Forum 2015 ({UID})\n")
    );
    let daemon = start(&setup, &bus, "2015-04-28T12:00:01Z");
    assert_quiet(&bus, 1, &daemon);
    daemon.stop();
    setup.run(&["unmute", UID]).ok();
    let daemon = start(&setup, &bus, "2015-04-30T12:00:01Z");
    let received = bus.wait_for(2, WAIT);
    assert_quiet(&bus, 2, &daemon);
    assert_eq!(received[1].summary, "CFP closes in 1 day: KVM Forum 2015");
}

#[test]
fn a_failing_notifier_is_tried_again_and_holds_up_no_other() {
    let bus = PrivateBus::start();
    let script = "if [ ! -e refused ]; then touch refused; echo 'the phone is off' >&2; exit 3; fi\ncat > notice.json\n";
    let setup = setup("[\"desktop\", \"command\", \"log\"]").file("notify.sh", script);
    let config = std::fs::read_to_string(setup.path("config.toml")).expect("the config");
    let setup = setup.file(
        "config.toml",
        &config.replace(
            "[reminders]\n",
            "[reminders]\ncommand = [\"sh\", \"notify.sh\"]\n",
        ),
    );
    bus.fail_next(1);
    let daemon = start(&setup, &bus, "2015-04-17T12:00:01Z");
    let received = bus.wait_for(1, WAIT);
    assert_eq!(bus.refused(), 1, "the first desktop notice was refused");
    assert_eq!(
        received,
        [reminder("CFP closes in 14 days: KVM Forum 2015", 1)]
    );
    let notice = wait_for_file(&setup.path("notice.json"));
    let json: serde_json::Value = serde_json::from_str(&notice).expect("JSON on stdin");
    assert_eq!(json["summary"], "CFP closes in 14 days: KVM Forum 2015");
    assert_eq!(json["uid"], UID);
    let log = daemon.stop();
    assert!(log.contains("desktop notifier failed"), "{log}");
    assert!(log.contains("command notifier failed"), "{log}");
    assert!(log.contains("the phone is off"), "{log}");
    // The log notifier delivered at once, before the failures were even
    // reported.
    let line = |text: &str| log.lines().position(|l| l.contains(text));
    let logged = line("INFO CFP closes in 14 days");
    assert!(
        logged.is_some() && logged < line("notifier failed"),
        "{log}"
    );
    assert_eq!(bus.received().len(), 1);
}

fn wait_for_file(path: &std::path::Path) -> String {
    let deadline = std::time::Instant::now() + WAIT;
    while std::time::Instant::now() < deadline {
        if let Ok(text) = std::fs::read_to_string(path)
            && !text.is_empty()
        {
            return text;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("`{}` was never written", path.display());
}

fn get(url: &str) -> String {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        reqwest::get(url)
            .await
            .and_then(reqwest::Response::error_for_status)
            .expect("the daemon answers")
            .text()
            .await
            .expect("a body")
    })
}
