//! The text layer of extraction: an announcement (plain text, Markdown with
//! YAML or TOML front matter, or an HTML page) becomes a [`Document`] of
//! clean [`Block`]s, each a paragraph, heading, list item or table row with
//! its whitespace collapsed and the line it starts on. Menus, scripts,
//! struck-out text and images are left out, so that what the date and role
//! extractors read is the prose a person would read. [`sentences`] splits a
//! block further without breaking at "Aug." or "Xen 4.6".

use std::borrow::Cow;
use std::cell::{Cell, Ref, RefCell};
use std::collections::HashMap;
use std::ops::Range;

use chrono::{DateTime, NaiveDate};
use ego_tree::NodeId;
use ego_tree::iter::Edge;
use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::tree_builder::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::{Attribute, QualName};
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use scraper::{ElementRef, Html, HtmlTreeSink, Node, Selector};
use yaml_rust2::parser::{Event as YamlEvent, Parser as YamlParser};

use crate::place::LineIndex;

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
}

/// A paragraph, heading, list item, table row or line break separated piece
/// of text, whitespace collapsed to single spaces, trimmed, never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub text: String,
    /// 1-based line in the source text where the block starts (best effort
    /// for HTML: the line of its element).
    pub line: usize,
    /// Whether it is a heading (Markdown `#`, HTML h1–h6, or a setext heading).
    pub heading: bool,
}

/// Reads Markdown, or plain text copied from the web: blank lines separate
/// paragraphs, so a line standing alone between blank lines is a block of its
/// own. YAML (`---`) or TOML (`+++`) front matter at the very start gives the
/// title and the publication date; front matter that does not parse is read
/// as Markdown like the rest.
pub fn from_markdown(text: &str) -> Document {
    let (front, body) = front_matter(text);
    let index = LineIndex::new(text);
    let mut walk = MarkdownWalk::new(text, body, &index);
    let options = Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES;
    for (event, range) in Parser::new_ext(&text[body..], options).into_offset_iter() {
        walk.event(event, range);
    }
    Document {
        published: front.published,
        title: front.title,
        link: None,
        blocks: walk.out.finish(),
    }
}

/// Reads an HTML page or fragment. The title is the page's `<title>`, else
/// its first `<h1>`; the publication date comes from the
/// `article:published_time` meta tag, else from a `<time datetime>` in the
/// article's header, and is never guessed from the body text.
pub fn from_html(html: &str) -> Document {
    let sink = LineSink {
        inner: HtmlTreeSink::new(Html::new_document()),
        line: Cell::new(1),
        lines: RefCell::new(HashMap::new()),
    };
    let (page, lines) = html5ever::driver::parse_document(sink, html5ever::ParseOpts::default())
        .one(StrTendril::from(html));
    Document {
        published: html_published(&page),
        title: first_text(&page, "head > title").or_else(|| first_text(&page, "h1")),
        link: None,
        blocks: html_blocks(&page, &lines),
    }
}

/// The sentences of a block's text, each with its byte offset in `text`.
/// A sentence ends at `.`, `!` or `?` (and any closing quote or bracket)
/// followed by a space and a capital or a digit, or by the end of the text;
/// but not at the period of an abbreviation ("Aug.", "Sept.", "Dr.", "e.g.",
/// "St.", "No. 5", "Inc.", "vs.", "a.m."), an initial ("J.") or inside a
/// number ("4.6").
///
/// A dash (" – ") does not end a sentence: in announcements it joins a
/// date to what happens on it more often than it separates thoughts.
pub fn sentences(text: &str) -> Vec<(usize, &str)> {
    let mut found = Vec::new();
    let mut start = 0;
    let mut from = 0;
    while let Some(found_at) = text[from..].find(['.', '!', '?']) {
        let at = from + found_at;
        let end = terminator_end(text, at);
        if ends_sentence(text, at, end) {
            push_sentence(&mut found, text, start..end);
            start = end;
        }
        from = end;
    }
    push_sentence(&mut found, text, start..text.len());
    found
}

fn push_sentence<'a>(found: &mut Vec<(usize, &'a str)>, text: &'a str, span: Range<usize>) {
    let piece = &text[span.clone()];
    let trimmed = piece.trim_start();
    let offset = span.start + (piece.len() - trimmed.len());
    let trimmed = trimmed.trim_end();
    if !trimmed.is_empty() {
        found.push((offset, trimmed));
    }
}

