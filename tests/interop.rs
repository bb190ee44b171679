//! Interoperability of the exported feed: what `confcal export` writes from
//! the bundled catalog must be read back without error by independent
//! parsers, Python's `icalendar` and JavaScript's ical.js, and mean to them
//! what we meant, down to the occurrences of its series, which
//! `recurring-ical-events` and ical.js must expand just as `confcal
//! upcoming` lists them. This file owns the Python and JavaScript sides too:
//! it builds a venv (from `tests/interop/requirements.txt`) and a
//! `node_modules` (by `npm ci` from `tests/interop/package-lock.json`) under
//! the target folder the first time, reuses each until its file changes,
//! and runs the scripts in `tests/interop/` with them, which print what the
//! parsers saw as JSON. A machine without python3, venv or pip, or without
//! node and npm, fails these tests, saying what to install.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::Instant;

use serde_json::Value;

const NEEDS_PYTHON: &str = "python3 with venv and pip is needed \
    (Debian/Ubuntu: apt-get install python3 python3-venv python3-pip)";

const NEEDS_PYPI: &str = "pip must reach PyPI, and python3 with venv and pip is needed \
    (Debian/Ubuntu: apt-get install python3 python3-venv python3-pip)";

const NEEDS_NODE: &str = "node and npm are needed (Debian/Ubuntu: apt-get install nodejs npm)";

const NEEDS_NPM_REGISTRY: &str = "npm must reach its registry, and node and npm are needed \
    (Debian/Ubuntu: apt-get install nodejs npm)";

/// A window of time, from (inclusive) and until (exclusive), as RFC 3339
/// instants, which `confcal upcoming`, recurring-ical-events and our ical.js
/// script all read alike; to all three, an occurrence is in a window when
/// it overlaps it.
type Window = (&'static str, &'static str);

/// Where the expanders must agree with `confcal upcoming`: the bundled
/// example series with the 2012 schedule; a window that cuts through the
/// series' first call and through the call that was moved; the 2015
/// conferences with their deadlines. No all-day event begins or ends near
/// a bound, since each side may place a day in time differently (see
/// [`Occurrence`]).
const WINDOWS: &[Window] = &[
    ("2012-09-01T00:00:00Z", "2012-11-10T00:00:00Z"),
    ("2012-09-04T14:30:00Z", "2012-10-24T08:30:00Z"),
    ("2015-04-01T00:00:00Z", "2015-09-01T00:00:00Z"),
];

/// Everything in the bundled catalog.
const SPAN: Window = ("2009-01-01T00:00:00Z", "2016-01-01T00:00:00Z");

/// The bundled example series: weekly on Tuesdays at 16:00 in Madrid from
/// 2012-09-04, nine times, with 2012-10-02 skipped (EXDATE) and the call of
/// 2012-10-23 moved to 10:00 the next day (an override with RECURRENCE-ID).
const SERIES: &str = "committee-call.kvm-forum-2012@schedule.example";

/// Files that every reader must reject, each with what its complaint must
/// name.
const BROKEN: &[(&str, &str, &str)] = &[
    ("garbage", "garbage\r\n", "does not parse"),
    (
        "bad date",
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\n\
         UID:a@t\r\nDTSTAMP:20150101T000000Z\r\nDTSTART:notadate\r\nEND:VEVENT\r\n\
         END:VCALENDAR\r\n",
        "DTSTART",
    ),
    (
        "TZID without VTIMEZONE",
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\n\
         UID:a@t\r\nDTSTAMP:20150101T000000Z\r\n\
         DTSTART;TZID=Europe/Berlin:20150101T100000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        "no VTIMEZONE",
    ),
];

