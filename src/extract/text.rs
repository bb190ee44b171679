//! The text layer of extraction: an announcement (plain text, Markdown with
//! YAML or TOML front matter, or an HTML page) becomes a [`Document`] of
//! clean [`Block`]s, each a paragraph, heading, list item or table row with
//! its whitespace collapsed and the line it starts on. Menus, scripts,
//! struck-out text and images are left out, so that what the date and role
//! extractors read is the prose a person would read. [`sentences`] splits a
//! block further without breaking at "Aug." or "Xen 4.6".

mod asciidoc;
mod email;
mod front_matter;
mod html;
mod markdown;
mod rst;
mod sentences;

use chrono::{DateTime, NaiveDate};

pub use sentences::sentences;

/// One announcement, as text blocks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Document {
    /// From front matter (`date`, `published`, `pubDate`…), a feed item, or None.
    pub published: Option<NaiveDate>,
    /// Front matter `title`, HTML `<title>` or first `<h1>`, or a feed item's title.
    pub title: Option<String>,
    /// A feed item's link, or None.
    pub link: Option<String>,
    pub blocks: Vec<Block>,
    /// What could not be read as intended (front matter that does not
    /// parse, say), for the reader to be told.
    pub warnings: Vec<String>,
    /// Bold or strong phrases, in order, with their lines: where pages
    /// put the names of what they announce ("**WANT@NeurIPS2023**").
    pub strong: Vec<(usize, String)>,
}

/// A paragraph, heading, list item, table row or line break separated piece
/// of text, whitespace collapsed to single spaces, trimmed, never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub text: String,
    /// 1-based line in the source text where the block starts: where its
    /// first word is. For HTML, counted from the line of the last start
    /// tag, which html5ever reports; a feed entry's lines count from the
    /// start of its content.
    pub line: usize,
    /// Whether it is a heading (Markdown `#`, HTML h1–h6, or a setext heading).
    pub heading: bool,
    /// How deep inside quoted text (an email's `>` lines) it stands: 0 for
    /// the text's own words.
    pub quote: u8,
}

/// Reads Markdown, or plain text copied from the web: blank lines separate
/// paragraphs, so a line standing alone between blank lines is a block of its
/// own. YAML (`---`) or TOML (`+++`) front matter at the very start gives the
/// title and the publication date; front matter that does not parse is read
/// as Markdown like the rest.
pub fn from_markdown(text: &str) -> Document {
    let uncommented = blank_template_comments(text);
    let text = uncommented.as_str();
    let (front, body) = front_matter::split(text);
    let (blocks, strong) = markdown::read(text, body);
    Document {
        published: front.published,
        title: front.title,
        link: None,
        blocks,
        warnings: front.warnings,
        strong,
    }
}

/// `text` with the insides of Liquid and Jinja comments (`{% comment %}`
/// … `{% endcomment %}`, `{# … #}`) blanked, their line breaks kept so
/// that lines still count true: what a site's template hides is not prose.
fn blank_template_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let liquid = find_tag(rest, "comment").map(|at| (at, "endcomment"));
        let jinja = rest.find("{#").map(|at| (at, "#}"));
        let Some((at, closer)) = [liquid, jinja]
            .into_iter()
            .flatten()
            .min_by_key(|(at, _)| *at)
        else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..at]);
        let end = if closer == "#}" {
            rest[at..].find("#}").map(|e| at + e + 2)
        } else {
            find_tag(&rest[at + 2..], closer)
                .and_then(|e| rest[at + 2 + e..].find('}').map(|c| at + 2 + e + c + 1))
        }
        .unwrap_or(rest.len());
        out.extend(
            rest[at..end]
                .chars()
                .map(|c| if c == '\n' { '\n' } else { ' ' }),
        );
        rest = &rest[end..];
    }
}

/// Where the template tag `{% name %}` (or `{%- name -%}`) starts.
fn find_tag(text: &str, name: &str) -> Option<usize> {
    text.match_indices("{%").map(|(at, _)| at).find(|at| {
        text[at + 2..]
            .trim_start_matches('-')
            .trim_start()
            .strip_prefix(name)
            .is_some_and(|after| after.trim_start().starts_with(['%', '-']))
    })
}

/// Reads a raw email, headers and all (see [`email`]).
pub fn from_email(text: &str) -> Document {
    email::document(text)
}

/// Reads reStructuredText (see [`rst`]).
pub fn from_rst(text: &str) -> Document {
    rst::document(text)
}

/// Reads AsciiDoc (see [`asciidoc`]).
pub fn from_asciidoc(text: &str) -> Document {
    asciidoc::document(text)
}

/// Whether `text` is a raw email: header lines up to the first blank line,
/// `From:` and `Subject:` or `Date:` among them.
pub fn is_email(text: &str) -> bool {
    email::looks_like_email(text)
}

/// Reads an HTML page or fragment. The title is the page's `<title>`, else
/// its first `<h1>`; the publication date comes from the
/// `article:published_time` meta tag, else from a `<time datetime>` in the
/// article's header, and is never guessed from the body text.
pub fn from_html(html: &str) -> Document {
    if html.len() <= LARGEST_PAGE {
        return html::document(html);
    }
    let mut cut = LARGEST_PAGE;
    while !html.is_char_boundary(cut) {
        cut -= 1;
    }
    let cut = html[..cut].rfind('<').unwrap_or(cut);
    let mut doc = html::document(&html[..cut]);
    doc.warnings.push(format!(
        "the page is larger than {} MiB; only its first {} MiB were read",
        LARGEST_PAGE >> 20,
        LARGEST_PAGE >> 20
    ));
    doc
}

