//! `confcal upcoming` on the bundled data and on small made-up sources:
//! the window, the order, the filters and the JSON contract.

mod common;

use common::{Setup, curated_config, repo, run_in};
use serde_json::Value;

fn titles(items: &Value) -> Vec<String> {
    items
        .as_array()
        .expect("an array")
        .iter()
        .map(|i| i["title"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The bundled data as of 2015-04-05, 200 days ahead, as JSON.
const SPRING_2015_JSON: [&str; 7] = [
    "upcoming",
    "--now",
    "2015-04-05T00:00:00Z",
    "--days",
    "200",
    "--format",
    "json",
];

/// Runs `confcal --config config.toml ARGS` in the repository.
fn bundled(args: &[&str]) -> common::Run {
    let mut all = vec!["--config", "config.toml"];
    all.extend_from_slice(args);
    run_in(repo(), &all)
}

#[test]
fn bundled_config_lists_spring_2015_in_time_order() {
    let run = bundled(&SPRING_2015_JSON).ok();
    assert_eq!(
        titles(&run.json()),
        [
            "Registration closes: Xen Project Hackathon 2015",
            "Xen Project Hackathon 2015",
            "CFP closes: KVM Forum 2015",
            "Xen Project Developer Summit 2015",
            "KVM Forum and Xen Project Social 2015",
            "KVM Forum and Xen Project Developer Summit Hackathon 2015",
            "KVM Forum 2015",
        ]
    );
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}

#[test]
fn json_items_follow_the_contract() {
    let run = bundled(&SPRING_2015_JSON).ok();
    let items = run.json();
    let cfp = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "cfp")
        .expect("the CFP");
    assert_eq!(cfp["type"], "deadline");
    assert_eq!(cfp["uid"], "cfp.kvm-forum-2015@confcal");
    assert_eq!(cfp["event_uid"], "kvm-forum-2015@confcal");
    assert_eq!(cfp["event"], "KVM Forum 2015");
    assert_eq!(cfp["due"], "2015-05-01T23:59:59-12:00");
    assert_eq!(cfp["due_utc"], "2015-05-02T11:59:59Z");
    assert_eq!(cfp["tz"], "AoE");
    assert_eq!(cfp["source"], "conferences");

    let forum = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["uid"] == "kvm-forum-2015@confcal")
        .expect("the forum");
    assert_eq!(forum["type"], "event");
    assert_eq!(forum["kind"], "conference");
    assert_eq!(forum["start"], "2015-08-19");
    assert_eq!(forum["end"], "2015-08-21");
    assert_eq!(forum["all_day"], true);
    assert_eq!(forum["location"], "Sheraton Seattle, Seattle, WA, USA");

    let hack = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "hackathon" && i["all_day"] == false)
        .unwrap();
    assert_eq!(hack["start"], "2015-08-18T13:00:00-07:00");
    assert_eq!(hack["end"], "2015-08-18T17:00:00-07:00");
    assert_eq!(hack["tz"], "America/Los_Angeles");
}

#[test]
fn the_window_leaves_out_what_is_past_or_too_far() {
    let run = bundled(&[
        "upcoming",
        "--now",
        "2015-04-05T00:00:00Z",
        "--days",
        "24",
        "--format",
        "json",
    ])
    .ok();
    assert_eq!(
        titles(&run.json()),
        [
            "Registration closes: Xen Project Hackathon 2015",
            "Xen Project Hackathon 2015"
        ]
    );
    // A deadline just passed is gone; the event it belongs to is still on.
    let later = bundled(&[
        "upcoming",
        "--from",
        "2015-04-29",
        "--until",
        "2015-05-03",
        "--format",
        "json",
    ])
    .ok();
    assert_eq!(
        titles(&later.json()),
        ["Xen Project Hackathon 2015", "CFP closes: KVM Forum 2015"]
    );
}

#[test]
fn kind_and_tag_filters_combine() {
    let only = |extra: &[&str]| {
        let mut args = vec![
            "upcoming",
            "--now",
            "2015-04-05",
            "--days",
            "200",
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        titles(&bundled(&args).ok().json())
    };
    assert_eq!(only(&["--kind", "cfp"]), ["CFP closes: KVM Forum 2015"]);
    assert_eq!(
        only(&["--kind", "cfp", "--kind", "registration"]),
        [
            "Registration closes: Xen Project Hackathon 2015",
            "CFP closes: KVM Forum 2015"
        ]
    );
    assert_eq!(
        only(&["--kind", "hackathon", "--tag", "kvm"]),
        ["KVM Forum and Xen Project Developer Summit Hackathon 2015"]
    );
    let bad = bundled(&["upcoming", "--kind", "party"]);
    assert_eq!(bad.status, 2);
    assert!(
        bad.stderr.contains("unknown kind `party`"),
        "{}",
        bad.stderr
    );
}

#[test]
fn the_table_shows_both_zones_and_a_countdown() {
    let run = bundled(&["upcoming", "--now", "2015-04-05T00:00:00Z", "--days", "30"]).ok();
    assert!(
        run.stdout.contains("When (Europe/Berlin)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("Mon 2015-04-13 13:59"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("2015-04-12 23:59 AoE"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("in 8d 11h"), "{}", run.stdout);
}

#[test]
fn deadlines_fall_due_at_the_right_instant() {
    let feed = r#"
[[event]]
name = "Zone Test Conference"
start = 2015-06-01
timezone = "Europe/Berlin"

[[event.deadline]]
kind = "abstract"
due = 2015-03-28
timezone = "Europe/Berlin"

[[event.deadline]]
kind = "paper"
due = 2015-03-29
timezone = "Europe/Berlin"

[[event.deadline]]
kind = "cfp"
due = 2015-03-29T23:59:00
timezone = "UTC-7"

[[event.deadline]]
kind = "registration"
due = 2015-04-01

[[event.deadline]]
kind = "notification"
due = 2015-04-02T10:00:00Z
"#;
    let setup =
        Setup::with_config(&curated_config(&[("t", "feeds", 0)])).file("feeds/t.toml", feed);
    let run = setup
        .run(&[
            "upcoming",
            "--from",
            "2015-03-01",
            "--until",
            "2015-05-01",
            "--format",
            "json",
            "--kind",
            "abstract",
            "--kind",
            "paper",
            "--kind",
            "cfp",
            "--kind",
            "registration",
            "--kind",
            "notification",
        ])
        .ok();
    let due: Vec<(String, String, String)> = run
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["kind"].as_str().unwrap().to_owned(),
                i["due"].as_str().unwrap().to_owned(),
                i["due_utc"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expect = |k: &str, d: &str, u: &str| (k.to_owned(), d.to_owned(), u.to_owned());
    assert_eq!(
        due,
        [
            // Berlin before and after the switch to summer time on 2015-03-29.
            expect(
                "abstract",
                "2015-03-28T23:59:59+01:00",
                "2015-03-28T22:59:59Z"
            ),
            expect("paper", "2015-03-29T23:59:59+02:00", "2015-03-29T21:59:59Z"),
            expect("cfp", "2015-03-29T23:59:00-07:00", "2015-03-30T06:59:00Z"),
            expect(
                "notification",
                "2015-04-02T10:00:00Z",
                "2015-04-02T10:00:00Z"
            ),
            // A date with no zone: the end of the day, anywhere on earth.
            expect(
                "registration",
                "2015-04-01T23:59:59-12:00",
                "2015-04-02T11:59:59Z"
            ),
        ]
    );
}