#[test]
fn python_icalendar_reads_the_export_as_meant() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let ics = dir.path().join("out.ics");
    export(dir.path(), &ics);
    let seen = check(&ics);
    assert_eq!(seen["warnings"], serde_json::json!([]), "icalendar warns");

    let calendar = &seen["calendar"];
    assert_eq!(calendar["METHOD"], "PUBLISH");
    assert_eq!(calendar["X-WR-CALNAME"], "Conferences and deadlines");
    assert_eq!(calendar["VERSION"], "2.0");
    let prodid = calendar["PRODID"].as_str().unwrap_or_default();
    assert!(
        prodid.starts_with("-//confcal//confcal "),
        "PRODID {prodid}"
    );

    // May 1 at the end of the day Anywhere on Earth (UTC-12), one alarm per
    // default lead time (14d, 3d, 1d, 2h).
    let cfp = event(&seen, "cfp.kvm-forum-2015@confcal");
    assert_eq!(cfp["dtstart"], "2015-05-02T11:59:59Z");
    assert_eq!(cfp["all_day"], false);
    assert_eq!(cfp["alarms"], 4);
    assert_eq!(
        cfp["related_to"],
        serde_json::json!(["kvm-forum-2015@confcal"])
    );

    let forum = event(&seen, "kvm-forum-2015@confcal");
    assert_eq!(forum["dtstart"], "2015-08-19");
    assert_eq!(forum["all_day"], true);
    assert_eq!(forum["alarms"], 0);

    // 13:00 in Seattle in August is PDT (UTC-7), by the zone database and by
    // the VTIMEZONE in the file alike.
    let hackathon = event(
        &seen,
        "kvm-forum-and-xen-project-developer-summit-hackathon-2015@confcal",
    );
    assert_eq!(hackathon["dtstart"], "2015-08-18T20:00:00Z");
    assert_eq!(hackathon["dtstart_by_vtimezone"], "2015-08-18T20:00:00Z");
    assert!(seen["vtimezones"].as_u64() >= Some(1), "no VTIMEZONE");

    // 09:00 in Barcelona in November 2012 is CET (UTC+1), not CEST.
    let keynote = event(&seen, "keynote.kvm-forum-2012@schedule.example");
    assert_eq!(keynote["dtstart"], "2012-11-07T08:00:00Z");
    assert_eq!(keynote["dtstart_by_vtimezone"], "2012-11-07T08:00:00Z");

    assert_links_resolve(&seen);
}

#[test]
fn checker_fails_on_broken_files() {
    assert_rejects_broken_files("check_ics.py", checker);
}

#[test]
fn recurring_ical_events_expands_the_export_like_upcoming() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let ics = dir.path().join("out.ics");
    export(dir.path(), &ics);
    for &window in WINDOWS {
        let ours = upcoming(dir.path(), window);
        let theirs = expand(&ics, window);
        let (from, until) = window;
        assert_same(
            &format!("occurrences from {from} until {until}"),
            ("recurring-ical-events", &starts(&theirs)),
            ("confcal upcoming", &starts(&ours)),
        );
        // recurring-ical-events gives every occurrence a RECURRENCE-ID,
        // confcal only those of a series.
        let recurring: BTreeSet<&str> = ours
            .iter()
            .filter(|o| o.recurrence_id.is_some())
            .map(|o| o.uid.as_str())
            .collect();
        let of_series = |occurrences: &[Occurrence]| -> BTreeSet<Occurrence> {
            occurrences
                .iter()
                .filter(|o| recurring.contains(o.uid.as_str()))
                .cloned()
                .collect()
        };
        assert_same(
            &format!("series occurrences from {from} until {until}"),
            ("recurring-ical-events", &of_series(&theirs)),
            ("confcal upcoming", &of_series(&ours)),
        );
    }

    // What the windows hold, so that agreeing is worth something: the series
    // without its skipped call and with its moved one, calls on both sides
    // of the change to winter time, an all-day event, the deadlines.
    let first = starts(&upcoming(dir.path(), WINDOWS[0]));
    for (uid, start) in [
        (SERIES, "2012-09-04T14:00:00Z"),
        (SERIES, "2012-10-24T08:00:00Z"),
        (SERIES, "2012-10-30T15:00:00Z"),
        ("kvm-forum-ovirt-workshop-2012@confcal", "2012-11-07"),
    ] {
        assert!(
            first.contains(&Occurrence::at(uid, start)),
            "no {uid} at {start}"
        );
    }
    for (start, why) in [
        ("2012-10-02T14:00:00Z", "skipped"),
        ("2012-10-23T14:00:00Z", "moved"),
    ] {
        let call = Occurrence::at(SERIES, start);
        assert!(!first.contains(&call), "{call}, which was {why}");
    }
    assert_eq!(expand(&ics, WINDOWS[1]).len(), 7, "calls cut by the window");
    let last = starts(&upcoming(dir.path(), WINDOWS[2]));
    for uid in [
        "cfp.kvm-forum-2015@confcal",
        "registration.xen-project-hackathon-2015@confcal",
    ] {
        assert!(last.iter().any(|o| o.uid == uid), "no deadline {uid}");
    }
}

