//! Feeds of announcements: RSS 2.0, Atom and JSON Feed, read with
//! `feed-rs`, each entry becoming a [`Document`] for the extractor, in the
//! order the feed lists them. (The calendar feed that confcal writes is
//! `crate::feed`; this is the reading side.)

use feed_rs::model::{Entry, Link, Text};
use feed_rs::parser::{ParseErrorKind, ParseFeedError};

use crate::extract::text::{self, Document};

/// Why bytes could not be read as a feed.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("not an RSS, Atom or JSON feed: {0}")]
    NotAFeed(String),
    #[error("JSON Feed version `{0}` is not supported")]
    UnsupportedVersion(String),
    #[error("the feed is damaged: {0}")]
    Damaged(String),
}

impl From<ParseFeedError> for FeedError {
    fn from(error: ParseFeedError) -> FeedError {
        match error {
            ParseFeedError::ParseError(ParseErrorKind::NoFeedRoot) => FeedError::NotAFeed(
                "no `<rss>`, `<feed>` or `<rdf:RDF>` element or JSON Feed object could be read"
                    .to_owned(),
            ),
            ParseFeedError::XmlReader(e) => FeedError::NotAFeed(format!("bad XML: {e}")),
            ParseFeedError::JsonSerde(e) => FeedError::NotAFeed(format!("bad JSON: {e}")),
            ParseFeedError::JsonUnsupportedVersion(version) => {
                FeedError::UnsupportedVersion(version)
            }
            ParseFeedError::IoError(e) => FeedError::Damaged(e.to_string()),
            ParseFeedError::ParseError(kind) => FeedError::Damaged(kind.to_string()),
        }
    }
}

/// Each entry of a feed as a [`Document`], in the feed's order: its title,
/// its link, the date it was published (else last updated), and the blocks
/// of its content (else of its summary), read as HTML or as plain text by
/// their declared type. Bytes that are no feed give an error, never a panic.
///
/// The date is the UTC date of the entry's time, since `feed-rs` keeps no
/// offset. The link is the first `alternate` one where an Atom entry names
/// its links' relations, else the first. Block lines count from the start
/// of the entry's content, not of the feed file.
pub fn documents(bytes: &[u8]) -> Result<Vec<Document>, FeedError> {
    let feed = feed_rs::parser::parse(bytes)?;
    Ok(feed.entries.iter().map(document).collect())
}

fn document(entry: &Entry) -> Document {
    let body = entry
        .content
        .as_ref()
        .and_then(|content| {
            let body = content.body.as_deref()?;
            let html = content.content_type.subty().as_str().contains("html");
            Some(read(body, html))
        })
        .filter(|read| !read.blocks.is_empty());
    let blocks = body
        .or_else(|| entry.summary.as_ref().map(read_text))
        .map(|read| read.blocks)
        .unwrap_or_default();
    Document {
        published: entry.published.or(entry.updated).map(|t| t.date_naive()),
        title: entry.title.as_ref().and_then(title),
        link: link(&entry.links).map(|link| link.href.clone()),
        blocks,
        warnings: Vec::new(),
        strong: Vec::new(),
    }
}

/// A feed text, HTML or plain by its declared type.
fn read_text(text: &Text) -> Document {
    read(&text.content, is_html(text))
}

/// Whether a feed text is declared HTML (or XHTML).
fn is_html(text: &Text) -> bool {
    text.content_type.subty().as_str().contains("html")
}

/// Reads HTML as HTML, and anything else, or HTML without a single tag
/// (RSS calls every description HTML), as plain text.
fn read(body: &str, html: bool) -> Document {
    if html && has_tags(body) {
        text::from_html(body)
    } else {
        text::from_markdown(body)
    }
}

/// Whether `text` holds a tag: `<` followed by a letter, `/` or `!`.
fn has_tags(text: &str) -> bool {
    text.match_indices('<').any(|(at, _)| {
        text[at + 1..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '!')
    })
}

