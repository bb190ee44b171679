//! `confcal extract FILE|URL`: shows what the extractor finds in an
//! announcement — as JSON (the contract other tools read), or as curated
//! TOML entries to correct and paste into `feeds/`.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime, Timelike};
use serde::Serialize;

use super::pipeline::runtime;
use super::{CommandError, Context, Status};
use crate::cli::{ExtractArgs, ExtractFormat};
use crate::config::normalize;
use crate::extract::dates::StatedZone;
use crate::extract::{ExtractedDeadline, ExtractedEvent, Extraction, LOW_CONFIDENCE, extract};
use crate::sources::announcement::{self, Format};
use crate::sources::fetch::{Fetched, Fetcher, Validators};
use crate::time::Zone;

/// Extracts from the file or URL in `args` and prints what was found.
pub fn extract_command(
    ctx: &Context,
    args: &ExtractArgs,
    out: &mut impl Write,
) -> Result<Status, CommandError> {
    let published = args.published.as_deref().map(|p| ctx.time(p)).transpose()?;
    let published = published.map(|t| t.with_timezone(&chrono::Utc).date_naive());
    let (bytes, last_modified) = read(ctx, &args.input)?;
    let origin = Path::new(&args.input);
    let docs =
        announcement::documents(origin, &bytes).map_err(|e| CommandError::Input(e.to_string()))?;
    let fallback = published.or(last_modified);
    let extractions: Vec<Extraction> = docs.iter().map(|d| extract(d, fallback)).collect();
    let feed = announcement::sniff(&args.input, &bytes) == Format::Feed;
    match args.format {
        ExtractFormat::Json => {
            let json = if feed {
                serde_json::to_value(JsonFeed::from(&extractions[..]))
            } else {
                let empty = Extraction {
                    published: fallback,
                    events: Vec::new(),
                };
                serde_json::to_value(JsonDoc::from(extractions.first().unwrap_or(&empty)))
            }
            .map_err(std::io::Error::from)?;
            serde_json::to_writer_pretty(&mut *out, &json).map_err(std::io::Error::from)?;
            writeln!(out)?;
        }
        ExtractFormat::Toml => out.write_all(curated(&args.input, &extractions).as_bytes())?,
    }
    Ok(Status::Clean)
}

/// The bytes of a file, or of a URL with its `Last-Modified` date.
fn read(ctx: &Context, input: &str) -> Result<(Vec<u8>, Option<NaiveDate>), CommandError> {
    let remote = input.contains("://");
    if !remote {
        let bytes = std::fs::read(input).map_err(|source| CommandError::Read {
            path: input.into(),
            source,
        })?;
        return Ok((bytes, None));
    }
    let url = normalize(input).map_err(CommandError::Input)?;
    let fetcher =
        Fetcher::new(&ctx.config.fetch).map_err(|e| CommandError::Input(e.to_string()))?;
    let answer = runtime()?.block_on(async {
        let turn = fetcher.turn(&url).await?;
        fetcher.fetch(&turn, &url, &Validators::default()).await
    });
    match answer {
        Ok(Fetched::Body { bytes, validators }) => {
            let modified = validators
                .last_modified
                .and_then(|d| httpdate::parse_http_date(&d).ok())
                .map(|t| chrono::DateTime::<chrono::Utc>::from(t).date_naive());
            Ok((bytes, modified))
        }
        Ok(Fetched::NotModified) => Err(CommandError::Input(format!(
            "`{url}` answered 304 Not Modified to a plain request"
        ))),
        Err(e) => Err(CommandError::Input(format!("cannot fetch `{url}`: {e}"))),
    }
}

#[derive(Serialize)]
struct JsonFeed {
    published: Option<String>,
    events: Vec<JsonEvent>,
    items: Vec<JsonDoc>,
}

impl From<&[Extraction]> for JsonFeed {
    fn from(items: &[Extraction]) -> Self {
        let items: Vec<JsonDoc> = items.iter().map(JsonDoc::from).collect();
        JsonFeed {
            published: None,
            events: items.iter().flat_map(|i| i.events.clone()).collect(),
            items,
        }
    }
}

#[derive(Serialize)]
struct JsonDoc {
    published: Option<String>,
    events: Vec<JsonEvent>,
}

impl From<&Extraction> for JsonDoc {
    fn from(extraction: &Extraction) -> Self {
        JsonDoc {
            published: extraction.published.map(|d| d.to_string()),
            events: extraction.events.iter().map(JsonEvent::from).collect(),
        }
    }
}

#[derive(Serialize, Clone)]
struct JsonEvent {
    name: String,
    kind: &'static str,
    start: Option<String>,
    end: Option<String>,
    location: Option<String>,
    confidence: f64,
    evidence: String,
    deadlines: Vec<JsonDeadline>,
}

