//! The examples of RFC 5545 section 3.8.5.3, occurrence by occurrence, and
//! the cases real feeds add: overrides, EXDATE, RDATE, THISANDFUTURE,
//! all-day, floating and daylight-saving series.

use super::*;
use crate::model::{EventKind, Recurrence};

const NY: &str = "America/New_York";

fn zone(name: &str) -> Zone {
    name.parse().unwrap()
}

fn naive(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%S")
        .or_else(|_| NaiveDate::parse_from_str(s, "%Y%m%d").map(|d| d.and_time(NaiveTime::MIN)))
        .unwrap()
}

fn zoned(s: &str, tz: &str) -> When {
    When::Zoned(naive(s), zone(tz))
}

fn event(start: When, end: When, rules: &[&str]) -> Event {
    Event {
        uid: "series@test".into(),
        title: "Series".into(),
        kind: EventKind::Meetup,
        start,
        end,
        location: None,
        url: None,
        description: None,
        tags: vec![],
        parent: None,
        priority: 0,
        provenance: vec![],
        recurrence: Some(Box::new(Recurrence {
            rules: rules.iter().map(|r| (*r).to_owned()).collect(),
            ..Recurrence::default()
        })),
        sequence: 0,
        revision: None,
        cancelled: false,
    }
}

/// Local starts of the occurrences in `[from, until)` as `YYYYMMDDTHHMM`.
fn starts_of(event: &Event, from: &str, until: &str) -> Vec<String> {
    let (from, until) = (naive(from).and_utc(), naive(until).and_utc());
    occurrences(event, from, until, Zone::Utc)
        .iter()
        .map(|o| match o.start {
            When::Date(d) => d.format("%Y%m%d").to_string(),
            When::Floating(t) | When::Zoned(t, _) => t.format("%Y%m%dT%H%M").to_string(),
            When::Utc(t) => t.format("%Y%m%dT%H%MZ").to_string(),
        })
        .collect()
}

/// The RFC's examples: DTSTART in New York, an hour long.
#[track_caller]
fn rfc(dtstart: &str, rule: &str, until: &str, expected: &[&str]) {
    let start = zoned(dtstart, NY);
    let end = When::Zoned(naive(dtstart) + Duration::hours(1), zone(NY));
    let series = event(start, end, &[rule]);
    let got = starts_of(&series, "19960101T000000", until);
    let expected: Vec<String> = expected.iter().map(|e| (*e).to_owned()).collect();
    assert_eq!(got, expected, "{rule}");
}

/// Days of one month at 09:00: `days("199709", &[2, 3])`.
fn days(month: &str, days: &[u32]) -> Vec<String> {
    days.iter().map(|d| format!("{month}{d:02}T0900")).collect()
}

fn all(parts: &[Vec<String>]) -> Vec<String> {
    parts.concat()
}

#[track_caller]
fn rfc_v(dtstart: &str, rule: &str, until: &str, expected: &[String]) {
    let refs: Vec<&str> = expected.iter().map(String::as_str).collect();
    rfc(dtstart, rule, until, &refs);
}

#[test]
fn daily() {
    rfc_v(
        "19970902T090000",
        "FREQ=DAILY;COUNT=10",
        "20000101T000000",
        &days("199709", &[2, 3, 4, 5, 6, 7, 8, 9, 10, 11]),
    );
    let until = rfc_until_daily();
    assert_eq!(until.len(), 113);
    assert_eq!(until.last().unwrap(), "19971223T0900");
    rfc_v(
        "19970902T090000",
        "FREQ=DAILY;INTERVAL=2",
        "19970912T000000",
        &days("199709", &[2, 4, 6, 8, 10]),
    );
    rfc_v(
        "19970902T090000",
        "FREQ=DAILY;INTERVAL=10;COUNT=5",
        "20000101T000000",
        &all(&[days("199709", &[2, 12, 22]), days("199710", &[2, 12])]),
    );
}

