//! Interoperability of the exported feed: what `confcal export` writes from
//! the bundled catalog must be read back without error by an independent
//! parser, Python's `icalendar`, and mean to it what we meant. This file
//! owns the Python side too: it builds a venv under the target folder the
//! first time (from `tests/interop/requirements.txt`, reused until that
//! file changes) and runs `tests/interop/check_ics.py` in it, which prints
//! what the parser saw as JSON. A machine without python3, venv or pip
//! fails these tests, saying what to install.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::Instant;

use serde_json::Value;

const NEEDS_PYTHON: &str = "python3 with venv and pip is needed \
    (Debian/Ubuntu: apt-get install python3 python3-venv python3-pip)";

const NEEDS_PYPI: &str = "pip must reach PyPI, and python3 with venv and pip is needed \
    (Debian/Ubuntu: apt-get install python3 python3-venv python3-pip)";

/// Files that break the checker, each with what its complaint must name.
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
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (i, (what, text, complaint)) in BROKEN.iter().enumerate() {
        let ics = dir.path().join(format!("broken-{i}.ics"));
        std::fs::write(&ics, text).expect("a file");
        let output = checker(&ics);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "checker accepted {what}");
        assert!(stderr.contains(complaint), "{what}: {stderr}");
    }
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
    let config = repo().join("config.toml");
    let mut command = Command::new(env!("CARGO_BIN_EXE_confcal"));
    command
        .arg("--config")
        .arg(config)
        .args(["export", "--now", "2015-04-05T00:00:00Z", "-o"])
        .arg(ics)
        .env_remove("CONFCAL_CONFIG")
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("TZ", "UTC");
    succeed(&mut command, "confcal export", "");
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
    PYTHON.get_or_init(bootstrap)
}

/// Reuses the venv when its stamp holds the current requirements and it
/// imports icalendar; otherwise builds a new one beside it and moves it in
/// place unless another test process got there first, so no process ever
/// runs a half-built venv.
fn bootstrap() -> PathBuf {
    let requirements = std::fs::read_to_string(interop().join("requirements.txt"))
        .expect("tests/interop/requirements.txt");
    let venv = target().join("interop-venv");
    if ready(&venv, &requirements) {
        return python_in(&venv);
    }
    let started = Instant::now();
    let partial = target().join(format!("interop-venv.partial-{}", std::process::id()));
    build(&partial, &requirements);
    if !ready(&venv, &requirements) {
        let _ = std::fs::remove_dir_all(&venv);
        let _ = std::fs::rename(&partial, &venv);
    }
    let _ = std::fs::remove_dir_all(&partial);
    assert!(
        ready(&venv, &requirements),
        "could not set up {}",
        venv.display()
    );
    eprintln!(
        "interop: built {} in {:.1?}",
        venv.display(),
        started.elapsed()
    );
    python_in(&venv)
}

fn ready(venv: &Path, requirements: &str) -> bool {
    let stamp = std::fs::read_to_string(venv.join("requirements.stamp"));
    stamp.is_ok_and(|s| s == requirements)
        && Command::new(python_in(venv))
            .args(["-c", "import icalendar"])
            .output()
            .is_ok_and(|o| o.status.success())
}

/// A venv at `at` with `requirements` installed, stamped with them.
fn build(at: &Path, requirements: &str) {
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

/// Runs `command`, failing the test with its output and `hint` unless it
/// succeeds.
fn succeed(command: &mut Command, what: &str, hint: &str) {
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
