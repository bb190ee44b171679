//! iCalendar sources: real-world forms read right, series expanded in
//! their own zone, bad components reported and skipped while the rest
//! loads, duplicates resolved by revision.

mod common;

use std::fmt::Write as _;

use common::{Run, Setup, repo, run_in};
use serde_json::Value;

fn config(sources: &[(&str, &str, i32)]) -> String {
    let mut text = String::from("default_timezone = \"UTC\"\ndeadline_timezone = \"AoE\"\n");
    for (name, path, priority) in sources {
        let _ = write!(
            text,
            "\n[[source]]\nname = \"{name}\"\nkind = \"ics\"\npath = \"{path}\"\npriority = {priority}\n"
        );
    }
    text
}

/// A calendar with `body` inside, lines joined with CRLF.
fn calendar(body: &[&str]) -> String {
    let mut lines = vec![
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//confcal tests//EN",
    ];
    lines.extend_from_slice(body);
    lines.push("END:VCALENDAR");
    lines.join("\r\n") + "\r\n"
}

/// A setup with one ICS source holding `ics`.
fn one_file(ics: &str) -> Setup {
    Setup::with_config(&config(&[("cal", "cal.ics", 0)])).file("cal.ics", ics)
}

fn upcoming(setup: &Setup, from: &str, until: &str) -> Run {
    setup.run(&[
        "upcoming", "--from", from, "--until", until, "--format", "json",
    ])
}

/// `(title, start, start_utc)` of each item.
fn starts(run: &Run) -> Vec<(String, String, String)> {
    let field = |i: &Value, k: &str| i[k].as_str().unwrap_or("-").to_owned();
    run.json()
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (field(i, "title"), field(i, "start"), field(i, "start_utc")))
        .collect()
}

fn row(title: &str, start: &str, utc: &str) -> (String, String, String) {
    (title.to_owned(), start.to_owned(), utc.to_owned())
}

#[test]
fn windows_zone_names_and_the_calendar_zone_are_understood() {
    let ics = calendar(&[
        "X-WR-TIMEZONE:America/New_York",
        "BEGIN:VEVENT",
        "UID:pst@t",
        "DTSTART;TZID=Pacific Standard Time:20150701T100000",
        "DTEND;TZID=Pacific Standard Time:20150701T110000",
        "SUMMARY:Windows Pacific",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:weu@t",
        "DTSTART;TZID=\"W. Europe Standard Time\":20150701T180000",
        "SUMMARY:Windows Berlin",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:moz@t",
        "DTSTART;TZID=/mozilla.org/20050126_1/Asia/Tokyo:20150702T090000",
        "SUMMARY:Mozilla Tokyo",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:float@t",
        "DTSTART:20150702T120000",
        "SUMMARY:Floating in the calendar zone",
        "END:VEVENT",
    ]);
    let setup = one_file(&ics);
    let run = upcoming(&setup, "2015-06-01", "2015-08-01").ok();
    assert_eq!(
        starts(&run),
        [
            row(
                "Windows Berlin",
                "2015-07-01T18:00:00+02:00",
                "2015-07-01T16:00:00Z"
            ),
            row(
                "Windows Pacific",
                "2015-07-01T10:00:00-07:00",
                "2015-07-01T17:00:00Z"
            ),
            row(
                "Mozilla Tokyo",
                "2015-07-02T09:00:00+09:00",
                "2015-07-02T00:00:00Z"
            ),
            row(
                "Floating in the calendar zone",
                "2015-07-02T12:00:00-04:00",
                "2015-07-02T16:00:00Z"
            ),
        ]
    );
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}

#[test]
fn what_real_files_contain_is_read() {
    // A BOM, bare LF line ends, a folded line, escapes, a VALARM, X-
    // properties, and two calendars in one file.
    let first = "\u{feff}BEGIN:VCALENDAR\nVERSION:2.0\nX-WR-CALNAME:One\nBEGIN:VEVENT\nUID:a@t\nX-CUSTOM;X-PARAM=1:whatever\n\
                 DTSTART;VALUE=DATE:20150801\nDTEND;VALUE=DATE:20150803\nSUMMARY:Folded and \n escaped\\, with\\; marks\n\
                 BEGIN:VALARM\nACTION:DISPLAY\nTRIGGER:-PT15M\nEND:VALARM\nEND:VEVENT\nEND:VCALENDAR\n";
    let second = calendar(&[
        "BEGIN:VEVENT",
        "UID:b@t",
        "DTSTART:20150802T100000Z",
        "SUMMARY:Second calendar",
        "END:VEVENT",
    ]);
    let setup = Setup::with_config(&config(&[("cal", "cal.ics", 0)]))
        .file("cal.ics", &format!("{first}{second}"));
    let run = upcoming(&setup, "2015-07-01", "2015-09-01").ok();
    let items = run.json();
    assert_eq!(items[0]["title"], "Folded and escaped, with; marks");
    assert_eq!(
        (
            items[0]["start"].as_str(),
            items[0]["end"].as_str(),
            items[0]["all_day"].as_bool()
        ),
        (Some("2015-08-01"), Some("2015-08-02"), Some(true))
    );
    assert_eq!(items[1]["title"], "Second calendar");
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}