/// Where the run of terminators starting at `at` ends, closing quotes and
/// brackets included ("end.)" or "it?”").
fn terminator_end(text: &str, at: usize) -> usize {
    let rest = &text[at..];
    let run = rest
        .find(|c: char| !matches!(c, '.' | '!' | '?'))
        .unwrap_or(rest.len());
    let after = &rest[run..];
    let closers = after
        .find(|c: char| !matches!(c, '"' | '\'' | '”' | '’' | ')' | ']' | '»'))
        .unwrap_or(after.len());
    at + run + closers
}

/// Whether the terminator at `at`, whose run ends at `end`, ends a sentence.
fn ends_sentence(text: &str, at: usize, end: usize) -> bool {
    let rest = &text[end..];
    if rest.trim().is_empty() {
        return true;
    }
    if !rest.starts_with(char::is_whitespace) {
        return false;
    }
    let next = rest
        .trim_start()
        .trim_start_matches(['"', '\'', '“', '‘', '(', '[', '«']);
    let Some(first) = next.chars().next() else {
        return true;
    };
    if !(first.is_uppercase() || first.is_ascii_digit()) {
        return false;
    }
    let lone_period = text[at..end].trim_end_matches(['"', '\'', '”', '’', ')', ']', '»']) == ".";
    !(lone_period && is_abbreviation(word_before(text, at), first))
}

/// The word that ends at byte `at`.
fn word_before(text: &str, at: usize) -> &str {
    text[..at]
        .rsplit(|c: char| c.is_whitespace() || matches!(c, '(' | '[' | '"' | '“' | '‘'))
        .next()
        .unwrap_or("")
}

/// Month and weekday abbreviations, compared without regard to case
/// ("Aug.", "AUG.", "aug.").
const DATE_ABBREVIATIONS: &[&str] = &[
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mon",
    "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
];

/// Other abbreviations, as they are written; a lowercase one may also start
/// with a capital ("Vs.").
const ABBREVIATIONS: &[&str] = &[
    "Dr", "Mr", "Mrs", "Ms", "Prof", "St", "Mt", "Inc", "Ltd", "Corp", "Co", "Jr", "Sr", "Fig",
    "Vol", "Ave", "Blvd", "Dept", "Univ", "Ph.D", "vs", "al", "approx", "ca", "cf", "pp",
];

/// Whether `word` followed by a period is an abbreviation rather than the
/// end of a sentence, given the first letter of what follows.
fn is_abbreviation(word: &str, next: char) -> bool {
    let mut letters = word.chars();
    let initial = matches!((letters.next(), letters.next()), (Some(c), None) if c.is_uppercase());
    let dotted = word.contains('.')
        && word
            .split('.')
            .all(|part| part.chars().count() == 1 && part.chars().all(char::is_alphabetic));
    let lower = word.to_lowercase();
    let number = matches!(lower.as_str(), "no" | "nos") && next.is_ascii_digit();
    let date = DATE_ABBREVIATIONS.contains(&lower.as_str());
    let other = ABBREVIATIONS.iter().any(|a| {
        *a == word || (a.starts_with(char::is_lowercase) && capitalized(a).as_str() == word)
    });
    initial || dotted || number || date || other
}

/// `word` with its first letter made a capital.
fn capitalized(word: &str) -> String {
    let mut letters = word.chars();
    letters
        .next()
        .map(|first| first.to_uppercase().chain(letters).collect())
        .unwrap_or_default()
}

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
}

impl Collector {
    /// Adds a piece of text whose first word is on `line`. The block takes
    /// its line and heading flag from its first piece that is not blank.
    fn push(&mut self, piece: &str, line: usize, heading: bool) {
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
            });
        }
        self.text.clear();
        self.cell_ended = false;
    }

    fn finish(mut self) -> Vec<Block> {
        self.flush();
        self.blocks
    }
}

/// The top-level fields of front matter whose values are strings or dates,
/// as (key, value) in the order written.
type Fields = Vec<(String, String)>;

/// What front matter says about a document.
#[derive(Debug, Default, PartialEq, Eq)]
struct FrontMatter {
    title: Option<String>,
    published: Option<NaiveDate>,
}

/// Front matter keys that give the publication date, most wanted first.
const PUBLISHED_KEYS: &[&str] = &["date", "published", "pubDate", "pubdate"];

impl FrontMatter {
    /// Reads the title and date from the top-level string fields of the
    /// front matter. A key whose value is no date (`published: true`) is
    /// passed over for the next.
    fn from_fields(fields: &Fields) -> FrontMatter {
        let value =
            |key: &'static str| fields.iter().filter(move |(k, _)| k == key).map(|(_, v)| v);
        FrontMatter {
            title: value("title").map(|v| collapse(v)).find(|t| !t.is_empty()),
            published: PUBLISHED_KEYS
                .iter()
                .find_map(|key| value(key).find_map(|v| parse_date(v))),
        }
    }
}

