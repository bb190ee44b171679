use super::*;

fn utc(text: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap()
        .to_utc()
        .to_rfc3339()
}

#[track_caller]
fn due_in(zone_text: &str, local: &str, expected: &str) {
    let zone = zone(zone_text).unwrap_or_else(|e| panic!("{e}"));
    let stated = Stated::parse(local).unwrap();
    let due = Due {
        kind: DeadlineKind::Paper,
        at: stated.due(zone),
        zone,
        label: None,
        key: None,
        sequence: 0,
        line: 1,
    };
    assert_eq!(
        instant(&due).to_rfc3339(),
        utc(expected),
        "{zone_text} {local}"
    );
}

#[test]
fn zones_mean_what_the_datasets_mean() {
    due_in("AoE", "2025-05-15 23:59:59", "2025-05-16T11:59:59Z");
    due_in("UTC-7", "2025-05-15 23:59", "2025-05-16T06:59:00Z");
    due_in("UTC +8", "2025-05-15 23:59", "2025-05-15T15:59:00Z");
    due_in("GMT+2", "2025-10-09 13:59:59", "2025-10-09T11:59:59Z");
    due_in("GMT+02", "2025-10-09 13:59:59", "2025-10-09T11:59:59Z");
    due_in("Etc/GMT+8", "2025-01-15 23:59:59", "2025-01-16T07:59:59Z");
    due_in("Etc/GMT-8", "2025-01-15 23:59:59", "2025-01-15T15:59:59Z");
    due_in("PT", "2025-01-31 23:59:59", "2025-02-01T07:59:59Z");
    due_in("PT", "2025-07-15 17:00:00", "2025-07-16T00:00:00Z");
    due_in("PST", "2025-07-15 17:00:00", "2025-07-16T01:00:00Z");
    due_in("PDT", "2025-01-15 17:00:00", "2025-01-16T00:00:00Z");
    due_in("CET", "2025-07-15 12:00:00", "2025-07-15T11:00:00Z");
    due_in("UTC+5:30", "2025-07-15 12:00:00", "2025-07-15T06:30:00Z");
    due_in("UTC+0", "2025-07-15 12:00:00", "2025-07-15T12:00:00Z");
    due_in(
        "America/Los_Angeles",
        "2025-07-15 17:00",
        "2025-07-16T00:00:00Z",
    );
    due_in("AoE", "2025-03-31", "2025-04-01T11:59:59Z");
    assert!(zone("Mars/Olympus").is_err());
}

#[test]
fn stated_times_read_every_form_the_datasets_write() {
    let dt = |y, m, d, h, mi, s| {
        Stated::DateTime(
            NaiveDate::from_ymd_opt(y, m, d)
                .unwrap()
                .and_hms_opt(h, mi, s)
                .unwrap(),
        )
    };
    assert_eq!(
        Stated::parse("2022-5-13 23:59:59"),
        Some(dt(2022, 5, 13, 23, 59, 59))
    );
    assert_eq!(
        Stated::parse("2024-05-01T23:59"),
        Some(dt(2024, 5, 1, 23, 59, 0))
    );
    assert_eq!(
        Stated::parse("2024-05-01 24:00"),
        Some(dt(2024, 5, 2, 0, 0, 0))
    );
    assert_eq!(
        Stated::parse(" 2024-05-01 "),
        Some(Stated::Date(NaiveDate::from_ymd_opt(2024, 5, 1).unwrap()))
    );
    for bad in [
        "TBD",
        "2024-13-01",
        "2024-05",
        "May 1",
        "2024-05-01 25:00",
        "",
    ] {
        assert_eq!(Stated::parse(bad), None, "{bad}");
    }
    for unknown in ["TBD", "tba", "None", "Cancelled", "N/A", ""] {
        assert!(not_a_date(unknown), "{unknown}");
    }
}

#[test]
fn titles_carry_the_year_once() {
    assert_eq!(Edition::new("CVPR", 2026, 1).title(), "CVPR 2026");
    assert_eq!(
        Edition::new("React Summit 2025", 2025, 1).title(),
        "React Summit 2025"
    );
    assert_eq!(
        Edition::new("Conf42 2024x", 2025, 1).title(),
        "Conf42 2024x 2025"
    );
}

