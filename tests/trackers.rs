//! The public deadline trackers as sources, on fixtures written in each
//! dataset's format with its quirks: the exact UTC instant of every
//! deadline, the "NAME YEAR" titles, rounds, extensions, `TBD`s, the same
//! conference under two topics, and one broken record per format reported
//! with its place while the rest loads.

mod common;

use std::collections::BTreeSet;
use std::fmt::Write as _;

use common::{Setup, repo};
use serde_json::Value;

const KINDS: [(&str, &str); 6] = [
    ("ccfddl", "ccfddl"),
    ("ai-deadlines", "ai-deadlines"),
    ("pythondeadlines", "pythondeadlines"),
    ("sec-deadlines", "sec-deadlines"),
    ("confs-tech", "confs-tech"),
    ("developers-events", "developers-events"),
];

/// A config reading the fixture folder of each of `kinds`.
fn config(kinds: &[&str]) -> String {
    let mut text = String::from(
        "calendar_name = \"Trackers\"\ndefault_timezone = \"UTC\"\ndeadline_timezone = \"AoE\"\n",
    );
    let fixtures = repo().join("tests/fixtures/trackers");
    for kind in kinds {
        let folder = fixtures.join(kind);
        let _ = write!(
            text,
            "\n[[source]]\nname = \"{kind}\"\nkind = \"{kind}\"\npath = \"{}\"\n",
            folder.display()
        );
    }
    text
}