/// Splits front matter off the top of `text`: what it says, and the byte
/// offset where the body starts. Text without front matter that parses is
/// all body.
fn front_matter(text: &str) -> (FrontMatter, usize) {
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut lines = text[start..]
        .split_inclusive('\n')
        .scan(start, |offset, line| {
            let at = *offset;
            *offset += line.len();
            Some((at, line))
        });
    let Some((_, opening)) = lines.next() else {
        return (FrontMatter::default(), 0);
    };
    let (fence, read): (&str, fn(&str) -> Option<Fields>) = match opening.trim_end() {
        "---" => ("---", yaml_fields),
        "+++" => ("+++", toml_fields),
        _ => return (FrontMatter::default(), 0),
    };
    let inside = start + opening.len();
    let closing = lines.find(|(_, line)| {
        let line = line.trim_end();
        line == fence || (fence == "---" && line == "...")
    });
    let Some((close, line)) = closing else {
        return (FrontMatter::default(), 0);
    };
    match read(&text[inside..close]) {
        Some(fields) => (FrontMatter::from_fields(&fields), close + line.len()),
        None => (FrontMatter::default(), 0),
    }
}

/// The top-level scalar fields of a YAML mapping, or None if the text is not
/// YAML or not a mapping. Reads parser events rather than building a tree,
/// so that aliases are never expanded.
fn yaml_fields(source: &str) -> Option<Fields> {
    let mut parser = YamlParser::new_from_str(source);
    let mut fields = Vec::new();
    let mut depth = 0usize;
    let mut key: Option<String> = None;
    loop {
        let (event, _) = parser.next_token().ok()?;
        match event {
            YamlEvent::StreamEnd => return Some(fields),
            YamlEvent::SequenceStart(..) | YamlEvent::Scalar(..) | YamlEvent::Alias(_)
                if depth == 0 =>
            {
                return None;
            }
            YamlEvent::MappingStart(..) | YamlEvent::SequenceStart(..) => depth += 1,
            YamlEvent::MappingEnd | YamlEvent::SequenceEnd => {
                depth = depth.saturating_sub(1);
                if depth == 1 {
                    key = key.is_none().then(String::new);
                }
            }
            YamlEvent::Scalar(value, ..) if depth == 1 => match key.take() {
                Some(k) => fields.push((k, value)),
                None => key = Some(value),
            },
            // A value that is no string uses its key up; a key that is no
            // string leaves a placeholder, whose value is then dropped.
            YamlEvent::Alias(_) if depth == 1 => key = key.is_none().then(String::new),
            _ => {}
        }
    }
}

/// The top-level string and date fields of a TOML table, or None if the
/// text is not TOML.
fn toml_fields(source: &str) -> Option<Fields> {
    let table: toml::Table = toml::from_str(source).ok()?;
    let fields = table
        .into_iter()
        .filter_map(|(key, value)| match value {
            toml::Value::String(s) => Some((key, s)),
            toml::Value::Datetime(d) => Some((key, d.to_string())),
            _ => None,
        })
        .collect();
    Some(fields)
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

/// Turns pulldown-cmark's events into blocks.
struct MarkdownWalk<'a> {
    source: &'a str,
    /// Where the Markdown body starts in `source`, after any front matter.
    base: usize,
    index: &'a LineIndex,
    out: Collector,
    /// Depth of images and struck-out text, whose words are dropped.
    hidden: usize,
    headings: usize,
    in_code: bool,
    in_html: bool,
}