/// The most of an HTML page that is read: a parsed page takes some forty
/// times its size in memory, and no announcement comes near this.
pub const LARGEST_PAGE: usize = 4 << 20;

/// Collapses runs of whitespace to single spaces and trims.
fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Bullets that plain text copied from web pages puts before list items.
const BULLETS: &[char] = &['•', '◦', '▪', '●', '‣', '·'];

/// Gathers pieces of text into blocks.
#[derive(Debug, Default)]
struct Collector {
    blocks: Vec<Block>,
    text: String,
    line: usize,
    heading: bool,
    /// Whether a table cell ended since the last text: the next text is a
    /// new cell, after " | ".
    cell_ended: bool,
    /// Depth inside bold text, the bold text so far and where it began.
    strong_depth: usize,
    strong_text: String,
    strong_line: usize,
    strong: Vec<(usize, String)>,
}

impl Collector {
    /// Adds a piece of text whose first word is on `line`. The block takes
    /// its line and heading flag from its first piece that is not blank.
    fn push(&mut self, piece: &str, line: usize, heading: bool) {
        if self.strong_depth > 0 {
            if self.strong_text.is_empty() {
                self.strong_line = line;
            }
            self.strong_text.push_str(piece);
        }
        if piece.trim().is_empty() {
            if !self.text.is_empty() {
                self.text.push(' ');
            }
            return;
        }
        if self.text.trim().is_empty() {
            self.line = line;
            self.heading = heading;
        } else if self.cell_ended {
            self.text.push_str(" | ");
        }
        self.cell_ended = false;
        self.text.push_str(piece);
    }

    /// Bold text begins.
    fn open_strong(&mut self) {
        self.strong_depth += 1;
    }

    /// Bold text ends: it is kept as a phrase when the outermost ends.
    fn close_strong(&mut self) {
        self.strong_depth = self.strong_depth.saturating_sub(1);
        if self.strong_depth == 0 {
            let phrase = collapse(&std::mem::take(&mut self.strong_text));
            if !phrase.is_empty() {
                self.strong.push((self.strong_line, phrase));
            }
        }
    }

    fn space(&mut self) {
        self.text.push(' ');
    }

    /// Ends a table cell: text that follows belongs to the next cell.
    fn end_cell(&mut self) {
        self.cell_ended = !self.text.trim().is_empty();
    }

    /// Ends the block being gathered, if it has any text.
    fn flush(&mut self) {
        let text = collapse(&self.text);
        let text = match text.strip_prefix(BULLETS) {
            Some(rest) if rest.starts_with(' ') => rest.trim_start().to_owned(),
            _ => text,
        };
        if !text.is_empty() {
            self.blocks.push(Block {
                text,
                line: self.line,
                heading: self.heading,
                quote: 0,
            });
        }
        self.text.clear();
        self.cell_ended = false;
    }

    fn finish(mut self) -> (Vec<Block>, Vec<(usize, String)>) {
        self.flush();
        (self.blocks, self.strong)
    }
}

/// The date in a publication date: `2015-04-02`, `2015-04-02 15:15 UTC`,
/// RFC 3339 (`2015-04-02T15:15:00Z`) or RFC 2822 (`Thu, 02 Apr 2015 15:15:00
/// +0000`). The date is the one written, in the writer's own zone.
fn parse_date(value: &str) -> Option<NaiveDate> {
    let value = value.trim();
    if let Ok(time) = DateTime::parse_from_rfc2822(value) {
        return Some(time.date_naive());
    }
    let (date, rest) = value.split_at_checked(10)?;
    if !(rest.is_empty() || rest.starts_with([' ', 'T', 't'])) {
        return None;
    }
    NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod testing {
    //! Helpers for the tests of the text layer.

    use chrono::NaiveDate;

    use super::Block;

    pub(super) fn block(line: usize, text: &str) -> Block {
        Block {
            text: text.to_owned(),
            line,
            heading: false,
            quote: 0,
        }
    }

    pub(super) fn heading(line: usize, text: &str) -> Block {
        Block {
            heading: true,
            ..block(line, text)
        }
    }

    pub(super) fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }
}

#[cfg(test)]
mod tests {
    use super::testing::date;
    use super::*;

    #[test]
    fn publication_dates() {
        let cases = [
            ("2015-04-02", date(2015, 4, 2)),
            ("2015-04-02 15:15 UTC", date(2015, 4, 2)),
            ("2015-04-02T15:15:00Z", date(2015, 4, 2)),
            ("2015-04-02T23:15:00-08:00", date(2015, 4, 2)),
            ("Thu, 02 Apr 2015 15:15:00 +0000", date(2015, 4, 2)),
            (" 2015-04-02 ", date(2015, 4, 2)),
            ("2015-04-31", None),
            ("2015-04-0212", None),
            ("true", None),
            ("April 2, 2015", None),
            ("", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_date(text), expected, "{text:?}");
        }
    }

    #[test]
    fn a_page_past_the_largest_is_read_in_part_and_said() {
        let para = "<p>Nothing dated here.</p>\n";
        let page = para.repeat(LARGEST_PAGE / para.len() + 1000);
        let doc = from_html(&page);
        assert_eq!(
            doc.warnings,
            ["the page is larger than 4 MiB; only its first 4 MiB were read"]
        );
        assert!(doc.blocks.len() <= LARGEST_PAGE / para.len() + 1);
        assert!(from_html(para).warnings.is_empty());
    }

    #[test]
    fn empty_and_blank_text() {
        assert_eq!(from_markdown(""), Document::default());
        assert_eq!(from_markdown("\n \n\t\n"), Document::default());
        assert_eq!(from_markdown("##\n"), Document::default());
        assert_eq!(from_html(""), Document::default());
    }
}
