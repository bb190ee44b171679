//! The notifiers: how a [`Notice`] reaches the user. `desktop` shows it
//! through the freedesktop notification service on the session D-Bus (with
//! an "Open" action for its link where the server supports actions), `log`
//! writes it to the log, and `command` runs the user's program with the
//! notice in its environment and as JSON on its standard input. Each
//! delivery is bounded in time, and a failure comes back as a
//! [`NotifyError`] worded for the log; nothing here panics.

use std::io;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use notify_rust::{ActionResponse, Notification, NotificationHandle, Timeout, Urgency};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::{Child, ChildStderr, ChildStdin, Command};
use tokio::sync::{Semaphore, SemaphorePermit};

use super::{Notice, NoticeKind};
use crate::config::{self, Reminders};

/// The log target notices are written to.
const LOG_TARGET: &str = "confcal::remind";

/// The longest wait for the notification service, connection included.
const DESKTOP_LIMIT: Duration = Duration::from_secs(10);

/// The longest a `command` may run before it is killed.
const COMMAND_LIMIT: Duration = Duration::from_secs(30);

/// How long stderr is still read after the command exited (a program it
/// started in the background may hold it open).
const STDERR_LINGER: Duration = Duration::from_millis(500);

/// How much of the end of a command's stderr is kept.
const STDERR_KEPT: usize = 4096;

/// The longest value put in the command's environment, in bytes; the
/// whole notice is on its standard input.
const ENV_VALUE_LIMIT: usize = 4096;

/// The longest stderr line quoted in an error.
const STDERR_LINE_CHARS: usize = 300;

/// At most this many shown notifications wait for a click on "Open"; past
/// that, notices are shown without the action.
const MAX_WAITERS: usize = 32;

/// A notification waits for a click on "Open" at most this long, even if
/// the server never says it was closed.
const WAITER_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// How long `xdg-open` is waited for before it is left to itself.
const OPEN_LIMIT: Duration = Duration::from_secs(30);

/// The freedesktop notification service.
const NOTIFICATIONS: &str = "org.freedesktop.Notifications";
const NOTIFICATIONS_PATH: &str = "/org/freedesktop/Notifications";

/// Tickets for the tasks waiting for a click on "Open".
static WAITERS: Semaphore = Semaphore::const_new(MAX_WAITERS);

/// A way to deliver notices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notifier {
    /// A desktop notification over the session D-Bus.
    Desktop,
    /// A line in the log.
    Log,
    /// A program and its arguments, run without a shell.
    Command(Vec<String>),
}

/// Why a notice could not be delivered.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("no desktop notification service: {why} (is a D-Bus session running?)")]
    NoSession { why: String },
    #[error(
        "no desktop notification service: nothing on the session bus provides `{NOTIFICATIONS}` (is a notification daemon running?)"
    )]
    NoServer,
    #[error("the desktop notification service refused the notice: {why}")]
    Refused { why: String },
    #[error("the desktop notification service did not answer within {}", humantime::format_duration(*.0))]
    DesktopTimedOut(Duration),
    #[error("the `command` notifier has no program to run (set `command` in `[reminders]`)")]
    NoProgram,
    #[error("could not write the notice as JSON: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("`{program}` could not be started: {source}")]
    Start { program: String, source: io::Error },
    #[error("`{program}` exited with status {code}{}", quote(.stderr.as_deref()))]
    Exited {
        program: String,
        code: i32,
        stderr: Option<String>,
    },
    #[error("`{program}` was killed by signal {signal}{}", quote(.stderr.as_deref()))]
    Killed {
        program: String,
        signal: i32,
        stderr: Option<String>,
    },
    #[error("`{program}` failed ({status}){}", quote(.stderr.as_deref()))]
    Failed {
        program: String,
        status: ExitStatus,
        stderr: Option<String>,
    },
    #[error("`{program}` took longer than {}", humantime::format_duration(*.limit))]
    TimedOut { program: String, limit: Duration },
    #[error("lost track of `{program}`: {source}")]
    Wait { program: String, source: io::Error },
}

