use super::*;

fn day(year: Option<i32>, month: u32, day: u32) -> Day {
    Day { year, month, day }
}

/// The (start, end) days of every date in `text`.
fn dates(text: &str) -> Vec<(Day, Option<Day>)> {
    find(text).dates.iter().map(|d| (d.start, d.end)).collect()
}

#[track_caller]
fn one(text: &str) -> DateMention {
    let found = find(text).dates;
    assert_eq!(found.len(), 1, "{text}: {found:?}");
    found.into_iter().next().unwrap()
}

#[test]
fn single_dates_in_common_forms() {
    let cases = [
        ("the CFP closes on May 1.", day(None, 5, 1)),
        ("on 1 May 2016 we meet", day(Some(2016), 5, 1)),
        ("by 1st May", day(None, 5, 1)),
        (
            "our cut-off registration date of April 12th, 2015.",
            day(Some(2015), 4, 12),
        ),
        ("due 2016-05-01, no extensions", day(Some(2016), 5, 1)),
        ("the evening of Aug. 3rd", day(None, 8, 3)),
        ("closes Sept 30", day(None, 9, 30)),
        ("on Saturday 31 January", day(None, 1, 31)),
        ("the 1st of May", day(None, 5, 1)),
        (
            "Tuesday, August 18, 2015, in the Virginia Room",
            day(Some(2015), 8, 18),
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(dates(text), [(expected, None)], "{text}");
    }
}

#[test]
fn ranges_in_common_forms() {
    let cases = [
        ("August 19-21", day(None, 8, 19), day(None, 8, 21)),
        (
            "April 28-29 in Shanghai",
            day(None, 4, 28),
            day(None, 4, 29),
        ),
        ("13-15 September", day(None, 9, 13), day(None, 9, 15)),
        (
            "Nov 30 - Dec 2, 2016",
            day(Some(2016), 11, 30),
            day(Some(2016), 12, 2),
        ),
        ("July 27th - August 2nd", day(None, 7, 27), day(None, 8, 2)),
        (
            "1 to 3 November 2011",
            day(Some(2011), 11, 1),
            day(Some(2011), 11, 3),
        ),
        ("December 8--9", day(None, 12, 8), day(None, 12, 9)),
        (
            "14–16 June 2016",
            day(Some(2016), 6, 14),
            day(Some(2016), 6, 16),
        ),
        (
            "June 14-19, 2009 in San Diego",
            day(Some(2009), 6, 14),
            day(Some(2009), 6, 19),
        ),
        (
            "Dec 30 - Jan 2, 2017",
            day(Some(2016), 12, 30),
            day(Some(2017), 1, 2),
        ),
        (
            "30 November - 2 December 2016",
            day(Some(2016), 11, 30),
            day(Some(2016), 12, 2),
        ),
        (
            "2016-05-01 to 2016-05-03",
            day(Some(2016), 5, 1),
            day(Some(2016), 5, 3),
        ),
        (
            "Date: November 7-9, 2012",
            day(Some(2012), 11, 7),
            day(Some(2012), 11, 9),
        ),
    ];
    for (text, start, end) in cases {
        assert_eq!(dates(text), [(start, Some(end))], "{text}");
    }
}

#[test]
fn things_that_are_not_dates() {
    for text in [
        "Xen 4.6 may ship soon",
        "we can accommodate 50 people",
        "you may submit up to 3 talks",
        "room 12, floor 4",
        "since 2003",
        "the 28th",
        "March on, 5 of us",
        "version 2.1 April",
    ] {
        assert_eq!(dates(text), [], "{text}");
    }
}

#[test]
fn times_and_zones_attach_to_their_date() {
    let hack = one("on Tuesday, August 18, 2015 from 1:00pm to 5:00pm.");
    let times = hack.times.unwrap();
    assert_eq!(times.start, NaiveTime::from_hms_opt(13, 0, 0).unwrap());
    assert_eq!(times.end, NaiveTime::from_hms_opt(17, 0, 0));
    assert_eq!(hack.weekday, Some(Weekday::Tue));

    let keynote = one("Time: November 7, 2012 9:00 - 9:15 CEST");
    let times = keynote.times.unwrap();
    assert_eq!(times.start, NaiveTime::from_hms_opt(9, 0, 0).unwrap());
    assert_eq!(times.zone.unwrap().text, "CEST");

    let cfp = one("submissions close at 23:59 AoE on May 1");
    assert_eq!(cfp.stated_zone().unwrap().zone, Zone::Aoe);
    assert_eq!(
        cfp.times.unwrap().start,
        NaiveTime::from_hms_opt(23, 59, 0).unwrap()
    );

    let cases = [
        ("May 1, 11:59 PM PDT", "PDT", (23, 59)),
        ("May 1 at noon (UTC+2)", "UTC+2", (12, 0)),
        ("May 1 at midnight GMT-7", "UTC-7", (23, 59)),
        ("1 May 2016, 5pm Pacific Time", "Pacific Time", (17, 0)),
        ("1 May, 9 a.m. Europe/Berlin", "Europe/Berlin", (9, 0)),
        ("May 1 17:00 AEST", "AEST", (17, 0)),
    ];
    for (text, zone, (h, m)) in cases {
        let date = one(text);
        assert_eq!(
            date.stated_zone().map(|z| z.text.as_str()),
            Some(zone),
            "{text}"
        );
        let start = date.times.unwrap().start;
        assert_eq!(start, NaiveTime::from_hms_opt(h, m, 0).unwrap(), "{text}");
    }
    assert_eq!(one("May 1 AoE").zone.unwrap().zone, Zone::Aoe);
}

#[test]
fn relative_expressions_are_recognised_not_dated() {
    let cases = [
        ("the day before Xen Summit in Boston a few weeks back", true),
        ("see you next Tuesday", false),
        ("last year we met", true),
        ("in two weeks", false),
        ("3 days ago", true),
        ("earlier this year", true),
    ];
    for (text, past) in cases {
        let found = find(text);
        assert!(found.dates.is_empty(), "{text}");
        assert_eq!(found.relatives.len(), 1, "{text}: {found:?}");
        assert_eq!(found.relatives[0].past, past, "{text}");
    }
}

#[test]
fn left_out_years_come_from_the_anchor() {
    let anchor = NaiveDate::from_ymd_opt(2015, 4, 2);
    let date = |m, d| NaiveDate::from_ymd_opt(2015, m, d);
    assert_eq!(resolve(day(None, 8, 19), anchor), date(8, 19));
    assert_eq!(resolve(day(None, 5, 1), anchor), date(5, 1));
    assert_eq!(
        resolve(day(None, 3, 20), anchor),
        date(3, 20),
        "recent past"
    );
    let december = NaiveDate::from_ymd_opt(2015, 12, 10);
    assert_eq!(
        resolve(day(None, 1, 10), december),
        NaiveDate::from_ymd_opt(2016, 1, 10)
    );
    assert_eq!(resolve(day(None, 8, 2), None), None, "no year invented");
    assert_eq!(
        resolve(day(Some(2011), 8, 2), anchor),
        NaiveDate::from_ymd_opt(2011, 8, 2)
    );
}
