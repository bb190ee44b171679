//! Markdown and plain text into blocks, through pulldown-cmark's events.
//! Plain text copied from the web reads as Markdown whose paragraphs are
//! what blank lines separate; lines that start with a bullet ("•") are list
//! items of their own.

use std::ops::Range;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use super::{BULLETS, Block, Collector, from_html};
use crate::place::LineIndex;

/// The blocks of the Markdown in `text` from byte `body` on (after any
/// front matter), with lines counted from the start of `text`.
pub(super) fn blocks(text: &str, body: usize) -> Vec<Block> {
    read(text, body).0
}

/// The blocks and the bold phrases of the Markdown in `text` from `body` on.
pub(super) fn read(text: &str, body: usize) -> (Vec<Block>, Vec<(usize, String)>) {
    let index = LineIndex::new(text);
    let mut walk = MarkdownWalk::new(text, body, &index);
    let options = Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES;
    for (event, range) in Parser::new_ext(&text[body..], options).into_offset_iter() {
        walk.event(event, range);
    }
    walk.out.finish()
}

/// Whether a line of indented text starts an item of its own: a bullet
/// ("- ", "* ", "• ") or a short label and a colon ("CFP closes: May 1").
fn starts_item(line: &str) -> bool {
    let line = line.trim_start();
    if line.starts_with(['-', '*', '+']) && line[1..].starts_with(' ') || line.starts_with(BULLETS)
    {
        return true;
    }
    line.split_once(':').is_some_and(|(label, rest)| {
        label.len() <= 40
            && label.chars().next().is_some_and(char::is_uppercase)
            && rest.starts_with(' ')
    })
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
            Tag::Strong => self.out.open_strong(),
            Tag::TableCell
            | Tag::Emphasis
            | Tag::Link { .. }
            | Tag::Superscript
            | Tag::Subscript => {}
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
            TagEnd::Strong => self.out.close_strong(),
            TagEnd::Emphasis | TagEnd::Link | TagEnd::Superscript | TagEnd::Subscript => {}
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
                if starts_item(line) {
                    self.out.flush();
                }
                let item = line.trim_start().trim_start_matches(['-', '*', '+']);
                let line = if item.len() < line.trim_start().len() {
                    item
                } else {
                    line
                };
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

#[cfg(test)]
mod tests {
    use super::super::from_markdown;
    use super::super::testing::{block, heading};

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
}
