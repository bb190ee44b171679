//! `confcal export`: the feed is byte-stable, and UIDs depend on what an
//! event is, not on where it is written.

mod common;

use common::{Setup, curated_config, repo, run_in};

const SUMMIT: &str = r#"
[[event]]
id = "summit"
name = "Example Summit 2016"
kind = "summit"
start = 2016-03-01
end = 2016-03-02
tags = ["example"]

[[event.deadline]]
kind = "cfp"
due = 2015-12-01

[[event.deadline]]
kind = "cfp"
due = 2016-01-10

[[event]]
name = "Example Hackathon 2016"
kind = "hackathon"
parent = "summit"
start = 2016-03-02T09:00:00
end = 2016-03-02T17:00:00
timezone = "Europe/Paris"
"#;

const WORKSHOP: &str = r#"
[[event]]
name = "Example Workshop 2016"
kind = "workshop"
start = 2016-05-10

[[event.deadline]]
kind = "paper"
due = 2016-02-01T12:00:00
timezone = "UTC+2"

[[event.deadline]]
kind = "camera-ready"
due = 2016-04-01
"#;

/// The same events, with the files swapped and the entries in each
/// reversed.
const SUMMIT_REORDERED: &str = r#"
[[event]]
name = "Example Hackathon 2016"
kind = "hackathon"
parent = "summit"
start = 2016-03-02T09:00:00
end = 2016-03-02T17:00:00
timezone = "Europe/Paris"

[[event]]
id = "summit"
name = "Example Summit 2016"
kind = "summit"
start = 2016-03-01
end = 2016-03-02
tags = ["example"]

[[event.deadline]]
kind = "cfp"
due = 2016-01-10

[[event.deadline]]
kind = "cfp"
due = 2015-12-01
"#;

const WORKSHOP_REORDERED: &str = r#"
[[event]]
name = "Example Workshop 2016"
kind = "workshop"
start = 2016-05-10

[[event.deadline]]
kind = "camera-ready"
due = 2016-04-01

[[event.deadline]]
kind = "paper"
due = 2016-02-01T12:00:00
timezone = "UTC+2"
"#;

fn uids(ics: &str) -> Vec<&str> {
    let mut uids: Vec<&str> = ics.lines().filter_map(|l| l.strip_prefix("UID:")).collect();
    uids.sort_unstable();
    uids
}

#[test]
fn uids_survive_reordering_files_and_entries() {
    let config = curated_config(&[("feeds", "feeds", 0)]);
    let first = Setup::with_config(&config)
        .file("feeds/a.toml", SUMMIT)
        .file("feeds/b.toml", WORKSHOP);
    let second = Setup::with_config(&config)
        .file("feeds/a.toml", WORKSHOP_REORDERED)
        .file("feeds/b.toml", SUMMIT_REORDERED);
    let args = ["export", "--now", "2015-11-01T00:00:00Z"];
    let (a, b) = (first.run(&args).ok().stdout, second.run(&args).ok().stdout);
    assert_eq!(
        uids(&a),
        [
            "camera-ready.example-workshop-2016@confcal",
            "cfp-2.example-summit-2016@confcal",
            "cfp.example-summit-2016@confcal",
            "example-hackathon-2016@confcal",
            "example-summit-2016@confcal",
            "example-workshop-2016@confcal",
            "paper.example-workshop-2016@confcal",
        ]
    );
    assert_eq!(
        uids(&a),
        uids(&b),
        "the same events in another order keep their UIDs"
    );
    let times = |ics: &str| {
        let mut lines: Vec<String> = ics
            .lines()
            .filter(|l| l.starts_with("DT"))
            .map(str::to_owned)
            .collect();
        lines.sort();
        lines
    };
    assert_eq!(times(&a), times(&b));
}