fn rfc_until_daily() -> Vec<String> {
    let start = zoned("19970902T090000", NY);
    starts_of(
        &event(start, start, &["FREQ=DAILY;UNTIL=19971224T000000Z"]),
        "19960101T000000",
        "20000101T000000",
    )
}

#[test]
fn every_day_in_january_for_three_years() {
    let january: Vec<u32> = (1..=31).collect();
    rfc_v(
        "19980101T090000",
        "FREQ=YEARLY;UNTIL=20000131T140000Z;BYMONTH=1;BYDAY=SU,MO,TU,WE,TH,FR,SA",
        "20010101T000000",
        &all(&[
            days("199801", &january),
            days("199901", &january),
            days("200001", &january),
        ]),
    );
    rfc_v(
        "19980101T090000",
        "FREQ=DAILY;UNTIL=20000131T140000Z;BYMONTH=1",
        "20010101T000000",
        &all(&[
            days("199801", &january),
            days("199901", &january),
            days("200001", &january),
        ]),
    );
}

#[test]
fn weekly() {
    let ten = all(&[
        days("199709", &[2, 9, 16, 23, 30]),
        days("199710", &[7, 14, 21, 28]),
        days("199711", &[4]),
    ]);
    rfc_v(
        "19970902T090000",
        "FREQ=WEEKLY;COUNT=10",
        "20000101T000000",
        &ten,
    );
    let until = all(&[
        days("199709", &[2, 9, 16, 23, 30]),
        days("199710", &[7, 14, 21, 28]),
        days("199711", &[4, 11, 18, 25]),
        days("199712", &[2, 9, 16, 23]),
    ]);
    rfc_v(
        "19970902T090000",
        "FREQ=WEEKLY;UNTIL=19971224T000000Z",
        "20000101T000000",
        &until,
    );
    rfc_v(
        "19970902T090000",
        "FREQ=WEEKLY;INTERVAL=2;WKST=SU",
        "19971101T000000",
        &all(&[days("199709", &[2, 16, 30]), days("199710", &[14, 28])]),
    );
    let tue_thu = all(&[
        days("199709", &[2, 4, 9, 11, 16, 18, 23, 25, 30]),
        days("199710", &[2]),
    ]);
    rfc_v(
        "19970902T090000",
        "FREQ=WEEKLY;UNTIL=19971007T000000Z;WKST=SU;BYDAY=TU,TH",
        "20000101T000000",
        &tue_thu,
    );
    rfc_v(
        "19970902T090000",
        "FREQ=WEEKLY;COUNT=10;WKST=SU;BYDAY=TU,TH",
        "20000101T000000",
        &tue_thu,
    );
    rfc_v(
        "19970901T090000",
        "FREQ=WEEKLY;INTERVAL=2;UNTIL=19971224T000000Z;WKST=SU;BYDAY=MO,WE,FR",
        "20000101T000000",
        &all(&[
            days("199709", &[1, 3, 5, 15, 17, 19, 29]),
            days("199710", &[1, 3, 13, 15, 17, 27, 29, 31]),
            days("199711", &[10, 12, 14, 24, 26, 28]),
            days("199712", &[8, 10, 12, 22]),
        ]),
    );
    rfc_v(
        "19970902T090000",
        "FREQ=WEEKLY;INTERVAL=2;COUNT=8;WKST=SU;BYDAY=TU,TH",
        "20000101T000000",
        &all(&[
            days("199709", &[2, 4, 16, 18, 30]),
            days("199710", &[2, 14, 16]),
        ]),
    );
}

#[test]
fn week_start_changes_what_an_interval_means() {
    let mo = all(&[days("199708", &[5, 10, 19, 24])]);
    rfc_v(
        "19970805T090000",
        "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=MO",
        "20000101T000000",
        &mo,
    );
    let su = all(&[days("199708", &[5, 17, 19, 31])]);
    rfc_v(
        "19970805T090000",
        "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=SU",
        "20000101T000000",
        &su,
    );
}

