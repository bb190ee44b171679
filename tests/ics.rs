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
fn bad_components_are_reported_and_skipped() {
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
        "zone@t",
        &["DTSTART;TZID=Mars/Olympus_Mons:20150801T100000"],
    ));
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
    body.extend([
        "BEGIN:VEVENT".to_owned(),
        "DTSTART:20150801T100000Z".to_owned(),
        "SUMMARY:no uid".to_owned(),
        "END:VEVENT".to_owned(),
    ]);
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
    let check = setup.run(&["check"]);
    assert_eq!(check.status, 1);
    let errors: Vec<String> = check
        .stderr
        .lines()
        .map(|l| l.rsplit("cal.ics:").next().unwrap().to_owned())
        .collect();
    assert_eq!(
        errors,
        [
            "46:1: `this line is broken` is not an iCalendar line (NAME:value); ignored",
            "9:1: event `zone@t`: DTSTART names an unknown time zone `Mars/Olympus_Mons`; skipped",
            "14:1: event `count@t`: invalid RRULE `FREQ=DAILY;COUNT=-1`: `-1` is not a valid COUNT value; skipped",
            "20:1: event `twice@t`: invalid RRULE `FREQ=DAILY;FREQ=WEEKLY`: `FREQ` is given twice; skipped",
            "26:1: event `typo@t`: invalid RRULE `FREQ=DAILY;UNTL=20150901`: `UNTL` is not an RRULE part (did you mean `UNTIL`?); skipped",
            "32:1: event `backwards@t`: its end is before its start; skipped",
            "38:1: the VEVENT has no UID; skipped",
        ],
        "{}",
        check.stderr
    );
    let titles: Vec<String> = upcoming(&setup, "2015-07-01", "2015-09-01")
        .ok()
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["uid"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(titles, ["good@t", "broken-line@t", "other@t"]);
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
fn fuzz_non_ascii_byday_and_huge_durations_are_errors_not_panics() {
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
    let check = setup.run(&["check"]);
    assert_eq!(check.status, 1, "{}", check.stderr);
    assert_eq!(check.stderr.lines().count(), 3, "{}", check.stderr);
    assert!(
        check.stderr.contains("an RRULE is plain ASCII text"),
        "{}",
        check.stderr
    );
    assert!(
        check
            .stderr
            .contains("DURATION has a duration that ends beyond any calendar"),
        "{}",
        check.stderr
    );
    let run = upcoming(&setup, "2015-01-01", "2016-01-01").ok();
    assert_eq!(
        starts(&run),
        [row(
            "Still here",
            "2015-06-01T10:00:00Z",
            "2015-06-01T10:00:00Z"
        )]
    );
}