#[test]
fn latin1_and_utf16_files_are_decoded() {
    let latin1: Vec<u8> = calendar(&[
        "BEGIN:VEVENT",
        "UID:c@t",
        "DTSTART:20150802T100000Z",
        "SUMMARY:Caf\u{e9}",
        "END:VEVENT",
    ])
    .chars()
    .map(|c| u8::try_from(u32::from(c)).unwrap())
    .collect();
    let utf16: Vec<u8> = std::iter::once(0xfeff_u16)
        .chain(
            calendar(&[
                "BEGIN:VEVENT",
                "UID:d@t",
                "DTSTART:20150803T100000Z",
                "SUMMARY:Ünïcødé",
                "END:VEVENT",
            ])
            .encode_utf16(),
        )
        .flat_map(u16::to_le_bytes)
        .collect();
    let setup = Setup::with_config(&config(&[("cal", "ics", 0)]));
    std::fs::create_dir_all(setup.path("ics")).unwrap();
    std::fs::write(setup.path("ics/latin1.ics"), latin1).unwrap();
    std::fs::write(setup.path("ics/utf16.ics"), utf16).unwrap();
    let run = upcoming(&setup, "2015-07-01", "2015-09-01").ok();
    let titles: Vec<&str> = run
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap().to_owned().leak() as &str)
        .collect();
    assert_eq!(titles, ["Café", "Ünïcødé"]);
}

#[test]
fn a_series_keeps_its_wall_time_across_daylight_saving() {
    let ics = calendar(&[
        "BEGIN:VEVENT",
        "UID:weekly@t",
        "DTSTART;TZID=America/New_York:20151026T090000",
        "DTEND;TZID=America/New_York:20151026T100000",
        "RRULE:FREQ=WEEKLY;COUNT=3",
        "SUMMARY:Standup",
        "END:VEVENT",
    ]);
    let setup = one_file(&ics);
    let items = upcoming(&setup, "2015-10-01", "2015-12-01").ok().json();
    let got: Vec<(&str, &str, &str)> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["start"].as_str().unwrap(),
                i["start_utc"].as_str().unwrap(),
                i["recurrence_id"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "2015-10-26T09:00:00-04:00",
                "2015-10-26T13:00:00Z",
                "2015-10-26T09:00:00-04:00"
            ),
            (
                "2015-11-02T09:00:00-05:00",
                "2015-11-02T14:00:00Z",
                "2015-11-02T09:00:00-05:00"
            ),
            (
                "2015-11-09T09:00:00-05:00",
                "2015-11-09T14:00:00Z",
                "2015-11-09T09:00:00-05:00"
            ),
        ]
    );
    assert_eq!(items[0]["end"], "2015-10-26T10:00:00-04:00");
}