#[test]
fn monthly_by_weekday() {
    let first_fridays = all(&[
        days("199709", &[5]),
        days("199710", &[3]),
        days("199711", &[7]),
        days("199712", &[5]),
        days("199801", &[2]),
        days("199802", &[6]),
        days("199803", &[6]),
        days("199804", &[3]),
        days("199805", &[1]),
        days("199806", &[5]),
    ]);
    rfc_v(
        "19970905T090000",
        "FREQ=MONTHLY;COUNT=10;BYDAY=1FR",
        "20000101T000000",
        &first_fridays,
    );
    rfc_v(
        "19970905T090000",
        "FREQ=MONTHLY;UNTIL=19971224T000000Z;BYDAY=1FR",
        "20000101T000000",
        &first_fridays[..4],
    );
    rfc_v(
        "19970907T090000",
        "FREQ=MONTHLY;INTERVAL=2;COUNT=10;BYDAY=1SU,-1SU",
        "20000101T000000",
        &all(&[
            days("199709", &[7, 28]),
            days("199711", &[2, 30]),
            days("199801", &[4, 25]),
            days("199803", &[1, 29]),
            days("199805", &[3, 31]),
        ]),
    );
    rfc_v(
        "19970922T090000",
        "FREQ=MONTHLY;COUNT=6;BYDAY=-2MO",
        "20000101T000000",
        &all(&[
            days("199709", &[22]),
            days("199710", &[20]),
            days("199711", &[17]),
            days("199712", &[22]),
            days("199801", &[19]),
            days("199802", &[16]),
        ]),
    );
}

#[test]
fn monthly_by_day_of_month() {
    rfc_v(
        "19970928T090000",
        "FREQ=MONTHLY;BYMONTHDAY=-3",
        "19980301T000000",
        &all(&[
            days("199709", &[28]),
            days("199710", &[29]),
            days("199711", &[28]),
            days("199712", &[29]),
            days("199801", &[29]),
            days("199802", &[26]),
        ]),
    );
    rfc_v(
        "19970902T090000",
        "FREQ=MONTHLY;COUNT=10;BYMONTHDAY=2,15",
        "20000101T000000",
        &all(&[
            days("199709", &[2, 15]),
            days("199710", &[2, 15]),
            days("199711", &[2, 15]),
            days("199712", &[2, 15]),
            days("199801", &[2, 15]),
        ]),
    );
    rfc_v(
        "19970930T090000",
        "FREQ=MONTHLY;COUNT=10;BYMONTHDAY=1,-1",
        "20000101T000000",
        &all(&[
            days("199709", &[30]),
            days("199710", &[1, 31]),
            days("199711", &[1, 30]),
            days("199712", &[1, 31]),
            days("199801", &[1, 31]),
            days("199802", &[1]),
        ]),
    );
    rfc_v(
        "19970910T090000",
        "FREQ=MONTHLY;INTERVAL=18;COUNT=10;BYMONTHDAY=10,11,12,13,14,15",
        "20010101T000000",
        &all(&[
            days("199709", &[10, 11, 12, 13, 14, 15]),
            days("199903", &[10, 11, 12, 13]),
        ]),
    );
    rfc_v(
        "19970902T090000",
        "FREQ=MONTHLY;INTERVAL=2;BYDAY=TU",
        "19980114T000000",
        &all(&[
            days("199709", &[2, 9, 16, 23, 30]),
            days("199711", &[4, 11, 18, 25]),
            days("199801", &[6, 13]),
        ]),
    );
    // An invalid date (February 30) is skipped, not moved.
    rfc_v(
        "20070115T090000",
        "FREQ=MONTHLY;BYMONTHDAY=15,30;COUNT=5",
        "20080101T000000",
        &all(&[
            days("200701", &[15, 30]),
            days("200702", &[15]),
            days("200703", &[15, 30]),
        ]),
    );
}