impl<'a> MarkdownWalk<'a> {
    fn new(source: &'a str, base: usize, index: &'a LineIndex) -> MarkdownWalk<'a> {
        MarkdownWalk {
            source,
            base,
            index,
            out: Collector::default(),
            hidden: 0,
            headings: 0,
            in_code: false,
            in_html: false,
        }
    }

    fn line(&self, offset: usize) -> usize {
        self.index.line(self.base + offset)
    }

    fn event(&mut self, event: Event<'_>, range: Range<usize>) {
        match event {
            Event::Start(tag) => self.start(&tag, range),
            Event::End(tag) => self.end(tag),
            Event::Text(text) | Event::Code(text) if self.hidden == 0 => {
                if self.in_code {
                    self.code(&text, range.start);
                } else if !self.in_html {
                    self.out
                        .push(&text, self.line(range.start), self.headings > 0);
                }
            }
            Event::InlineHtml(html) => self.inline_html(&html),
            Event::SoftBreak => self.soft_break(range.end),
            Event::HardBreak | Event::Rule => self.out.flush(),
            _ => {}
        }
    }

    fn start(&mut self, tag: &Tag<'_>, range: Range<usize>) {
        match tag {
            Tag::Image { .. } | Tag::Strikethrough => self.hidden += 1,
            Tag::TableCell | Tag::Emphasis | Tag::Strong | Tag::Link { .. } => {}
            Tag::HtmlBlock => {
                self.out.flush();
                self.in_html = true;
                self.html_block(range);
            }
            _ => {
                self.out.flush();
                self.headings += usize::from(matches!(tag, Tag::Heading { .. }));
                self.in_code |= matches!(tag, Tag::CodeBlock(_));
            }
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Image | TagEnd::Strikethrough => self.hidden = self.hidden.saturating_sub(1),
            TagEnd::TableCell => self.out.end_cell(),
            TagEnd::Emphasis | TagEnd::Strong | TagEnd::Link => {}
            TagEnd::HtmlBlock => self.in_html = false,
            _ => {
                self.out.flush();
                if matches!(tag, TagEnd::Heading(_)) {
                    self.headings = self.headings.saturating_sub(1);
                }
                if matches!(tag, TagEnd::CodeBlock) {
                    self.in_code = false;
                }
            }
        }
    }

    /// Code block text: lines up to a blank line make one block, since
    /// plain text indented by four spaces reads as code.
    fn code(&mut self, text: &str, offset: usize) {
        let first = self.line(offset);
        for (n, line) in text.split_inclusive('\n').enumerate() {
            if line.trim().is_empty() {
                self.out.flush();
            } else {
                self.out.push(line, first + n, false);
            }
        }
    }

    /// A block of raw HTML inside Markdown, read as HTML.
    fn html_block(&mut self, range: Range<usize>) {
        let Some(html) = self
            .source
            .get(self.base + range.start..self.base + range.end)
        else {
            return;
        };
        let shift = self.line(range.start) - 1;
        for block in from_html(html).blocks {
            self.out
                .push(&block.text, block.line + shift, block.heading);
            self.out.flush();
        }
    }

    /// Inline HTML tags: `<br>` breaks the block, `<del>`, `<s>` and
    /// `<strike>` hide their words like `~~`; other tags are dropped.
    fn inline_html(&mut self, html: &str) {
        let tag = html
            .trim_start_matches('<')
            .split(|c: char| c.is_whitespace() || c == '>' || c == '/' && !html.starts_with("</"))
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match tag.as_str() {
            "br" => self.out.flush(),
            "del" | "s" | "strike" => self.hidden += 1,
            "/del" | "/s" | "/strike" => self.hidden = self.hidden.saturating_sub(1),
            _ => {}
        }
    }

    /// A line break inside a paragraph is a space, unless the next line
    /// starts with a bullet ("• item"), as lists copied from web pages do.
    fn soft_break(&mut self, end: usize) {
        let next = self.source[self.base + end..].trim_start();
        if next.starts_with(BULLETS) {
            self.out.flush();
        } else {
            self.out.space();
        }
    }
}

/// Elements whose content is not prose: never part of a block.
const HIDDEN_ELEMENTS: &[&str] = &[
    "head", "script", "style", "noscript", "template", "nav", "del", "s", "strike", "svg",
    "iframe", "object", "select", "button", "textarea",
];

/// Elements that start and end a block. `br` and `hr` break one; table
/// rows and cells are handled on their own.
const BLOCK_ELEMENTS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "caption",
    "center",
    "dd",
    "details",
    "dialog",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "html",
    "legend",
    "li",
    "main",
    "menu",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "tfoot",
    "thead",
    "ul",
];

fn is_heading(name: &str) -> bool {
    matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6")
}

/// Walks the parsed page in document order, gathering blocks.
fn html_blocks(page: &Html, lines: &HashMap<NodeId, usize>) -> Vec<Block> {
    let mut walk = HtmlWalk {
        lines,
        out: Collector::default(),
        hidden: 0,
        headings: 0,
        in_row: false,
        line: 1,
    };
    for edge in page.tree.root().traverse() {
        match edge {
            Edge::Open(node) => walk.open(node),
            Edge::Close(node) => walk.close(node),
        }
    }
    walk.out.finish()
}