#[test]
fn icaljs_reads_the_export_and_expands_its_series_like_upcoming() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let ics = dir.path().join("out.ics");
    export(dir.path(), &ics);
    for &window in std::iter::once(&SPAN).chain(WINDOWS) {
        let seen = read_with_icaljs(&ics, window);
        let (single, series): (BTreeSet<_>, BTreeSet<_>) = upcoming(dir.path(), window)
            .into_iter()
            .partition(|o| o.recurrence_id.is_none());
        let (from, until) = window;
        // ical.js lists every VEVENT whatever the window, so the single
        // events and deadlines are compared over the whole catalog.
        if window == SPAN {
            assert_same(
                "single events and deadlines",
                ("ical.js", &icaljs_singles(&seen)),
                ("confcal upcoming", &single),
            );
            let whole = icaljs_series(&seen);
            let calls = whole.iter().filter(|o| o.uid == SERIES).count();
            assert_eq!(calls, 8, "nine calls less one skipped: {whole:#?}");
        }
        assert_same(
            &format!("series occurrences from {from} until {until}"),
            ("ical.js", &icaljs_series(&seen)),
            ("confcal upcoming", &series),
        );
    }
}

#[test]
fn icaljs_script_fails_on_broken_files() {
    assert_rejects_broken_files("parse_icaljs.mjs", |ics| icaljs(ics, None));
}

/// Every file in [`BROKEN`] makes `read` fail, naming what is wrong.
fn assert_rejects_broken_files(reader: &str, read: impl Fn(&Path) -> Output) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (i, (what, text, complaint)) in BROKEN.iter().enumerate() {
        let ics = dir.path().join(format!("broken-{i}.ics"));
        std::fs::write(&ics, text).expect("a file");
        let output = read(&ics);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{reader} accepted {what}");
        assert!(stderr.contains(complaint), "{reader}, {what}: {stderr}");
    }
}

/// One occurrence, as each side lists it: its UID, its start, and for an
/// occurrence of a series its RECURRENCE-ID. A start or RECURRENCE-ID with a
/// time is the instant in UTC ("2012-09-04T14:00:00Z"); an all-day one is
/// its date ("2012-11-07"): a date is in no zone (RFC 5545, 3.3.4), so
/// each side may place the day in time as it likes. confcal's `start_utc`
/// is midnight in the configured `default_timezone` (Europe/Berlin in the
/// bundled config: "2012-11-06T23:00:00Z"), which is not wrong, only not
/// comparable.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Occurrence {
    uid: String,
    start: String,
    recurrence_id: Option<String>,
}

impl Occurrence {
    fn at(uid: &str, start: &str) -> Self {
        Occurrence {
            uid: uid.to_owned(),
            start: start.to_owned(),
            recurrence_id: None,
        }
    }

    /// An item of `confcal upcoming --format json`: an event at its start
    /// (its date when all-day), a deadline at its due instant.
    fn from_upcoming(item: &Value) -> Self {
        let start = match (text(item, "type").as_str(), item["all_day"].as_bool()) {
            ("deadline", _) => "due_utc",
            ("event", Some(true)) => "start",
            ("event", Some(false)) => "start_utc",
            _ => panic!("neither an event nor a deadline: {item:#}"),
        };
        Occurrence {
            uid: text(item, "uid"),
            start: text(item, start),
            recurrence_id: item["recurrence_id"].as_str().map(in_utc),
        }
    }
}

impl fmt::Display for Occurrence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {}", self.uid, self.start)?;
        if let Some(id) = &self.recurrence_id {
            write!(f, " (RECURRENCE-ID {id})")?;
        }
        Ok(())
    }
}

/// The occurrences without their RECURRENCE-IDs.
fn starts(occurrences: &[Occurrence]) -> BTreeSet<Occurrence> {
    occurrences
        .iter()
        .map(|o| Occurrence::at(&o.uid, &o.start))
        .collect()
}