/// An entry's title as plain text, or None if it is empty. A plain title is
/// not read as Markdown: "1. Intro" keeps its number.
fn title(title: &Text) -> Option<String> {
    let text = if is_html(title) {
        let blocks = text::from_html(&title.content).blocks;
        blocks
            .into_iter()
            .map(|block| block.text)
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        title
            .content
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    Some(text).filter(|text| !text.is_empty())
}

/// The link to an entry's page: the first `alternate` one, else the first.
fn link(links: &[Link]) -> Option<&Link> {
    links
        .iter()
        .find(|link| link.rel.as_deref() == Some("alternate"))
        .or_else(|| links.first())
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    fn texts(document: &Document) -> Vec<&str> {
        document.blocks.iter().map(|b| b.text.as_str()).collect()
    }

    const RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
  <title>Hypervisor news</title>
  <link>https://news.example.org/</link>
  <description>News</description>
  <item>
    <title>Summit CFP opens</title>
    <link>https://news.example.org/cfp</link>
    <pubDate>Mon, 03 Feb 2025 10:00:00 +0000</pubDate>
    <description>&lt;p&gt;Talks are due &lt;del&gt;March 1&lt;/del&gt; March 15.&lt;/p&gt;&lt;p&gt;Be quick.&lt;/p&gt;</description>
  </item>
  <item>
    <title>Hackathon &amp; social</title>
    <link>https://news.example.org/hack</link>
    <pubDate>Sat, 01 Feb 2025 08:00:00 +0000</pubDate>
    <description>Short teaser.</description>
    <content:encoded><![CDATA[<h2>Hackathon</h2><p>Join us on Feb. 20.</p>]]></content:encoded>
  </item>
</channel>
</rss>"#;

    #[test]
    fn rss_items_in_feed_order() {
        let documents = documents(RSS.as_bytes()).unwrap();
        assert_eq!(documents.len(), 2);
        let [first, second] = &documents[..] else {
            unreachable!()
        };
        assert_eq!(first.title.as_deref(), Some("Summit CFP opens"));
        assert_eq!(first.link.as_deref(), Some("https://news.example.org/cfp"));
        assert_eq!(first.published, date(2025, 2, 3));
        assert_eq!(texts(first), ["Talks are due March 15.", "Be quick."]);

        assert_eq!(second.title.as_deref(), Some("Hackathon & social"));
        assert_eq!(second.published, date(2025, 2, 1));
        assert_eq!(texts(second), ["Hackathon", "Join us on Feb. 20."]);
        assert!(second.blocks[0].heading);
    }

    #[test]
    fn atom_entries() {
        let atom = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Conference blog</title>
  <id>urn:example:blog</id>
  <updated>2024-05-02T12:00:00Z</updated>
  <entry>
    <title type="html">Registration &lt;em&gt;opens&lt;/em&gt;</title>
    <id>urn:example:1</id>
    <link rel="replies" href="https://blog.example.org/1#comments"/>
    <link rel="alternate" href="https://blog.example.org/1"/>
    <published>2024-04-30T23:30:00-02:00</published>
    <updated>2024-05-02T12:00:00Z</updated>
    <content type="html">&lt;p&gt;Early bird ends May 31.&lt;/p&gt;</content>
  </entry>
  <entry>
    <title>2. Venue   announced</title>
    <id>urn:example:2</id>
    <link href="https://blog.example.org/2"/>
    <updated>2024-04-01T08:00:00Z</updated>
    <summary>The venue is the Old Mill.

Doors open at 9.</summary>
  </entry>
</feed>"#;
        let documents = documents(atom.as_bytes()).unwrap();
        assert_eq!(documents.len(), 2);
        assert_eq!(documents[0].title.as_deref(), Some("Registration opens"));
        assert_eq!(
            documents[0].link.as_deref(),
            Some("https://blog.example.org/1")
        );
        assert_eq!(documents[0].published, date(2024, 5, 1));
        assert_eq!(texts(&documents[0]), ["Early bird ends May 31."]);

        assert_eq!(documents[1].title.as_deref(), Some("2. Venue announced"));
        assert_eq!(documents[1].published, date(2024, 4, 1));
        assert_eq!(
            documents[1].link.as_deref(),
            Some("https://blog.example.org/2")
        );
        assert_eq!(
            texts(&documents[1]),
            ["The venue is the Old Mill.", "Doors open at 9."]
        );
    }

    #[test]
    fn json_feed_items() {
        let json = r#"{
            "version": "https://jsonfeed.org/version/1.1",
            "title": "Events",
            "items": [
                {"id": "1", "url": "https://events.example.org/1", "title": "Summit",
                 "date_published": "2024-06-01T10:00:00Z",
                 "content_html": "<p>Summit on June 20.</p>"},
                {"id": "2", "content_text": "Plain words."}
            ]
        }"#;
        let documents = documents(json.as_bytes()).unwrap();
        assert_eq!(documents.len(), 2);
        assert_eq!(documents[0].published, date(2024, 6, 1));
        assert_eq!(
            documents[0].link.as_deref(),
            Some("https://events.example.org/1")
        );
        assert_eq!(texts(&documents[0]), ["Summit on June 20."]);
        assert_eq!(documents[1].title, None);
        assert_eq!(documents[1].published, None);
        assert_eq!(texts(&documents[1]), ["Plain words."]);
    }

    #[test]
    fn bad_bytes_are_an_error() {
        let not_a_feed = "not an RSS, Atom or JSON feed: no `<rss>`, `<feed>` or `<rdf:RDF>` \
                          element or JSON Feed object could be read";
        for bytes in [
            &b"\xff\xfe\x00\x01garbage"[..],
            b"",
            b"<html><body><p>A web page</p></body></html>",
        ] {
            let error = documents(bytes).unwrap_err();
            assert_eq!(error.to_string(), not_a_feed, "{bytes:?}");
        }
        let error = documents(b"{ not json").unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("not an RSS, Atom or JSON feed: bad JSON: "),
            "{error}"
        );
    }
}