impl NotifyError {
    /// Whether the notice can never be delivered this way, however often
    /// it is tried: the queue moves on past it. Everything else (a missing
    /// service, a program that failed or was slow) may work later.
    #[must_use]
    pub fn is_permanent(&self) -> bool {
        /// `E2BIG`: the arguments and environment are too long.
        const TOO_BIG: i32 = 7;
        match self {
            NotifyError::Encode(_) => true,
            NotifyError::Start { source, .. } => {
                source.kind() == io::ErrorKind::InvalidInput
                    || source.raw_os_error() == Some(TOO_BIG)
            }
            _ => false,
        }
    }
}

/// ": <line>" after an error, when the program said something.
fn quote(stderr: Option<&str>) -> String {
    stderr.map(|line| format!(": {line}")).unwrap_or_default()
}

impl Notifier {
    /// The notifiers `[reminders]` asks for, in its order.
    pub fn configured(reminders: &Reminders) -> Vec<Notifier> {
        let command = || reminders.command.clone().unwrap_or_default();
        reminders
            .notifiers
            .iter()
            .map(|kind| match kind {
                config::Notifier::Desktop => Notifier::Desktop,
                config::Notifier::Log => Notifier::Log,
                config::Notifier::Command => Notifier::Command(command()),
            })
            .collect()
    }

    /// "desktop", "log" or "command": the ledger keys deliveries by it.
    pub fn name(&self) -> &'static str {
        match self {
            Notifier::Desktop => "desktop",
            Notifier::Log => "log",
            Notifier::Command(_) => "command",
        }
    }

    /// Delivers `notice`; an error says why, for the log. Never panics.
    pub async fn send(&self, notice: &Notice) -> Result<(), NotifyError> {
        match self {
            Notifier::Desktop => desktop(notice).await,
            Notifier::Log => {
                log(notice);
                Ok(())
            }
            Notifier::Command(argv) => command(argv, notice, COMMAND_LIMIT).await,
        }
    }
}

// ---- log ----

fn log(notice: &Notice) {
    tracing::info!(
        target: LOG_TARGET,
        due = %notice.due_local,
        due_stated = %notice.due_stated,
        late = notice.late,
        uid = %notice.uid,
        "{}",
        notice.summary
    );
}

// ---- desktop ----

async fn desktop(notice: &Notice) -> Result<(), NotifyError> {
    tokio::time::timeout(DESKTOP_LIMIT, show(notice))
        .await
        .unwrap_or(Err(NotifyError::DesktopTimedOut(DESKTOP_LIMIT)))
}

async fn show(notice: &Notice) -> Result<(), NotifyError> {
    let capabilities = capabilities().await?;
    let link = notice.url.as_deref().filter(|url| openable(url));
    let permit = match link {
        Some(_) if has(&capabilities, "actions") => WAITERS.try_acquire().ok(),
        _ => None,
    };
    let notification = notification(notice, &capabilities, permit.is_some());
    let handle = notification
        .show_async()
        .await
        .map_err(|e| NotifyError::Refused { why: e.to_string() })?;
    if let (Some(permit), Some(url)) = (permit, link) {
        open_on_click(handle, url.to_owned(), permit);
    }
    Ok(())
}

/// Asks the notification service what it supports; this is also how a
/// missing session bus or service is told apart from a refusal.
async fn capabilities() -> Result<Vec<String>, NotifyError> {
    let connection = zbus::Connection::session()
        .await
        .map_err(|e| NotifyError::NoSession { why: e.to_string() })?;
    let reply = connection
        .call_method(
            Some(NOTIFICATIONS),
            NOTIFICATIONS_PATH,
            Some(NOTIFICATIONS),
            "GetCapabilities",
            &(),
        )
        .await
        .map_err(|e| unanswered(&e))?;
    reply
        .body()
        .deserialize()
        .map_err(|e| NotifyError::Refused { why: e.to_string() })
}