#[test]
fn yearly() {
    let june_july: Vec<String> = (1997..=2001)
        .flat_map(|y| [format!("{y}0610T0900"), format!("{y}0710T0900")])
        .collect();
    rfc_v(
        "19970610T090000",
        "FREQ=YEARLY;COUNT=10;BYMONTH=6,7",
        "20100101T000000",
        &june_july,
    );
    rfc(
        "19970310T090000",
        "FREQ=YEARLY;INTERVAL=2;COUNT=10;BYMONTH=1,2,3",
        "20100101T000000",
        &[
            "19970310T0900",
            "19990110T0900",
            "19990210T0900",
            "19990310T0900",
            "20010110T0900",
            "20010210T0900",
            "20010310T0900",
            "20030110T0900",
            "20030210T0900",
            "20030310T0900",
        ],
    );
    rfc(
        "19970101T090000",
        "FREQ=YEARLY;INTERVAL=3;COUNT=10;BYYEARDAY=1,100,200",
        "20100101T000000",
        &[
            "19970101T0900",
            "19970410T0900",
            "19970719T0900",
            "20000101T0900",
            "20000409T0900",
            "20000718T0900",
            "20030101T0900",
            "20030410T0900",
            "20030719T0900",
            "20060101T0900",
        ],
    );
    rfc(
        "19970519T090000",
        "FREQ=YEARLY;BYDAY=20MO",
        "20000101T000000",
        &["19970519T0900", "19980518T0900", "19990517T0900"],
    );
    rfc(
        "19970512T090000",
        "FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO",
        "20000101T000000",
        &["19970512T0900", "19980511T0900", "19990517T0900"],
    );
    rfc_v(
        "19970313T090000",
        "FREQ=YEARLY;BYMONTH=3;BYDAY=TH",
        "20000101T000000",
        &all(&[
            days("199703", &[13, 20, 27]),
            days("199803", &[5, 12, 19, 26]),
            days("199903", &[4, 11, 18, 25]),
        ]),
    );
    rfc_v(
        "19970605T090000",
        "FREQ=YEARLY;BYDAY=TH;BYMONTH=6,7,8",
        "19980101T000000",
        &all(&[
            days("199706", &[5, 12, 19, 26]),
            days("199707", &[3, 10, 17, 24, 31]),
            days("199708", &[7, 14, 21, 28]),
        ]),
    );
    rfc(
        "19961105T090000",
        "FREQ=YEARLY;INTERVAL=4;BYMONTH=11;BYDAY=TU;BYMONTHDAY=2,3,4,5,6,7,8",
        "20050101T000000",
        &["19961105T0900", "20001107T0900", "20041102T0900"],
    );
}

#[test]
fn friday_the_thirteenth_with_the_start_excluded() {
    let start = zoned("19970902T090000", NY);
    let mut series = event(start, start, &["FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13"]);
    series.recurrence.as_mut().unwrap().exdates.push(start);
    assert_eq!(
        starts_of(&series, "19960101T000000", "20010101T000000"),
        [
            "19980213T0900",
            "19980313T0900",
            "19981113T0900",
            "19990813T0900",
            "20001013T0900"
        ]
    );
}

#[test]
fn set_positions_and_mixed_parts() {
    rfc(
        "19970913T090000",
        "FREQ=MONTHLY;BYDAY=SA;BYMONTHDAY=7,8,9,10,11,12,13",
        "19980101T000000",
        &[
            "19970913T0900",
            "19971011T0900",
            "19971108T0900",
            "19971213T0900",
        ],
    );
    rfc(
        "19970904T090000",
        "FREQ=MONTHLY;COUNT=3;BYDAY=TU,WE,TH;BYSETPOS=3",
        "20000101T000000",
        &["19970904T0900", "19971007T0900", "19971106T0900"],
    );
    rfc(
        "19970929T090000",
        "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-2",
        "19980401T000000",
        &[
            "19970929T0900",
            "19971030T0900",
            "19971127T0900",
            "19971230T0900",
            "19980129T0900",
            "19980226T0900",
            "19980330T0900",
        ],
    );
}