/// An RFC 3339 time in UTC, as the scripts print it; a date as it is.
fn in_utc(time: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(time).map_or_else(
        |_| time.to_owned(),
        |t| {
            t.with_timezone(&chrono::Utc)
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string()
        },
    )
}

/// Fails with what only one side has unless both have the same.
#[track_caller]
fn assert_same(
    what: &str,
    (left_name, left): (&str, &BTreeSet<Occurrence>),
    (right_name, right): (&str, &BTreeSet<Occurrence>),
) {
    if left == right {
        return;
    }
    let only = |name: &str, these: &BTreeSet<Occurrence>, those: &BTreeSet<Occurrence>| {
        let lines: Vec<String> = these.difference(those).map(ToString::to_string).collect();
        if lines.is_empty() {
            format!("\nonly in {name}: none")
        } else {
            format!("\nonly in {name}:\n  {}", lines.join("\n  "))
        }
    };
    panic!(
        "{what}: {left_name} and {right_name} disagree{}{}",
        only(left_name, left, right),
        only(right_name, right, left)
    );
}

/// Every UID (with its RECURRENCE-ID, for overrides) is unique and every
/// RELATED-TO names an event in the feed.
fn assert_links_resolve(seen: &Value) {
    let events = seen["events"].as_array().expect("an event list");
    let uids: Vec<&str> = events.iter().filter_map(|e| e["uid"].as_str()).collect();
    let mut unique: Vec<String> = events
        .iter()
        .map(|e| format!("{} {}", e["uid"], e["recurrence_id"]))
        .collect();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), events.len(), "missing or repeated UIDs");
    for event in events {
        for target in event["related_to"].as_array().into_iter().flatten() {
            let target = target.as_str().unwrap_or_default();
            assert!(uids.contains(&target), "{} -> {target}", event["uid"]);
        }
    }
}

/// The VEVENT with `uid` in the checker's summary.
#[track_caller]
fn event<'a>(seen: &'a Value, uid: &str) -> &'a Value {
    seen["events"]
        .as_array()
        .and_then(|events| events.iter().find(|e| e["uid"] == uid))
        .unwrap_or_else(|| panic!("no VEVENT {uid} in {seen:#}"))
}

/// Runs `confcal export` on the repository's bundled config into `ics`.
fn export(dir: &Path, ics: &Path) {
    succeed(
        confcal(dir)
            .args(["export", "--now", "2015-04-05T00:00:00Z", "-o"])
            .arg(ics),
        "confcal export",
        "",
    );
}

/// What `confcal upcoming` lists in `window` from the bundled config.
fn upcoming(dir: &Path, (from, until): Window) -> Vec<Occurrence> {
    let output = succeed(
        confcal(dir).args([
            "upcoming", "--from", from, "--until", until, "--format", "json",
        ]),
        "confcal upcoming",
        "",
    );
    let items: Value = serde_json::from_slice(&output.stdout).expect("upcoming prints JSON");
    let items = items.as_array().expect("upcoming prints a list");
    items.iter().map(Occurrence::from_upcoming).collect()
}

/// confcal on the repository's bundled config, its state kept in `dir`.
fn confcal(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_confcal"));
    command
        .arg("--config")
        .arg(repo().join("config.toml"))
        .env_remove("CONFCAL_CONFIG")
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("TZ", "UTC");
    command
}

