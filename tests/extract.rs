//! `confcal extract` on announcements: the facts of the bundled ones, the
//! JSON contract, curated TOML that loads back, no year invented, and the
//! scores on the labelled corpus in `tests/fixtures/announcements/`.

mod common;

use std::path::{Path, PathBuf};

use common::{Setup, repo, run_in};
use serde_json::Value;

fn extract(args: &[&str]) -> Value {
    let mut all = vec!["extract"];
    all.extend_from_slice(args);
    run_in(repo(), &all).ok().json()
}

/// `(name, kind, start, end, location)` of each event.
fn events(json: &Value) -> Vec<(String, String, Value, Value, Value)> {
    json["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| {
            let text = |k: &str| e[k].as_str().unwrap_or_default().to_owned();
            (
                text("name"),
                text("kind"),
                e["start"].clone(),
                e["end"].clone(),
                e["location"].clone(),
            )
        })
        .collect()
}

/// `(kind, due)` of each deadline of the event named `name`.
fn deadlines(json: &Value, name: &str) -> Vec<(String, String)> {
    let event = json["events"]
        .as_array()
        .expect("events")
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("no event `{name}` in {json:#}"));
    event["deadlines"]
        .as_array()
        .expect("deadlines")
        .iter()
        .map(|d| {
            (
                d["kind"].as_str().unwrap_or_default().to_owned(),
                d["due"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn the_bundled_post_gives_the_forum_its_cfp_and_the_hackathon() {
    let json = extract(&["feeds/announcements/kvm-forum-2015.md"]);
    assert_eq!(json["published"], "2015-04-02");
    let found = events(&json);
    assert_eq!(found.len(), 2, "{json:#}");
    assert_eq!(found[0].0, "KVM Forum");
    assert_eq!(
        (&found[0].2, &found[0].3),
        (&Value::from("2015-08-19"), &Value::from("2015-08-21"))
    );
    assert_eq!(found[0].4, "Sheraton Seattle");
    assert_eq!(
        deadlines(&json, "KVM Forum"),
        [("cfp".to_owned(), "2015-05-01".to_owned())]
    );
    assert_eq!(found[1].1, "hackathon");
    assert_eq!(found[1].2, "2015-08-18");
}

#[test]
fn the_bundled_page_gives_the_hackathon_its_place_and_cutoff() {
    let json = extract(&["feeds/announcements/xen-hackathon-2015.html"]);
    let found = events(&json);
    assert_eq!(found.len(), 1, "{json:#}");
    let (name, kind, start, end, location) = &found[0];
    assert_eq!(
        (name.as_str(), kind.as_str()),
        ("Xen Project Hackathon", "hackathon")
    );
    assert_eq!(
        (start, end),
        (&Value::from("2015-04-28"), &Value::from("2015-04-29"))
    );
    assert_eq!(location, "Intel's Shanghai Zizhu Campus");
    let cutoff = deadlines(&json, "Xen Project Hackathon");
    assert_eq!(
        cutoff,
        [("registration".to_owned(), "2015-04-12".to_owned())]
    );
}

#[test]
fn json_keeps_the_contract() {
    let json = extract(&["feeds/announcements/kvm-forum-2015.md"]);
    let keys = |v: &Value| {
        let mut keys: Vec<String> = v.as_object().expect("an object").keys().cloned().collect();
        keys.sort();
        keys
    };
    assert_eq!(keys(&json), ["events", "published"]);
    let event = &json["events"][0];
    assert_eq!(
        keys(event),
        [
            "confidence",
            "deadlines",
            "end",
            "evidence",
            "kind",
            "location",
            "name",
            "start"
        ]
    );
    assert_eq!(
        keys(&event["deadlines"][0]),
        ["confidence", "due", "evidence", "kind"]
    );
    assert!(
        event["evidence"]
            .as_str()
            .unwrap_or_default()
            .contains("August 19-21")
    );
    let confidence = event["confidence"].as_f64().unwrap_or(-1.0);
    assert!((0.0..=1.0).contains(&confidence), "{confidence}");
}

#[test]
fn no_year_is_invented_and_published_supplies_one() {
    let setup = Setup::new().file(
        "post.txt",
        "Xen Summit, Aug 2-3\n\nThe summit is held at the usual venue; the event is fully booked.\n",
    );
    let path = setup.path("post.txt");
    let path = path.to_str().expect("UTF-8");
    let without = extract(&[path]);
    assert_eq!(events(&without)[0].2, Value::Null, "{without:#}");
    let with = extract(&[path, "--published", "2011-07-28"]);
    assert_eq!(
        (&events(&with)[0].2, &events(&with)[0].3),
        (&Value::from("2011-08-02"), &Value::from("2011-08-03"))
    );
    assert!(
        deadlines(&with, "Xen Summit").is_empty(),
        "fully booked is no deadline"
    );
}

#[test]
fn curated_toml_output_loads_as_a_curated_source() {
    let run = run_in(
        repo(),
        &[
            "extract",
            "feeds/announcements/kvm-forum-2015.md",
            "--format",
            "toml",
        ],
    )
    .ok();
    let setup = Setup::with_config(&common::curated_config(&[("pinned", "pinned", 10)]))
        .file("pinned/kvm.toml", &run.stdout);
    let check = setup.run(&["check"]);
    assert_eq!(check.status, 0, "{}\n{}", check.stdout, check.stderr);
    assert!(
        check.stdout.contains("2 events, 1 deadlines"),
        "{}",
        check.stdout
    );
}

/// Precision and recall of events (matched by dates) and deadlines
/// (matched by kind and due) over the labelled corpus.
/// `(start, end)` of events, `(kind, due)` of deadlines.
type Facts = (Vec<(Value, Value)>, Vec<(String, String)>);

/// The `(start, end)` of every event, and the `(kind, due)` of every
/// deadline, of a fixture of the corpus.
fn facts(fixture: &str) -> Facts {
    let json = extract(&[&format!("tests/fixtures/announcements/{fixture}")]);
    let days = events(&json).into_iter().map(|e| (e.2, e.3)).collect();
    let mut all = Vec::new();
    for (name, ..) in events(&json) {
        all.extend(deadlines(&json, &name));
    }
    (days, all)
}

fn days(pairs: &[(&str, &str)]) -> Vec<(Value, Value)> {
    pairs
        .iter()
        .map(|(s, e)| (Value::from(*s), Value::from(*e)))
        .collect()
}

fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, d)| ((*k).to_owned(), (*d).to_owned()))
        .collect()
}

#[test]
fn a_table_of_important_dates_gives_each_row_its_role() {
    let (events, deadlines) = facts("31-swim-workshop-dates-table.md");
    assert_eq!(events, days(&[("2031-06-14", "2031-06-15")]));
    assert_eq!(
        deadlines,
        owned(&[
            ("abstract", "2031-02-24"),
            ("cfp", "2031-03-03"),
            ("notification", "2031-04-10"),
            ("camera-ready", "2031-04-28"),
            ("early-bird", "2031-05-01"),
            ("registration", "2031-05-30"),
        ])
    );
}

#[test]
fn an_email_reply_supersedes_what_it_quotes_and_its_headers_are_no_dates() {
    let json = extract(&["tests/fixtures/announcements/32-tooling-summit-reply.txt"]);
    assert_eq!(json["published"], "2031-03-04");
    let found = events(&json);
    assert_eq!(found.len(), 1, "{json:#}");
    assert_eq!(found[0].0, "Kernel Tooling Summit");
    assert_eq!(
        (&found[0].2, &found[0].3),
        (&Value::from("2031-05-15"), &Value::from("2031-05-16"))
    );
    assert_eq!(
        deadlines(&json, "Kernel Tooling Summit"),
        owned(&[
            ("cfp", "2031-03-21"),
            ("notification", "2031-03-31"),
            ("registration", "2031-05-02"),
        ])
    );
}

#[test]
fn a_digest_lists_each_item_as_its_own_event_past_ones_included() {
    let json = extract(&["tests/fixtures/announcements/33-userland-digest-spring.md"]);
    let names: Vec<String> = events(&json).into_iter().map(|e| e.0).collect();
    assert_eq!(
        names,
        [
            "Packaging sprint",
            "Porto meetup",
            "Userland Conference",
            "Madrid meetup"
        ]
    );
    assert_eq!(
        deadlines(&json, "Userland Conference"),
        owned(&[("cfp", "2031-04-04")])
    );
}

#[test]
fn a_bilingual_page_is_one_event_with_dates_in_either_language() {
    let (events, deadlines) = facts("34-jornadas-bilingual.html");
    assert_eq!(events, days(&[("2031-03-12", "2031-03-14")]));
    assert_eq!(
        deadlines,
        owned(&[("cfp", "2031-01-15"), ("registration", "2031-03-01")])
    );
}

#[test]
fn restructured_text_metadata_and_a_superseded_deadline() {
    let json = extract(&["tests/fixtures/announcements/35-verification-colloquium.rst"]);
    assert_eq!(json["published"], "2031-01-15");
    let (events, deadlines) = facts("35-verification-colloquium.rst");
    assert_eq!(events, days(&[("2031-09-22", "2031-09-24")]));
    assert_eq!(
        deadlines,
        owned(&[("cfp", "2031-05-16"), ("registration", "2031-08-29")])
    );
}

#[test]
fn asciidoc_header_dates_a_relative_weekday() {
    let json = extract(&["tests/fixtures/announcements/36-robotics-hackday.adoc"]);
    assert_eq!(json["published"], "2031-04-02");
    let (events, deadlines) = facts("36-robotics-hackday.adoc");
    assert_eq!(events, days(&[("2031-04-26", "2031-04-27")]));
    // "this Friday", written on Wednesday 2 April.
    assert_eq!(
        deadlines,
        owned(&[
            ("registration", "2031-04-04"),
            ("registration", "2031-04-18")
        ])
    );
}

#[test]
fn the_labelled_corpus_scores_above_its_floor() {
    let mut events_score = Score::default();
    let mut deadlines_score = Score::default();
    for (source, expected) in corpus() {
        let got = extract(&[source.to_str().expect("UTF-8")]);
        let want: Value =
            serde_json::from_str(&std::fs::read_to_string(&expected).expect("expected file"))
                .expect("JSON");
        let (want_events, got_events) = (all_events(&want), all_events(&got));
        events_score.add(
            &keys(&want_events, event_key),
            &keys(&got_events, event_key),
        );
        deadlines_score.add(
            &keys(&want_events, deadline_keys),
            &keys(&got_events, deadline_keys),
        );
    }
    eprintln!("events: {events_score}\ndeadlines: {deadlines_score}");
    assert!(
        events_score.precision() >= 0.8 && events_score.recall() >= 0.75,
        "events: {events_score}"
    );
    assert!(
        deadlines_score.precision() >= 0.88 && deadlines_score.recall() >= 0.75,
        "deadlines: {deadlines_score}"
    );
}

fn corpus() -> Vec<(PathBuf, PathBuf)> {
    let dir = repo().join("tests/fixtures/announcements");
    let mut pairs = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("the corpus folder") {
        let path = entry.expect("an entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        if let Some(stem) = name.strip_suffix(".expected.json") {
            let source = std::fs::read_dir(&dir)
                .expect("the corpus folder")
                .filter_map(|e| e.ok().map(|e| e.path()))
                .find(|p| is_source_of(p, stem))
                .unwrap_or_else(|| panic!("no source for {name}"));
            pairs.push((source, path));
        }
    }
    pairs.sort();
    pairs
}

fn is_source_of(path: &Path, stem: &str) -> bool {
    path.file_stem().and_then(|s| s.to_str()) == Some(stem)
        && !path.to_string_lossy().ends_with(".json")
}

/// The events of a document, or of every item of a feed.
fn all_events(json: &Value) -> Vec<Value> {
    match json.get("items").and_then(Value::as_array) {
        Some(items) => items
            .iter()
            .flat_map(|i| i["events"].as_array().cloned().unwrap_or_default())
            .collect(),
        None => json["events"].as_array().cloned().unwrap_or_default(),
    }
}

fn event_key(event: &Value) -> Vec<String> {
    vec![format!("{}..{}", event["start"], event["end"])]
}

fn deadline_keys(event: &Value) -> Vec<String> {
    event["deadlines"]
        .as_array()
        .map(|ds| {
            ds.iter()
                .map(|d| format!("{} {}", d["kind"], d["due"]))
                .collect()
        })
        .unwrap_or_default()
}

fn keys(events: &[Value], key: fn(&Value) -> Vec<String>) -> Vec<String> {
    events.iter().flat_map(key).collect()
}

#[derive(Default)]
struct Score {
    hits: usize,
    wanted: usize,
    found: usize,
}

impl Score {
    fn add(&mut self, want: &[String], got: &[String]) {
        let mut left: Vec<&String> = got.iter().collect();
        for w in want {
            if let Some(i) = left.iter().position(|g| *g == w) {
                left.remove(i);
                self.hits += 1;
            }
        }
        self.wanted += want.len();
        self.found += got.len();
    }

    #[allow(clippy::cast_precision_loss)]
    fn precision(&self) -> f64 {
        self.hits as f64 / self.found.max(1) as f64
    }

    #[allow(clippy::cast_precision_loss)]
    fn recall(&self) -> f64 {
        self.hits as f64 / self.wanted.max(1) as f64
    }
}

impl std::fmt::Display for Score {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "precision {:.2} ({}/{}), recall {:.2} ({}/{})",
            self.precision(),
            self.hits,
            self.found,
            self.recall(),
            self.hits,
            self.wanted
        )
    }
}