#[test]
fn hourly_and_minutely() {
    // UNTIL is 17:00 UTC, which is 13:00 in New York.
    rfc(
        "19970902T090000",
        "FREQ=HOURLY;INTERVAL=3;UNTIL=19970902T170000Z",
        "20000101T000000",
        &["19970902T0900", "19970902T1200"],
    );
    rfc(
        "19970902T090000",
        "FREQ=MINUTELY;INTERVAL=15;COUNT=6",
        "20000101T000000",
        &[
            "19970902T0900",
            "19970902T0915",
            "19970902T0930",
            "19970902T0945",
            "19970902T1000",
            "19970902T1015",
        ],
    );
    rfc(
        "19970902T090000",
        "FREQ=MINUTELY;INTERVAL=90;COUNT=4",
        "20000101T000000",
        &[
            "19970902T0900",
            "19970902T1030",
            "19970902T1200",
            "19970902T1330",
        ],
    );
    let start = zoned("19970902T090000", NY);
    let every_20 = event(
        start,
        start,
        &["FREQ=DAILY;BYHOUR=9,10,11,12,13,14,15,16;BYMINUTE=0,20,40"],
    );
    let day = starts_of(&every_20, "19970902T000000", "19970903T000000");
    assert_eq!(day.len(), 24);
    assert_eq!(
        (day[0].as_str(), day[23].as_str()),
        ("19970902T0900", "19970902T1640")
    );
}

#[test]
fn a_series_keeps_its_wall_time_across_daylight_saving() {
    let start = zoned("19970902T090000", NY);
    let series = event(start, start, &["FREQ=WEEKLY;COUNT=10"]);
    let utc: Vec<String> = occurrences(
        &series,
        naive("19970101T000000").and_utc(),
        naive("19980101T000000").and_utc(),
        Zone::Utc,
    )
    .iter()
    .map(|o| {
        o.start
            .start_instant(Zone::Utc)
            .format("%m%dT%H%M")
            .to_string()
    })
    .collect();
    assert_eq!(utc[7], "1021T1300", "EDT: UTC-4");
    assert_eq!(utc[8], "1028T1400", "EST: UTC-5");
}

#[test]
fn overrides_move_change_and_cancel_occurrences() {
    let start = zoned("20150105T180000", "Europe/Berlin");
    let end = zoned("20150105T200000", "Europe/Berlin");
    let mut series = event(start, end, &["FREQ=WEEKLY;COUNT=5"]);
    let moved = Override {
        recurrence_id: zoned("20150112T180000", "Europe/Berlin"),
        this_and_future: false,
        event: Event {
            title: "Moved".into(),
            start: zoned("20150113T190000", "Europe/Berlin"),
            end: zoned("20150113T210000", "Europe/Berlin"),
            recurrence: None,
            ..series.clone()
        },
    };
    let cancelled = Override {
        recurrence_id: When::Utc(naive("20150119T170000").and_utc()),
        this_and_future: false,
        event: Event {
            cancelled: true,
            recurrence: None,
            ..series.clone()
        },
    };
    let recurrence = series.recurrence.as_mut().unwrap();
    recurrence.overrides = vec![moved, cancelled];
    recurrence
        .exdates
        .push(zoned("20150202T180000", "Europe/Berlin"));
    recurrence.rdates.push(RDate::Period(
        zoned("20150210T100000", "Europe/Berlin"),
        zoned("20150210T110000", "Europe/Berlin"),
    ));
    let found = occurrences(
        &series,
        naive("20150101T000000").and_utc(),
        naive("20150301T000000").and_utc(),
        Zone::Utc,
    );
    let shown: Vec<(String, String, String)> = found
        .iter()
        .map(|o| {
            let fmt = |w: When| match w {
                When::Zoned(t, _) => t.format("%m%dT%H%M").to_string(),
                other => format!("{other:?}"),
            };
            (o.event.title.clone(), fmt(o.start), fmt(o.end))
        })
        .collect();
    let row = |t: &str, s: &str, e: &str| (t.to_owned(), s.to_owned(), e.to_owned());
    assert_eq!(
        shown,
        [
            row("Series", "0105T1800", "0105T2000"),
            row("Moved", "0113T1900", "0113T2100"),
            row("Series", "0126T1800", "0126T2000"),
            row("Series", "0210T1000", "0210T1100"),
        ]
    );
    assert_eq!(
        found[1].recurrence_id,
        Some(zoned("20150112T180000", "Europe/Berlin"))
    );
}