#[test]
fn free_text_dates_are_read_in_the_editions_year() {
    let d = |m, day| NaiveDate::from_ymd_opt(2022, m, day).unwrap();
    assert_eq!(
        date_range("May 21-29, 2022", 2022),
        Some((d(5, 21), d(5, 29)))
    );
    assert_eq!(
        date_range("June 19 - June 24, 2022", 2022),
        Some((d(6, 19), d(6, 24)))
    );
    assert_eq!(date_range("August 12-14", 2022), Some((d(8, 12), d(8, 14))));
    assert_eq!(date_range("TBD", 2022), None);
}

#[test]
fn rounds_are_numbered_by_time_and_repeats_kept_once() {
    let at = |day: u32| Due {
        kind: DeadlineKind::Paper,
        at: When::Date(NaiveDate::from_ymd_opt(2025, 5, day).unwrap()),
        zone: Zone::Aoe,
        label: None,
        key: None,
        sequence: 0,
        line: usize::try_from(day).unwrap(),
    };
    let place = || Provenance {
        source: "t".into(),
        location: "t.yml:1".into(),
        evidence: None,
        confidence: None,
    };
    let mut other = at(9);
    other.kind = DeadlineKind::Other;
    other.key = Some("rebuttal_end".into());
    let rounds = number_rounds(vec![
        (at(20), place()),
        (at(10), place()),
        (at(20), place()),
        (other, place()),
    ]);
    let named: Vec<(u32, Option<String>)> = rounds
        .iter()
        .map(|(d, _, r)| (u32::try_from(d.line).unwrap(), r.clone()))
        .collect();
    assert_eq!(
        named,
        [
            (10, None),
            (20, Some("2".to_owned())),
            (9, Some("rebuttal-end".to_owned()))
        ]
    );
}

#[test]
fn a_bad_byte_costs_no_record() {
    let source = SourceConfig::local("sec", SourceKind::SecDeadlines, Path::new("sec.yml"));
    let zones = Zones {
        default: Zone::Utc,
        deadline: Zone::Aoe,
    };
    let text = b"- name: RAID\xff\n  year: 2025\n  deadline: ['2025-04-24 23:59']\n";
    let loaded = parse(&source, Path::new("sec.yml"), text, zones);
    let dues: Vec<String> = loaded
        .catalog
        .deadlines
        .iter()
        .map(|d| d.due_instant().to_rfc3339())
        .collect();
    assert_eq!(dues, ["2025-04-25T11:59:00+00:00"]);
    let problems: Vec<String> = loaded.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        problems,
        ["`sec.yml`: not all UTF-8 text: the bytes that are not were replaced"]
    );
}

#[test]
fn a_list_of_dates_where_one_is_expected_is_every_date_and_an_empty_one_is_counted() {
    let source = SourceConfig::local("ai", SourceKind::AiDeadlines, Path::new("ai.yml"));
    let zones = Zones {
        default: Zone::Utc,
        deadline: Zone::Aoe,
    };
    let text = "- title: ACML\n  year: 2019\n  deadline: ['2019-05-01 23:59:59', '2019-06-01 23:59:59']\n  abstract_deadline: ~\n";
    let loaded = parse(&source, Path::new("ai.yml"), text.as_bytes(), zones);
    let dues: Vec<(String, String)> = loaded
        .catalog
        .deadlines
        .iter()
        .map(|d| (d.uid.clone(), d.due_instant().to_rfc3339()))
        .collect();
    assert_eq!(
        dues,
        [
            (
                "paper.acml-2019@confcal".to_owned(),
                "2019-05-01T23:59:59+00:00".to_owned()
            ),
            (
                "paper-2.acml-2019@confcal".to_owned(),
                "2019-06-01T23:59:59+00:00".to_owned()
            ),
        ]
    );
    let problems: Vec<String> = loaded.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        problems,
        ["1 deadline is not known yet (`TBD`, `TBA`): left out"]
    );
}