/// The error for a method call the service did not answer.
fn unanswered(error: &zbus::Error) -> NotifyError {
    const MISSING: [&str; 2] = [
        "org.freedesktop.DBus.Error.ServiceUnknown",
        "org.freedesktop.DBus.Error.NameHasNoOwner",
    ];
    match error {
        zbus::Error::MethodError(name, _, _) if MISSING.contains(&name.as_str()) => {
            NotifyError::NoServer
        }
        zbus::Error::FDO(fdo) => match **fdo {
            zbus::fdo::Error::ServiceUnknown(_) | zbus::fdo::Error::NameHasNoOwner(_) => {
                NotifyError::NoServer
            }
            _ => NotifyError::Refused {
                why: error.to_string(),
            },
        },
        _ => NotifyError::Refused {
            why: error.to_string(),
        },
    }
}

fn has(capabilities: &[String], name: &str) -> bool {
    capabilities.iter().any(|c| c == name)
}

/// Only web links are opened: a feed's URL is not trusted with `file:` or
/// other schemes.
fn openable(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// The notification for `notice`. Urgent notices are critical and stay
/// until dismissed; others expire as the server usually does.
fn notification(notice: &Notice, capabilities: &[String], clickable: bool) -> Notification {
    let body = if has(capabilities, "body-markup") {
        escape_markup(&notice.body)
    } else {
        notice.body.clone()
    };
    let (urgency, timeout) = if notice.urgent {
        (Urgency::Critical, Timeout::Never)
    } else {
        (Urgency::Normal, Timeout::Default)
    };
    let mut notification = Notification::new();
    notification
        .appname("confcal")
        .summary(&notice.summary)
        .body(&body)
        .urgency(urgency)
        .timeout(timeout);
    if clickable {
        notification.action("default", "Open");
    }
    notification
}

/// `text` for a server that reads the body as markup.
fn escape_markup(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            _ => escaped.push(c),
        }
    }
    escaped
}

/// Waits in the background for a click on the notification, and opens
/// `url` if it comes. The wait ends when the notification is closed, or
/// after [`WAITER_LIFETIME`]; it holds one of the [`WAITERS`] tickets.
fn open_on_click(handle: NotificationHandle, url: String, permit: SemaphorePermit<'static>) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    runtime.spawn(async move {
        let _permit = permit;
        let mut clicked = false;
        let waiting = handle.wait_for_action_async(|response| {
            clicked = matches!(response, ActionResponse::Custom("default"));
        });
        let ended = tokio::time::timeout(WAITER_LIFETIME, waiting).await.is_ok();
        if ended && clicked {
            open(&url).await;
        }
    });
}

/// Opens `url` in the user's browser.
async fn open(url: &str) {
    let spawned = Command::new("xdg-open")
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => {
            tracing::warn!(target: LOG_TARGET, "cannot open {url}: `xdg-open` could not be started: {e}");
            return;
        }
    };
    match tokio::time::timeout(OPEN_LIMIT, child.wait()).await {
        Ok(Ok(status)) if !status.success() => {
            tracing::warn!(target: LOG_TARGET, "cannot open {url}: `xdg-open` failed ({status})");
        }
        Ok(Err(e)) => tracing::warn!(target: LOG_TARGET, "cannot open {url}: {e}"),
        // Done, or still running: tokio reaps it once it exits.
        Ok(Ok(_)) | Err(_) => {}
    }
}

// ---- command ----

/// Runs `argv` for `notice`, killing it after `limit`.
async fn command(argv: &[String], notice: &Notice, limit: Duration) -> Result<(), NotifyError> {
    let (program, arguments) = argv.split_first().ok_or(NotifyError::NoProgram)?;
    let input = serde_json::to_vec(notice)?;
    let mut child = Command::new(program)
        .args(arguments)
        .envs(environment(notice))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|source| NotifyError::Start {
            program: program.clone(),
            source,
        })?;
    let mut tail = Vec::new();
    let outcome = tokio::time::timeout(limit, supervise(&mut child, &input, &mut tail)).await;
    let program = program.clone();
    match outcome {
        Ok(Ok(status)) => judge(program, status, &tail),
        Ok(Err(source)) => Err(NotifyError::Wait { program, source }),
        Err(_) => {
            kill(&mut child).await;
            Err(NotifyError::TimedOut { program, limit })
        }
    }
}

