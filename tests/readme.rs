//! The examples in README.md are real: the curated file and the
//! configuration shown there load without a problem.

mod common;

use common::{Setup, repo};

/// The first TOML code block after `heading` in `README.md`.
fn toml_block(heading: &str) -> String {
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    let section = readme.split(heading).nth(1).expect("the section");
    let block = section.split("```toml\n").nth(1).expect("a toml block");
    block
        .split("```")
        .next()
        .expect("a closed block")
        .to_owned()
}

#[test]
fn the_curated_example_loads() {
    let config =
        toml_block("## Configuration").replace("path = \"feeds\"", "path = \"example.toml\"");
    let setup = Setup::with_config(&config)
        .file("example.toml", &toml_block("## Curated conference files"));
    let check = setup.run(&["check"]).ok();
    assert!(
        check.stdout.contains("2 events, 3 deadlines"),
        "{}",
        check.stdout
    );
    let json = setup
        .run(&[
            "upcoming",
            "--from",
            "2015-04-01",
            "--days",
            "200",
            "--format",
            "json",
        ])
        .ok()
        .json();
    let due: Vec<(&str, &str)> = json
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["type"] == "deadline")
        .map(|i| (i["uid"].as_str().unwrap(), i["due"].as_str().unwrap()))
        .collect();
    assert_eq!(
        due,
        [
            ("cfp.kvm-forum-2015@confcal", "2015-05-01T23:59:59-12:00"),
            (
                "cfp-late-breaking-talks.kvm-forum-2015@confcal",
                "2015-05-15T12:00:00-07:00"
            ),
            (
                "early-bird.kvm-forum-2015@confcal",
                "2015-07-01T23:59:00-07:00"
            ),
        ]
    );
}