#[test]
fn this_and_future_changes_the_rest_of_the_series() {
    let start = zoned("20150105T180000", "Europe/Berlin");
    let mut series = event(
        start,
        zoned("20150105T190000", "Europe/Berlin"),
        &["FREQ=WEEKLY;COUNT=4"],
    );
    let later = Override {
        recurrence_id: zoned("20150119T180000", "Europe/Berlin"),
        this_and_future: true,
        event: Event {
            title: "Later".into(),
            start: zoned("20150119T190000", "Europe/Berlin"),
            end: zoned("20150119T203000", "Europe/Berlin"),
            recurrence: None,
            ..series.clone()
        },
    };
    series.recurrence.as_mut().unwrap().overrides.push(later);
    let found = occurrences(
        &series,
        naive("20150101T000000").and_utc(),
        naive("20150301T000000").and_utc(),
        Zone::Utc,
    );
    let shown: Vec<(&str, When)> = found
        .iter()
        .map(|o| (o.event.title.as_str(), o.start))
        .collect();
    assert_eq!(
        shown,
        [
            ("Series", zoned("20150105T180000", "Europe/Berlin")),
            ("Series", zoned("20150112T180000", "Europe/Berlin")),
            ("Later", zoned("20150119T190000", "Europe/Berlin")),
            ("Later", zoned("20150126T190000", "Europe/Berlin")),
        ]
    );
    assert_eq!(found[3].end, zoned("20150126T203000", "Europe/Berlin"));
}

#[test]
fn all_day_and_floating_series() {
    let day = |s| When::Date(NaiveDate::parse_from_str(s, "%Y%m%d").unwrap());
    let mut yearly = event(
        day("20120229"),
        day("20120301"),
        &["FREQ=YEARLY;UNTIL=20200301"],
    );
    yearly
        .recurrence
        .as_mut()
        .unwrap()
        .exdates
        .push(day("20160229"));
    assert_eq!(
        starts_of(&yearly, "20100101T000000", "20300101T000000"),
        ["20120229", "20200229"]
    );
    let monthly = event(day("20150131"), day("20150131"), &["FREQ=MONTHLY;COUNT=4"]);
    assert_eq!(
        starts_of(&monthly, "20100101T000000", "20300101T000000"),
        ["20150131", "20150331", "20150531", "20150731"]
    );
    let found = occurrences(
        &yearly,
        naive("20120101T000000").and_utc(),
        naive("20130101T000000").and_utc(),
        Zone::Utc,
    );
    assert_eq!(
        found[0].end,
        day("20120301"),
        "a two-day all-day occurrence keeps its inclusive end"
    );

    let floating = event(
        When::Floating(naive("20150301T090000")),
        When::Floating(naive("20150301T100000")),
        &["FREQ=DAILY;COUNT=3"],
    );
    let berlin = zone("Europe/Berlin");
    let found = occurrences(
        &floating,
        naive("20150301T000000").and_utc(),
        naive("20150310T000000").and_utc(),
        berlin,
    );
    let utc: Vec<String> = found
        .iter()
        .map(|o| o.start.start_instant(berlin).format("%dT%H%M").to_string())
        .collect();
    assert_eq!(utc, ["01T0800", "02T0800", "03T0800"]);
}

#[test]
fn old_open_series_expand_only_the_window() {
    let start = zoned("19700105T090000", NY);
    let series = event(start, start, &["FREQ=WEEKLY;BYDAY=MO,TH"]);
    assert_eq!(
        starts_of(&series, "20250101T000000", "20250110T000000"),
        ["20250102T0900", "20250106T0900", "20250109T0900"]
    );
    let monthly = event(
        zoned("19700115T090000", NY),
        zoned("19700115T090000", NY),
        &["FREQ=MONTHLY;INTERVAL=5"],
    );
    // 55 years after January 1970 is 132 periods of five months.
    assert_eq!(
        starts_of(&monthly, "20250101T000000", "20260101T000000"),
        ["20250115T0900", "20250615T0900", "20251115T0900"]
    );
}

