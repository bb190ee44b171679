//! Announcement sources (`kind = "announcement"` and `kind = "rss"`): pages
//! and posts in prose — plain text, Markdown, HTML — and feeds of them.
//! Each document goes through the extractor; what it finds joins the
//! catalog with the sentence it came from and its confidence as provenance.
//! Facts below the source's `min_confidence` are left out, and an event
//! whose dates are unknown (no year anywhere) cannot be placed in a
//! calendar, so it is left out too.

use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::{Loaded, SourceError, Zones, feed, files_in_any};
use crate::config::SourceConfig;
use crate::extract::text::{self, Document};
use crate::extract::{ExtractedDeadline, ExtractedEvent, LOW_CONFIDENCE, extract};
use crate::merge::{deadline_uid, event_uid};
use crate::model::{Deadline, Event, Provenance, When};

/// File extensions read from an announcement folder.
pub const EXTENSIONS: &[&str] = &[
    "md", "markdown", "txt", "html", "htm", "xml", "rss", "atom", "rst", "adoc", "asciidoc", "eml",
];

/// How a body is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Plain text or Markdown.
    Text,
    Html,
    Feed,
    /// A raw email, headers included.
    Email,
    Rst,
    AsciiDoc,
}

/// Guesses how `bytes` are written, from their start, else from the name.
#[must_use]
pub fn sniff(name: &str, bytes: &[u8]) -> Format {
    let head: String = String::from_utf8_lossy(&bytes[..bytes.len().min(1024)])
        .trim_start_matches('\u{feff}')
        .trim_start()
        .to_lowercase();
    if head.starts_with("<?xml") || head.starts_with("<rss") || head.starts_with("<feed") {
        return if head.contains("<html") {
            Format::Html
        } else {
            Format::Feed
        };
    }
    if head.starts_with('{') && head.contains("jsonfeed") {
        return Format::Feed;
    }
    if head.starts_with("<!doctype html") || head.starts_with("<html") || head.starts_with("<head")
    {
        return Format::Html;
    }
    let extension = Path::new(name)
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "html" | "htm" => Format::Html,
        "xml" | "rss" | "atom" => Format::Feed,
        "rst" => Format::Rst,
        "adoc" | "asciidoc" => Format::AsciiDoc,
        "eml" => Format::Email,
        _ if text::is_email(&String::from_utf8_lossy(
            &bytes[..bytes.len().min(64 * 1024)],
        )) =>
        {
            Format::Email
        }
        _ => Format::Text,
    }
}

/// The documents of a body: one for a page, one per item for a feed.
pub fn documents(origin: &Path, bytes: &[u8]) -> Result<Vec<Document>, SourceError> {
    let name = origin.to_string_lossy();
    let text = || {
        String::from_utf8_lossy(bytes)
            .trim_start_matches('\u{feff}')
            .to_owned()
    };
    match sniff(&name, bytes) {
        Format::Text => Ok(vec![text::from_markdown(&text())]),
        Format::Html => Ok(vec![text::from_html(&text())]),
        Format::Email => Ok(vec![text::from_email(&text())]),
        Format::Rst => Ok(vec![text::from_rst(&text())]),
        Format::AsciiDoc => Ok(vec![text::from_asciidoc(&text())]),
        Format::Feed => feed::documents(bytes).map_err(|e| SourceError::Unusable {
            path: origin.to_owned(),
            reason: e.to_string(),
        }),
    }
}

/// Reads an announcement file, or every announcement of a folder.
pub(crate) fn load(source: &SourceConfig, path: &Path, zones: Zones) -> Loaded {
    let mut out = Loaded::default();
    let files = match files_in_any(path, EXTENSIONS) {
        Ok(files) => files,
        Err(e) => {
            out.problems.push(e);
            return out;
        }
    };
    for file in files {
        match std::fs::read(&file) {
            Ok(bytes) => {
                let shown = file.strip_prefix(&source.root).unwrap_or(&file).to_owned();
                let loaded = parse(source, &shown, &bytes, zones);
                out.catalog.events.extend(loaded.catalog.events);
                out.catalog.deadlines.extend(loaded.catalog.deadlines);
                out.problems.extend(loaded.problems);
            }
            Err(e) => out.problems.push(SourceError::Read {
                path: file,
                source: e,
            }),
        }
    }
    out
}