/// The state of a walk through an HTML tree.
struct HtmlWalk<'a> {
    lines: &'a HashMap<NodeId, usize>,
    out: Collector,
    /// Depth inside elements whose words are dropped.
    hidden: usize,
    headings: usize,
    /// Inside a table row read as one block, its cells joined by " | ".
    in_row: bool,
    /// The line the walk has reached in the source: that of the last start
    /// tag, moved on by the line breaks in the text and comments since.
    line: usize,
}

type HtmlNode<'a> = ego_tree::NodeRef<'a, Node>;

impl HtmlWalk<'_> {
    fn open(&mut self, node: HtmlNode<'_>) {
        let element = match node.value() {
            Node::Text(text) => return self.text(text),
            Node::Comment(comment) => return self.pass(comment),
            Node::Element(element) => element,
            _ => return,
        };
        if let Some(&line) = self.lines.get(&node.id()) {
            self.line = line;
        }
        let name = element.name();
        if self.hidden > 0 || HIDDEN_ELEMENTS.contains(&name) || element.attr("hidden").is_some() {
            self.hidden += 1;
        } else if name == "tr" && !self.in_row && is_simple_row(node) {
            self.out.flush();
            self.in_row = true;
        } else {
            self.boundary(name);
            self.headings += usize::from(is_heading(name));
        }
    }

    fn close(&mut self, node: HtmlNode<'_>) {
        let Node::Element(element) = node.value() else {
            return;
        };
        let name = element.name();
        if self.hidden > 0 {
            self.hidden -= 1;
        } else if name == "tr" && self.in_row {
            self.out.flush();
            self.in_row = false;
        } else if name != "br" && name != "hr" {
            self.boundary(name);
            if is_heading(name) {
                self.headings = self.headings.saturating_sub(1);
            }
        }
    }

    /// Text, placed on the line the walk has reached plus the line breaks
    /// before its first word.
    fn text(&mut self, text: &str) {
        if self.hidden == 0 {
            let lead = text.len() - text.trim_start().len();
            let line = self.line + text[..lead].matches('\n').count();
            self.out.push(text, line, self.headings > 0);
        }
        self.pass(text);
    }

    /// Moves the walk past the line breaks in `text`.
    fn pass(&mut self, text: &str) {
        self.line += text.matches('\n').count();
    }

    /// What an element's start or end does to the block being gathered.
    fn boundary(&mut self, name: &str) {
        let cell = matches!(name, "td" | "th");
        let block = cell || name == "tr" || name == "br" || name == "hr";
        match (self.in_row, cell) {
            (true, true) => self.out.end_cell(),
            (true, false) if block || BLOCK_ELEMENTS.contains(&name) => self.out.space(),
            (false, _) if block || BLOCK_ELEMENTS.contains(&name) => self.out.flush(),
            _ => {}
        }
    }
}

/// Whether a table row holds only inline content, so that it reads as one
/// block. A row of a layout table, with paragraphs or lists in its cells,
/// is read block by block instead.
fn is_simple_row(row: HtmlNode<'_>) -> bool {
    row.descendants().skip(1).all(|node| match node.value() {
        Node::Element(element) => {
            let name = element.name();
            !(BLOCK_ELEMENTS.contains(&name) || name == "tr" || name == "hr")
        }
        _ => true,
    })
}

/// The collapsed text of the first element matching `css` that has any.
fn first_text(page: &Html, css: &str) -> Option<String> {
    let selector = Selector::parse(css).ok()?;
    page.select(&selector)
        .map(|element| collapse(&element.text().collect::<String>()))
        .find(|text| !text.is_empty())
}

