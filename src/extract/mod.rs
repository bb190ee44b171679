//! Announcements in, events and deadlines out: reading conference dates,
//! CFP closings and registration cutoffs from prose. A [`text::Document`]
//! is read sentence by sentence: [`dates`] finds the temporal expressions,
//! [`roles`] says what each date is for, [`names`] which event it belongs
//! to and where that is. Every fact keeps the sentence it came from and a
//! confidence.

pub mod dates;
pub mod names;
pub mod roles;
pub mod text;

mod build;

use chrono::{NaiveDate, NaiveTime};

use self::dates::StatedZone;
use self::text::Document;
use crate::model::{DeadlineKind, EventKind};

/// What an announcement says.
#[derive(Debug, Clone, PartialEq)]
pub struct Extraction {
    /// When it was published, as far as known.
    pub published: Option<NaiveDate>,
    pub events: Vec<ExtractedEvent>,
}

/// An event an announcement describes.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtractedEvent {
    pub name: String,
    pub kind: EventKind,
    /// `None` when no date, or no year, can be known.
    pub start: Option<NaiveDate>,
    /// The last day, inclusive.
    pub end: Option<NaiveDate>,
    /// Times of a one-day event, when stated.
    pub times: Option<(NaiveTime, Option<NaiveTime>, Option<StatedZone>)>,
    pub location: Option<String>,
    /// From 0 to 1.
    pub confidence: f32,
    /// The sentence its dates (or its name) came from.
    pub evidence: String,
    /// The line of the evidence in the announcement.
    pub line: usize,
    pub deadlines: Vec<ExtractedDeadline>,
}

/// A deadline an announcement states.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtractedDeadline {
    pub kind: DeadlineKind,
    pub date: NaiveDate,
    pub time: Option<NaiveTime>,
    pub zone: Option<StatedZone>,
    pub confidence: f32,
    pub evidence: String,
    pub line: usize,
}

/// Below this confidence a fact is marked as uncertain.
pub const LOW_CONFIDENCE: f32 = 0.6;

/// Extracts the events and deadlines of `doc`. Years left out are read
/// against its publication date, else `published` (from the source's
/// configuration or the command line), else the years the text states
/// elsewhere; without any, they stay unknown.
#[must_use]
pub fn extract(doc: &Document, published: Option<NaiveDate>) -> Extraction {
    let published = doc.published.or(published);
    Extraction {
        published,
        events: build::events(doc, published),
    }
}