#[test]
fn what_real_feeds_write_is_normalized() {
    let start = zoned("20150105T090000", NY);
    // A numbered BYDAY in a weekly rule means the weekday; X- parts and
    // lower case are tolerated; a date UNTIL on a timed series ends it as
    // that day begins, as dateutil and recurring-ical-events read it.
    let weekly = event(
        start,
        start,
        &["freq=weekly;byday=1MO;X-NAME=x;UNTIL=20150119"],
    );
    assert_eq!(
        starts_of(&weekly, "20150101T000000", "20160101T000000"),
        ["20150105T0900", "20150112T0900"]
    );
    for bad in [
        "FREQ=DAILY;COUNT=-1",
        "FREQ=DAILY;FREQ=WEEKLY",
        "FREQ=DAILY;UNTL=2015",
        "COUNT=3",
        "FREQ=DAILY;UNTIL=soon",
    ] {
        assert!(check(bad, start, Zone::Utc).is_err(), "{bad}");
    }
    assert!(check("FREQ=DAILY;COUNT=3", start, Zone::Utc).is_ok());
    assert!(
        check("FREQ=DAILY;BYDAY=\u{e9}U", start, Zone::Utc).is_err(),
        "non-ASCII is refused before the rrule crate sees it"
    );
}

#[test]
fn a_start_off_the_rule_is_the_first_of_count() {
    // Wednesday 2 September 1997 is not a Friday: it is an occurrence all
    // the same, and the first of the three.
    rfc(
        "19970903T090000",
        "FREQ=WEEKLY;COUNT=3;BYDAY=FR",
        "20000101T000000",
        &["19970903T0900", "19970905T0900", "19970912T0900"],
    );
}

#[test]
fn pathological_rules_are_cut_off_instead_of_hanging() {
    let utc = |s: &str| When::Utc(naive(s).and_utc());
    let cases = [
        (
            utc("20150601T083000"),
            utc("20150601T083000"),
            "FREQ=HOURLY;BYSETPOS=6",
        ),
        (
            utc("20150101T000000"),
            utc("20150101T000000"),
            "FREQ=SECONDLY",
        ),
        (
            utc("00010101T000000"),
            utc("00010101T000000"),
            "FREQ=MINUTELY;COUNT=1000000000",
        ),
        (
            utc("00010101T000000"),
            utc("20150101T000000"),
            "FREQ=HOURLY",
        ),
    ];
    for (start, end, rule) in cases {
        let series = event(start, end, &[rule]);
        let found = occurrences(
            &series,
            naive("20150101T000000").and_utc(),
            naive("20160101T000000").and_utc(),
            Zone::Utc,
        );
        assert!(found.len() <= MAX_STARTS + 2, "{rule}: {}", found.len());
    }
}

#[test]
fn ordinals_rfc_5545_allows_and_intervals_past_u16_expand() {
    rfc(
        "19970903T090000",
        "FREQ=MONTHLY;BYDAY=-5WE;COUNT=3",
        "20000101T000000",
        // The months of 1997 and 1998 with five Wednesdays.
        &["19970903T0900", "19971001T0900", "19971203T0900"],
    );
    rfc(
        "19980101T090000",
        "FREQ=YEARLY;BYDAY=-53TH;COUNT=2",
        "20100101T000000",
        // 1998 and 2004 have 53 Thursdays; the 53rd-last is the first.
        &["19980101T0900", "20040101T0900"],
    );
    let start = When::Utc(naive("20150701T000000").and_utc());
    let series = event(start, start, &["FREQ=MINUTELY;INTERVAL=70000;COUNT=3"]);
    assert_eq!(
        starts_of(&series, "20150101T000000", "20160101T000000"),
        ["20150701T0000Z", "20150818T1440Z", "20151006T0520Z"]
    );
}