#[test]
fn export_is_byte_stable_and_writes_files() {
    let args = [
        "--config",
        "config.toml",
        "export",
        "--now",
        "2015-04-05T00:00:00Z",
    ];
    let once = run_in(repo(), &args).ok().stdout;
    let twice = run_in(repo(), &args).ok().stdout;
    assert!(once == twice, "two exports differ");

    let setup = Setup::new();
    let out = setup.path("feed.ics");
    let config = repo().join("config.toml");
    run_in(
        repo(),
        &[
            "--config",
            config.to_str().unwrap(),
            "export",
            "--now",
            "2015-04-05T00:00:00Z",
            "-o",
            out.to_str().unwrap(),
        ],
    )
    .ok();
    assert!(
        std::fs::read_to_string(out).unwrap() == once,
        "the file differs from stdout"
    );
}

#[test]
fn the_feed_follows_the_feed_rules() {
    let ics = run_in(
        repo(),
        &[
            "--config",
            "config.toml",
            "export",
            "--now",
            "2015-04-05T00:00:00Z",
        ],
    )
    .ok()
    .stdout;
    assert!(
        ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//confcal//confcal "),
        "{ics}"
    );
    for line in [
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Conferences and deadlines",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
        "DTSTAMP:20150405T000000Z",
        // All-day: dates, with an exclusive end.
        "DTSTART;VALUE=DATE:20150819",
        "DTEND;VALUE=DATE:20150822",
        // A zoned event keeps its zone, and the zone is defined.
        "DTSTART;TZID=America/Los_Angeles:20150818T130000",
        "TZID:America/Los_Angeles",
        // The CFP: its own event at its due instant in UTC.
        "UID:cfp.kvm-forum-2015@confcal",
        "SUMMARY:CFP closes: KVM Forum 2015",
        "DTSTART:20150502T115959Z",
        "RELATED-TO:kvm-forum-2015@confcal",
        "CATEGORIES:deadline,cfp,kvm,ovirt,virtualization",
        "TRIGGER:-P14D",
        "TRIGGER:-PT2H",
    ] {
        assert!(ics.contains(&format!("{line}\r\n")), "missing `{line}`");
    }
    let unfolded = ics.replace("\r\n ", "");
    let cfp = unfolded
        .split("BEGIN:VEVENT")
        .find(|e| e.contains("UID:cfp.kvm-forum-2015@confcal"))
        .unwrap();
    assert_eq!(cfp.matches("BEGIN:VALARM").count(), 4);
    assert!(cfp.contains("Due: 2015-05-01 (end of day\\, AoE)\\, that is 2015-05-02 11:59:59 UTC.\\nSource: conferences (feeds/kvm-forum.toml:17)"), "{cfp}");
}

#[test]
fn the_same_event_in_two_sources_is_merged() {
    let high = r#"
[[event]]
name = "Example Summit 2016"
start = 2016-03-01
location = "Lisbon"
tags = ["curated"]
"#;
    let low = r#"
[[event]]
name = "Example Summit"
start = 2016-03-01
location = "somewhere"
tags = ["blog"]

[[event.deadline]]
kind = "cfp"
due = 2015-12-01
"#;
    let config = curated_config(&[("blog", "low.toml", 1), ("mine", "high.toml", 10)]);
    let setup = Setup::with_config(&config)
        .file("high.toml", high)
        .file("low.toml", low);
    let run = setup
        .run(&[
            "upcoming",
            "--from",
            "2015-11-01",
            "--days",
            "200",
            "--format",
            "json",
        ])
        .ok();
    let items = run.json();
    let items = items.as_array().unwrap();
    assert_eq!(items.len(), 2, "{items:?}");
    let event = &items[1];
    assert_eq!(event["title"], "Example Summit 2016");
    assert_eq!(event["location"], "Lisbon");
    assert_eq!(event["source"], "mine");
    assert_eq!(event["tags"], serde_json::json!(["blog", "curated"]));
    assert_eq!(items[0]["event_uid"], "example-summit-2016@confcal");
    assert_eq!(items[0]["title"], "CFP closes: Example Summit 2016");
}