/// The occurrences recurring-ical-events finds in `ics` in `window`.
fn expand(ics: &Path, (from, until): Window) -> Vec<Occurrence> {
    let output = Command::new(venv_python())
        .arg(interop().join("expand.py"))
        .arg(ics)
        .args([from, until])
        .output()
        .unwrap_or_else(|e| panic!("the venv's python does not run ({e}); {NEEDS_PYTHON}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "recurring-ical-events cannot expand the export:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let occurrences: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("expand.py output not JSON ({e}):\n{stdout}"));
    let occurrences = occurrences.as_array().expect("expand.py prints a list");
    occurrences
        .iter()
        .map(|o| Occurrence {
            uid: text(o, "uid"),
            start: text(o, "dtstart"),
            recurrence_id: o["recurrence_id"].as_str().map(str::to_owned),
        })
        .collect()
}

/// What ical.js saw in `ics`, which must parse, with the series expanded
/// over `window`.
fn read_with_icaljs(ics: &Path, window: Window) -> Value {
    let output = icaljs(ics, Some(window));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "ical.js rejects the export:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("parse_icaljs.mjs output not JSON ({e}):\n{stdout}"))
}

fn icaljs(ics: &Path, window: Option<Window>) -> Output {
    let mut command = Command::new("node");
    command.arg(icaljs_script()).arg(ics);
    if let Some((from, until)) = window {
        command.args([from, until]);
    }
    command
        .output()
        .unwrap_or_else(|e| panic!("node does not run ({e}); {NEEDS_NODE}"))
}

/// The VEVENTs ical.js saw that neither recur nor override an occurrence.
fn icaljs_singles(seen: &Value) -> BTreeSet<Occurrence> {
    icaljs_events(seen)
        .filter(|e| e["recurring"] == false && e["recurrence_id"].is_null())
        .map(|e| Occurrence::at(&text(e, "uid"), &text(e, "dtstart")))
        .collect()
}

/// The occurrences of the series ical.js saw, in the window it was given.
fn icaljs_series(seen: &Value) -> BTreeSet<Occurrence> {
    let mut occurrences = BTreeSet::new();
    for event in icaljs_events(seen).filter(|e| e["recurring"] == true) {
        let list = event["occurrences"].as_array();
        for occurrence in list.unwrap_or_else(|| panic!("no occurrences in {event:#}")) {
            occurrences.insert(Occurrence {
                uid: text(event, "uid"),
                start: text(occurrence, "start"),
                recurrence_id: Some(text(occurrence, "recurrence_id")),
            });
        }
    }
    occurrences
}

fn icaljs_events(seen: &Value) -> impl Iterator<Item = &Value> {
    let events = seen["events"].as_array();
    events
        .unwrap_or_else(|| panic!("no event list in {seen:#}"))
        .iter()
}

/// The string `field` of `value`.
#[track_caller]
fn text(value: &Value, field: &str) -> String {
    let found = value[field].as_str();
    found.map_or_else(|| panic!("no {field} in {value:#}"), str::to_owned)
}

/// What the checker saw in `ics`, which must parse.
fn check(ics: &Path) -> Value {
    let output = checker(ics);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "Python's icalendar rejects the export:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("checker output not JSON ({e}):\n{stdout}"))
}

fn checker(ics: &Path) -> Output {
    Command::new(venv_python())
        .arg(interop().join("check_ics.py"))
        .arg(ics)
        .output()
        .unwrap_or_else(|e| panic!("the venv's python does not run ({e}); {NEEDS_PYTHON}"))
}

/// The venv's python, bootstrapped once per test process.
fn venv_python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let requirements = std::fs::read_to_string(interop().join("requirements.txt"))
            .expect("tests/interop/requirements.txt");
        python_in(&set_up(
            "interop-venv",
            &requirements,
            venv_ready,
            build_venv,
        ))
    })
}

/// `parse_icaljs.mjs`, next to a `node_modules` installed from
/// `tests/interop/package-lock.json` once per test process, where its
/// import of ical.js finds it. The copy is fresh for each process and moved
/// in place whole, so no process runs a half-written one.
fn icaljs_script() -> &'static Path {
    static SCRIPT: OnceLock<PathBuf> = OnceLock::new();
    SCRIPT.get_or_init(|| {
        let lock = std::fs::read_to_string(interop().join("package-lock.json"))
            .expect("tests/interop/package-lock.json");
        let folder = set_up("interop-node", &lock, node_ready, npm_ci);
        let script = folder.join("parse_icaljs.mjs");
        let partial = folder.join(format!("parse_icaljs.mjs.partial-{}", std::process::id()));
        std::fs::copy(interop().join("parse_icaljs.mjs"), &partial)
            .expect("a copy of tests/interop/parse_icaljs.mjs");
        std::fs::rename(&partial, &script).expect("parse_icaljs.mjs in place");
        script
    })
}

