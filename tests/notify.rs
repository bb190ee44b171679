//! The notifiers, end to end: the private D-Bus harness itself, the desktop
//! notifier against it (in a child process, since the session bus address
//! comes from the environment), the command notifier with real scripts, and
//! the log notifier.

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::dbus::{PrivateBus, Received};
use confcal::remind::notify::{Notifier, NotifyError};
use confcal::remind::{Notice, NoticeKind};
use zbus::zvariant::Value;

const NOTIFICATIONS: &str = "org.freedesktop.Notifications";
const NOTIFICATIONS_PATH: &str = "/org/freedesktop/Notifications";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A reminder a day before a CFP closes.
fn notice(urgent: bool, url: Option<&str>) -> Notice {
    Notice {
        what: NoticeKind::Reminder,
        summary: "CFP closes in 1 day: KVM Forum 2015".to_owned(),
        body: "Due 2015-05-01 23:59 AoE\n(2015-05-02 13:59 Europe/Berlin) & more".to_owned(),
        uid: "kvm-forum-2015-cfp".to_owned(),
        event: "KVM Forum 2015".to_owned(),
        event_uid: "kvm-forum-2015".to_owned(),
        kind: "cfp",
        due_utc: "2015-05-02T11:59:00Z".to_owned(),
        due_stated: "2015-05-01 23:59 AoE".to_owned(),
        due_local: "2015-05-02 13:59 Europe/Berlin".to_owned(),
        lead: Some("1d".to_owned()),
        late: false,
        previous_due_utc: None,
        url: url.map(str::to_owned),
        urgent,
    }
}

/// Word that the same deadline moved.
fn change_notice() -> Notice {
    Notice {
        what: NoticeKind::Changed,
        summary: "Deadline changed: KVM Forum 2015 CFP".to_owned(),
        body: "was 2015-05-01 23:59 AoE, now 2015-05-08 23:59 AoE".to_owned(),
        due_utc: "2015-05-09T11:59:00Z".to_owned(),
        lead: None,
        late: true,
        previous_due_utc: Some("2015-05-02T11:59:00Z".to_owned()),
        ..notice(false, None)
    }
}

// ---- the harness ----

/// Calls Notify on `connection` as a client would.
async fn call_notify(
    connection: &zbus::Connection,
    summary: &str,
    urgency: u8,
) -> zbus::Result<u32> {
    let hints = HashMap::from([("urgency", Value::U8(urgency))]);
    let body = (
        "tester",
        0_u32,
        "",
        summary,
        "the body",
        vec!["default", "Open"],
        hints,
        5000_i32,
    );
    let reply = connection
        .call_method(
            Some(NOTIFICATIONS),
            NOTIFICATIONS_PATH,
            Some(NOTIFICATIONS),
            "Notify",
            &body,
        )
        .await?;
    reply.body().deserialize()
}

#[test]
fn the_harness_records_notify_calls_exactly() {
    let bus = PrivateBus::start();
    let ids = runtime().block_on(async {
        let connection = zbus::connection::Builder::address(bus.address().as_str())
            .unwrap()
            .build()
            .await
            .unwrap();
        let first = call_notify(&connection, "first", 2).await.unwrap();
        let second = call_notify(&connection, "second", 0).await.unwrap();
        (first, second)
    });
    assert_eq!(ids, (1, 2));
    let expected = |summary: &str, urgency| Received {
        app_name: "tester".to_owned(),
        summary: summary.to_owned(),
        body: "the body".to_owned(),
        actions: vec!["default".to_owned(), "Open".to_owned()],
        urgency: Some(urgency),
        expire_timeout: 5000,
    };
    assert_eq!(
        bus.received(),
        [expected("first", 2), expected("second", 0)]
    );
    assert_eq!(bus.wait_for(2, Duration::from_secs(1)).len(), 2);
    assert_eq!(bus.refused(), 0);
}