impl From<&ExtractedEvent> for JsonEvent {
    fn from(event: &ExtractedEvent) -> Self {
        JsonEvent {
            name: event.name.clone(),
            kind: event.kind.name(),
            start: event.start.map(|d| d.to_string()),
            end: event.end.map(|d| d.to_string()),
            location: event.location.clone(),
            confidence: rounded(event.confidence),
            evidence: event.evidence.clone(),
            deadlines: event.deadlines.iter().map(JsonDeadline::from).collect(),
        }
    }
}

#[derive(Serialize, Clone)]
struct JsonDeadline {
    kind: &'static str,
    due: String,
    confidence: f64,
    evidence: String,
}

impl From<&ExtractedDeadline> for JsonDeadline {
    fn from(deadline: &ExtractedDeadline) -> Self {
        JsonDeadline {
            kind: match deadline.kind {
                crate::model::DeadlineKind::Paper => "other",
                kind => kind.name(),
            },
            due: due(deadline),
            confidence: rounded(deadline.confidence),
            evidence: deadline.evidence.clone(),
        }
    }
}

fn rounded(confidence: f32) -> f64 {
    (f64::from(confidence) * 100.0).round() / 100.0
}

/// `2015-05-01`, `2015-05-01 AoE`, `2016-05-01T23:59-07:00`,
/// `2016-05-01T23:59 AoE`.
fn due(deadline: &ExtractedDeadline) -> String {
    let zone = deadline.zone.as_ref();
    let Some(time) = deadline.time else {
        let aoe = zone.is_some_and(|z| z.zone == Zone::Aoe);
        return format!("{}{}", deadline.date, if aoe { " AoE" } else { "" });
    };
    let local = NaiveDateTime::new(deadline.date, time);
    let clock = if time.second() == 0 {
        local.format("%Y-%m-%dT%H:%M").to_string()
    } else {
        local.format("%Y-%m-%dT%H:%M:%S").to_string()
    };
    format!(
        "{clock}{}",
        zone.map_or_else(String::new, |z| suffix(z, local))
    )
}

fn suffix(zone: &StatedZone, local: NaiveDateTime) -> String {
    if zone.zone == Zone::Aoe {
        return " AoE".to_owned();
    }
    let offset = zone.zone.offset_at(zone.zone.instant(local));
    offset.to_string()
}

/// Curated-file entries for what was found, to correct and keep.
fn curated(input: &str, extractions: &[Extraction]) -> String {
    let mut text = format!(
        "# Extracted from {input} by `confcal extract`.\n# Check every date before relying on it; entries marked LOW CONFIDENCE need it most.\n"
    );
    for event in extractions.iter().flat_map(|e| &e.events) {
        let _ = write!(text, "\n# {}", quote_comment(&event.evidence));
        if event.confidence < LOW_CONFIDENCE {
            text.push_str("\n# LOW CONFIDENCE");
        }
        let year = event
            .start
            .map(|d| format!(" {}", chrono::Datelike::year(&d)))
            .unwrap_or_default();
        let _ = write!(
            text,
            "\n[[event]]\nname = {}\nkind = \"{}\"\n",
            quoted(&format!("{}{year}", event.name)),
            event.kind.name()
        );
        match (event.start, event.end) {
            (Some(start), end) => {
                let _ = write!(text, "start = {start}\nend = {}\n", end.unwrap_or(start));
            }
            _ => text.push_str("# start = YYYY-MM-DD   (no year could be known: fill it in)\n"),
        }
        if let Some(location) = &event.location {
            let _ = writeln!(text, "location = {}", quoted(location));
        }
        for deadline in &event.deadlines {
            let _ = write!(
                text,
                "\n# {}\n[[event.deadline]]\nkind = \"{}\"\n",
                quote_comment(&deadline.evidence),
                deadline.kind.name()
            );
            let due = match deadline.time {
                Some(time) => NaiveDateTime::new(deadline.date, time)
                    .format("%Y-%m-%dT%H:%M:%S")
                    .to_string(),
                None => deadline.date.to_string(),
            };
            let _ = writeln!(text, "due = {due}");
            if let Some(zone) = &deadline.zone {
                let _ = writeln!(text, "timezone = {}", quoted(&zone.zone.to_string()));
            }
        }
    }
    text
}

fn quoted(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

fn quote_comment(evidence: &str) -> String {
    let one_line: String = evidence.split_whitespace().collect::<Vec<_>>().join(" ");
    let short: String = one_line.chars().take(160).collect();
    if short.len() < one_line.len() {
        format!("\"{short}…\"")
    } else {
        format!("\"{short}\"")
    }
}