#[test]
fn faulty_events_are_read_past_and_broken_ones_skipped_with_one_summary_each() {
    let event = |uid: &str, extra: &[&str]| -> Vec<String> {
        let mut lines = vec![
            "BEGIN:VEVENT".to_owned(),
            format!("UID:{uid}"),
            "SUMMARY:x".to_owned(),
        ];
        lines.extend(extra.iter().map(|l| (*l).to_owned()));
        lines.push("END:VEVENT".to_owned());
        lines
    };
    let mut body: Vec<String> = Vec::new();
    body.extend(event("good@t", &["DTSTART:20150801T100000Z"]));
    body.extend(event(
        "count@t",
        &["DTSTART:20150801T100000Z", "RRULE:FREQ=DAILY;COUNT=-1"],
    ));
    body.extend(event(
        "twice@t",
        &["DTSTART:20150801T100000Z", "RRULE:FREQ=DAILY;FREQ=WEEKLY"],
    ));
    body.extend(event(
        "typo@t",
        &["DTSTART:20150801T100000Z", "RRULE:FREQ=DAILY;UNTL=20150901"],
    ));
    body.extend(event(
        "backwards@t",
        &["DTSTART:20150801T100000Z", "DTEND:20150731T100000Z"],
    ));
    body.extend(event("nostart@t", &[]));
    body.extend(event("badstart@t", &["DTSTART:20150231T100000Z"]));
    body.extend(event(
        "broken-line@t",
        &["DTSTART:20150802T100000Z", "this line is broken"],
    ));
    let body: Vec<&str> = body.iter().map(String::as_str).collect();
    let setup = Setup::with_config(&config(&[("cal", "cal.ics", 0), ("other", "other.ics", 0)]))
        .file("cal.ics", &calendar(&body))
        .file(
            "other.ics",
            &calendar(&[
                "BEGIN:VEVENT",
                "UID:other@t",
                "DTSTART:20150803T100000Z",
                "SUMMARY:Other",
                "END:VEVENT",
            ]),
        );
    let (status, lines) = check_lines(&setup);
    assert_eq!(status, 1);
    assert_eq!(
        lines,
        [
            "error: source `cal`: cal.ics:46:1: `this line is broken` is not an iCalendar line (NAME:value); ignored",
            "error: source `cal`: `cal.ics`: 2 events skipped — it has no DTSTART: line 33 `nostart@t` — DTSTART has no such day `20150231T100000Z`: line 37 `badstart@t`",
            "warning: source `cal`: `cal.ics`: 4 events repaired — its RRULE cannot be read (`-1` is not a valid COUNT value); the rule is ignored: line 9 `count@t` — its RRULE cannot be read (`FREQ` is given twice); the rule is ignored: line 15 `twice@t` — its RRULE cannot be read (`UNTL` is not an RRULE part (did you mean `UNTIL`?)); the rule is ignored: line 21 `typo@t` — its end is before its start; the two are swapped: line 27 `backwards@t`",
        ],
    );
    let uids: Vec<String> = upcoming(&setup, "2015-07-01", "2015-09-01")
        .ok()
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["uid"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        uids,
        [
            "backwards@t",
            "count@t",
            "good@t",
            "twice@t",
            "typo@t",
            "broken-line@t",
            "other@t"
        ]
    );
}

#[test]
fn truncated_or_foreign_files_are_errors_and_the_rest_loads() {
    let cut = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x@t\r\nDTSTART:2015080";
    let html = "<!DOCTYPE html>\n<html><body>503 Service Unavailable</body></html>\n";
    let good = calendar(&[
        "BEGIN:VEVENT",
        "UID:good@t",
        "DTSTART:20150801T100000Z",
        "SUMMARY:Good",
        "END:VEVENT",
    ]);
    let setup = Setup::with_config(&config(&[
        ("cut", "cut.ics", 0),
        ("html", "html.ics", 0),
        ("good", "good.ics", 0),
    ]))
    .file("cut.ics", cut)
    .file("html.ics", html)
    .file("good.ics", &good);
    let check = setup.run(&["check"]);
    assert_eq!(check.status, 1);
    assert!(
        check.stderr.contains(
            "cut.ics`: the text ends inside `BEGIN:VCALENDAR` of line 1 (a truncated download?)"
        ),
        "{}",
        check.stderr
    );
    assert!(check.stderr.contains("html.ics`: no `BEGIN:VCALENDAR`: this is not an iCalendar file (it begins `<!DOCTYPE html>`)"), "{}", check.stderr);
    let run = upcoming(&setup, "2015-07-01", "2015-09-01").ok();
    assert_eq!(
        starts(&run),
        [row("Good", "2015-08-01T10:00:00Z", "2015-08-01T10:00:00Z")]
    );
}

#[test]
fn the_newest_revision_wins_within_and_across_sources() {
    let copy = |sequence: &str, title: &str| {
        calendar(&[
            "BEGIN:VEVENT",
            "UID:same@t",
            sequence,
            "DTSTART:20150801T100000Z",
            title,
            "END:VEVENT",
        ])
    };
    let within = calendar(&[
        "BEGIN:VEVENT",
        "UID:dup@t",
        "SEQUENCE:1",
        "DTSTART:20150801T100000Z",
        "SUMMARY:Newer",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:dup@t",
        "SEQUENCE:0",
        "DTSTART:20150801T090000Z",
        "SUMMARY:Older",
        "END:VEVENT",
    ]);
    let setup = Setup::with_config(&config(&[
        ("high", "high.ics", 10),
        ("low", "low.ics", 1),
        ("within", "within.ics", 0),
    ]))
    .file(
        "high.ics",
        &copy("SEQUENCE:1", "SUMMARY:Stale copy from the preferred source"),
    )
    .file("low.ics", &copy("SEQUENCE:2", "SUMMARY:Rescheduled copy"))
    .file("within.ics", &within);
    let titles: Vec<String> = upcoming(&setup, "2015-07-01", "2015-09-01")
        .ok()
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(titles, ["Newer", "Rescheduled copy"]);
}