/// The notice in environment variables, for `command`, each value made
/// safe to pass ([`env_safe`]).
fn environment(notice: &Notice) -> [(&'static str, String); 15] {
    raw_environment(notice).map(|(name, value)| (name, env_safe(value)))
}

/// `value` without NUL bytes (which no environment can hold) and cut to
/// [`ENV_VALUE_LIMIT`] bytes at a character boundary, marked with `…`.
fn env_safe(mut value: String) -> String {
    if value.contains('\0') {
        value.retain(|c| c != '\0');
    }
    if value.len() > ENV_VALUE_LIMIT {
        let mut end = ENV_VALUE_LIMIT - '…'.len_utf8();
        while !value.is_char_boundary(end) {
            end -= 1;
        }
        value.truncate(end);
        value.push('…');
    }
    value
}

fn raw_environment(notice: &Notice) -> [(&'static str, String); 15] {
    let what = match notice.what {
        NoticeKind::Reminder => "reminder",
        NoticeKind::Changed => "changed",
        NoticeKind::NewCfp => "new_cfp",
    };
    let optional = |value: &Option<String>| value.clone().unwrap_or_default();
    [
        ("CONFCAL_NOTICE", what.to_owned()),
        ("CONFCAL_SUMMARY", notice.summary.clone()),
        ("CONFCAL_BODY", notice.body.clone()),
        ("CONFCAL_UID", notice.uid.clone()),
        ("CONFCAL_EVENT", notice.event.clone()),
        ("CONFCAL_EVENT_UID", notice.event_uid.clone()),
        ("CONFCAL_KIND", notice.kind.to_owned()),
        ("CONFCAL_DUE", notice.due_utc.clone()),
        ("CONFCAL_DUE_STATED", notice.due_stated.clone()),
        ("CONFCAL_DUE_LOCAL", notice.due_local.clone()),
        ("CONFCAL_LEAD", optional(&notice.lead)),
        ("CONFCAL_LATE", notice.late.to_string()),
        ("CONFCAL_PREVIOUS_DUE", optional(&notice.previous_due_utc)),
        ("CONFCAL_URL", optional(&notice.url)),
        ("CONFCAL_URGENT", notice.urgent.to_string()),
    ]
}

/// Feeds `input` to the child, keeps the end of its stderr in `tail`, and
/// waits for it to exit.
async fn supervise(child: &mut Child, input: &[u8], tail: &mut Vec<u8>) -> io::Result<ExitStatus> {
    let stdin = child.stdin.take();
    let reading = read_tail(child.stderr.take(), tail);
    let running = async {
        feed(stdin, input).await;
        child.wait().await
    };
    tokio::pin!(reading, running);
    tokio::select! {
        status = &mut running => {
            let _ = tokio::time::timeout(STDERR_LINGER, &mut reading).await;
            status
        }
        () = &mut reading => running.await,
    }
}

/// Writes `input` to the child's stdin and closes it. A program that does
/// not read it is not an error.
async fn feed(stdin: Option<ChildStdin>, input: &[u8]) {
    if let Some(mut stdin) = stdin
        && let Err(e) = stdin.write_all(input).await
    {
        tracing::debug!(target: LOG_TARGET, "the command did not read the notice: {e}");
    }
}

/// Reads stderr to its end, keeping the last [`STDERR_KEPT`] bytes or so.
async fn read_tail(stderr: Option<ChildStderr>, tail: &mut Vec<u8>) {
    let Some(mut stderr) = stderr else { return };
    let mut chunk = [0_u8; 1024];
    while let Ok(n @ 1..) = stderr.read(&mut chunk).await {
        tail.extend_from_slice(&chunk[..n]);
        if tail.len() > 2 * STDERR_KEPT {
            tail.drain(..tail.len() - STDERR_KEPT);
        }
    }
}

/// The last line the program wrote to stderr, shortened.
fn last_line(tail: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(tail);
    let line = text.lines().map(str::trim).rfind(|line| !line.is_empty())?;
    if line.chars().count() <= STDERR_LINE_CHARS {
        return Some(line.to_owned());
    }
    let mut short: String = line.chars().take(STDERR_LINE_CHARS).collect();
    short.push('…');
    Some(short)
}

fn judge(program: String, status: ExitStatus, tail: &[u8]) -> Result<(), NotifyError> {
    use std::os::unix::process::ExitStatusExt as _;

    if status.success() {
        return Ok(());
    }
    let stderr = last_line(tail);
    Err(match (status.code(), status.signal()) {
        (Some(code), _) => NotifyError::Exited {
            program,
            code,
            stderr,
        },
        (None, Some(signal)) => NotifyError::Killed {
            program,
            signal,
            stderr,
        },
        (None, None) => NotifyError::Failed {
            program,
            status,
            stderr,
        },
    })
}

async fn kill(child: &mut Child) {
    if let Err(e) = child.start_kill() {
        tracing::debug!(target: LOG_TARGET, "could not kill the command: {e}");
    }
    let _ = tokio::time::timeout(Duration::from_secs(1), child.wait()).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Leads;

    fn notice() -> Notice {
        Notice {
            what: NoticeKind::Reminder,
            summary: "CFP closes in 1 day: KVM Forum 2015".to_owned(),
            body: "Due 2015-05-01 23:59 AoE\n(2015-05-02 13:59 Europe/Berlin)".to_owned(),
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
            url: Some("https://events.example.org/kvm-forum-2015".to_owned()),
            urgent: true,
        }
    }

    fn argv(args: &[&str]) -> Vec<String> {
        args.iter().map(|&a| a.to_owned()).collect()
    }

    async fn run_sh(script: &str, limit: Duration) -> Result<(), NotifyError> {
        command(&argv(&["/bin/sh", "-c", script]), &notice(), limit).await
    }

    #[test]
    fn configured_follows_the_order_of_reminders() {
        let reminders = Reminders {
            leads: Leads {
                default: Vec::new(),
                by_kind: std::collections::BTreeMap::new(),
            },
            notifiers: vec![
                config::Notifier::Command,
                config::Notifier::Desktop,
                config::Notifier::Log,
            ],
            command: Some(argv(&["notify-me", "--urgent"])),
        };
        let notifiers = Notifier::configured(&reminders);
        assert_eq!(
            notifiers,
            [
                Notifier::Command(argv(&["notify-me", "--urgent"])),
                Notifier::Desktop,
                Notifier::Log
            ]
        );
        let names: Vec<&str> = notifiers.iter().map(Notifier::name).collect();
        assert_eq!(names, ["command", "desktop", "log"]);
    }

    #[test]
    fn sending_is_send() {
        fn assert_send<T: Send>(_: &T) {}
        let notice = notice();
        for notifier in [
            Notifier::Desktop,
            Notifier::Log,
            Notifier::Command(Vec::new()),
        ] {
            assert_send(&notifier.send(&notice));
        }
    }

    #[test]
    fn the_environment_states_the_notice() {
        let env = environment(&notice());
        let get = |name: &str| {
            env.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("CONFCAL_NOTICE"), Some("reminder"));
        assert_eq!(get("CONFCAL_DUE"), Some("2015-05-02T11:59:00Z"));
        assert_eq!(get("CONFCAL_LEAD"), Some("1d"));
        assert_eq!(get("CONFCAL_PREVIOUS_DUE"), Some(""));
        assert_eq!(get("CONFCAL_LATE"), Some("false"));
        assert_eq!(get("CONFCAL_URGENT"), Some("true"));
    }

    #[test]
    fn the_last_stderr_line_is_quoted_shortened() {
        assert_eq!(
            last_line(b"first\nsecond \n\n  \n"),
            Some("second".to_owned())
        );
        assert_eq!(last_line(b"\n \n"), None);
        let long = "x".repeat(STDERR_LINE_CHARS + 5);
        let quoted = last_line(long.as_bytes()).unwrap();
        assert_eq!(quoted.chars().count(), STDERR_LINE_CHARS + 1);
        assert!(quoted.ends_with('…'));
    }

    #[test]
    fn markup_is_escaped_for_servers_that_read_it() {
        assert_eq!(escape_markup("a < b & c > d"), "a &lt; b &amp; c &gt; d");
        let capabilities = ["body".to_owned(), "body-markup".to_owned()];
        assert!(has(&capabilities, "body-markup"));
        assert!(!has(&capabilities, "actions"));
    }

    #[test]
    fn only_web_links_are_opened() {
        assert!(openable("https://example.org/cfp"));
        assert!(openable("HTTP://example.org"));
        assert!(!openable("file:///etc/passwd"));
        assert!(!openable("--help"));
        assert!(!openable(" https://example.org"));
    }

    #[tokio::test]
    async fn a_command_that_succeeds_delivers() {
        let script = r#"test "$CONFCAL_SUMMARY" = "CFP closes in 1 day: KVM Forum 2015" && grep -q '"kind":"cfp"'"#;
        run_sh(script, Duration::from_secs(5)).await.unwrap();
    }

    #[tokio::test]
    async fn a_failing_command_names_its_status_and_last_stderr_line() {
        let error = run_sh(
            "echo noise >&2; echo 'disk full' >&2; exit 3",
            Duration::from_secs(5),
        )
        .await
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "`/bin/sh` exited with status 3: disk full"
        );
        let error = run_sh("exit 4", Duration::from_secs(5)).await.unwrap_err();
        assert_eq!(error.to_string(), "`/bin/sh` exited with status 4");
    }

    #[tokio::test]
    async fn a_killed_command_names_the_signal() {
        let error = run_sh("kill -TERM $$", Duration::from_secs(5))
            .await
            .unwrap_err();
        assert_eq!(error.to_string(), "`/bin/sh` was killed by signal 15");
    }

    #[tokio::test]
    async fn a_slow_command_is_killed() {
        let started = std::time::Instant::now();
        let error = run_sh("exec sleep 10", Duration::from_millis(200))
            .await
            .unwrap_err();
        assert_eq!(error.to_string(), "`/bin/sh` took longer than 200ms");
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[tokio::test]
    async fn a_background_child_holding_stderr_does_not_stall_delivery() {
        let started = std::time::Instant::now();
        run_sh("sleep 5 & exit 0", Duration::from_secs(5))
            .await
            .unwrap();
        assert!(started.elapsed() < Duration::from_secs(3));
    }

    #[tokio::test]
    async fn an_empty_command_is_an_error() {
        let error = command(&[], &notice(), COMMAND_LIMIT).await.unwrap_err();
        assert_eq!(
            error.to_string(),
            "the `command` notifier has no program to run (set `command` in `[reminders]`)"
        );
    }

    #[tokio::test]
    async fn a_title_with_a_nul_byte_or_past_128_kib_still_reaches_the_command() {
        let script = r#"test "${#CONFCAL_SUMMARY}" -le 4096 && grep -q 'KVM'"#;
        for summary in [
            "CFP closes: KVM\0Forum".to_owned(),
            format!("CFP closes: KVM {}", "é".repeat(70_000)),
        ] {
            let notice = Notice {
                summary,
                ..notice()
            };
            command(&argv(&["/bin/sh", "-c", script]), &notice, COMMAND_LIMIT)
                .await
                .unwrap();
        }
    }

    #[test]
    fn environment_values_lose_nul_and_are_capped_at_a_character() {
        assert_eq!(env_safe("a\0b".to_owned()), "ab");
        let long = env_safe("é".repeat(5000));
        assert!(
            long.len() <= ENV_VALUE_LIMIT && long.ends_with('…'),
            "{}",
            long.len()
        );
        assert_eq!(env_safe("short".to_owned()), "short");
    }

    #[test]
    fn only_what_can_never_work_is_permanent() {
        let start = |source| NotifyError::Start {
            program: "x".to_owned(),
            source,
        };
        assert!(start(io::Error::from_raw_os_error(7)).is_permanent());
        assert!(start(io::Error::new(io::ErrorKind::InvalidInput, "nul byte")).is_permanent());
        assert!(!start(io::Error::from(io::ErrorKind::NotFound)).is_permanent());
        assert!(!NotifyError::NoServer.is_permanent());
        let slow = NotifyError::TimedOut {
            program: "x".to_owned(),
            limit: COMMAND_LIMIT,
        };
        assert!(!slow.is_permanent());
    }

    #[tokio::test]
    async fn the_log_notifier_always_delivers() {
        Notifier::Log.send(&notice()).await.unwrap();
    }
}