#[test]
fn the_harness_refuses_as_many_calls_as_asked() {
    let bus = PrivateBus::start();
    bus.fail_next(1);
    let (refused, accepted, capabilities) = runtime().block_on(async {
        let connection = zbus::connection::Builder::address(bus.address().as_str())
            .unwrap()
            .build()
            .await
            .unwrap();
        let refused = call_notify(&connection, "refused", 1).await;
        let accepted = call_notify(&connection, "accepted", 1).await;
        let capabilities: Vec<String> = connection
            .call_method(
                Some(NOTIFICATIONS),
                NOTIFICATIONS_PATH,
                Some(NOTIFICATIONS),
                "GetCapabilities",
                &(),
            )
            .await
            .unwrap()
            .body()
            .deserialize()
            .unwrap();
        (refused, accepted, capabilities)
    });
    let error = refused.unwrap_err().to_string();
    assert!(error.contains("refused by the test (fail_next)"), "{error}");
    assert_eq!(accepted.unwrap(), 1);
    assert_eq!(capabilities, ["body", "actions"]);
    assert_eq!(bus.refused(), 1);
    let received = bus.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].summary, "accepted");
}

#[test]
fn the_harness_waits_for_calls_only_as_long_as_asked() {
    let bus = PrivateBus::start();
    let started = std::time::Instant::now();
    assert!(bus.wait_for(1, Duration::from_millis(100)).is_empty());
    assert!(started.elapsed() < Duration::from_secs(2));
}

// ---- the desktop notifier ----
//
// The desktop notifier finds the session bus through
// `DBUS_SESSION_BUS_ADDRESS`, which a test cannot set in its own process
// (that is `unsafe` in edition 2024). So each desktop test runs
// `desktop_child` in a child process of this same test binary, with the
// address of its private bus and a scenario in `CONFCAL_TEST_CHILD`. The
// child sends the scenario's notice and prints the outcome on a line of its
// own; the parent checks that outcome and what the bus received.
//
// `desktop_child` is `#[ignore]`d so a plain `cargo test` does not run it on
// its own; run on its own anyway (`--include-ignored`), it fails, because
// without `CONFCAL_TEST_CHILD` it has nothing meaningful to check.

/// Names the scenario the child runs.
const CHILD: &str = "CONFCAL_TEST_CHILD";

/// Comes before the outcome on the child's output (after libtest's
/// `test desktop_child ... `).
const OUTCOME: &str = "desktop notifier outcome: ";

/// The notice of each scenario.
fn scenario(name: &str) -> Notice {
    match name {
        "urgent-with-link" => notice(true, Some("https://events.example.org/kvm-forum-2015")),
        "plain" => notice(false, None),
        "file-link" => notice(false, Some("file:///etc/passwd")),
        other => panic!("no desktop scenario `{other}`"),
    }
}

#[test]
#[ignore = "a child process of the desktop_* tests; fails when run on its own"]
fn desktop_child() {
    let name = std::env::var(CHILD).unwrap_or_else(|_| {
        panic!("`desktop_child` runs only as a child of the desktop_* tests, which set `{CHILD}`")
    });
    let result = runtime().block_on(Notifier::Desktop.send(&scenario(&name)));
    match result {
        Ok(()) => println!("{OUTCOME}ok"),
        Err(e) => println!("{OUTCOME}err: {e}"),
    }
}

/// Runs `desktop_child` for `scenario` against the bus at `address`, and
/// returns what `send` returned (the error as its message).
fn send_in_child(address: &str, scenario: &str) -> Result<(), String> {
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["desktop_child", "--exact", "--include-ignored"])
        .args(["--nocapture", "--test-threads=1"])
        .env(CHILD, scenario)
        .env("DBUS_SESSION_BUS_ADDRESS", address)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the child test failed:\n{stdout}\n{stderr}"
    );
    let outcome = stdout
        .lines()
        .find_map(|line| Some(line.split_once(OUTCOME)?.1))
        .unwrap_or_else(|| panic!("the child test said no outcome:\n{stdout}\n{stderr}"));
    if let Some(message) = outcome.strip_prefix("err: ") {
        return Err(message.to_owned());
    }
    assert_eq!(outcome, "ok");
    Ok(())
}