#[test]
fn the_bundled_schedule_and_series_are_listed_and_exported_once() {
    let run = run_in(
        repo(),
        &[
            "--config",
            "config.toml",
            "upcoming",
            "--from",
            "2012-10-01",
            "--until",
            "2012-11-07T10:00:00Z",
            "--format",
            "json",
        ],
    )
    .ok();
    let items = run.json();
    let calls: Vec<(&str, &str)> = items
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["uid"] == "committee-call.kvm-forum-2012@schedule.example")
        .map(|i| {
            (
                i["start"].as_str().unwrap(),
                i["recurrence_id"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        calls,
        [
            ("2012-10-09T16:00:00+02:00", "2012-10-09T16:00:00+02:00"),
            ("2012-10-16T16:00:00+02:00", "2012-10-16T16:00:00+02:00"),
            ("2012-10-24T10:00:00+02:00", "2012-10-23T16:00:00+02:00"),
            ("2012-10-30T16:00:00+01:00", "2012-10-30T16:00:00+01:00"),
        ],
        "October 2 is excluded and October 23 moved; the last call is after the switch to CET"
    );
    let keynote = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["uid"] == "keynote.kvm-forum-2012@schedule.example")
        .unwrap();
    assert_eq!(
        (keynote["start"].as_str(), keynote["start_utc"].as_str()),
        (
            Some("2012-11-07T09:00:00+01:00"),
            Some("2012-11-07T08:00:00Z")
        )
    );

    let ics = run_in(
        repo(),
        &[
            "--config",
            "config.toml",
            "export",
            "--now",
            "2012-10-01T00:00:00Z",
        ],
    )
    .ok()
    .stdout;
    assert_eq!(
        ics.matches("UID:committee-call.kvm-forum-2012@schedule.example\r\n")
            .count(),
        2,
        "the series and its one override"
    );
    assert_eq!(
        ics.matches("RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=9\r\n")
            .count(),
        1
    );
    assert!(ics.contains("EXDATE;TZID=Europe/Madrid:20121002T160000\r\n"));
    assert!(ics.contains("RECURRENCE-ID;TZID=Europe/Madrid:20121023T160000\r\n"));
    assert!(
        ics.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/Madrid\r\n"),
        "a VTIMEZONE generated for the TZID"
    );
}

#[test]
fn a_custom_vtimezone_is_computed_from_its_rules() {
    let ics = calendar(&[
        "BEGIN:VTIMEZONE",
        "TZID:Customized Time Zone",
        "BEGIN:STANDARD",
        "DTSTART:16011104T020000",
        "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11",
        "TZOFFSETFROM:-0400",
        "TZOFFSETTO:-0500",
        "END:STANDARD",
        "BEGIN:DAYLIGHT",
        "DTSTART:16010311T020000",
        "RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3",
        "TZOFFSETFROM:-0500",
        "TZOFFSETTO:-0400",
        "END:DAYLIGHT",
        "END:VTIMEZONE",
        "BEGIN:VEVENT",
        "UID:custom@t",
        "DTSTART;TZID=Customized Time Zone:20151026T090000",
        "DTEND;TZID=Customized Time Zone:20151026T100000",
        "RRULE:FREQ=WEEKLY;COUNT=2",
        "SUMMARY:Custom zone",
        "END:VEVENT",
    ]);
    let setup = one_file(&ics);
    let run = upcoming(&setup, "2015-10-01", "2015-12-01").ok();
    assert_eq!(
        starts(&run),
        [
            row(
                "Custom zone",
                "2015-10-26T09:00:00-04:00",
                "2015-10-26T13:00:00Z"
            ),
            row(
                "Custom zone",
                "2015-11-02T09:00:00-05:00",
                "2015-11-02T14:00:00Z"
            ),
        ]
    );
    assert_eq!(run.json()[0]["tz"], "Customized Time Zone");
}

#[test]
fn fuzz_non_ascii_byday_and_huge_durations_are_read_past_not_panics() {
    let ics = calendar(&[
        "BEGIN:VEVENT",
        "UID:byday@t",
        "DTSTART:20150601T100000Z",
        "RRULE:FREQ=DAILY;BYDAY=\u{e9}U",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:long@t",
        "DTSTART:20150101T000000Z",
        "DURATION:P4000000000W",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:period@t",
        "DTSTART;TZID=Europe/Berlin:00000101T000000",
        "RDATE;TZID=Europe/Berlin;VALUE=PERIOD:00000101T000000/-P4000000000W",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:ok@t",
        "DTSTART:20150601T100000Z",
        "SUMMARY:Still here",
        "END:VEVENT",
    ]);
    let setup = one_file(&ics);
    let (status, lines) = check_lines(&setup);
    assert_eq!(status, 0, "{lines:?}");
    assert_eq!(lines.len(), 1, "{lines:?}");
    for what in [
        "its RRULE cannot be read (an RRULE is plain ASCII text); the rule is ignored: line 4 `byday@t`",
        "DURATION has a duration that ends beyond any calendar; it is ignored: line 9 `long@t`",
        "an RDATE has a duration that ends beyond any calendar; it is ignored: line 14 `period@t`",
    ] {
        assert!(lines[0].contains(what), "{what} in {lines:?}");
    }
    let run = upcoming(&setup, "2015-01-01", "2016-01-01").ok();
    assert_eq!(
        starts(&run),
        [
            row("(untitled)", "2015-01-01T00:00:00Z", "2015-01-01T00:00:00Z"),
            row("(untitled)", "2015-06-01T10:00:00Z", "2015-06-01T10:00:00Z"),
            row("Still here", "2015-06-01T10:00:00Z", "2015-06-01T10:00:00Z"),
        ]
    );
}

/// `(uid, start)` of each item.
fn uids_and_starts(run: &Run) -> Vec<(String, String)> {
    run.json()
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["uid"].as_str().unwrap().to_owned(),
                i["start"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn start_list(run: &Run) -> Vec<String> {
    uids_and_starts(run).into_iter().map(|(_, s)| s).collect()
}

/// The lines `check` printed on standard error for `setup`.
fn check_lines(setup: &Setup) -> (i32, Vec<String>) {
    let check = setup.run(&["check"]);
    let lines = check
        .stderr
        .lines()
        .map(|l| l.replace(&setup.path("").display().to_string(), ""))
        .collect();
    (check.status, lines)
}

#[test]
fn a_vevent_without_uid_gets_the_same_uid_from_its_content_on_every_read() {
    let file = |stamp: &str| {
        calendar(&[
            "BEGIN:VEVENT",
            stamp,
            "DTSTART;VALUE=DATE:20151225",
            "SUMMARY:Christmas Day",
            "END:VEVENT",
            "BEGIN:VEVENT",
            stamp,
            "DTSTART;VALUE=DATE:20151226",
            "SUMMARY:Boxing Day",
            "END:VEVENT",
        ])
    };
    let first = one_file(&file("DTSTAMP:20150101T000000Z"));
    let again = one_file(&file("DTSTAMP:20151201T093000Z"));
    let read = |setup: &Setup| uids_and_starts(&upcoming(setup, "2015-12-01", "2016-01-01").ok());
    let uids = read(&first);
    assert_eq!(uids.len(), 2, "{uids:?}");
    assert_ne!(uids[0].0, uids[1].0, "two events, two UIDs");
    assert_eq!(read(&first), uids, "the same file read twice");
    assert_eq!(
        read(&again),
        uids,
        "a new download stamp does not make new events"
    );
    let (status, lines) = check_lines(&first);
    assert_eq!(status, 0, "{lines:?}");
    assert_eq!(
        lines,
        [
            "warning: source `cal`: `cal.ics`: 2 events repaired — it has no UID; it is given one made from its content: line 4, line 9"
        ]
    );
}

#[test]
fn an_empty_or_freqless_rrule_reads_as_a_single_event() {
    let ics = calendar(&[
        "BEGIN:VEVENT",
        "UID:empty@t",
        "DTSTART:20150801T100000Z",
        "RRULE:",
        "SUMMARY:Empty rule",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:nofreq@t",
        "DTSTART:20150802T100000Z",
        "RRULE:BYDAY=MO;COUNT=4",
        "SUMMARY:No FREQ",
        "END:VEVENT",
    ]);
    let setup = one_file(&ics);
    let run = upcoming(&setup, "2015-07-01", "2015-10-01").ok();
    assert_eq!(
        uids_and_starts(&run),
        [
            ("empty@t".to_owned(), "2015-08-01T10:00:00Z".to_owned()),
            ("nofreq@t".to_owned(), "2015-08-02T10:00:00Z".to_owned()),
        ]
    );
    let (status, lines) = check_lines(&setup);
    assert_eq!(status, 0, "{lines:?}");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains("2 events repaired")
            && lines[0].contains("line 4 `empty@t`")
            && lines[0].contains("line 10 `nofreq@t`")
            && lines[0].contains("it has no FREQ"),
        "{lines:?}"
    );
}

#[test]
fn a_bad_rdate_exdate_or_dtend_value_is_dropped_and_the_event_kept() {
    let ics = calendar(&[
        "BEGIN:VEVENT",
        "UID:series@t",
        "DTSTART:20150803T100000Z",
        "DTEND:2015-08-03 11:00",
        "RRULE:FREQ=WEEKLY;COUNT=3",
        "RDATE;VALUE=TIME:120000",
        "RDATE;VALUE=PERIOD:20150805T100000Z/soon",
        "RDATE:20150806T100000Z",
        "EXDATE;VALUE=TIME:100000",
        "EXDATE:20150810T100000Z",
        "SUMMARY:Weekly",
        "END:VEVENT",
    ]);
    let setup = one_file(&ics);
    let run = upcoming(&setup, "2015-08-01", "2015-09-01").ok();
    assert_eq!(
        start_list(&run),
        [
            "2015-08-03T10:00:00Z",
            "2015-08-06T10:00:00Z",
            "2015-08-17T10:00:00Z"
        ]
    );
    let (status, lines) = check_lines(&setup);
    assert_eq!(status, 0, "{lines:?}");
    assert_eq!(lines.len(), 1, "{lines:?}");
    for what in ["DTEND", "an RDATE", "an EXDATE", "line 4 `series@t`"] {
        assert!(lines[0].contains(what), "{what} in {lines:?}");
    }
}

#[test]
fn byday_ordinals_to_5_in_a_month_and_53_in_a_year_and_huge_intervals_expand() {
    let ics = calendar(&[
        "BEGIN:VEVENT",
        "UID:fifth-last@t",
        "DTSTART:20150701T180000Z",
        "RRULE:FREQ=MONTHLY;BYDAY=-5WE;COUNT=3",
        "SUMMARY:Fifth-last Wednesday",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:week53@t",
        "DTSTART;VALUE=DATE:20150101",
        "RRULE:FREQ=YEARLY;BYDAY=-53TH;COUNT=2",
        "SUMMARY:53rd-last Thursday",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:interval@t",
        "DTSTART:20150701T000000Z",
        "RRULE:FREQ=SECONDLY;INTERVAL=100000;COUNT=3",
        "SUMMARY:Every 100000 seconds",
        "END:VEVENT",
    ]);
    let setup = one_file(&ics);
    let run = upcoming(&setup, "2015-01-01", "2027-01-01").ok();
    let of = |uid: &str| -> Vec<String> {
        uids_and_starts(&run)
            .into_iter()
            .filter(|(u, _)| u == uid)
            .map(|(_, s)| s)
            .collect()
    };
    // July, September and December 2015 have five Wednesdays.
    assert_eq!(
        of("fifth-last@t"),
        [
            "2015-07-01T18:00:00Z",
            "2015-09-02T18:00:00Z",
            "2015-12-02T18:00:00Z"
        ]
    );
    // 2015 and 2020 are the years with 53 Thursdays: the 53rd-last is
    // their first.
    assert_eq!(of("week53@t"), ["2015-01-01", "2020-01-02"]);
    assert_eq!(
        of("interval@t"),
        [
            "2015-07-01T00:00:00Z",
            "2015-07-02T03:46:40Z",
            "2015-07-03T07:33:20Z"
        ]
    );
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}

#[test]
fn an_exdate_or_a_newer_series_wins_over_an_override() {
    let ics = calendar(&[
        "BEGIN:VEVENT",
        "UID:call@t",
        "SEQUENCE:2",
        "DTSTART:20150803T100000Z",
        "RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=4",
        "EXDATE:20150810T100000Z",
        "SUMMARY:Call",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:call@t",
        "SEQUENCE:1",
        "RECURRENCE-ID:20150810T100000Z",
        "DTSTART:20150811T100000Z",
        "SUMMARY:Moved, then cancelled by EXDATE",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:call@t",
        "SEQUENCE:1",
        "RECURRENCE-ID:20150819T100000Z",
        "DTSTART:20150820T100000Z",
        "SUMMARY:Moved from a day the series no longer has",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:call@t",
        "SEQUENCE:2",
        "RECURRENCE-ID:20150817T100000Z",
        "DTSTART:20150818T100000Z",
        "SUMMARY:Moved",
        "END:VEVENT",
    ]);
    let setup = one_file(&ics);
    let run = upcoming(&setup, "2015-08-01", "2015-09-01").ok();
    let titles: Vec<(String, String)> = run
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["title"].as_str().unwrap().to_owned(),
                i["start"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        titles,
        [
            ("Call".to_owned(), "2015-08-03T10:00:00Z".to_owned()),
            ("Moved".to_owned(), "2015-08-18T10:00:00Z".to_owned()),
            ("Call".to_owned(), "2015-08-24T10:00:00Z".to_owned()),
        ]
    );
    let ics = setup
        .run(&["export", "--now", "2015-08-01T00:00:00Z"])
        .ok()
        .stdout;
    let overrides: Vec<&str> = ics
        .lines()
        .filter(|l| l.starts_with("RECURRENCE-ID"))
        .collect();
    assert_eq!(
        overrides,
        ["RECURRENCE-ID:20150817T100000Z"],
        "the export holds what is shown"
    );
}

#[test]
fn a_date_time_recurrence_id_moves_its_day_of_an_all_day_series() {
    let ics = calendar(&[
        "BEGIN:VEVENT",
        "UID:allday@t",
        "DTSTART;VALUE=DATE:20150803",
        "DTEND;VALUE=DATE:20150804",
        "RRULE:FREQ=DAILY;COUNT=3",
        "SUMMARY:Day",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:allday@t",
        "RECURRENCE-ID;TZID=Europe/Berlin:20150804T000000",
        "DTSTART;VALUE=DATE:20150807",
        "DTEND;VALUE=DATE:20150808",
        "SUMMARY:Moved day",
        "END:VEVENT",
    ]);
    let setup = one_file(&ics);
    let run = upcoming(&setup, "2015-08-01", "2015-09-01").ok();
    assert_eq!(
        start_list(&run),
        ["2015-08-03", "2015-08-05", "2015-08-07"],
        "the moved day is shown once, where it moved to"
    );
}

#[test]
fn a_vevent_outside_any_vcalendar_is_read_with_a_warning() {
    let ics = calendar(&[
        "BEGIN:VEVENT",
        "UID:inside@t",
        "DTSTART:20150801T100000Z",
        "SUMMARY:Inside",
        "END:VEVENT",
    ]) + "BEGIN:VEVENT\r\nUID:after@t\r\nDTSTART:20150802T100000Z\r\nSUMMARY:After the calendar\r\nEND:VEVENT\r\n";
    let setup = one_file(&ics);
    let run = upcoming(&setup, "2015-07-01", "2015-09-01").ok();
    assert_eq!(
        uids_and_starts(&run),
        [
            ("inside@t".to_owned(), "2015-08-01T10:00:00Z".to_owned()),
            ("after@t".to_owned(), "2015-08-02T10:00:00Z".to_owned()),
        ]
    );
    let (status, lines) = check_lines(&setup);
    assert_eq!(status, 0, "{lines:?}");
    assert_eq!(
        lines,
        [
            "warning: source `cal`: `cal.ics`: 1 event repaired — it is outside any VCALENDAR; read all the same: line 10 `after@t`"
        ]
    );
    let alone =
        one_file("BEGIN:VEVENT\r\nUID:alone@t\r\nDTSTART:20150803T100000Z\r\nEND:VEVENT\r\n");
    assert_eq!(
        start_list(&upcoming(&alone, "2015-07-01", "2015-09-01").ok()),
        ["2015-08-03T10:00:00Z"],
        "a file of events with no calendar around them"
    );
}

#[test]
fn a_vendor_prefixed_tzid_resolves_and_an_unknown_one_reads_as_floating() {
    let ics = calendar(&[
        "BEGIN:VEVENT",
        "UID:prefixed@t",
        "DTSTART;TZID=/freeassociation.sourceforge.net/Europe/Berlin:20150801T100000",
        "SUMMARY:Prefixed",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:tzfile@t",
        "DTSTART;TZID=/freeassociation.sourceforge.net/Tzfile/America/New_York:20150801T100000",
        "SUMMARY:Tzfile prefix",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:unknown@t",
        "DTSTART;TZID=Mars/Olympus_Mons:20150801T120000",
        "DTEND;TZID=Mars/Olympus_Mons:20150801T130000",
        "SUMMARY:Unknown zone",
        "END:VEVENT",
    ]);
    let setup = one_file(&ics);
    let run = upcoming(&setup, "2015-07-01", "2015-09-01").ok();
    assert_eq!(
        starts(&run),
        [
            row(
                "Prefixed",
                "2015-08-01T10:00:00+02:00",
                "2015-08-01T08:00:00Z"
            ),
            row(
                "Unknown zone",
                "2015-08-01T12:00:00",
                "2015-08-01T12:00:00Z"
            ),
            row(
                "Tzfile prefix",
                "2015-08-01T10:00:00-04:00",
                "2015-08-01T14:00:00Z"
            ),
        ]
    );
    let (status, lines) = check_lines(&setup);
    assert_eq!(status, 0, "{lines:?}");
    assert_eq!(
        lines,
        [
            "warning: source `cal`: `cal.ics`: 1 event repaired — its TZID `Mars/Olympus_Mons` names no known time zone and no VTIMEZONE; read as floating time: line 14 `unknown@t`"
        ]
    );
}

#[test]
fn count_beside_until_gives_way_to_until() {
    let ics = calendar(&[
        "BEGIN:VEVENT",
        "UID:both@t",
        "DTSTART:20150801T100000Z",
        "RRULE:FREQ=DAILY;COUNT=2;UNTIL=20150804T100000Z",
        "SUMMARY:Both",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:negative@t",
        "DTSTART:20150810T100000Z",
        "RRULE:FREQ=DAILY;UNTIL=20150812T100000Z;COUNT=-1",
        "SUMMARY:Negative count",
        "END:VEVENT",
    ]);
    let setup = one_file(&ics);
    let run = upcoming(&setup, "2015-07-01", "2015-09-01").ok();
    assert_eq!(
        start_list(&run),
        [
            "2015-08-01T10:00:00Z",
            "2015-08-02T10:00:00Z",
            "2015-08-03T10:00:00Z",
            "2015-08-04T10:00:00Z",
            "2015-08-10T10:00:00Z",
            "2015-08-11T10:00:00Z",
            "2015-08-12T10:00:00Z",
        ]
    );
    let (_, lines) = check_lines(&setup);
    assert_eq!(
        lines,
        [
            "warning: source `cal`: `cal.ics`: 2 events repaired — its RRULE has both COUNT and UNTIL; UNTIL is used: line 4 `both@t`, line 10 `negative@t`"
        ]
    );
}

#[test]
fn check_sums_up_a_large_file_in_one_line_per_kind_naming_every_event() {
    let mut body: Vec<String> = Vec::new();
    for day in 0..3000 {
        body.extend([
            "BEGIN:VEVENT".to_owned(),
            format!("DTSTART:2015{:02}{:02}T100000Z", 1 + day % 12, 1 + day % 28),
            format!("SUMMARY:Event {day}"),
            "END:VEVENT".to_owned(),
        ]);
    }
    body.extend(
        [
            "BEGIN:VEVENT",
            "UID:nostart@t",
            "SUMMARY:No start",
            "END:VEVENT",
        ]
        .map(str::to_owned),
    );
    let body: Vec<&str> = body.iter().map(String::as_str).collect();
    let setup = one_file(&calendar(&body));
    let (status, lines) = check_lines(&setup);
    assert_eq!(status, 1, "{lines:?}");
    assert_eq!(lines.len(), 2, "one summary of each kind");
    assert_eq!(
        lines[0],
        "error: source `cal`: `cal.ics`: 1 event skipped — it has no DTSTART: line 12004 `nostart@t`"
    );
    let repaired = &lines[1];
    assert!(
        repaired
            .starts_with("warning: source `cal`: `cal.ics`: 3000 events repaired — it has no UID"),
        "{repaired}"
    );
    let named: Vec<usize> = repaired
        .split("line ")
        .skip(1)
        .map(|n| n.trim_end_matches(", ").parse().unwrap())
        .collect();
    let every: Vec<usize> = (0..3000).map(|event| 4 + 4 * event).collect();
    assert_eq!(named, every);
}

#[test]
fn a_start_written_the_iso_8601_way_is_read() {
    let ics = calendar(&[
        "BEGIN:VEVENT",
        "UID:iso@t",
        "DTSTART:2015-08-01T10:00:00Z",
        "DTEND:2015-08-01T11:30:00Z",
        "SUMMARY:Dashes",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:isodate@t",
        "DTSTART;VALUE=DATE:2015-08-02",
        "SUMMARY:Dashed date",
        "END:VEVENT",
    ]);
    let setup = one_file(&ics);
    let run = upcoming(&setup, "2015-07-01", "2015-09-01").ok();
    assert_eq!(start_list(&run), ["2015-08-01T10:00:00Z", "2015-08-02"]);
    assert_eq!(run.json()[0]["end"], "2015-08-01T11:30:00Z");
    let (status, lines) = check_lines(&setup);
    assert_eq!(status, 0, "{lines:?}");
    assert!(
        lines[0].contains("`2015-08-01T10:00:00Z` is written with dashes and colons; read as `20150801T100000Z`: line 4 `iso@t`"),
        "{lines:?}"
    );
}