/// The publication date a page states in its markup.
fn html_published(page: &Html) -> Option<NaiveDate> {
    let attribute = |css: &str, name: &str| {
        let selector = Selector::parse(css).ok()?;
        page.select(&selector)
            .find_map(|element: ElementRef<'_>| element.attr(name).and_then(parse_date))
    };
    attribute(
        r#"meta[property="article:published_time"], meta[name="article:published_time"]"#,
        "content",
    )
    .or_else(|| attribute("article header time[datetime]", "datetime"))
}

/// An html5ever tree sink that builds scraper's tree and notes the line of
/// each element's start tag (its `>`). Text nodes get no line of their own:
/// html5ever reports the line of a run of text inconsistently, sometimes
/// where it starts and sometimes where it ends.
struct LineSink {
    inner: HtmlTreeSink,
    line: Cell<usize>,
    lines: RefCell<HashMap<NodeId, usize>>,
}

impl TreeSink for LineSink {
    type Handle = NodeId;
    type Output = (Html, HashMap<NodeId, usize>);
    type ElemName<'a> = Ref<'a, QualName>;

    fn finish(self) -> Self::Output {
        (self.inner.finish(), self.lines.into_inner())
    }

    fn set_current_line(&self, line: u64) {
        self.line.set(usize::try_from(line).unwrap_or(usize::MAX));
    }

    fn create_element(&self, name: QualName, attrs: Vec<Attribute>, flags: ElementFlags) -> NodeId {
        let id = self.inner.create_element(name, attrs, flags);
        self.lines.borrow_mut().insert(id, self.line.get());
        id
    }

    fn append(&self, parent: &NodeId, child: NodeOrText<NodeId>) {
        self.inner.append(parent, child);
    }

    fn parse_error(&self, msg: Cow<'static, str>) {
        self.inner.parse_error(msg);
    }

    fn get_document(&self) -> NodeId {
        self.inner.get_document()
    }

    fn elem_name<'a>(&'a self, target: &'a NodeId) -> Ref<'a, QualName> {
        self.inner.elem_name(target)
    }

    fn create_comment(&self, text: StrTendril) -> NodeId {
        self.inner.create_comment(text)
    }

    fn create_pi(&self, target: StrTendril, data: StrTendril) -> NodeId {
        self.inner.create_pi(target, data)
    }

    fn append_based_on_parent_node(
        &self,
        element: &NodeId,
        prev_element: &NodeId,
        child: NodeOrText<NodeId>,
    ) {
        self.inner
            .append_based_on_parent_node(element, prev_element, child);
    }

    fn append_doctype_to_document(&self, name: StrTendril, public: StrTendril, system: StrTendril) {
        self.inner.append_doctype_to_document(name, public, system);
    }

    fn get_template_contents(&self, target: &NodeId) -> NodeId {
        self.inner.get_template_contents(target)
    }

    fn same_node(&self, x: &NodeId, y: &NodeId) -> bool {
        self.inner.same_node(x, y)
    }

    fn set_quirks_mode(&self, mode: QuirksMode) {
        self.inner.set_quirks_mode(mode);
    }

    fn append_before_sibling(&self, sibling: &NodeId, new_node: NodeOrText<NodeId>) {
        self.inner.append_before_sibling(sibling, new_node);
    }

    fn add_attrs_if_missing(&self, target: &NodeId, attrs: Vec<Attribute>) {
        self.inner.add_attrs_if_missing(target, attrs);
    }

    fn remove_from_parent(&self, target: &NodeId) {
        self.inner.remove_from_parent(target);
    }

    fn reparent_children(&self, node: &NodeId, new_parent: &NodeId) {
        self.inner.reparent_children(node, new_parent);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(line: usize, text: &str) -> Block {
        Block {
            text: text.to_owned(),
            line,
            heading: false,
        }
    }

    fn heading(line: usize, text: &str) -> Block {
        Block {
            heading: true,
            ..block(line, text)
        }
    }

    fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    #[test]
    fn yaml_front_matter_gives_title_and_date() {
        let text = "---\n\
                    title: \"Hypervisor Summit: Call for Talks\"\n\
                    author:\n  name: Someone\n\
                    date: 2019-06-10 09:30 UTC\n\
                    published: true\n\
                    tags: [cfp, summit]\n\
                    ---\n\
                    \n\
                    Talks are due June 30.\n";
        let document = from_markdown(text);
        assert_eq!(
            document.title.as_deref(),
            Some("Hypervisor Summit: Call for Talks")
        );
        assert_eq!(document.published, date(2019, 6, 10));
        assert_eq!(document.blocks, [block(10, "Talks are due June 30.")]);
    }

    #[test]
    fn a_published_flag_gives_way_to_a_pub_date() {
        let text =
            "---\npublished: true\npubDate: \"Tue, 10 Sep 2019 23:30:00 -0700\"\n---\nBody.\n";
        assert_eq!(from_markdown(text).published, date(2019, 9, 10));
    }

    #[test]
    fn toml_front_matter_gives_title_and_date() {
        let text = "+++\ntitle = \"Storage Days\"\ndate = 2021-09-14\n+++\n# Storage Days\n";
        let document = from_markdown(text);
        assert_eq!(document.title.as_deref(), Some("Storage Days"));
        assert_eq!(document.published, date(2021, 9, 14));
        assert_eq!(document.blocks, [heading(5, "Storage Days")]);

        let text = "+++\npublished = 2021-09-14T22:00:00-07:00\n+++\nBody\n";
        assert_eq!(from_markdown(text).published, date(2021, 9, 14));
    }

    #[test]
    fn front_matter_that_does_not_parse_is_read_as_markdown() {
        let document = from_markdown("---\ntitle: [never closed\n---\nBody text.\n");
        assert_eq!(document.title, None);
        assert_eq!(document.published, None);
        assert_eq!(
            document.blocks,
            [heading(2, "title: [never closed"), block(4, "Body text.")]
        );

        let document = from_markdown("+++\ntitle = \n+++\n");
        assert_eq!(document.title, None);

        let unclosed = from_markdown("---\ntitle: Never closed\n\nBody.\n");
        assert_eq!(unclosed.title, None);
        assert_eq!(
            unclosed.blocks,
            [block(2, "title: Never closed"), block(4, "Body.")]
        );

        let scalar = from_markdown("---\njust a line\n---\n");
        assert_eq!(scalar.title, None);
    }

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
    fn markdown_post() {
        let text = "\
# Storage Summit 2024

![Summit logo](logo.png) Join us in **Lisbon** at the [Congress Centre](https://example.org).

Key dates
---------

- Proposals due ~~May 1~~ May 15
- Speakers notified:
  - by email
  - on June 1

| What | When |
|------|------|
| Workshops | Sept. 9 |

> Quoted note.

    indented code
    more code

    after a blank line

Line one  
line two
";
        let document = from_markdown(text);
        assert_eq!(document.title, None);
        assert_eq!(
            document.blocks,
            [
                heading(1, "Storage Summit 2024"),
                block(3, "Join us in Lisbon at the Congress Centre."),
                heading(5, "Key dates"),
                block(8, "Proposals due May 15"),
                block(9, "Speakers notified:"),
                block(10, "by email"),
                block(11, "on June 1"),
                block(13, "What | When"),
                block(15, "Workshops | Sept. 9"),
                block(17, "Quoted note."),
                block(19, "indented code more code"),
                block(22, "after a blank line"),
                block(24, "Line one"),
                block(25, "line two"),
            ]
        );
    }

    #[test]
    fn html_inside_markdown() {
        let text =
            "Due <del>May 1</del> May 15<br>and final.\n\n<div>\n<p>Raw HTML block</p>\n</div>\n";
        let document = from_markdown(text);
        assert_eq!(
            document.blocks,
            [
                block(1, "Due May 15"),
                block(1, "and final."),
                block(4, "Raw HTML block")
            ]
        );
    }

    #[test]
    fn plain_text_from_the_web() {
        let text = "\
Skip to content

Kernel Hackfest, Oct 3-5

The hackfest returns to Prague this autumn.
It runs for three days.



Highlights:
  • A day of talks
  • Two days of hacking
";
        let document = from_markdown(text);
        assert_eq!(
            document.blocks,
            [
                block(1, "Skip to content"),
                block(3, "Kernel Hackfest, Oct 3-5"),
                block(
                    5,
                    "The hackfest returns to Prague this autumn. It runs for three days."
                ),
                block(10, "Highlights:"),
                block(11, "A day of talks"),
                block(12, "Two days of hacking"),
            ]
        );
    }

    #[test]
    fn empty_and_blank_text() {
        assert_eq!(from_markdown(""), Document::default());
        assert_eq!(from_markdown("\n \n\t\n"), Document::default());
        assert_eq!(from_markdown("##\n"), Document::default());
        assert_eq!(from_html(""), Document::default());
    }

    const PAGE: &str = r#"<!DOCTYPE html>
<html>
<head>
  <title>Open Firmware Days &amp; Co</title>
  <meta property="article:published_time" content="2024-03-05T09:00:00+01:00">
  <style>p { color: red }</style>
</head>
<body>
<nav><a href="/">Home</a> <a href="/cfp">CFP</a></nav>
<article>
<header><h1>Open Firmware
  Days 2024</h1><time datetime="2024-03-04">March 4</time></header>
<p>Talks are due <del>April 1</del> <strong>April 15</strong>, 2024.<br>
Speakers hear back by May&nbsp;1.</p>
Loose text in the article
<ul>
  <li>Talks: 30 min</li>
  <li>
     Workshops: 2 hours
  </li>
</ul>
<table>
<tr><th>What</th><th>When</th></tr>
<tr><td>CFP closes</td><td><s>Apr 1</s></td><td>April 15</td></tr>
<tr><td><p>Layout cell one</p></td><td><div>Layout cell two</div></td></tr>
</table>
<script>var words = "not prose";</script>
<noscript>Turn on scripts</noscript>
<img alt="event logo" src="logo.png">
<p hidden>hidden words</p>
<!-- a comment
over two lines -->
<div>outer <div>inner</div> tail</div>
<pre>line one
line two</pre>
</article>
</body>
</html>
"#;

    #[test]
    fn html_page() {
        let document = from_html(PAGE);
        assert_eq!(document.title.as_deref(), Some("Open Firmware Days & Co"));
        assert_eq!(document.published, date(2024, 3, 5));
        assert_eq!(document.link, None);
        assert_eq!(
            document.blocks,
            [
                heading(11, "Open Firmware Days 2024"),
                block(12, "March 4"),
                block(13, "Talks are due April 15, 2024."),
                block(14, "Speakers hear back by May 1."),
                block(15, "Loose text in the article"),
                block(17, "Talks: 30 min"),
                block(19, "Workshops: 2 hours"),
                block(23, "What | When"),
                block(24, "CFP closes | April 15"),
                block(25, "Layout cell one"),
                block(25, "Layout cell two"),
                block(33, "outer"),
                block(33, "inner"),
                block(33, "tail"),
                block(34, "line one line two"),
            ]
        );
    }

    #[test]
    fn html_publication_date_from_the_article_header_only() {
        let header = "<article><header><h1>Meetup</h1>\
                      <time datetime=\"2023-11-20T18:00:00Z\">Nov 20</time></header>\
                      <p>On <time datetime=\"2024-01-01\">New Year</time>.</p></article>";
        let document = from_html(header);
        assert_eq!(document.title.as_deref(), Some("Meetup"));
        assert_eq!(document.published, date(2023, 11, 20));

        let body_only = "<p>Posted <time datetime=\"2024-01-01\">New Year</time>.</p>";
        assert_eq!(from_html(body_only).published, None);

        let bad_meta = "<meta property=\"article:published_time\" content=\"soon\">\
                        <article><header><time datetime=\"2023-11-20\">x</time></header></article>";
        assert_eq!(from_html(bad_meta).published, date(2023, 11, 20));
    }

    #[test]
    fn broken_html_is_read_as_far_as_it_goes() {
        let document = from_html("<p>Unclosed <b>bold\n<li>item <td>cell</p></div></table>");
        assert_eq!(
            document.blocks,
            [block(1, "Unclosed bold"), block(2, "item cell")]
        );
    }

    #[track_caller]
    fn assert_sentences(text: &str, expected: &[&str]) {
        let found = sentences(text);
        for (offset, sentence) in &found {
            assert!(
                text[*offset..].starts_with(sentence),
                "{offset} in {text:?}"
            );
        }
        let found: Vec<&str> = found.into_iter().map(|(_, s)| s).collect();
        assert_eq!(found, expected, "{text:?}");
    }

    #[test]
    fn sentences_split_at_ends_only() {
        assert_sentences(
            "The summit runs Aug. 3rd to 5th. Submit by Sept. 1!",
            &["The summit runs Aug. 3rd to 5th.", "Submit by Sept. 1!"],
        );
        assert_sentences(
            "Xen 4.6 ships soon. Version 4.7 follows.",
            &["Xen 4.6 ships soon.", "Version 4.7 follows."],
        );
        assert_sentences(
            "Dr. Jones of Example Inc. speaks on Room No. 5 vs. Room No. 6 at 10 a.m. PDT.",
            &["Dr. Jones of Example Inc. speaks on Room No. 5 vs. Room No. 6 at 10 a.m. PDT."],
        );
        assert_sentences(
            "Talks by J. R. Smith, e.g. Kernel Tricks. Held at St. Mary's Hall.",
            &[
                "Talks by J. R. Smith, e.g. Kernel Tricks.",
                "Held at St. Mary's Hall.",
            ],
        );
        assert_sentences(
            "It is in San Diego, CA. Both days are full. Why? \"Demand.\" (See below.) 2024 is sold out.",
            &[
                "It is in San Diego, CA.",
                "Both days are full.",
                "Why?",
                "\"Demand.\"",
                "(See below.)",
                "2024 is sold out.",
            ],
        );
        assert_sentences(
            "Say no. Then leave. Room no. 4 is free.",
            &["Say no.", "Then leave.", "Room no. 4 is free."],
        );
        assert_sentences(
            "Wait... the list goes on. Dates – see below – are firm",
            &["Wait... the list goes on.", "Dates – see below – are firm"],
        );
        assert_sentences("  ", &[]);
        assert_sentences("No end", &["No end"]);
        assert_sentences("Ends here.  ", &["Ends here."]);
        assert_sentences(
            "Café déjà vu. Ünïcode too.",
            &["Café déjà vu.", "Ünïcode too."],
        );
    }
}
