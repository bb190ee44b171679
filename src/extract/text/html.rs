//! HTML pages into blocks, parsed with html5ever into scraper's tree. Menus,
//! scripts, styles and struck-out text are dropped; block-level elements
//! separate blocks and inline ones do not; a table row whose cells hold
//! only inline content reads as one block, its cells joined by " | ".

use std::borrow::Cow;
use std::cell::{Cell, Ref, RefCell};
use std::collections::HashMap;

use chrono::NaiveDate;
use ego_tree::NodeId;
use ego_tree::iter::Edge;
use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::tree_builder::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::{Attribute, QualName};
use scraper::{ElementRef, Html, HtmlTreeSink, Node, Selector};

use super::{Block, Collector, Document, collapse, parse_date};

/// The deepest nesting of elements read as written. html5ever's tree
/// builder looks through the stack of open elements at each tag, so a page
/// nested a hundred thousand deep would take minutes; below this depth,
/// tags are left out (their text kept) and a warning says so.
const DEEPEST: usize = 256;

/// Reads an HTML page or fragment into a document.
pub(super) fn document(html: &str) -> Document {
    match flatten_deep(html) {
        Some(flat) => {
            let mut doc = parse(&flat);
            doc.warnings.push(format!(
                "the page nests elements deeper than {DEEPEST}; the tags below that depth were left out and their text kept"
            ));
            doc
        }
        None => parse(html),
    }
}

/// Elements that never have an end tag.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];

/// `html` without the tags nested deeper than [`DEEPEST`], or None when it
/// nests no deeper. A linear scan of tags, comments and script bodies.
fn flatten_deep(html: &str) -> Option<String> {
    let mut out = String::with_capacity(html.len());
    let mut depth = 0usize;
    let mut deepest = 0usize;
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let tag = &rest[open..];
        let end = if tag.starts_with("<!--") {
            tag.find("-->").map_or(tag.len(), |e| e + 3)
        } else {
            tag.find('>').map_or(tag.len(), |e| e + 1)
        };
        let (text, after) = tag.split_at(end);
        let name: String = text
            .trim_start_matches(['<', '/'])
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        let closing = text.starts_with("</");
        let opening =
            !closing && !name.is_empty() && !text.ends_with("/>") && !VOID.contains(&name.as_str());
        if closing && !name.is_empty() {
            depth = depth.saturating_sub(1);
        }
        if depth < DEEPEST || name.is_empty() {
            out.push_str(text);
        }
        if opening {
            depth += 1;
            deepest = deepest.max(depth);
        }
        rest = after;
        if opening && matches!(name.as_str(), "script" | "style") {
            let close = rest
                .to_ascii_lowercase()
                .find(&format!("</{name}"))
                .unwrap_or(rest.len());
            out.push_str(&rest[..close]);
            rest = &rest[close..];
        }
    }
    out.push_str(rest);
    (deepest > DEEPEST).then_some(out)
}

/// Parses an HTML page or fragment.
fn parse(html: &str) -> Document {
    let sink = LineSink {
        inner: HtmlTreeSink::new(Html::new_document()),
        line: Cell::new(1),
        lines: RefCell::new(HashMap::new()),
    };
    let (page, lines) = html5ever::driver::parse_document(sink, html5ever::ParseOpts::default())
        .one(StrTendril::from(html));
    let (blocks, strong) = html_blocks(&page, &lines);
    Document {
        published: html_published(&page),
        title: first_text(&page, "head > title").or_else(|| first_text(&page, "h1")),
        link: None,
        blocks,
        warnings: Vec::new(),
        strong,
    }
}

/// Elements whose content is not prose: never part of a block.
const HIDDEN_ELEMENTS: &[&str] = &[
    "head", "script", "style", "noscript", "template", "nav", "del", "s", "strike", "svg",
    "iframe", "object", "select", "textarea",
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
fn html_blocks(page: &Html, lines: &HashMap<NodeId, usize>) -> (Vec<Block>, Vec<(usize, String)>) {
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
        } else if matches!(name, "b" | "strong") {
            self.out.open_strong();
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
        } else if matches!(name, "b" | "strong") {
            self.out.close_strong();
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
    #[test]
    fn deep_nesting_is_read_flattened_with_a_warning_in_linear_work() {
        for depth in [1_000, 10_000] {
            let html = format!(
                "{}CFP closes May 1, 2031{}",
                "<div>".repeat(depth),
                "</div>".repeat(depth)
            );
            let flat = super::flatten_deep(&html).expect("deeper than the limit");
            // The work html5ever is given stays bounded: no more than the
            // allowed depth of tags remains, however deep the page.
            assert_eq!(flat.matches("<div>").count(), super::DEEPEST);
            let doc = super::document(&html);
            assert_eq!(doc.blocks.len(), 1);
            assert_eq!(doc.blocks[0].text, "CFP closes May 1, 2031");
            assert_eq!(doc.warnings.len(), 1);
        }
        assert!(super::flatten_deep("<div><p>shallow</p></div>").is_none());
    }

    use super::super::from_html;
    use super::super::testing::{block, date, heading};

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
}
