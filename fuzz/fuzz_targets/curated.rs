//! Fuzzes the curated loader (`kind = "curated"` TOML files) and
//! everything that reads what it yields: parsing one body, merging,
//! expanding every event over a year, querying a window, rendering the
//! feed, and showing every problem.

#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use chrono::{DateTime, Duration, TimeZone, Utc};
use confcal::config::{SourceConfig, SourceKind};
use confcal::feed::{FeedOptions, render};
use confcal::query::{Filter, Window, upcoming_noting_cuts};
use confcal::sources::Zones;
use confcal::time::Zone;
use libfuzzer_sys::fuzz_target;

fn source() -> &'static SourceConfig {
    static SOURCE: OnceLock<SourceConfig> = OnceLock::new();
    SOURCE.get_or_init(|| SourceConfig {
        tags: vec!["fuzz".to_owned()],
        ..SourceConfig::local("fuzz", SourceKind::Curated, Path::new("feeds/fuzz.toml"))
    })
}

fn utc(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap()
}

fuzz_target!(|data: &[u8]| {
    // The first byte picks the zone deadlines without one are read in:
    // UTC, or AoE (UTC-12), where the end of a day is the next day in UTC.
    let deadline = match data.first() {
        Some(b) if b & 1 == 1 => "AoE".parse::<Zone>().unwrap(),
        _ => Zone::Utc,
    };
    let zones = Zones {
        default: "Europe/Berlin".parse().unwrap(),
        deadline,
    };
    let origin = Path::new("feeds/fuzz.toml");
    let loaded = confcal::sources::parse_body(source(), origin, data, zones);
    for problem in &loaded.problems {
        let _ = problem.to_string();
    }
    let catalog = confcal::merge::merge(vec![loaded.catalog]);
    let window = Window {
        from: utc(2015, 1, 1),
        until: utc(2016, 1, 1),
    };
    let (entries, cuts) = upcoming_noting_cuts(&catalog, window, &Filter::default(), zones.default);
    for entry in &entries {
        let _ = entry.item.uid();
    }
    for cut in &cuts {
        let _ = cut.to_string();
    }
    for deadline in &catalog.deadlines {
        let _ = deadline.title();
        let _ = deadline.due_instant();
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