/// What the bus should receive for `notice`.
fn shown(notice: &Notice, actions: &[&str], urgency: u8, expire_timeout: i32) -> Received {
    Received {
        app_name: "confcal".to_owned(),
        summary: notice.summary.clone(),
        body: notice.body.clone(),
        actions: actions.iter().map(|&a| a.to_owned()).collect(),
        urgency: Some(urgency),
        expire_timeout,
    }
}

#[test]
fn desktop_urgent_notice_with_a_link_is_critical_with_an_open_action() {
    let bus = PrivateBus::start();
    assert_eq!(send_in_child(&bus.address(), "urgent-with-link"), Ok(()));
    let notice = scenario("urgent-with-link");
    assert_eq!(bus.received(), [shown(&notice, &["default", "Open"], 2, 0)]);
}

#[test]
fn desktop_notice_without_a_link_is_normal_without_actions() {
    let bus = PrivateBus::start();
    assert_eq!(send_in_child(&bus.address(), "plain"), Ok(()));
    assert_eq!(bus.received(), [shown(&scenario("plain"), &[], 1, -1)]);
}

#[test]
fn desktop_notice_with_a_file_link_offers_no_open_action() {
    let bus = PrivateBus::start();
    assert_eq!(send_in_child(&bus.address(), "file-link"), Ok(()));
    assert_eq!(bus.received(), [shown(&scenario("file-link"), &[], 1, -1)]);
}

#[test]
fn desktop_notice_refused_by_the_service_is_an_error() {
    let bus = PrivateBus::start();
    bus.fail_next(1);
    let error = send_in_child(&bus.address(), "plain").unwrap_err();
    assert!(
        error.starts_with("the desktop notification service refused the notice: ")
            && error.contains("refused by the test (fail_next)"),
        "{error}"
    );
    assert_eq!(bus.refused(), 1);
    assert!(bus.received().is_empty());
}

#[test]
fn desktop_without_a_session_bus_is_an_error_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let address = format!("unix:path={}", dir.path().join("nothing-listens").display());
    let error = send_in_child(&address, "plain").unwrap_err();
    assert!(
        error.starts_with("no desktop notification service: ")
            && error.ends_with(" (is a D-Bus session running?)"),
        "{error}"
    );
}

// ---- the command notifier ----

/// The variables the command notifier sets.
const VARIABLES: [&str; 15] = [
    "CONFCAL_NOTICE",
    "CONFCAL_SUMMARY",
    "CONFCAL_BODY",
    "CONFCAL_UID",
    "CONFCAL_EVENT",
    "CONFCAL_EVENT_UID",
    "CONFCAL_KIND",
    "CONFCAL_DUE",
    "CONFCAL_DUE_STATED",
    "CONFCAL_DUE_LOCAL",
    "CONFCAL_LEAD",
    "CONFCAL_LATE",
    "CONFCAL_PREVIOUS_DUE",
    "CONFCAL_URL",
    "CONFCAL_URGENT",
];

/// Writes `text` as a shell script in `dir`. It is run as `/bin/sh
/// SCRIPT`, not executed itself: a freshly written executable can fail
/// with "text file busy" while other tests fork.
fn script(dir: &Path, text: &str) -> String {
    let path = dir.join("notify.sh");
    std::fs::write(&path, format!("#!/bin/sh\n{text}")).unwrap();
    path.to_str().unwrap().to_owned()
}

/// A script that records each CONFCAL_ variable that is set in a file of
/// its name in its first argument, and its stdin in `stdin` there.
fn recorder(dir: &Path) -> String {
    let text = format!(
        r#"out="$1"
for name in {}; do
    eval "isset=\${{$name+yes}}"
    if [ "$isset" = yes ]; then
        eval "printf '%s' \"\$$name\"" > "$out/$name"
    fi
done
cat > "$out/stdin"
"#,
        VARIABLES.join(" ")
    );
    script(dir, &text)
}

/// Runs the recorder for `notice`, and returns the variables it saw and
/// what it read on stdin.
fn record(notice: &Notice) -> (HashMap<String, String>, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let argv = vec![
        "/bin/sh".to_owned(),
        recorder(dir.path()),
        out.to_str().unwrap().to_owned(),
    ];
    runtime()
        .block_on(Notifier::Command(argv).send(notice))
        .unwrap();
    let variables = VARIABLES
        .iter()
        .filter_map(|&name| {
            let value = std::fs::read_to_string(out.join(name)).ok()?;
            Some((name.to_owned(), value))
        })
        .collect();
    (
        variables,
        std::fs::read_to_string(out.join("stdin")).unwrap(),
    )
}