/// Every deadline `upcoming` lists over all time, as (event, due UTC).
fn deadlines(kinds: &[&str]) -> (BTreeSet<(String, String)>, String) {
    let setup = Setup::with_config(&config(kinds));
    let run = setup
        .run(&[
            "--offline",
            "upcoming",
            "--from",
            "1990-01-01",
            "--until",
            "2100-01-01",
            "--format",
            "json",
        ])
        .ok();
    let items = run.json();
    let pairs = items
        .as_array()
        .expect("an array")
        .iter()
        .filter(|i| i["type"] == "deadline")
        .map(|i| {
            (
                i["event"].as_str().unwrap_or_default().to_owned(),
                i["due_utc"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    (pairs, run.stderr)
}

fn pairs(expected: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    expected
        .iter()
        .map(|(e, d)| ((*e).to_owned(), (*d).to_owned()))
        .collect()
}

#[track_caller]
fn assert_deadlines(kind: &str, expected: &[(&str, &str)]) -> String {
    let (found, stderr) = deadlines(&[kind]);
    assert_eq!(found, pairs(expected), "{kind}; stderr:\n{stderr}");
    stderr
}

#[test]
fn ccfddl_zones_rounds_and_tbd() {
    let stderr = assert_deadlines(
        "ccfddl",
        &[
            // UTC-8, in winter.
            ("CVPR 2025", "2024-11-08T07:59:00Z"),
            ("CVPR 2025", "2024-11-15T07:59:00Z"),
            ("CVPR 2026", "2025-11-14T11:59:59Z"),
            // Two rounds; a third is TBD.
            ("ICSE 2026", "2025-03-15T11:59:59Z"),
            ("ICSE 2026", "2025-07-19T11:59:59Z"),
            // No zone: `deadline_timezone` (AoE here).
            ("ICSE 2027", "2026-03-14T11:59:59Z"),
            // PT in winter (PST) and in summer (PDT).
            ("SIGCOMM 2025", "2025-01-25T07:59:59Z"),
            ("SIGCOMM 2025", "2025-02-01T07:59:59Z"),
            ("SIGCOMM 2026", "2025-07-16T00:00:00Z"),
            ("APNet 2025", "2025-03-01T15:59:59Z"),
        ],
    );
    assert!(stderr.contains("1 deadline is not known yet"), "{stderr}");
    assert!(
        stderr.contains("conference/NW/sigcomm.yml:22:1: `next week` is not a date"),
        "{stderr}"
    );
    assert!(
        stderr.contains("conference/NW/sigcomm.yml:47:1: unknown time zone `Mars/Olympus`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("conference/DB/broken.yml:7:21: not valid YAML"),
        "{stderr}"
    );
}

#[test]
fn ai_deadlines_current_and_older_formats() {
    let stderr = assert_deadlines(
        "ai-deadlines",
        &[
            ("NeurIPS 2025", "2025-05-12T11:59:59Z"),
            ("NeurIPS 2025", "2025-05-16T11:59:59Z"),
            // No zone of its own: the edition's (AoE).
            ("NeurIPS 2025", "2025-05-23T11:59:59Z"),
            ("NeurIPS 2025", "2025-07-31T11:59:59Z"),
            ("NeurIPS 2025", "2025-09-19T11:59:59Z"),
            ("NeurIPS 2025", "2025-10-24T11:59:59Z"),
            // GMT+2 is two hours east; Etc/GMT+8 is eight hours west.
            ("ICCV 2025", "2025-03-07T21:59:00Z"),
            ("ICCV 2025", "2025-03-04T07:59:00Z"),
            // No zone at all: UTC.
            ("ICML 2019", "2019-01-23T23:59:59Z"),
            ("KDD 2019", "2019-02-04T07:59:59Z"),
            ("ICDM 2022", "2022-06-11T06:59:00Z"),
            ("AISTATS 2020", "2019-10-08T22:59:59Z"),
            ("AISTATS 2020", "2019-10-01T22:59:59Z"),
        ],
    );
    assert!(stderr.contains("2 deadlines are not known yet"), "{stderr}");
    assert!(
        stderr.contains("conferences.yml:33:1: `end` (2021-12-03) is before `start` (2022-11-30)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("conferences.yml:46:1: `MLSys` needs a `year`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("conferences.yml:58:1: unknown key `deadlne`: did you mean `deadline`?"),
        "{stderr}"
    );
}

#[test]
fn pythondeadlines_extensions_and_missing_zones() {
    let stderr = assert_deadlines(
        "pythondeadlines",
        &[
            // No zone: AoE.
            ("PyCon US 2026", "2025-12-20T11:59:00Z"),
            // The extension replaces the CFP.
            ("PyCon DE & PyData 2026", "2026-01-18T22:59:59Z"),
            ("PyCon DE & PyData 2026", "2025-12-14T22:59:59Z"),
            // A bare date is due at 23:59:00.
            ("PyGotham 2026", "2026-03-02T04:59:00Z"),
            ("EuroPython 2025", "2025-01-27T11:00:00Z"),
            ("EuroPython 2025", "2025-02-10T22:59:00Z"),
        ],
    );
    assert!(stderr.contains("3 deadlines are not known yet"), "{stderr}");
    assert!(
        stderr.contains("_data/conferences.yml:66:1: `when ready` is not a date"),
        "{stderr}"
    );
}

#[test]
fn sec_deadlines_rounds_templates_and_inverted_etc_zones() {
    let stderr = assert_deadlines(
        "sec-deadlines",
        &[
            ("USENIX Security 2026", "2025-08-27T11:59:00Z"),
            ("USENIX Security 2026", "2026-02-06T11:59:00Z"),
            // Etc/GMT-8 is UTC+8.
            ("Inscrypt 2025", "2025-04-15T15:59:00Z"),
            // `%Y` is the year before the edition's, `%y` its own.
            ("PETS 2026", "2025-06-01T11:59:00Z"),
            ("PETS 2026", "2026-03-01T11:59:00Z"),
            ("Asiacrypt 2025", "2025-05-16T12:00:00Z"),
            ("DIMVA 2026", "2025-12-04T07:59:00Z"),
            ("DIMVA 2026", "2026-02-12T07:59:00Z"),
        ],
    );
    assert!(stderr.contains("1 deadline is not known yet"), "{stderr}");
    assert!(
        stderr.contains("_data/conferences.yml:58:3: not valid YAML: invalid indentation (the record at line 55 is left out)"),
        "{stderr}"
    );
}

#[test]
fn confs_tech_inclusive_dates_and_topics() {
    let stderr = assert_deadlines(
        "confs-tech",
        &[
            // Listed under two topics: one deadline, at the end of the
            // last day in `deadline_timezone`.
            ("TSConf EU 2025", "2025-04-01T11:59:59Z"),
            // The name already holds its year.
            ("React Summit 2025", "2025-02-16T11:59:59Z"),
            // One name, two places and dates: two events.
            ("AWS Summit 2025", "2025-03-02T11:59:59Z"),
            ("AWS Summit 2025", "2025-04-02T11:59:59Z"),
        ],
    );
    assert!(
        stderr.contains("javascript.json:23:1: `JSWorld Nowhere` needs a `startDate`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("typescript.json:2:1: unknown key `cfpEndDat`"),
        "{stderr}"
    );
}

#[test]
fn developers_events_millisecond_days() {
    let stderr = assert_deadlines(
        "developers-events",
        &[("Devoxx France 2025", "2025-01-13T11:59:59Z")],
    );
    assert!(
        stderr.contains("all-events.json:4:1: `Mystery Meetup` needs a `date`"),
        "{stderr}"
    );
}

#[test]
fn a_conference_under_two_topics_is_one_event_with_both() {
    let setup = Setup::with_config(&config(&["confs-tech"]));
    let run = setup
        .run(&[
            "--offline",
            "upcoming",
            "--from",
            "2025-06-01",
            "--until",
            "2025-07-01",
            "--format",
            "json",
        ])
        .ok();
    let items = run.json();
    let tsconf: Vec<&Value> = items
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["title"] == "TSConf EU 2025")
        .collect();
    assert_eq!(tsconf.len(), 1, "{items:#}");
    assert_eq!(
        tsconf[0]["tags"],
        serde_json::json!(["javascript", "typescript"])
    );
    assert_eq!(tsconf[0]["start"], "2025-06-12");
}

#[test]
fn check_names_each_broken_record_and_loads_the_rest() {
    let all: Vec<&str> = KINDS.iter().map(|(k, _)| *k).collect();
    let setup = Setup::with_config(&config(&all));
    let run = setup.run(&["--offline", "check"]);
    assert_eq!(run.status, 1, "{}\n{}", run.stdout, run.stderr);
    for (kind, _) in KINDS {
        let line = run
            .stdout
            .lines()
            .find(|l| l.starts_with(&format!("source `{kind}`")))
            .unwrap_or_else(|| panic!("no line for {kind}:\n{}", run.stdout));
        assert!(!line.contains(" 0 deadlines"), "{line}");
        assert!(
            run.stderr.contains(&format!("error: source `{kind}`: ")),
            "{kind}:\n{}",
            run.stderr
        );
    }
}

#[test]
fn one_edition_from_a_tracker_and_a_curated_file_is_one_event_and_check_shows_the_disagreement() {
    let curated = r#"
[[event]]
name = "International Conference on Software Engineering 2026"
start = 2026-04-12
end = 2026-04-18

[[event.deadline]]
kind = "paper"
due = 2025-03-20T23:59:59
timezone = "AoE"
"#;
    let config = config(&["ccfddl"])
        .replace("kind = \"ccfddl\"\n", "kind = \"ccfddl\"\npriority = 5\n")
        + "\n[[source]]\nname = \"curated\"\nkind = \"curated\"\npath = \"icse.toml\"\npriority = 1\n";
    let setup = Setup::with_config(&config).file("icse.toml", curated);
    let run = setup
        .run(&[
            "--offline",
            "upcoming",
            "--from",
            "2025-01-01",
            "--until",
            "2026-12-31",
            "--format",
            "json",
        ])
        .ok();
    let items = run.json();
    let icse: Vec<(&str, &str)> = items
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["title"].as_str().unwrap_or("").contains("ICSE 2026"))
        .map(|i| {
            (
                i["title"].as_str().unwrap(),
                i["due_utc"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        icse,
        [
            (
                "Papers due: ICSE 2026 (first cycle)",
                "2025-03-15T11:59:59Z"
            ),
            (
                "Papers due: ICSE 2026 (second cycle)",
                "2025-07-19T11:59:59Z"
            ),
            ("ICSE 2026", ""),
        ]
    );
    let check = setup.run(&["--offline", "check"]);
    assert!(
        check.stdout.contains(
            "sources disagree on `Papers due: ICSE 2026 (first cycle)`: 2025-03-15 11:59 UTC from `ccfddl` (",
        ) && check.stdout.contains("icse.yml:14), used; 2025-03-21 11:59 UTC from `curated` (icse.toml:"),
        "{}",
        check.stdout
    );
}

#[test]
fn a_tracker_url_is_fetched_stored_and_read_offline_with_the_last_good_copy() {
    let fixture = repo().join("tests/fixtures/trackers/sec-deadlines/_data/conferences.yml");
    let body = std::fs::read_to_string(fixture).expect("the fixture");
    let server = common::http::Server::start();
    server.reply(
        "/conferences.yml",
        common::http::Reply::Calendar {
            body,
            etag: Some("\"v1\"".to_owned()),
            last_modified: None,
        },
    );
    let config = format!(
        "default_timezone = \"UTC\"\nstate_dir = \"state\"\n\n[[source]]\nname = \"sec\"\nkind = \"sec-deadlines\"\nurl = \"{}\"\n",
        server.url("/conferences.yml")
    );
    let setup = Setup::with_config(&config);
    setup.run(&["refresh", "--all", "--quiet"]).ok();
    let listed = || {
        let run = setup
            .run(&[
                "--offline",
                "upcoming",
                "--from",
                "2025-01-01",
                "--until",
                "2027-01-01",
                "--format",
                "json",
            ])
            .ok();
        let items = run.json();
        let dues: BTreeSet<String> = items
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["event"] == "PETS 2026")
            .map(|i| i["due_utc"].as_str().unwrap_or_default().to_owned())
            .collect();
        (dues, run.stderr)
    };
    let expected: BTreeSet<String> = ["2025-06-01T11:59:00Z", "2026-03-01T11:59:00Z"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let (dues, stderr) = listed();
    assert_eq!(dues, expected, "{stderr}");
    assert!(
        stderr.contains("conferences.yml:58:3: not valid YAML"),
        "{stderr}"
    );
    // The server fails: the stored copy still lists, marked stale.
    server.reply("/conferences.yml", common::http::Reply::Status(500, vec![]));
    setup.run(&["refresh", "--all", "--quiet"]);
    let (dues, stderr) = listed();
    assert_eq!(dues, expected, "{stderr}");
    assert!(stderr.contains("stale since"), "{stderr}");
}

#[test]
fn an_extension_keeps_the_cfp_uid_with_a_higher_sequence() {
    let record = |extension: &str| {
        format!(
            "- conference: PyCon DE\n  year: 2026\n  link: https://2026.pycon.de/\n  cfp: '2025-12-21 23:59:59'\n{extension}  timezone: Europe/Berlin\n  place: Darmstadt, Germany\n  start: 2026-04-14\n  end: 2026-04-17\n  sub: PY\n"
        )
    };
    let feed = |text: &str| {
        let setup = Setup::with_config(
            "default_timezone = \"UTC\"\n\n[[source]]\nname = \"py\"\nkind = \"pythondeadlines\"\npath = \"conferences.yml\"\n",
        )
        .file("conferences.yml", text);
        setup.run(&["export"]).ok().stdout.replace("\r\n", "\n")
    };
    let before = feed(&record(""));
    let after = feed(&record("  cfp_ext: '2026-01-18 23:59:59'\n"));
    let uid = "UID:cfp.pycon-de-2026@confcal\n";
    assert!(
        before.contains(uid) && after.contains(uid),
        "{before}\n{after}"
    );
    let block = |ics: &str| {
        ics.split("BEGIN:VEVENT")
            .find(|b| b.contains(uid))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(block(&before).contains("SEQUENCE:0"), "{before}");
    assert!(block(&after).contains("SEQUENCE:1"), "{after}");
    assert!(
        block(&after).contains("DTSTART:20260118T225959Z"),
        "{after}"
    );
    assert!(block(&after).contains("(extended)"), "{after}");
}
