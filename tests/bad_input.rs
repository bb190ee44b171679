//! Bad input: every broken curated file or configuration gets one clear
//! message naming `file:line:column`, and the other sources still load.

mod common;

use common::{Run, Setup, curated_config};

const GOOD: &str = r#"
[[event]]
name = "Good Conference 2016"
start = 2016-06-01

[[event.deadline]]
kind = "cfp"
due = 2016-03-01
"#;

/// Runs `check` and `upcoming` with one good source and one broken file,
/// and returns both runs.
fn with_broken(broken: &str) -> (Run, Run) {
    let config = curated_config(&[("good", "good.toml", 0), ("broken", "broken.toml", 0)]);
    let setup = Setup::with_config(&config)
        .file("good.toml", GOOD)
        .file("broken.toml", broken);
    let check = setup.run(&["check"]);
    let upcoming = setup.run(&[
        "upcoming",
        "--from",
        "2016-01-01",
        "--days",
        "365",
        "--format",
        "json",
    ]);
    (check, upcoming)
}

#[track_caller]
fn assert_reported(broken: &str, expected: &str) {
    let (check, upcoming) = with_broken(broken);
    assert_eq!(check.status, 1, "check must fail:\n{}", check.stderr);
    let errors: Vec<&str> = check.stderr.lines().collect();
    assert_eq!(errors.len(), 1, "one message:\n{}", check.stderr);
    let message = errors[0].replace(&*std::env::temp_dir().to_string_lossy(), "TMP");
    assert!(
        message.ends_with(expected),
        "got:      {message}\nexpected: …{expected}"
    );
    assert!(message.starts_with("error: source `broken`: "), "{message}");

    let upcoming = upcoming.ok();
    assert!(
        upcoming.stderr.contains(expected),
        "upcoming warns too:\n{}",
        upcoming.stderr
    );
    let titles: Vec<String> = upcoming
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].to_string())
        .collect();
    assert_eq!(
        titles,
        [
            "\"CFP closes: Good Conference 2016\"",
            "\"Good Conference 2016\""
        ]
    );
}

#[test]
fn a_toml_syntax_error_is_placed() {
    assert_reported(
        "[[event]]\nname = \"Broken\nstart = 2016-01-01\n",
        "broken.toml:2:15: invalid basic string, expected `\"`",
    );
}

#[test]
fn an_unknown_key_is_placed_with_a_suggestion() {
    assert_reported(
        "[[event]]\nname = \"Broken\"\nstrat = 2016-01-01\n",
        "broken.toml:3:1: unknown key `strat`: did you mean `start`?",
    );
}

#[test]
fn an_unknown_zone_is_placed() {
    assert_reported(
        "[[event]]\nname = \"Broken\"\nstart = 2016-01-01\n\n[[event.deadline]]\nkind = \"cfp\"\ndue = 2015-12-01\ntimezone = \"Mars/Olympus\"\n",
        "broken.toml:8:12: unknown time zone `Mars/Olympus`: expected an IANA name such as `Europe/Berlin`, `AoE`, `UTC` or an offset such as `UTC+2`",
    );
}

#[test]
fn an_end_before_the_start_is_placed() {
    assert_reported(
        "[[event]]\nname = \"Broken\"\nstart = 2016-01-03\nend = 2016-01-01\n",
        "broken.toml:4:7: `end` (2016-01-01) is before `start` (2016-01-03)",
    );
}

#[test]
fn an_unknown_deadline_kind_is_placed() {
    assert_reported(
        "[[event]]\nname = \"Broken\"\nstart = 2016-01-01\n\n[[event.deadline]]\nkind = \"submission\"\ndue = 2015-12-01\n",
        "broken.toml:6:8: unknown deadline kind `submission`: expected one of cfp, abstract, paper, registration, early-bird, notification, camera-ready, other",
    );
}

#[test]
fn a_missing_parent_is_placed_and_the_event_kept() {
    let (check, upcoming) =
        with_broken("[[event]]\nname = \"Orphan 2016\"\nstart = 2016-01-01\nparent = \"nope\"\n");
    assert_eq!(check.status, 1);
    assert!(
        check.stderr.trim_end().ends_with(
            "broken.toml:4:10: unknown parent `nope`: no event of source `broken` has this `id`"
        ),
        "{}",
        check.stderr
    );
    assert!(upcoming.ok().stdout.contains("Orphan 2016"));
}

#[test]
fn the_good_events_of_a_broken_file_still_load() {
    let broken = "[[event]]\nname = \"Kept 2016\"\nstart = 2016-05-01\n\n[[event]]\nname = \"Bad\"\nstart = 2016-01-01\nkind = \"rave\"\n";
    let (check, upcoming) = with_broken(broken);
    assert_eq!(check.status, 1);
    assert!(
        check.stdout.contains("source `broken` (curated, "),
        "{}",
        check.stdout
    );
    assert!(
        check.stdout.contains("1 events, 0 deadlines, 1 problem"),
        "{}",
        check.stdout
    );
    assert!(upcoming.ok().stdout.contains("Kept 2016"));
}

#[test]
fn a_missing_file_and_garbage_do_not_stop_the_rest() {
    for broken in [
        "\u{0}\u{1}\u{2}garbage",
        "",
        "event = 3",
        "[[event]]\nname = \"x\"\nstart = 1979-05-27T07:32:00.999999999-99:00\n",
    ] {
        let (check, upcoming) = with_broken(broken);
        assert!(
            check.status <= 1,
            "no crash on {broken:?}: {}",
            check.stderr
        );
        assert_eq!(
            upcoming.ok().json().as_array().unwrap().len(),
            2,
            "{broken:?}"
        );
    }
    let config = curated_config(&[("good", "good.toml", 0), ("gone", "missing.toml", 0)]);
    let setup = Setup::with_config(&config).file("good.toml", GOOD);
    let check = setup.run(&["check"]);
    assert_eq!(check.status, 1);
    assert!(
        check.stderr.contains("error: source `gone`: cannot read `"),
        "{}",
        check.stderr
    );
    assert!(
        check
            .stderr
            .contains("missing.toml`: No such file or directory"),
        "{}",
        check.stderr
    );
}

#[test]
fn a_bad_config_is_an_error_naming_its_place() {
    let setup = Setup::with_config("calendar_name = \"x\"\n[reminders]\nlead = [\"2 weeks\"]\n");
    for command in ["check", "upcoming", "export"] {
        let run = setup.run(&[command]);
        assert_eq!(run.status, 2, "{command}");
        assert!(
            run.stderr.trim_end().ends_with(
                "config.toml:3:9: invalid lead time `2 weeks`: expected a number and a unit, such as `14d`, `2h`, `30m` or `1w`"
            ),
            "{command}: {}",
            run.stderr
        );
    }
    let missing = common::run_in(
        setup.path("").as_path(),
        &["--config", "nope.toml", "check"],
    );
    assert_eq!(missing.status, 2);
    assert!(
        missing.stderr.contains("cannot read `nope.toml`"),
        "{}",
        missing.stderr
    );
}

#[test]
fn a_clean_setup_checks_clean() {
    let setup =
        Setup::with_config(&curated_config(&[("good", "good.toml", 0)])).file("good.toml", GOOD);
    let run = setup.run(&["check"]).ok();
    assert!(
        run.stdout.contains("source `good` (curated, "),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("1 events, 1 deadlines"),
        "{}",
        run.stdout
    );
}