fn variables(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|&(name, value)| (name.to_owned(), value.to_owned()))
        .collect()
}

#[test]
fn command_gets_a_reminder_in_its_environment_and_as_json() {
    let notice = notice(true, Some("https://events.example.org/kvm-forum-2015"));
    let (seen, stdin) = record(&notice);
    let expected = variables(&[
        ("CONFCAL_NOTICE", "reminder"),
        ("CONFCAL_SUMMARY", "CFP closes in 1 day: KVM Forum 2015"),
        (
            "CONFCAL_BODY",
            "Due 2015-05-01 23:59 AoE\n(2015-05-02 13:59 Europe/Berlin) & more",
        ),
        ("CONFCAL_UID", "kvm-forum-2015-cfp"),
        ("CONFCAL_EVENT", "KVM Forum 2015"),
        ("CONFCAL_EVENT_UID", "kvm-forum-2015"),
        ("CONFCAL_KIND", "cfp"),
        ("CONFCAL_DUE", "2015-05-02T11:59:00Z"),
        ("CONFCAL_DUE_STATED", "2015-05-01 23:59 AoE"),
        ("CONFCAL_DUE_LOCAL", "2015-05-02 13:59 Europe/Berlin"),
        ("CONFCAL_LEAD", "1d"),
        ("CONFCAL_LATE", "false"),
        ("CONFCAL_PREVIOUS_DUE", ""),
        ("CONFCAL_URL", "https://events.example.org/kvm-forum-2015"),
        ("CONFCAL_URGENT", "true"),
    ]);
    assert_eq!(seen, expected);
    let json: serde_json::Value = serde_json::from_str(&stdin).unwrap();
    assert_eq!(json, serde_json::to_value(&notice).unwrap());
    assert_eq!(json["what"], "reminder");
}

#[test]
fn command_gets_a_change_with_the_previous_due_time_and_no_lead() {
    let notice = change_notice();
    let (seen, stdin) = record(&notice);
    assert_eq!(seen["CONFCAL_NOTICE"], "changed");
    assert_eq!(seen["CONFCAL_LEAD"], "");
    assert_eq!(seen["CONFCAL_LATE"], "true");
    assert_eq!(seen["CONFCAL_DUE"], "2015-05-09T11:59:00Z");
    assert_eq!(seen["CONFCAL_PREVIOUS_DUE"], "2015-05-02T11:59:00Z");
    assert_eq!(seen["CONFCAL_URL"], "");
    let json: serde_json::Value = serde_json::from_str(&stdin).unwrap();
    assert_eq!(json, serde_json::to_value(&notice).unwrap());
}

#[test]
fn command_failure_names_the_exit_status_and_the_last_stderr_line() {
    let dir = tempfile::tempdir().unwrap();
    let script = script(
        dir.path(),
        "echo 'sending reminder' >&2\necho 'mail server unreachable' >&2\nexit 3\n",
    );
    let argv = vec!["/bin/sh".to_owned(), script];
    let error = runtime()
        .block_on(Notifier::Command(argv).send(&notice(false, None)))
        .unwrap_err();
    assert!(
        matches!(error, NotifyError::Exited { code: 3, .. }),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "`/bin/sh` exited with status 3: mail server unreachable"
    );
}

#[test]
fn command_that_cannot_be_started_is_an_error() {
    let program = "/nonexistent/confcal-no-such-notifier";
    let error = runtime()
        .block_on(Notifier::Command(vec![program.to_owned()]).send(&notice(false, None)))
        .unwrap_err();
    assert!(matches!(error, NotifyError::Start { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.starts_with(&format!("`{program}` could not be started: ")),
        "{message}"
    );
}

// ---- the log notifier ----

#[test]
fn log_notifier_always_delivers() {
    let result = runtime().block_on(Notifier::Log.send(&notice(true, None)));
    assert!(result.is_ok(), "{result:?}");
}