#[test]
fn until_before_the_start_leaves_no_occurrence() {
    let start = zoned("20150105T090000", NY);
    let series = event(start, start, &["FREQ=DAILY;UNTIL=20150101T000000Z"]);
    assert!(check("FREQ=DAILY;UNTIL=20150101T000000Z", start, Zone::Utc).is_ok());
    assert!(starts_of(&series, "20150101T000000", "20160101T000000").is_empty());
}

#[test]
fn count_beside_until_is_mended_away() {
    assert_eq!(
        mend("RRULE:FREQ=DAILY;COUNT=-1;UNTIL=20150101"),
        Mended {
            rule: "FREQ=DAILY;UNTIL=20150101".into(),
            notes: vec!["has both COUNT and UNTIL; UNTIL is used"],
        }
    );
    assert_eq!(mend(" FREQ=DAILY;COUNT=2 ").rule, "FREQ=DAILY;COUNT=2");
    assert!(mend("FREQ=DAILY;COUNT=2").notes.is_empty());
}

/// A weekly series of Mondays at 10:00 UTC from 3 August 2015, `count`
/// long, at `sequence`.
fn mondays(count: u32, sequence: i64) -> Event {
    let start = When::Utc(naive("20150803T100000").and_utc());
    let rule = format!("FREQ=WEEKLY;COUNT={count}");
    Event {
        sequence,
        ..event(start, start, &[rule.as_str()])
    }
}

fn moved(series: &Event, rid: When, to: When, sequence: i64) -> Override {
    Override {
        recurrence_id: rid,
        this_and_future: false,
        event: Event {
            title: "Moved".into(),
            start: to,
            end: to,
            recurrence: None,
            sequence,
            ..series.clone()
        },
    }
}

#[test]
fn an_exdate_and_a_newer_series_win_over_overrides() {
    let utc = |s: &str| When::Utc(naive(s).and_utc());
    let mut series = mondays(3, 2);
    let overrides = vec![
        moved(&series, utc("20150810T100000"), utc("20150811T100000"), 3),
        moved(&series, utc("20150831T100000"), utc("20150901T100000"), 1),
        moved(&series, utc("20150817T100000"), utc("20150818T100000"), 2),
        moved(&series, utc("20150907T100000"), utc("20150908T100000"), 2),
    ];
    let recurrence = series.recurrence.as_mut().unwrap();
    recurrence.overrides = overrides;
    recurrence.exdates.push(utc("20150810T100000"));
    assert_eq!(
        starts_of(&series, "20150801T000000", "20151001T000000"),
        // 10 August is excluded, 31 August is no longer in the newer
        // series, 7 September never was, but its override is as new as
        // the series and stays.
        ["20150803T1000Z", "20150818T1000Z", "20150908T1000Z"]
    );
}

#[test]
fn overrides_match_by_day_when_series_and_recurrence_id_differ_in_form() {
    let mut all_day = event(
        When::Date(naive("20150803").date()),
        When::Date(naive("20150803").date()),
        &["FREQ=DAILY;COUNT=3"],
    );
    let rid = zoned("20150804T000000", "Europe/Berlin");
    let to = When::Date(naive("20150807").date());
    let o = moved(&all_day, rid, to, 0);
    all_day.recurrence.as_mut().unwrap().overrides.push(o);
    assert_eq!(
        starts_of(&all_day, "20150801T000000", "20150901T000000"),
        ["20150803", "20150805", "20150807"]
    );

    let mut timed = mondays(3, 0);
    let to = When::Utc(naive("20150811T150000").and_utc());
    let o = moved(&timed, When::Date(naive("20150810").date()), to, 0);
    timed.recurrence.as_mut().unwrap().overrides.push(o);
    assert_eq!(
        starts_of(&timed, "20150801T000000", "20150901T000000"),
        ["20150803T1000Z", "20150811T1500Z", "20150817T1000Z"]
    );
}