/// The folder `name` under the target folder, set up for `stamp`: reused
/// when `ready` finds it so; otherwise `build` makes a new one beside it,
/// which is moved in place unless another test process got there first, so
/// no process ever uses a half-built one.
fn set_up(
    name: &str,
    stamp: &str,
    ready: fn(&Path, &str) -> bool,
    build: fn(&Path, &str),
) -> PathBuf {
    let folder = target().join(name);
    if ready(&folder, stamp) {
        return folder;
    }
    let started = Instant::now();
    let partial = Scratch(target().join(format!("{name}.partial-{}", std::process::id())));
    build(&partial.0, stamp);
    if !ready(&folder, stamp) {
        let _ = std::fs::remove_dir_all(&folder);
        let _ = std::fs::rename(&partial.0, &folder);
    }
    drop(partial);
    assert!(
        ready(&folder, stamp),
        "could not set up {}",
        folder.display()
    );
    eprintln!(
        "interop: built {} in {:.1?}",
        folder.display(),
        started.elapsed()
    );
    folder
}

/// A folder that goes when this does, failed build or not.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Whether the venv's stamp holds `requirements` and it imports the
/// packages the scripts use.
fn venv_ready(venv: &Path, requirements: &str) -> bool {
    let stamp = std::fs::read_to_string(venv.join("requirements.stamp"));
    stamp.is_ok_and(|s| s == requirements)
        && Command::new(python_in(venv))
            .args(["-c", "import icalendar, recurring_ical_events"])
            .output()
            .is_ok_and(|o| o.status.success())
}

/// A venv at `at` with `requirements` installed, stamped with them.
fn build_venv(at: &Path, requirements: &str) {
    let _ = std::fs::remove_dir_all(at);
    succeed(
        Command::new("python3").arg("-m").arg("venv").arg(at),
        "python3 -m venv",
        NEEDS_PYTHON,
    );
    succeed(
        Command::new(python_in(at))
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
            ])
            .arg(interop().join("requirements.txt")),
        "pip install -r tests/interop/requirements.txt",
        NEEDS_PYPI,
    );
    std::fs::write(at.join("requirements.stamp"), requirements).expect("a stamp file");
}

/// Whether the folder's stamp holds `lock` and node imports ical.js there.
fn node_ready(folder: &Path, lock: &str) -> bool {
    let stamp = std::fs::read_to_string(folder.join("package-lock.stamp"));
    stamp.is_ok_and(|s| s == lock)
        && Command::new("node")
            .args(["--input-type=module", "--eval", "import 'ical.js'"])
            .current_dir(folder)
            .output()
            .is_ok_and(|o| o.status.success())
}

/// The packages of `tests/interop/package-lock.json`, which is `lock`,
/// installed at `at` by `npm ci`, stamped with it.
fn npm_ci(at: &Path, lock: &str) {
    let _ = std::fs::remove_dir_all(at);
    std::fs::create_dir_all(at).expect("a folder for node_modules");
    for file in ["package.json", "package-lock.json"] {
        std::fs::copy(interop().join(file), at.join(file))
            .unwrap_or_else(|e| panic!("tests/interop/{file}: {e}"));
    }
    succeed(
        Command::new("node").arg("--version"),
        "node --version",
        NEEDS_NODE,
    );
    succeed(
        Command::new(if cfg!(windows) { "npm.cmd" } else { "npm" })
            .args([
                "ci",
                "--ignore-scripts",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
            ])
            .current_dir(at),
        "npm ci from tests/interop/package-lock.json",
        NEEDS_NPM_REGISTRY,
    );
    std::fs::write(at.join("package-lock.stamp"), lock).expect("a stamp file");
}

/// Runs `command`, failing the test with its output and `hint` unless it
/// succeeds.
fn succeed(command: &mut Command, what: &str, hint: &str) -> Output {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{what} does not run ({e}). {hint}"));
    assert!(
        output.status.success(),
        "{what} failed ({}). {hint}\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn python_in(venv: &Path) -> PathBuf {
    if cfg!(windows) {
        venv.join("Scripts").join("python.exe")
    } else {
        venv.join("bin").join("python")
    }
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn interop() -> PathBuf {
    repo().join("tests").join("interop")
}

/// The target folder: the parent of Cargo's scratch folder for integration
/// tests, which follows `CARGO_TARGET_DIR`.
fn target() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .map_or_else(|| repo().join("target"), Path::to_path_buf)
}