/// Reads one announcement body (or feed) of `source`; `origin` names it.
#[must_use]
pub fn parse(source: &SourceConfig, origin: &Path, bytes: &[u8], zones: Zones) -> Loaded {
    let mut out = Loaded::default();
    let docs = match documents(origin, bytes) {
        Ok(docs) => docs,
        Err(e) => {
            out.problems.push(e);
            return out;
        }
    };
    for doc in docs {
        let extraction = extract(&doc, source.published);
        let url = doc.link.clone();
        for found in &extraction.events {
            add(&mut out, source, origin, url.as_deref(), found, zones);
        }
    }
    out
}

/// Adds one extracted event and its deadlines, if confident enough and
/// dated.
fn add(
    out: &mut Loaded,
    source: &SourceConfig,
    origin: &Path,
    url: Option<&str>,
    found: &ExtractedEvent,
    zones: Zones,
) {
    if percent(found.confidence) < source.min_confidence {
        return;
    }
    let Some(start) = found.start else {
        return;
    };
    let title = format!("{} {}", found.name, chrono::Datelike::year(&start));
    let uid = event_uid(&title, start);
    let provenance = |line: usize, evidence: &str, confidence: f32| Provenance {
        source: source.name.clone(),
        location: format!("{}:{line}", origin.display()),
        evidence: Some(evidence.to_owned()),
        confidence: Some(percent(confidence)),
    };
    let (start_when, end_when) = event_times(found, start);
    out.catalog.events.push(Event {
        uid: uid.clone(),
        title: title.clone(),
        kind: found.kind,
        start: start_when,
        end: end_when,
        location: found.location.clone(),
        url: url.map(str::to_owned),
        description: Some(describe(found.confidence, &found.evidence)),
        tags: tags(source, found.confidence),
        parent: None,
        priority: source.priority,
        provenance: vec![provenance(found.line, &found.evidence, found.confidence)],
        recurrence: None,
        sequence: 0,
        revision: None,
        cancelled: false,
    });
    for deadline in found
        .deadlines
        .iter()
        .filter(|d| percent(d.confidence) >= source.min_confidence)
    {
        let zone = deadline
            .zone
            .as_ref()
            .map(|z| z.zone)
            .or(source.timezone)
            .unwrap_or(zones.deadline);
        out.catalog.deadlines.push(Deadline {
            uid: deadline_uid(&uid, deadline.kind, None),
            event_uid: uid.clone(),
            event_title: title.clone(),
            kind: deadline.kind,
            due: due(deadline),
            zone,
            label: (deadline.confidence < LOW_CONFIDENCE).then(|| "low confidence".to_owned()),
            url: url.map(str::to_owned),
            tags: tags(source, deadline.confidence),
            priority: source.priority,
            provenance: vec![provenance(
                deadline.line,
                &deadline.evidence,
                deadline.confidence,
            )],
            sequence: 0,
            revision: None,
        });
    }
}

/// The source's tags, and `low-confidence` for an uncertain fact.
fn tags(source: &SourceConfig, confidence: f32) -> Vec<String> {
    let mut tags = source.tags.clone();
    if confidence < LOW_CONFIDENCE {
        tags.push("low-confidence".to_owned());
    }
    tags
}

fn percent(confidence: f32) -> u8 {
    // Confidence is between 0 and 1 by construction.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let value = (confidence.clamp(0.0, 1.0) * 100.0).round() as u8;
    value
}

fn describe(confidence: f32, evidence: &str) -> String {
    let marker = if confidence < LOW_CONFIDENCE {
        "low confidence, "
    } else {
        ""
    };
    format!(
        "Extracted ({marker}{}%): \"{evidence}\"",
        percent(confidence)
    )
}

/// An event's start and end: all-day dates, or times on its one day.
fn event_times(found: &ExtractedEvent, start: NaiveDate) -> (When, When) {
    let end = found.end.unwrap_or(start);
    match &found.times {
        Some((from, until, zone)) => {
            let until = until.unwrap_or(*from);
            let at = |t: NaiveTime| NaiveDateTime::new(start, t);
            match zone {
                Some(z) => (
                    When::Zoned(at(*from), z.zone),
                    When::Zoned(at(until), z.zone),
                ),
                None => (When::Floating(at(*from)), When::Floating(at(until))),
            }
        }
        None => (When::Date(start), When::Date(end)),
    }
}

fn due(deadline: &ExtractedDeadline) -> When {
    match deadline.time {
        Some(time) => When::Floating(NaiveDateTime::new(deadline.date, time)),
        None => When::Date(deadline.date),
    }
}
