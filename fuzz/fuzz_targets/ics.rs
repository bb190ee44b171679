//! Fuzzes the iCalendar loader and everything that reads what it yields:
//! parsing one body, merging, expanding every event's occurrences over a
//! year, rendering the feed, and showing every problem.

#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use chrono::{DateTime, Duration, TimeZone, Utc};
use confcal::config::{SourceConfig, SourceKind};
use confcal::feed::{FeedOptions, render};
use confcal::sources::Zones;
use confcal::time::Zone;
use libfuzzer_sys::fuzz_target;

fn source() -> &'static SourceConfig {
    static SOURCE: OnceLock<SourceConfig> = OnceLock::new();
    SOURCE.get_or_init(|| SourceConfig {
        tags: vec!["fuzz".to_owned()],
        ..SourceConfig::local("fuzz", SourceKind::Ics, Path::new("feeds/fuzz.ics"))
    })
}

fn utc(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap()
}

fuzz_target!(|data: &[u8]| {
    let berlin: Zone = "Europe/Berlin".parse().unwrap();
    // The first byte picks the configured zones, so that floating and
    // all-day times are read both in UTC and in a zone with DST.
    let local = match data.first() {
        Some(b) if b & 1 == 1 => berlin,
        _ => Zone::Utc,
    };
    let zones = Zones {
        default: local,
        deadline: Zone::Utc,
    };
    let loaded = confcal::sources::ics::parse(source(), Path::new("feeds/fuzz.ics"), data, zones);
    for problem in &loaded.problems {
        let _ = problem.to_string();
    }
    let catalog = confcal::merge::merge(vec![loaded.catalog]);
    let (from, until) = (utc(2015, 1, 1), utc(2016, 1, 1));
    for event in &catalog.events {
        let _ = event.span(local);
        for occurrence in confcal::recur::occurrences(event, from, until, local) {
            let _ = occurrence.start.start_instant(local);
            let _ = occurrence.end.start_instant(local);
        }
    }
    let leads = confcal::config::Leads {
        default: vec!["3d".parse().unwrap()],
        by_kind: std::collections::BTreeMap::new(),
    };
    let options = FeedOptions {
        name: "fuzz",
        leads: &leads,
        now: utc(2015, 6, 1),
        refresh: Duration::hours(1),
    };
    let _ = render(&catalog, &options);
});
